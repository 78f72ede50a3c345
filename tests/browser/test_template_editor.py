"""The product template editor in a real browser, against the sandbox's Printify catalog over real sockets:
"fill from catalog" from the blueprint search to a saved tee template, the grid's toggles, the money inputs,
the placement preview, and the change page afterwards. Screenshots land in test-artifacts/."""

import pytest
from playwright.sync_api import expect

from designs.models import ProductTemplate
from designs.workers.costs import learn_costs
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

WHITE_AND_BLACK_S_TO_2XL = [60101, 60102, 60103, 60104, 60105, 60111, 60112, 60113, 60114, 60115]


@pytest.fixture
def printify(settings, sandbox):
    from django.core.cache import cache

    settings.PRINTIFY_API_BASE = f"{sandbox.url}/printify/v1"
    settings.PRINTIFY_API_TOKEN = "browser-test-token"
    settings.PRINTIFY_SHOP_ID = "1"
    settings.PRINTIFY_RATE_PER_MINUTE = 1_000_000
    settings.PUBLIC_BASE_URL = ""
    cache.clear()
    return sandbox


def box(page, variant_id):
    return page.locator(f'#pod-grid input[data-variant="{variant_id}"]')


def ticked(page) -> list[int]:
    return sorted(
        int(v)
        for v in page.eval_on_selector_all(
            "#pod-grid input[data-variant]:checked", "boxes => boxes.map(b => b.dataset.variant)"
        )
    )


