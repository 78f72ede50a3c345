"""The review page's mockup mode in a real browser: the switch, mockups large, flip with the arrows, G goes live,
D discards, U undoes; checked on the page and in the database. Printify's image host is answered by Playwright
(page.route) with drawn mockups, so nothing leaves the machine."""

import io
import re

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from designs.models import Batch, Design, Product, ProductClaim
from designs.products import ProductState
from designs.services import mockups
from designs.workflow import Source, Status
from tests.browser.conftest import artwork, thumbnail_of
from tests.designs.publishing_support import make_product, make_template

pytestmark = pytest.mark.browser

MOCKUP_HOST = "https://images.printify.com"
TITLES = ["Paper crane over a misty lake", "Geometric fox head", "Retro sun over desert mesas"]
VIEWS = ["front", "back", "folded"]
SHIRTS = [(245, 245, 240), (38, 70, 83), (233, 196, 106)]


def drawn_mockup(design_index: int, view: int) -> bytes:
    """A tee seen from one side with the design's artwork on it: enough to judge a mockup by eye."""
    canvas = Image.new("RGB", (800, 800), (236, 236, 236))
    draw = ImageDraw.Draw(canvas)
    shirt = SHIRTS[view % len(SHIRTS)]
    draw.polygon(
        [
            (200, 170),
            (320, 120),
            (480, 120),
            (600, 170),
            (700, 300),
            (610, 350),
            (590, 300),
            (590, 700),
            (210, 700),
            (210, 300),
            (190, 350),
            (100, 300),
        ],
        fill=shirt,
        outline=(90, 90, 90),
    )
    art = Image.open(io.BytesIO(artwork(design_index).read())).resize((220 if view != 1 else 120,) * 2)
    canvas.paste(art, (290, 230) if view != 1 else (340, 200))
    buffer = io.BytesIO()
    canvas.save(buffer, "PNG")
    return buffer.getvalue()


def serve_mockups(page) -> None:
    def answer(route):
        found = re.search(r"/mockup/(\d+)/(\d+)\.png$", route.request.url)
        route.fulfill(status=200, content_type="image/png", body=drawn_mockup(int(found[1]), int(found[2])))

    page.route(f"{MOCKUP_HOST}/**", answer)


def waiting_products(count: int) -> list[Product]:
    tee = make_template(name="Kids tee", review_mockups=True)
    batch = Batch.objects.create(name="Autumn drop")
    products = []
    for index in range(count):
        design = Design.objects.create(
            prompt=TITLES[index].lower() + ", screen print", title=TITLES[index], status=Status.MOCKUPS, batch=batch
        )
        original = artwork(index)
        design.thumbnail.save("thumb.webp", thumbnail_of(original), save=False)
        design.image.save("original.png", original, save=False)
        design.image_width = design.image_height = 512
        design.save()
        urls = [f"{MOCKUP_HOST}/mockup/{index}/{view}.png" for view in range(len(VIEWS))]
        products.append(make_product(design, tee, state="mockup_review", printify_id=f"{index:024x}", mockups=urls))
    return products


def state_of(product):
    return Product.objects.get(pk=product.pk).state


def log_in(page, username):
    page.goto("/admin/designs/design/review/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-only")
    page.click("input[type=submit]")
    expect(page.locator("h1")).to_have_text("Review designs")


def focused_id(page):
    return int(page.locator(".pod-card.is-focused").get_attribute("data-id"))


