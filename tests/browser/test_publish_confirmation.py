"""The publish confirmation in a real browser: a seller sees thumbnails, titles, prices and refusals, and the
confirm button is the primary one."""

import pytest
from playwright.sync_api import expect

from designs.models import BlockedTerm, Design
from designs.workflow import Status
from tests.browser.conftest import artwork, log_in, thumbnail_of
from tests.designs.publishing_support import configure_printify, make_product, make_template

pytestmark = pytest.mark.browser


def test_publish_confirmation_reads_like_a_checklist(page, publisher, settings, artifacts):
    configure_printify(settings)
    BlockedTerm.objects.get_or_create(term="Pokémon")  # transactional tests flush the seeded list
    template = make_template(name="Gildan tee")
    make_product(Design.objects.create(prompt="x", title="Owl at night", status=Status.PUBLISHED), template)
    titles = ["Paper crane over a misty lake", "Geometric fox head", "Owl at night", "Pokemon trainer fox"]
    for index, title in enumerate(titles):
        design = Design.objects.create(prompt=f"design {index}", title=title, status=Status.APPROVED)
        original = artwork(index)
        design.thumbnail.save("thumb.webp", thumbnail_of(original), save=False)
        design.image.save("original.png", original, save=False)
        design.save()
    log_in(page, publisher.username, "/admin/designs/design/?status__exact=approved")
    page.click("#action-toggle")
    page.select_option("select[name=action]", "publish_to_printify")
    page.click("button[name=index]")
    expect(page.locator("#pod-publish-counts")).to_contain_text("2 designs will be published as 2 products")
    expect(page.locator("#pod-publish-counts")).to_contain_text("2 will be refused")
    expect(page.locator(".pod-price-range")).to_contain_text("Gildan tee: 3 variants, $24.99–$26.99")
    expect(page.locator("tr.pod-outcome-refused")).to_have_count(2)
    confirm = page.locator("button[name=post]")
    expect(confirm).to_have_text("Publish 2 designs as 2 products")
    expect(confirm).to_have_class("button default")
    page.screenshot(path=str(artifacts / "publish-confirmation.png"), full_page=True)