def test_fill_from_catalog_to_a_tee_template_without_typing_json(page, printify, superuser, artifacts):
    log_in(page, superuser.username, "/admin/designs/producttemplate/catalog/")

    # 1. Blueprint: search by brand and model; an empty search explains itself; a card is a click.
    page.fill("#id_q", "zeppelin")
    page.click("input[value=Search]")
    expect(page.locator("#pod-empty")).to_contain_text("No blueprint matches “zeppelin”")
    page.fill("#id_q", "gildan 5000")
    page.click("input[value=Search]")
    card = page.locator(".pod-bp-card", has_text="Unisex Heavy Cotton Tee")
    expect(card).to_contain_text("Gildan 5000")
    card.click()

    # 2. Provider, with where it prints.
    expect(page.locator("#pod-compare")).to_contain_text("Chicago, IL, United States")
    expect(page.locator("#pod-choice-error")).to_have_count(0)
    page.click("text=Next: variants and prices")
    expect(page.locator("#pod-choice-error")).to_contain_text("Choose a print provider first")
    page.check("label:has-text('Printify Choice') input")
    learn_costs(6, 99)  # what the worker does when the editor asks for the costs (no qcluster in this test)
    page.click("text=Next: variants and prices")

    # 3. The grid: out-of-stock shown and not selectable; All, row and column toggles.
    expect(page.locator("#pod-product-line")).to_contain_text("Unisex Heavy Cotton Tee made by Printify Choice")
    expect(box(page, 60126)).to_be_disabled()  # Navy 3XL is out of stock
    assert ticked(page) == []
    expect(page.locator("#pod-grid-count")).to_have_text("No variant ticked yet: tick at least one to sell.")
    page.click("#pod-grid button[data-toggle=all]")
    assert len(ticked(page)) == 22  # 24 variants, 2 out of stock
    page.click("#pod-grid button[data-toggle=all]")
    assert ticked(page) == []
    page.click("#pod-grid button[data-toggle=row][data-key=White]")
    page.click("#pod-grid button[data-toggle=row][data-key=Black]")
    page.click("#pod-grid button[data-toggle=col][data-key='3XL']")  # not all ticked: ticks the column
    page.click("#pod-grid button[data-toggle=col][data-key='3XL']")  # now all ticked: clears it
    assert ticked(page) == WHITE_AND_BLACK_S_TO_2XL
    expect(page.locator("#pod-grid-count")).to_have_text("10 variants ticked.")
    expect(page.locator('.pod-price-row[data-variant="60121"]')).to_have_class("pod-price-row pod-off")

    # Prices: cost + 40 %, .99 endings, 2XL +2.00 — then look before saving.
    page.fill("#id_name", "Gildan tee")
    page.fill("#id_percent", "40")
    page.select_option("#id_rounding", "99")
    page.fill("label.pod-step:has-text('2XL') input", "2.00")
    expect(page.locator("#id_print_position")).to_have_value("front")  # front first
    page.click("input[name=preview]")
    expect(page.locator("#pod-previewed")).to_be_visible()
    row = page.locator('.pod-price-row[data-variant="60102"]')  # White / M: 10.29 → 14.41 → 14.99
    expect(row).to_contain_text("$10.29")
    expect(row.locator("input")).to_have_attribute("placeholder", "$14.99")
    expect(row).to_contain_text("$4.70")
    expect(row).to_contain_text("31.4 %")
    expect(page.locator('.pod-price-row[data-variant="60115"] input')).to_have_attribute("placeholder", "$19.99")
    assert ticked(page) == WHITE_AND_BLACK_S_TO_2XL  # the preview kept the choices

    # Money input: one variant overridden, typed the way people type money.
    page.fill('.pod-price-row[data-variant="60101"] input', "$15,50")

    # Placement: fit, drawn on the print area with its pixels and inches.
    caption = page.locator("#pod-placement-caption")
    expect(caption).to_contain_text("4500 × 5400 px (15.0 × 18.0 in at 300 DPI)")
    expect(page.locator("#pod-custom")).to_be_hidden()
    page.check("input[name=placement_mode][value=fixed]")
    expect(page.locator("#pod-custom")).to_be_visible()
    page.fill("#id_scale", "0.5")
    expect(caption).to_contain_text("at scale 0.50")
    page.check("input[name=placement_mode][value=fit]")
    expect(caption).to_contain_text("at scale 0.90")  # a 3:4 design on a 5:6 area: its height limits it
    # No design is approved yet: a sample shape stands in, drawn in the middle of the print area.
    expect(page.locator("#pod-preview-design")).to_contain_text("A sample shape (3:4): no approved design yet")
    art, area = page.locator("#pod-art").bounding_box(), page.locator("#pod-area").bounding_box()
    assert abs((art["x"] + art["width"] / 2) - (area["x"] + area["width"] / 2)) < 1.5
    assert abs(art["height"] - area["height"]) < 1.5  # fit: its height limits it
    page.screenshot(path=str(artifacts / "template-editor.png"), full_page=True)

    page.click("input[value='Save template']")
    expect(page.locator(".messagelist")).to_contain_text("Template “Gildan tee” saved.")
    template = ProductTemplate.objects.get(name="Gildan tee")
    enabled = {v["id"]: v for v in template.variants if v["is_enabled"]}
    assert sorted(enabled) == WHITE_AND_BLACK_S_TO_2XL
    assert enabled[60101]["price"] == 1550 and enabled[60101]["price_overridden"]
    assert enabled[60102]["price"] == 1499 and enabled[60105]["price"] == 1999
    assert template.placement["mode"] == "fit" and template.is_default

    # The change page is the same editor, showing what was saved.
    expect(page.locator('.pod-price-row[data-variant="60101"]')).to_contain_text("overridden (rule: $14.99)")
    assert ticked(page) == WHITE_AND_BLACK_S_TO_2XL
    page.screenshot(path=str(artifacts / "template-editor-saved.png"), full_page=True)
    page.goto("/admin/designs/producttemplate/")
    expect(page.locator("#result_list")).to_contain_text("Unisex Heavy Cotton Tee")
    expect(page.locator("#result_list")).to_contain_text("cost + 40 %, 2XL +2.00, ending in .99")


def sandbox_template(name, blueprint, provider, *, enabled, rule=None, default=False):
    from designs.models import ProductTemplate
    from designs.pricing import PriceRule
    from designs.services.templates import placeholders_from_catalog
    from integrations.sandbox import catalog

    variants = catalog.VARIANTS[(blueprint, provider)]
    price = PriceRule.from_dict(rule) if rule else None
    return ProductTemplate.objects.create(
        name=name,
        review_mockups=False,  # this flow is about templates and prices; mockup review has its own tests
        blueprint_id=blueprint,
        blueprint_title=catalog.BLUEPRINTS[blueprint]["title"],
        print_provider_id=provider,
        provider_title=catalog.PROVIDERS[provider]["title"],
        variants=[
            {
                "id": v["id"],
                "title": v["title"],
                "options": v["options"],
                "available": v["is_available"],
                "is_enabled": v["id"] in enabled,
                "price": price.price(v["cost"], v["options"]["size"]) if price else 1999,
            }
            for v in variants
        ],
        price_rule=rule or {},
        placeholders=placeholders_from_catalog(variants),
        placement={"mode": "fit", "x": 0.5, "y": 0.5, "scale": 1, "angle": 0},
        is_default=default,
    )


