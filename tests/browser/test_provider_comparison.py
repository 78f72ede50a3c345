"""The catalog's first two steps in a real browser against the sandbox's Printify over real sockets: blueprint cards
with the pictures the sandbox serves (as Printify's CDN would), and the print providers side by side at 1280×720 and
1440×900 — locations, print areas, colours, sizes, costs with their age, standard and economy shipping to the
chosen country, the cheapest and the nearest marked. Screenshots land in test-artifacts/."""

import pytest
from playwright.sync_api import expect

from designs.workers.costs import learn_costs
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

SIZES = [(1280, 720), (1440, 900)]


@pytest.fixture
def printify(settings, sandbox):
    from django.core.cache import cache

    settings.PRINTIFY_API_BASE = f"{sandbox.url}/printify/v1"
    settings.PRINTIFY_API_TOKEN = "browser-test-token"
    settings.PRINTIFY_SHOP_ID = "1"
    settings.PRINTIFY_RATE_PER_MINUTE = 1_000_000
    settings.PRINTIFY_BILLING_CURRENCY = "USD"
    settings.SHIPPING_COUNTRY = "US"
    # As POD_SANDBOX does for `make run`: pictures may come from the sandbox, which stands in for Printify's CDN.
    settings.CONTENT_SECURITY_POLICY = settings.CONTENT_SECURITY_POLICY.replace(
        "img-src ", f"img-src {sandbox.url} ", 1
    )
    cache.clear()
    return sandbox


def pictures_loaded(page, selector: str) -> list[bool]:
    return page.eval_on_selector_all(selector, "imgs => imgs.map(i => i.complete && i.naturalWidth > 0)")


def fits_the_window(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def row(page, provider_id: int):
    return page.locator(f'#pod-compare tr[data-provider="{provider_id}"]')


def test_blueprint_pictures_and_the_providers_compared_side_by_side(page, printify, superuser, artifacts):
    from designs.shops import Shop, default_shop

    default_shop()  # the install's PRINTIFY_SHOP_ID shop, in the US
    Shop.objects.create(printify_id="2", title="Etsy Germany", channel="etsy", country="DE")
    for provider in (99, 29, 90011, 90013):  # Toronto's costs are left to the page's button
        learn_costs(6, provider)
    page.set_viewport_size({"width": 1280, "height": 720})
    log_in(page, superuser.username, "/admin/designs/producttemplate/catalog/")

    # 1. Blueprints as cards: the catalog's picture, title, brand and model.
    cards = page.locator(".pod-bp-card")
    expect(cards).to_have_count(7)
    page.wait_for_load_state("networkidle")
    assert all(pictures_loaded(page, ".pod-bp-card img")), "every card's picture is shown"
    expect(cards.filter(has_text="Unisex Heavy Cotton Tee")).to_contain_text("Gildan 5000")
    assert fits_the_window(page)
    page.screenshot(path=str(artifacts / "catalog-blueprints-1280x720.png"))
    page.fill("#id_q", "gildan")
    page.click("input[value=Search]")
    expect(cards).to_have_count(2)
    cards.filter(has_text="Unisex Heavy Cotton Tee").click()

    # 2. The providers side by side.
    table = page.locator("#pod-compare")
    expect(table.locator("tbody tr")).to_have_count(5)
    page.wait_for_load_state("networkidle")
    assert all(pictures_loaded(page, ".pod-bp-gallery img"))
    expect(row(page, 99)).to_contain_text("Chicago, IL, United States")
    expect(row(page, 99).locator(".pod-badge-cheapest")).to_have_text("Cheapest")
    expect(row(page, 99).locator(".pod-delivered")).to_have_text("$15.04")  # 10.29 + 4.75
    expect(row(page, 29).locator(".pod-badge-nearest")).to_have_text("Nearest")
    expect(row(page, 29).locator(".pod-areas")).to_contain_text("3,461 × 3,955 on S, M")
    expect(row(page, 29).locator(".pod-areas")).to_contain_text("up to 4,200 × 4,800 on 2XL, 3XL")
    expect(row(page, 90011).locator(".pod-shipping-standard")).to_contain_text("rest-of-world rate")
    expect(row(page, 90012).locator(".pod-cost")).to_contain_text("not known yet")
    expect(row(page, 90012).locator(".pod-shipping-economy")).to_contain_text("not offered")
    expect(page.locator("#pod-costs-missing")).to_contain_text("Maple Leaf Prints")
    expect(page.locator("#pod-fallback-note")).to_be_visible()
    expect(page.locator("#pod-shop-country")).to_have_text("the main country of your shop “Shop 1”")
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(artifacts / f"catalog-providers-{width}x{height}.png"))
        assert fits_the_window(page), f"the comparison fits {width} px without scrolling sideways"
    page.screenshot(path=str(artifacts / "catalog-providers-1440x900-full.png"), full_page=True)

    # The costs button: a POST; the worker's lookup lands; the page shows every cost.
    page.click("#pod-lookup-all-costs button")
    expect(page.locator(".messagelist")).to_contain_text("Printify's costs are being looked up for Maple Leaf Prints")
    learn_costs(6, 90012)
    page.reload()
    expect(row(page, 90012).locator(".pod-cost")).to_contain_text("$10.90")
    expect(page.locator("#pod-costs-missing")).to_have_count(0)

    # The template is for the German shop: Cologne prints in Germany, cheapest and nearest; cheapest first.
    page.select_option("#id_shop", label="Etsy Germany (Etsy, DE)")
    page.click("#pod-shop input[type=submit]")
    expect(page.locator("#id_country")).to_have_value("DE")
    expect(page.locator("#pod-shop-country")).to_have_text("the main country of your shop “Etsy Germany”")
    expect(row(page, 90011).locator(".pod-badge-cheapest")).to_be_visible()
    expect(row(page, 90011).locator(".pod-badge-nearest")).to_be_visible()
    page.click("#pod-sorts >> text=cheapest first")
    expect(page.locator("#pod-compare tbody tr").first).to_have_attribute("data-provider", "90011")
    page.screenshot(path=str(artifacts / "catalog-providers-germany-1440x900.png"))

    # Choosing one leads on to the editor.
    row(page, 90011).locator("input[type=radio]").check()
    page.click("text=Next: variants and prices")
    expect(page.locator("#pod-product-line")).to_contain_text("Unisex Heavy Cotton Tee made by Rhine Textile Print")
    expect(page.locator("#id_shop option:checked")).to_have_text("Etsy Germany (Etsy)")
