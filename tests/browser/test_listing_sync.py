"""The listing on Printify on a design's change page in a real browser: in sync, then out of sync after a title
edit, with the offer to update it, whose button (a POST with the CSRF token) queues the update."""

import pytest
from playwright.sync_api import expect

from designs.listing_changes import listing_change, record_sent
from designs.models import Design, ListingSync, Product
from tests.browser.test_review_page import log_in
from tests.designs.publishing_support import make_product, make_template

pytestmark = pytest.mark.browser


def test_a_title_edit_offers_the_update_and_its_button_queues_it(page, superuser, artifacts):
    design = Design.objects.create(prompt="a fox", status="published", title="Fox", description="A fox.", tags=["fox"])
    product = make_product(design, make_template(), printify_id="a" * 24)
    record_sent(product, listing_change(product).texts)
    log_in(page, "boss")
    page.goto(f"/admin/designs/design/{design.pk}/change/")
    cell = page.locator(".pod-sync")
    expect(cell).to_have_text("In sync")

    page.fill("#id_title", "Winter fox")
    page.click("input[name=_continue]")
    offer = page.locator(".messagelist form.pod-sync-offer")
    expect(page.locator(".messagelist")).to_contain_text("Its listing on Printify (Kids tee) is now out of sync.")
    expect(cell).to_contain_text("Out of sync since")
    expect(cell).to_contain_text("(title changed)")
    page.screenshot(path=str(artifacts / "listing-sync-offer.png"), full_page=True)

    offer.locator("button").click()
    expect(page).to_have_url(f"/admin/designs/design/{design.pk}/change/")
    expect(page.locator(".messagelist")).to_contain_text("1 product queued for an update on Printify.")
    expect(cell).to_have_text("Update queued")
    assert Product.objects.get(pk=product.pk).listing_sync == ListingSync.PENDING