def test_publish_as_a_tee_and_a_mug_then_reprice_the_tee(page, printify, superuser, make_design, artifacts):
    from designs.models import Product, RepriceJob
    from designs.workers import publish_run, repricing
    from designs.workflow import Status
    from tests.browser.conftest import artwork, thumbnail_of

    printify.configure(printify_publish_delay=0)
    learn_costs(6, 99)
    tee = sandbox_template(
        "Gildan tee",
        6,
        99,
        enabled=WHITE_AND_BLACK_S_TO_2XL,
        default=True,
        rule={"basis": "percent", "percent": "40", "size_steps": {"2XL": 200}, "rounding": "99"},
    )
    mug = sandbox_template("Mug 11oz", 68, 9, enabled=[33719])
    design = make_design(status=Status.APPROVED, prompt="a fox in the snow, woodcut", title="Snow fox")
    original = artwork(1)
    design.thumbnail.save("thumb.webp", thumbnail_of(original), save=False)
    design.image.save("original.png", original, save=False)
    design.image_width = design.image_height = 512
    design.save()

    log_in(page, superuser.username, "/admin/designs/design/")
    page.check(f"input[name=_selected_action][value='{design.pk}']")
    page.select_option("select[name=action]", "publish_to_printify")
    page.click("button[name=index]")
    # The 512 px sample prints below 150 DPI on the tee: refused until the seller publishes it knowingly.
    expect(page.locator("#pod-publish-counts")).to_contain_text("0 designs will be published")
    expect(page.locator("#pod-publish-counts")).to_contain_text("1 will be refused")
    page.check("#id_override_low_dpi")
    page.check(f"input[name=templates][value='{mug.pk}']")
    page.click("input[name=show]")
    expect(page.locator("#pod-publish-counts")).to_contain_text("1 design will be published as 2 products")
    expect(page.locator(f"#pod-template-{tee.pk}")).to_contain_text("$14.99")
    expect(page.locator(f"#pod-template-{mug.pk}")).to_contain_text("Mug 11oz, made by WPaPS")
    page.screenshot(path=str(artifacts / "publish-two-templates.png"), full_page=True)
    page.click("button[name=post]")
    expect(page.locator(".messagelist")).to_contain_text("1 queued for publishing (2 products)")

    for product in Product.objects.filter(design=design):  # what the workers do
        assert publish_run.run_publish(product.pk) == "published"
    page.goto(f"/admin/designs/design/{design.pk}/change/")
    products = page.locator("#products-group")
    expect(products).to_contain_text("Gildan tee")
    expect(products).to_contain_text("Mug 11oz")
    expect(products.locator("text=Live in the store")).to_have_count(2)
    page.screenshot(path=str(artifacts / "design-with-two-products.png"), full_page=True)

    # The margin goes up: the editor offers to put the new prices on the published tee.
    page.goto(f"/admin/designs/producttemplate/{tee.pk}/change/")
    page.fill("#id_percent", "60")
    page.click("input[value='Save template']")
    expect(page.locator(".messagelist")).to_contain_text("1 published product of this template still carries")
    page.click("#pod-reprice")
    expect(page.locator(".messagelist")).to_contain_text("Updating the prices of 1 product in Printify.")
    expect(page.locator("#pod-reprice-progress")).to_contain_text("0 of 1 done")
    job = RepriceJob.objects.get()
    assert repricing.run_reprice(job.pk) == "done"  # what the worker does
    page.reload()
    expect(page.locator("#pod-reprice-summary")).to_contain_text("1 of 1 product updated")
    prices = {p["blueprint_id"]: set(p["prices"].values()) for p in printify.state()["printify"]["products"]}
    assert prices[6] == {1699, 2299}  # 10.29 × 1.6 = 16.46 → 16.99; 12.79 × 1.6 + 2.00 = 22.46 → 22.99
    page.screenshot(path=str(artifacts / "template-repriced.png"), full_page=True)
