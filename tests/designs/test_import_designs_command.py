import io
import re

import pytest
from django.core.management import CommandError, call_command

from designs.models import Batch, Design
from designs.workflow import Status
from tests.designs.generation_support import image_bytes

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("import_designs", *args, stdout=out)
    return out.getvalue()


def media_files(media_root):
    return sorted(str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file())


def test_folder_import_validates_skips_and_names_files_itself(tmp_path, media_root):
    folder = tmp_path / "ComfyUI output"
    (folder / "nested").mkdir(parents=True)
    (folder / "a.png").write_bytes(image_bytes("PNG"))
    (folder / "nested" / "b.JPG").write_bytes(image_bytes("JPEG"))
    (folder / "c.webp").write_bytes(image_bytes("WEBP"))
    (folder / "copy-of-a.png").write_bytes(image_bytes("PNG"))
    (folder / "fake.png").write_bytes(image_bytes("GIF"))
    (folder / "notes.txt").write_text("not an image")
    output = run(str(folder), "--batch", "old work")
    designs = Design.objects.order_by("pk")
    assert designs.count() == 3
    assert set(designs.values_list("status", flat=True)) == {Status.REVIEW}
    # A file name is no listing title: the designs wait for their copy; the history names the file.
    assert list(designs.values_list("title", flat=True)) == ["", "", ""]
    assert [d.events.get().message for d in designs] == [
        "Imported from the image file “a.png”.",
        "Imported from the image file “c.webp”.",
        "Imported from the image file “b.JPG”.",
    ]
    assert Batch.objects.get().designs.count() == 3
    assert f"skipped  {folder / 'copy-of-a.png'}: already imported as design {designs[0].pk}" in output
    assert f"skipped  {folder / 'fake.png'}: it is not a PNG, JPEG or WEBP image" in output
    assert "notes.txt" not in output
    assert output.strip().endswith("3 imported, 2 skipped.")
    files = media_files(media_root)
    # Our own names only (designs/YYYY/MM/<uuid>.<real format>), nothing taken from the source file names.
    assert len(files) == 6
    assert all(re.fullmatch(r"designs/(thumbs/)?\d{4}/\d{2}/[0-9a-f]{32}\.(png|jpg|webp)", name) for name in files)
    event = designs[0].events.get()
    assert (event.from_status, event.to_status, event.source) == ("", Status.REVIEW, "command")


def test_a_second_run_imports_nothing_again(tmp_path):
    image = tmp_path / "x.png"
    image.write_bytes(image_bytes())
    run(str(image))
    output = run(str(image))
    assert "0 imported, 1 skipped." in output
    assert Design.objects.count() == 1


def test_oversized_and_unreadable_files_are_skipped_with_reasons(tmp_path, settings, media_root):
    settings.MAX_IMAGE_BYTES = 100
    big = tmp_path / "big.png"
    big.write_bytes(image_bytes(size=(300, 300)))
    output = run(str(big), str(tmp_path / "missing.png"))
    assert "skipped  " + str(big) + ": the file is larger than 100 bytes" in output
    assert "missing.png: cannot read it (No such file or directory)" in output
    assert not Design.objects.exists() and not Batch.objects.exists()
    assert media_files(media_root) == []


def test_an_empty_folder_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="No image files found."):
        run(str(tmp_path))
