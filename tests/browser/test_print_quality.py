"""Print quality in a real browser: DPI badges on the review page (large view and cards, following the focus), the
checkerboard / light / dark backdrops, the 100 % view (zoom) loading the original only when asked; the change page's
print file on a checkerboard."""

import pytest
from playwright.sync_api import expect

from designs.models import Design
from tests.browser.test_review_page import log_in, wait_for_script
from tests.designs.print_support import approved_design, areas, png
from tests.designs.publishing_support import make_template

pytestmark = pytest.mark.browser


@pytest.fixture
def designs(settings):
    settings.MIN_PRINT_DPI, settings.TARGET_PRINT_DPI = 150, 300
    make_template(placeholders=areas((1500, 1800)), placement={"mode": "fit"}, needs_transparency=True)
    low = approved_design(Design.objects.create, (256, 256), status="review", prompt="a small heron")
    sharp = approved_design(Design.objects.create, (2000, 2000), status="review", prompt="a big heron")
    return low, sharp


def test_review_page_badges_backdrops_and_the_full_size_view(page, superuser, designs, artifacts):
    low, sharp = designs
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    log_in(page, "boss")
    wait_for_script(page)
    badge = page.locator("#pod-stage-dpi")
    expect(badge).to_have_text("51 DPI")
    expect(badge).to_have_class("pod-dpi pod-dpi-bad")
    expect(page.locator("#pod-stage-dpi-text")).to_contain_text("150 DPI needs 750×750 px")
    expect(page.locator("#pod-stage-flag")).to_be_visible()  # the template needs transparency
    expect(page.locator(f'.pod-card[data-id="{sharp.pk}"] .pod-card-dpi')).to_have_text("400 DPI")
    page.screenshot(path=str(artifacts / "print-review-low.png"))

    page.keyboard.press("j")  # the large view follows the focus, badge and all
    expect(badge).to_have_text("400 DPI")
    expect(badge).to_have_class("pod-dpi pod-dpi-good")
    stage = page.locator("#pod-stage-img")
    expect(stage).to_have_attribute("src", sharp.preview_file.url)  # the 1600 px preview, not the original
    assert not any(sharp.image.url in url for url in requested)

    frame = page.locator("#pod-stage-frame")
    expect(frame).to_have_class("pod-stage-frame pod-backdrop-checker")
    page.click("button[data-backdrop=dark][data-target=pod-stage-frame]")
    expect(frame).to_have_class("pod-stage-frame pod-backdrop-dark")
    page.click("#pod-full")  # the zoom's 100 % view (Z, or a click on the image)
    expect(stage).to_have_attribute("src", sharp.image.url)  # the original, on demand
    expect(frame).to_have_class("pod-stage-frame pod-backdrop-dark is-zoomed")
    expect(page.locator("#pod-full")).to_have_attribute("aria-pressed", "true")
    page.wait_for_function("document.getElementById('pod-stage-img').naturalWidth === 2000")
    expect(page.locator("#pod-zoom-label")).to_have_text("100 %")
    assert stage.evaluate("img => img.clientWidth") == 2000  # the original's own pixels, not the preview's
    page.screenshot(path=str(artifacts / "print-review-full.png"))
    page.keyboard.press("z")  # back to fit: the preview again
    expect(stage).to_have_attribute("src", sharp.preview_file.url)
    expect(frame).to_have_class("pod-stage-frame pod-backdrop-dark")
    expect(page.locator("#pod-zoom-label")).to_contain_text("Fit (")
    expect(page.locator("#pod-stage-full")).to_have_attribute("href", sharp.image.url)  # a new tab: the original


def test_change_page_shows_the_print_file_on_a_checkerboard(page, superuser, designs, artifacts):
    low, _ = designs
    from designs import images

    image, renditions = images.prepare(png((1500, 1500), mode="RGBA", background=(0, 0, 0), alpha=0))
    low.print_file = images.write_files([("designs/print/test.png", image.data)])[0][0]
    low.print_width = low.print_height = 1500
    low.print_status, low.print_has_alpha = "ready", True
    low.save()
    log_in(page, "boss")
    page.goto(f"/admin/designs/design/{low.pk}/change/")
    expect(page.locator(".field-print_quality_summary .pod-dpi")).to_have_text("300 DPI")
    backdrop = page.locator(".field-print_file_summary [data-pod-backdrop]")
    expect(backdrop).to_have_class("pod-backdrop pod-backdrop-checker")
    page.locator(".field-print_file_summary button[data-backdrop=light]").click()
    expect(backdrop).to_have_class("pod-backdrop pod-backdrop-light")
    page.locator(".field-print_file_summary").screenshot(path=str(artifacts / "print-change-page.png"))
