"""Contrast of a transparent design's ink against a template's garment colours: WCAG ratios, the ink measured with
Pillow on real files, the colours a design nearly vanishes on, and the profile kept per file."""

import io

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image, ImageDraw

from designs import contrast, garment_colours
from designs.contrast import contrast_ratio, ink_profile, relative_luminance
from designs.models import Design
from designs.workflow import Status
from tests.designs.publishing_support import make_template

COLOURS = ["White", "Black", "Navy", "Red", "Heather Grey"]


def tee_in(colours, sizes=("S", "M")) -> list[dict]:
    """Variants of a tee in these colours (ids from 1), every one enabled, with the catalog's options."""
    variants, number = [], 0
    for colour in colours:
        for size in sizes:
            number += 1
            variants.append(
                {
                    "id": number,
                    "title": f"{colour} / {size}",
                    "options": {"color": colour, "size": size},
                    "price": 2499,
                    "is_enabled": True,
                }
            )
    return variants


def tee(colours=COLOURS, **fields):
    variants = tee_in(colours)
    placeholders = {str(v["id"]): {"front": {"width": 4500, "height": 5400}} for v in variants}
    fields.setdefault("is_default", False)
    return make_template(name=fields.pop("name", "Colour tee"), variants=variants, placeholders=placeholders, **fields)


