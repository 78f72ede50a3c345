"""Effective DPI: 300 × image px ÷ (placeholder px × scale), per group of enabled variants, the worst counting;
the database filter agrees with it."""

import pytest

from designs import print_quality
from designs.models import Design
from designs.print_quality import BAD, GOOD, LOW, UNKNOWN, effective_dpi
from tests.designs.print_support import areas
from tests.designs.publishing_support import make_template


@pytest.fixture
def levels(settings):
    settings.MIN_PRINT_DPI = 150
    settings.TARGET_PRINT_DPI = 300


def fit(template_areas, **placement):
    return make_template(placeholders=template_areas, placement={"mode": "fit", **placement})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("image", "expected_dpi", "expected_scale"),
    [
        ((1024, 1024), 68, 1.0),  # the example: a Flux image on a 15 in tee front
        ((4500, 5400), 300, 1.0),  # exactly the print area
        ((2000, 1000), 133, 1.0),  # wide: fills the width
        ((1000, 2400), 133, 0.5),  # tall: shrinks until the height fits (0.5 of the width), so 1000 px over 7.5 in
    ],
    ids=["square", "exact", "wide", "tall"],
)
def test_fit_placement_on_a_tee_front(image, expected_dpi, expected_scale, levels):
    report = effective_dpi(image, fit(areas((4500, 5400))))
    assert report.dpi == expected_dpi
    assert report.worst.scale == pytest.approx(expected_scale, abs=1e-3)


@pytest.mark.django_db
def test_fill_placement_covers_the_area_so_a_wide_image_prints_larger(levels):
    template = make_template(placeholders=areas((4500, 5400)), placement={"mode": "fill"})
    report = effective_dpi((2000, 1000), template)
    # Covering 4500×5400 with a 2:1 image takes a 10800 px wide print: scale 2.4, 2000 px over 36 in = 55 DPI.
    assert report.worst.scale == pytest.approx(2.4)
    assert report.dpi == 55


@pytest.mark.django_db
def test_fixed_scale_prints_the_image_at_that_share_of_the_width(levels):
    template = make_template(placeholders=areas((4500, 5400)), placement={"mode": "fixed", "scale": 0.5})
    assert effective_dpi((1500, 1500), template).dpi == 200  # 1500 px over 7.5 in


@pytest.mark.django_db
def test_the_worst_variant_group_counts_and_each_group_is_reported(levels):
    template = fit(areas((3153, 3995), (3153, 3995), (4500, 5700)))  # XS, XS, L
    report = effective_dpi((3000, 3000), template)
    assert [area.placeholder for area in report.areas] == [(4500, 5700), (3153, 3995)]
    assert report.worst.variant_ids == (17393,)
    assert report.dpi == 200  # 3000 px over 15 in on the L; the XS prints at 285
    assert round(report.areas[1].dpi) == 285
    assert report.level == LOW
    # Pixels for 150 DPI everywhere: the L's 7.5 in; for 300 DPI: 4500 px.
    assert report.needed_pixels() == (2250, 2250)
    assert report.needed_pixels(300) == (4500, 4500)


@pytest.mark.django_db
def test_disabled_variants_and_unknown_sizes_do_not_count(levels):
    template = fit(areas((4500, 5400), (4500, 5400), (4500, 5400), (99999, 99999)))  # 17394 is disabled
    assert effective_dpi((4500, 5400), template).level == GOOD
    unknown = make_template(name="No areas", placeholders={}, is_default=False)
    assert effective_dpi((4500, 5400), unknown).level == UNKNOWN
    assert effective_dpi(None, template).level == UNKNOWN


@pytest.mark.parametrize(("dpi", "level"), [(300, GOOD), (299.9, LOW), (150, LOW), (149.9, BAD), (None, UNKNOWN)])
def test_levels_follow_the_settings(dpi, level, levels):
    assert print_quality.dpi_level(dpi) == level


def test_levels_move_with_the_settings(settings):
    settings.MIN_PRINT_DPI, settings.TARGET_PRINT_DPI = 100, 200
    assert print_quality.dpi_level(120) == LOW
    assert print_quality.dpi_level(200) == GOOD


@pytest.mark.django_db
def test_readiness_uses_the_print_file_when_there_is_one_and_explains_itself(make_design, levels):
    template = fit(areas((4500, 5400)))
    design = make_design(image="designs/x.png", image_width=1024, image_height=1024, image_has_alpha=False)
    readiness = print_quality.print_readiness(design, template)
    assert (readiness.file, readiness.level, readiness.badge_text()) == ("original", BAD, "68 DPI")
    text = readiness.explanation()
    assert "1024×1024 px" in text and "68 DPI" in text and "front 4500×5400 px" in text
    assert "150 DPI needs 2250×2250 px" in text and "300 DPI needs 4500×4500 px" in text
    assert "Prepare its print file" in readiness.refusal()
    design.print_file, design.print_width, design.print_height, design.print_has_alpha = "p.png", 4500, 4500, True
    readiness = print_quality.print_readiness(design, template)
    assert (readiness.file, readiness.level, readiness.has_alpha) == ("print file", GOOD, True)


@pytest.mark.django_db
def test_transparency_is_flagged_only_for_templates_that_need_it(make_design, levels):
    design = make_design(image="x.png", image_width=4500, image_height=5400, image_has_alpha=False)
    assert not print_quality.print_readiness(design, fit(areas((4500, 5400)))).lacks_transparency
    template = make_template(
        name="Apparel", placeholders=areas((4500, 5400)), needs_transparency=True, is_default=False
    )
    assert print_quality.print_readiness(design, template).lacks_transparency
    design.image_has_alpha = None  # unknown (imported before transparency was recorded): not flagged
    assert not print_quality.print_readiness(design, template).lacks_transparency


@pytest.mark.django_db
def test_target_size_keeps_the_aspect_ratio_and_reaches_the_target_everywhere(make_design, levels):
    template = fit(areas((3153, 3995), (3153, 3995), (4500, 5700)))
    square = make_design(image_width=1024, image_height=1024)
    tall = make_design(image_width=1000, image_height=2000)
    assert print_quality.print_target_size(square, template) == (4500, 4500)
    assert print_quality.print_target_size(tall, template) == (2850, 5700)
    assert effective_dpi((2850, 5700), template).dpi >= 300


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["fit", "fill", "fixed"])
def test_the_database_filter_agrees_with_effective_dpi(make_design, levels, mode):
    template = make_template(placeholders=areas((3153, 3995), (3153, 3995), (4500, 5700)), placement={"mode": mode})
    sizes = [(1024, 1024), (2250, 2250), (2300, 1200), (1200, 2900), (4500, 5700), (5000, 2000), (2000, 6000)]
    by_size = {make_design(image_width=w, image_height=h).pk: (w, h) for w, h in sizes}
    print_ready = make_design(
        image_width=1024, image_height=1024, print_file="p.png", print_width=4500, print_height=5700
    )
    by_size[print_ready.pk] = (4500, 5700)
    for level in (GOOD, LOW, BAD):
        found = set(print_quality.filter_by_level(Design.objects.all(), template, level).values_list("pk", flat=True))
        expected = {pk for pk, size in by_size.items() if effective_dpi(size, template).level == level}
        assert found == expected, level
