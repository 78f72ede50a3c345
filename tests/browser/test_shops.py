"""Several shops in a real browser: one design published to an Etsy and a Shopify shop in one confirmation."""

import pytest
from playwright.sync_api import expect

from designs.models import Design, Product
from designs.shops import Shop
from designs.workers import publish_run
from designs.workflow import Status
from tests.browser.conftest import artwork, log_in, thumbnail_of
from tests.designs.publishing_support import configure_printify, make_template

pytestmark = pytest.mark.browser


def test_one_design_goes_to_two_shops_in_one_confirmation(page, publisher, settings, sandbox, artifacts):
    configure_printify(settings)
    settings.PRINTIFY_API_BASE = f"{sandbox.url}/printify/v1"
    settings.PRINTIFY_SHOP_ID = "1"
    etsy = Shop.objects.create(printify_id="1", title="Sandbox Etsy shop", channel="etsy", is_default=True)
    shopify = Shop.objects.create(printify_id="2", title="Sandbox Shopify shop", channel="shopify")
    make_template(name="Etsy tee", shop=etsy)
    make_template(name="Shopify tee", shop=shopify, is_default=False)
    design = Design.objects.create(prompt="an owl at night", title="Owl at night", status=Status.APPROVED)
    original = artwork(3)
    design.thumbnail.save("thumb.webp", thumbnail_of(original), save=False)
    design.image.save("original.png", original, save=False)
    design.save()

    log_in(page, publisher.username, "/admin/designs/design/?status__exact=approved")
    page.click("#action-toggle")
    page.select_option("select[name=action]", "publish_to_printify")
    page.click("button[name=index]")
    page.get_by_label("Etsy tee — Sandbox Etsy shop").check()
    page.get_by_label("Shopify tee — Sandbox Shopify shop").check()
    page.click("input[name=show]")
    expect(page.locator("#pod-publish-counts")).to_contain_text("1 design will be published as 2 products")
    expect(page.locator(".pod-template-card h2")).to_have_text(
        [
            "Template “Etsy tee” (default) in Sandbox Etsy shop (Etsy)",
            "Template “Shopify tee” in Sandbox Shopify shop (Shopify)",
        ]
    )
    page.screenshot(path=str(artifacts / "publish-two-shops.png"), full_page=True)
    page.click("button[name=post]")
    expect(page.locator(".messagelist")).to_contain_text("1 queued for publishing (2 products).")

    products = list(Product.objects.filter(design=design).select_related("shop").order_by("shop__printify_id"))
    assert [p.shop.printify_id for p in products] == ["1", "2"]
    for product in products:  # what the worker does with each (the system tests run real qclusters)
        assert publish_run.run_publish(product.pk) == "published"
    in_sandbox = sandbox.printify.products
    assert sorted(p["shop_id"] for p in in_sandbox.values()) == [1, 2]
    assert Design.objects.get(pk=design.pk).status in (Status.PUBLISHING, Status.PUBLISHED)