def art(ink=(0, 0, 0), *, size=(600, 600), second=None, share_of_second=0.0, background=None) -> bytes:
    """A real PNG: a disc of `ink` on a transparent background (or `background`); `second` paints the bottom
    `share_of_second` of the disc in another colour."""
    image = Image.new("RGBA", size, background or (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    box = (60, 60, size[0] - 60, size[1] - 60)
    draw.ellipse(box, fill=(*ink, 255))
    if second is not None:
        split = box[1] + (box[3] - box[1]) * (1 - share_of_second)
        mask = Image.new("L", size, 0)
        ImageDraw.Draw(mask).ellipse(box, fill=255)
        ImageDraw.Draw(mask).rectangle((0, 0, size[0], split), fill=0)
        image.paste(Image.new("RGBA", size, (*second, 255)), (0, 0), mask)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def design_with(data: bytes, **fields) -> Design:
    """A design whose original and thumbnail are these real bytes, as ingest stores them (no profile yet)."""
    with Image.open(io.BytesIO(data)) as image:
        size, alpha = image.size, image.mode == "RGBA" and image.getchannel("A").getextrema()[0] < 255
    design = Design(prompt="a disc", status=Status.APPROVED, image_width=size[0], image_height=size[1])
    design.image_has_alpha = alpha
    for name, value in fields.items():
        setattr(design, name, value)
    design.image.save("art.png", ContentFile(data), save=False)
    design.thumbnail.save("thumb.png", ContentFile(data), save=False)
    design.save()
    return design


def test_wcag_luminance_and_ratio():
    assert relative_luminance("#FFFFFF") == pytest.approx(1.0)
    assert relative_luminance("#000000") == 0.0
    assert contrast_ratio(relative_luminance("#FFFFFF"), relative_luminance("#000000")) == pytest.approx(21.0)
    # WCAG's classic example: #777777 on white is just under 4.5:1.
    assert contrast_ratio(relative_luminance("#777777"), 1.0) == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio(0.2, 0.2) == 1.0


def test_the_ink_of_a_real_transparent_png_is_measured_by_its_opaque_pixels_only():
    with Image.open(io.BytesIO(art((0, 0, 0)))) as image:
        profile = ink_profile(image)
    assert sum(profile["bins"]) == pytest.approx(1.0, abs=0.01)
    assert profile["bins"][0] > 0.99  # all the ink is black, the transparent pixels count for nothing
    assert 0.5 < profile["coverage"] < 0.7  # a disc of 480 px in 600 px: π/4 × 0.64 ≈ 0.50, plus its edge
    with Image.open(io.BytesIO(art((255, 255, 255)))) as image:
        assert ink_profile(image)["bins"][-1] > 0.99


@pytest.mark.django_db
def test_a_black_on_transparent_design_vanishes_on_black_and_navy_only():
    """The issue's test: against white, black, navy, red and heather grey, black art is flagged on black and
    navy only (colour codes from the approximate table here)."""
    design = design_with(art((0, 0, 0)))
    report = contrast.check(design, tee())
    assert report.checked
    assert report.vanishing_names == ["Black", "Navy"]
    by_name = {c.swatch.name: c for c in report.colours}
    # Pure black ink against the table's black (#1A1A1A) and navy (#1F2A44); red (#C62A32) reads well at 3.8:1.
    assert by_name["Black"].ratio == pytest.approx(1.21, abs=0.01)
    assert by_name["Navy"].ratio == pytest.approx(1.47, abs=0.01)
    assert by_name["Red"].ratio == pytest.approx(3.78, abs=0.02)
    assert by_name["White"].ratio == pytest.approx(21.0) and by_name["Heather Grey"].ratio > 10
    assert all(c.swatch.approximate for c in report.colours)
    assert report.text().startswith("Design ") and "nearly vanishes on Black and Navy of “Colour tee”" in report.text()
    assert "approximate colour" in report.text()


@pytest.mark.django_db
def test_learned_colour_codes_are_used_and_a_heather_mixes_its_two_codes():
    template = tee()
    product = {
        "options": [
            {
                "name": "Colors",
                "type": "color",
                "values": [
                    {"id": 1, "title": "Navy", "colors": ["#1F2A44"]},
                    {"id": 2, "title": "Black", "colors": ["#000000"]},
                    {"id": 3, "title": "Red", "colors": ["#D0021B"]},
                    {"id": 4, "title": "Heather Grey", "colors": ["#C9C9C9", "#B0B0B2"]},
                    {"id": 5, "title": "White", "colors": ["#FFFFFF"]},
                ],
            },
            {"name": "Sizes", "type": "size", "values": [{"id": 9, "title": "S"}]},
        ]
    }
    garment_colours.learn(template.blueprint_id, template.print_provider_id, product, "a product")
    report = contrast.check(design_with(art((0, 0, 0))), template)
    assert report.vanishing_names == ["Black", "Navy"]
    assert not any(c.swatch.approximate for c in report.colours)
    heather = next(c for c in report.colours if c.swatch.name == "Heather Grey")
    assert heather.swatch.hexes == ("#C9C9C9", "#B0B0B2")
    # White ink is the other way round: it vanishes on white and on light heather grey, not on navy or black.
    assert contrast.check(design_with(art((255, 255, 255))), template).vanishing_names == ["White", "Heather Grey"]


@pytest.mark.django_db
def test_the_dominant_ink_counts_not_its_average():
    """Half black and half white averages grey, which would vanish on nothing; what counts is most of the ink."""
    template = tee(["White", "Black"])
    mostly_black = design_with(art((0, 0, 0), second=(255, 255, 255), share_of_second=0.3))
    mostly_white = design_with(art((0, 0, 0), second=(255, 255, 255), share_of_second=0.7))
    assert contrast.check(mostly_black, template).vanishing_names == ["Black"]
    assert contrast.check(mostly_white, template).vanishing_names == ["White"]


@pytest.mark.django_db
def test_only_transparent_designs_are_checked_and_the_report_says_why_not():
    template = tee()
    opaque = design_with(art((0, 0, 0), background=(0, 0, 0, 255)))
    report = contrast.check(opaque, template)
    assert not report.checked and report.vanishing_names == [] and report.text() == ""
    assert report.reason.startswith("its background is not transparent")
    empty = design_with(_transparent_png())
    assert contrast.check(empty, template).reason == "it has almost no ink"


def _transparent_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (200, 200), (0, 0, 0, 0)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.django_db
def test_a_template_without_colours_or_with_unknown_names_checks_what_it_can():
    mug = make_template(
        name="Mug", is_default=False, variants=[{"id": 1, "title": "11oz", "price": 999, "is_enabled": True}]
    )
    design = design_with(art((0, 0, 0)))
    assert contrast.check(design, mug).colours == ()
    odd = tee(["Black", "Galaxy Swirl"], name="Odd tee")
    report = contrast.check(design, odd)
    assert report.vanishing_names == ["Black"]
    assert report.unknown == ("Galaxy Swirl",)


@pytest.mark.django_db
def test_the_profile_is_kept_per_file_and_measured_again_for_a_print_file():
    design = design_with(art((0, 0, 0)))
    contrast.check(design, tee())  # a page looking: measured, not written
    assert Design.objects.get(pk=design.pk).image_ink == {}
    contrast.check(design, tee(name="First tee"), save=True)  # publishing: kept
    design.refresh_from_db()
    assert design.image_ink["of"] == design.image.name and design.image_ink["bins"][0] > 0.99
    # A print file with its background removed and light ink: publishing uploads it, so it is measured instead.
    white = art((255, 255, 255))
    design.print_file.save("print.png", ContentFile(white), save=False)
    design.print_preview.save("print-preview.png", ContentFile(white), save=False)
    design.print_width = design.print_height = 600
    design.print_has_alpha = True
    design.save()
    assert contrast.check(design, tee(name="Second tee"), save=True).vanishing_names == ["White", "Heather Grey"]
    design.refresh_from_db()
    assert design.print_ink["of"] == design.print_file.name


@pytest.mark.django_db
def test_checking_many_designs_measures_them_in_a_constant_number_of_queries():
    template = tee()
    few = [design_with(art((0, 0, 0))) for _ in range(2)]
    many = [design_with(art((0, 0, 0))) for _ in range(6)]
    with CaptureQueriesContext(connection) as for_few:
        reports = contrast.checks(Design.objects.filter(pk__in=[d.pk for d in few]), template, save=True)
    with CaptureQueriesContext(connection) as for_many:
        contrast.checks(Design.objects.filter(pk__in=[d.pk for d in many]), template, save=True)
    assert len(for_few) == len(for_many)
    assert {tuple(r.vanishing_names) for r in reports.values()} == {("Black", "Navy")}
    assert all(d["image_ink"]["bins"] for d in Design.objects.values("image_ink"))
    # Past the limit, designs without a profile wait for a later look instead of being measured now.
    later = [design_with(art((0, 0, 0))) for _ in range(3)]
    limited = contrast.checks(Design.objects.filter(pk__in=[d.pk for d in later]), template, measure_limit=1)
    assert sorted(r.checked for r in limited.values()) == [False, False, True]
