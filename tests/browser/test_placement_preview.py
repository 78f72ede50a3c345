"""The template editor's placement preview in a real browser at 1280×720 and 1440×900: the newest approved design
drawn on the print area over the blueprint's picture, fit / fill / custom, the DPI it prints at (the same number
print_quality works out), another design chosen from the picker, a garment colour behind it, and a fixed image (a
logo on the back) added from the page. The catalog picture comes from Printify's image host, answered here by
Playwright (page.route) with a drawn tee, so nothing leaves the machine. Screenshots land in test-artifacts/."""

import io

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from designs import print_quality
from designs.models import ProductTemplate
from designs.workflow import Status
from tests.browser.conftest import artwork, log_in, thumbnail_of
from tests.browser.test_template_editor import sandbox_template
from tests.designs.contrast_support import ink_png, transparent_design

pytestmark = pytest.mark.browser

PICTURE = "https://images.printify.com/api/catalog/gildan-5000-white.jpg"
VIEWPORTS = [(1280, 720), (1440, 900)]


def drawn_tee() -> bytes:
    """A white tee on a light studio background, square like Printify's catalog pictures."""
    canvas = Image.new("RGB", (1000, 1000), (236, 236, 234))
    draw = ImageDraw.Draw(canvas)
    outline = [(250, 170), (400, 110), (600, 110), (750, 170), (900, 330), (790, 410), (740, 350), (740, 900)]
    outline += [(260, 900), (260, 350), (210, 410), (100, 330)]
    draw.polygon(outline, fill=(250, 250, 250), outline=(150, 150, 150))
    draw.arc((410, 70, 590, 190), 20, 160, fill=(150, 150, 150), width=6)  # the collar
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def serve_picture(page) -> None:
    picture = drawn_tee()
    page.route(
        "https://images.printify.com/**",
        lambda route: route.fulfill(status=200, content_type="image/jpeg", body=picture),
    )


@pytest.fixture
def tee(transactional_db):
    template = sandbox_template(
        "Gildan tee", 6, 99, enabled=[60101, 60102, 60103, 60104, 60105, 60111, 60112, 60113, 60114, 60115]
    )
    ProductTemplate.objects.filter(pk=template.pk).update(blueprint_images=[PICTURE])
    template.refresh_from_db()
    return template


@pytest.fixture
def designs(make_design, transactional_db):
    """A black line-art design on a transparent background (small: it prints blurry), then a larger colourful one
    approved after it (the newest, shown first)."""
    black = transparent_design(make_design, title="Black wreath", size=(900, 1000))
    colourful = make_design(status=Status.APPROVED, prompt="a fox in the snow, woodcut", title="Snow fox")
    original = artwork(2, size=3000)
    colourful.thumbnail.save("thumb.webp", thumbnail_of(original), save=False)
    colourful.image.save("original.png", original, save=False)
    colourful.image_width = colourful.image_height = 3000
    colourful.save()
    return black, colourful


def boxes(page, *selectors) -> list[dict]:
    """The elements' boxes read in one go (two separate reads can straddle a scroll and disagree)."""
    return page.evaluate(
        """(selectors) => selectors.map((selector) => {
            const r = document.querySelector(selector).getBoundingClientRect();
            return {x: r.x, y: r.y, width: r.width, height: r.height};
        })""",
        list(selectors),
    )


def centre(box) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


