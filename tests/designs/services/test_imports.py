"""Existing image files as designs: the title a file name gives."""

from designs.services.imports import title_from_path


def test_a_file_name_title_loses_folders_suffix_controls_bidi_and_markup():
    assert title_from_path("/photos/sunburst print.png") == "sunburst print"
    assert title_from_path("C:\\\\out\\\\sun\u202eburst<br>\u200b.webp") == "sunburst"