def test_review_mockups_with_the_keyboard(page, publisher, superuser, artifacts):
    products = waiting_products(3)
    serve_mockups(page)
    log_in(page, publisher.username)

    # The review page's switch leads to mockup mode, saying how many products wait.
    switch = page.locator("#pod-mode-mockups")
    expect(switch).to_have_text("Mockups (3 waiting)")
    switch.click()
    expect(page.locator("h1")).to_have_text("Review mockups")
    expect(page.locator("#pod-mockups")).to_have_attribute("data-ready", "true")

    # The first product's first mockup, large; its template, title and prices as money.
    big = page.locator("#pod-mockup-img")
    expect(big).to_have_attribute("src", f"{MOCKUP_HOST}/mockup/0/0.png")
    assert big.evaluate("img => img.naturalWidth") == 800  # loaded, not a broken image
    assert big.bounding_box()["height"] >= 400
    expect(page.locator("#pod-product-template")).to_have_text("Kids tee")
    expect(page.locator("#pod-stage-title")).to_have_text(TITLES[0])
    expect(page.locator("#pod-product-price")).to_have_text("$24.99–$26.99")
    expect(page.locator("#pod-mockup-strip img")).to_have_count(3)

    # The arrows flip through the mockups; a click on the strip shows that one.
    page.keyboard.press("ArrowRight")
    expect(big).to_have_attribute("src", f"{MOCKUP_HOST}/mockup/0/1.png")
    expect(page.locator("#pod-mockup-count")).to_have_text("2 / 3")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#pod-mockup-count")).to_have_text("3 / 3")  # round the end
    page.locator('#pod-mockup-strip a[data-index="0"]').click()
    expect(page.locator("#pod-mockup-count")).to_have_text("1 / 3")
    page.screenshot(path=str(artifacts / "review-mockups.png"))
    page.set_viewport_size({"width": 1280, "height": 720})  # a laptop: the buttons and the big mockup still show
    expect(page.locator("#pod-decide-form button").first).to_be_in_viewport()
    expect(big).to_be_in_viewport()
    page.screenshot(path=str(artifacts / "review-mockups-1280x720.png"))
    page.set_viewport_size({"width": 1440, "height": 900})

    # G: the product goes live (after the undo window, on a worker); the next product is focused.
    status_box, left = page.locator("#pod-review-status"), page.locator("#pod-left")
    page.keyboard.press("g")
    expect(status_box).to_contain_text(f"Product {products[0].pk} goes live in the store")
    expect(left).to_have_text("2")
    expect(page.locator("#pod-mode-mockups")).to_have_text("Mockups (2 waiting)")
    assert state_of(products[0]) == ProductState.PUBLISHING
    assert focused_id(page) == products[1].pk
    expect(big).to_have_attribute("src", f"{MOCKUP_HOST}/mockup/1/0.png")

    # D: discarded (deleted from Printify by the worker).
    page.keyboard.press("d")
    expect(status_box).to_contain_text(f"Product {products[1].pk} is deleted from Printify")
    assert state_of(products[1]) == ProductState.DISCARDING
    assert focused_id(page) == products[2].pk

    # U: the discard is taken back; the product is on the page again, focused.
    page.keyboard.press("u")
    expect(status_box).to_contain_text(f"Product {products[1].pk}: undid the discard")
    expect(page.locator(f'.pod-card[data-id="{products[1].pk}"]')).to_be_visible()
    expect(page.locator("#pod-stage-title")).to_have_text(TITLES[1])
    assert state_of(products[1]) == ProductState.MOCKUP_REVIEW
    assert state_of(products[0]) == ProductState.PUBLISHING
    expect(left).to_have_text("2")

    # A conflict: someone else discards the focused product first; going live here is refused in words.
    mockups.discard([products[1].pk], actor=superuser, source=Source.ADMIN)
    page.keyboard.press("g")
    expect(status_box).to_have_text(
        f"Product {products[1].pk} could not move to going live: it is being discarded now."
    )
    expect(status_box).to_have_attribute("role", "alert")
    assert state_of(products[1]) == ProductState.DISCARDING

    # ? says what each key does.
    page.keyboard.press("?")
    expect(page.locator("#pod-keys")).to_contain_text("Go live: publish this product to the store")
    page.screenshot(path=str(artifacts / "review-mockups-keys.png"))
    page.keyboard.press("Escape")


def test_mockup_mode_is_read_only_without_the_publish_permission(page, reviewer):
    (product,) = waiting_products(1)
    serve_mockups(page)
    log_in(page, reviewer.username)
    page.goto("/admin/designs/design/review/mockups/")
    expect(page.locator("#pod-mockups")).to_have_attribute("data-ready", "true")

    expect(page.locator(".pod-read-only-note")).to_contain_text("“publish designs” permission")
    expect(page.locator("button.pod-approve")).to_have_count(0)
    page.keyboard.press("g")
    page.keyboard.press("d")
    assert state_of(product) == ProductState.MOCKUP_REVIEW


def test_mockup_mode_walks_a_tee_and_a_mug_per_design_to_the_end_without_a_reload(page, publisher, settings, artifacts):
    """Issue 19: claims were per design, so going live with a design's tee took its mug off the page; the reviewer
    walked tee → tee → tee and ended on "the 6 waiting are with other reviewers" with nobody else reviewing."""
    settings.REVIEW_CLAIM_SIZE = 3  # the page must refill as it goes
    tees = waiting_products(3)
    mug = make_template(name="Mug", review_mockups=True, is_default=False)
    mugs = [
        make_product(tee.design, mug, state="mockup_review", printify_id=f"{index + 100:024x}", mockups=tee.mockups)
        for index, tee in enumerate(tees)
    ]
    serve_mockups(page)
    log_in(page, publisher.username)
    page.goto("/admin/designs/design/review/mockups/")
    expect(page.locator("#pod-mockups")).to_have_attribute("data-ready", "true")  # the script has claimed
    page.evaluate("window.podSamePage = true")  # lost if the page reloads
    assert set(ProductClaim.objects.values_list("product_id", flat=True)) == {tees[0].pk, mugs[0].pk, tees[1].pk}
    page.set_viewport_size({"width": 1280, "height": 720})
    page.screenshot(path=str(artifacts / "review-mockups-tee-and-mug-1280x720.png"))

    status_box = page.locator("#pod-review-status")
    for tee, mug_product in zip(tees, mugs, strict=True):
        for product, key, said in ((tee, "g", "goes live"), (mug_product, "d", "is deleted from Printify")):
            expect(page.locator(".pod-card.is-focused")).to_have_attribute("data-id", str(product.pk))
            expect(page.locator("#pod-product-template")).to_have_text(product.template_name)
            page.keyboard.press(key)
            expect(status_box).to_contain_text(f"Product {product.pk} {said}")

    expect(page.locator("#pod-empty")).to_have_text("No product is waiting for its mockups to be reviewed.")
    expect(page.locator("#pod-left")).to_have_text("0")
    expect(page.locator("#pod-mode-mockups")).to_have_text("Mockups (0 waiting)")
    assert page.evaluate("window.podSamePage") is True
    assert {state_of(tee) for tee in tees} == {ProductState.PUBLISHING}
    assert {state_of(mug_product) for mug_product in mugs} == {ProductState.DISCARDING}