@pytest.mark.parametrize(("width", "height"), VIEWPORTS, ids=[f"{w}x{h}" for w, h in VIEWPORTS])
def test_the_placement_preview_draws_the_design_on_the_picture_with_its_dpi(
    page, superuser, tee, designs, artifacts, width, height, settings
):
    black, colourful = designs
    settings.MIN_PRINT_DPI, settings.TARGET_PRINT_DPI = 150, 300
    page.set_viewport_size({"width": width, "height": height})
    serve_picture(page)
    log_in(page, superuser.username, f"/admin/designs/producttemplate/{tee.pk}/change/")
    section = page.locator("#pod-placement-section")
    section.scroll_into_view_if_needed()

    # The newest approved design, drawn from its own media URL, over the catalog's picture.
    expect(page.locator("#pod-preview-design option")).to_have_count(2)
    expect(page.locator("#pod-preview-design")).to_have_value("0")
    art = page.locator("#pod-art")
    expect(art).to_have_attribute("src", colourful.image.url)  # a 3000 px file: no preview, the original is shown
    assert page.evaluate("() => document.getElementById('pod-stage-picture').naturalWidth") == 1000
    assert page.evaluate("() => document.getElementById('pod-art').naturalWidth") == 3000

    # Fit: the square design fills the width of the 5:6 print area, centred; it prints at 200 DPI, as
    # print_quality says for the template as saved.
    expected = print_quality.print_readiness(colourful, tee).report.dpi
    assert expected == 200
    dpi = page.locator("#pod-placement-dpi")
    expect(dpi).to_contain_text(f"Prints at {expected} DPI: acceptable")
    caption = page.locator("#pod-placement-caption")
    expect(caption).to_contain_text("Print area “front”: 4500 × 5400 px (15.0 × 18.0 in at 300 DPI).")
    expect(caption).to_contain_text(f"Design #{colourful.pk} (3000 × 3000 px) at scale 1.00.")
    area, drawn = page.locator("#pod-area").bounding_box(), art.bounding_box()
    assert abs(drawn["width"] - area["width"]) < 1.5 and drawn["height"] < area["height"]
    assert all(abs(a - b) < 1.5 for a, b in zip(centre(drawn), centre(area), strict=True))
    # The print area sits on the picture's chest, inside the picture.
    picture = page.locator("#pod-stage-picture").bounding_box()
    assert picture["x"] < area["x"] and area["x"] + area["width"] < picture["x"] + picture["width"]
    page.screenshot(path=str(artifacts / f"placement-fit-{width}.png"))

    # Fill covers the area: the design's height now matches it, its sides are cut (shown faded).
    page.check("input[name=placement_mode][value=fill]")
    expect(caption).to_contain_text("at scale 1.20")
    expect(caption).to_contain_text("What falls outside the dashed line is not printed (shown faded).")
    expect(dpi).to_contain_text("Prints at 166 DPI: acceptable")
    drawn = art.bounding_box()
    assert abs(drawn["height"] - area["height"]) < 1.5 and drawn["width"] > area["width"]
    expect(page.locator("#pod-art-ghost")).to_be_visible()
    page.screenshot(path=str(artifacts / f"placement-fill-{width}.png"))

    # Custom: half the width, up in the chest, turned a little; twice the DPI.
    page.check("input[name=placement_mode][value=fixed]")
    page.fill("#id_scale", "0.5")
    page.fill("#id_y", "0.3")
    page.fill("#id_angle", "8")
    expect(dpi).to_contain_text("Prints at 400 DPI: print-ready")
    area, box = page.locator("#pod-area").bounding_box(), art.bounding_box()  # rotated: its box grows a little
    assert abs(centre(box)[1] - (area["y"] + 0.3 * area["height"])) < 2
    page.screenshot(path=str(artifacts / f"placement-custom-{width}.png"))

    # Another design from the picker: small black line art, which prints blurry — shown on a black shirt it
    # all but vanishes, which the colour buttons let the seller see.
    page.check("input[name=placement_mode][value=fit]")
    page.select_option("#pod-preview-design", label=f"#{black.pk} Black wreath")
    expect(art).to_have_attribute("src", black.image.url)
    expect(dpi).to_contain_text("Prints at 60 DPI: too low: it would print blurry")
    expect(page.locator("#pod-placement-dpi .pod-dpi-bad")).to_have_text("60 DPI")
    marked = page.locator(".pod-colour-choice:has(.pod-vanish-mark:not([hidden]))")
    expect(marked).to_have_text(["Black ⚠", "Navy ⚠"])  # the colours it nearly vanishes on
    page.click(".pod-colour-choice[title='Black (approximate colour)']")
    assert page.evaluate("() => getComputedStyle(document.getElementById('pod-stage')).backgroundColor") == (
        "rgb(26, 26, 26)"
    )
    expect(page.locator("#pod-stage-picture")).to_be_hidden()
    expect(page.locator("#pod-contrast-note")).to_contain_text("On Black this design nearly vanishes")
    section.screenshot(path=str(artifacts / f"placement-black-on-black-{width}.png"))
    page.click(".pod-colour-choice[title='White (approximate colour)']")
    expect(page.locator("#pod-contrast-note")).to_be_hidden()
    section.screenshot(path=str(artifacts / f"placement-black-on-white-{width}.png"))


def test_a_logo_added_on_the_page_is_shown_with_its_dpi(page, superuser, tee, designs, artifacts, tmp_path):
    serve_picture(page)
    logo = tmp_path / "shop-logo.png"
    logo.write_bytes(ink_png((200, 40, 60), (600, 300)))
    log_in(page, superuser.username, f"/admin/designs/producttemplate/{tee.pk}/change/")
    page.locator("#pod-fixed").scroll_into_view_if_needed()
    page.set_input_files("#id_fixed-image", str(logo))
    page.select_option("#id_fixed-position", "back")
    page.fill("#id_fixed-y", "0.08")
    page.fill("#id_fixed-scale", "0.25")
    page.click("text=Add the fixed image")
    expect(page.locator(".messagelist")).to_contain_text("Fixed image saved.")
    summary = page.locator("#pod-fixed-summary")
    # 600 px over a quarter of 4500 px (3.75 in) prints at 160 DPI.
    expect(summary).to_contain_text("600 × 300 px on the back print area (4500 × 5400 px): prints at 160 DPI")
    expect(page.locator("#pod-fixed-image")).to_be_visible()
    # Its small preview: the logo centred near the top of the back print area, a quarter of its width.
    area, logo_box = boxes(page, "#pod-fixed-area", "#pod-fixed-image")
    assert abs(logo_box["width"] - area["width"] / 4) < 1.5
    assert abs(centre(logo_box)[1] - (area["y"] + 0.08 * area["height"])) < 1.5
    page.fill("#id_fixed-x", "0.2")  # it follows the fields before saving
    area, logo_box = boxes(page, "#pod-fixed-area", "#pod-fixed-image")
    assert abs(centre(logo_box)[0] - (area["x"] + 0.2 * area["width"])) < 1.5
    tee.refresh_from_db()
    assert tee.fixed_position == "back" and tee.fixed_placement["scale"] == 0.25
    page.locator("#pod-placement-section").screenshot(path=str(artifacts / "placement-fixed-image.png"))
