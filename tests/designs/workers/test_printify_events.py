"""Printify's product events and the store links and mockups read back (designs/workers/printify_events.py)."""

import pytest
import responses

from designs.services import publishing as publish_service
from designs.workers import publish_run
from designs.workflow import Status
from tests.designs.publishing_support import API, SHOP, make_product, make_template, product_of
from tests.designs.webhook_support import PRODUCT, event, post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_settings")]


def test_a_deleted_product_moves_the_design_back_to_approved(client, published):
    response = post(client, event("product:deleted"))
    assert response.status_code == 200
    published.refresh_from_db()
    assert published.status == Status.APPROVED
    product = product_of(published)
    assert product.state == "deleted" and product.deleted_at is not None and product.printify_id == ""
    assert product.external == {}
    last = product.events.first()
    assert last.source == "webhook" and "the product was deleted in printify" in last.message.lower()
    assert published.events.first().message == last.message


def test_a_deleted_product_of_two_leaves_the_design_published(client, published):
    make_product(published, make_template(name="Mug", is_default=False), state="live", printify_id="e" * 24)
    assert post(client, event("product:deleted")).status_code == 200
    published.refresh_from_db()
    assert published.status == Status.PUBLISHED


def test_product_updated_reads_the_product_instead_of_trusting_the_body(
    client, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        assert post(client, event("product:updated")).status_code == 200
    assert len(callbacks) == 1  # a refresh task, after commit

    from designs.workers.printify_events import refresh_product

    with responses.RequestsMock() as rsps:
        rsps.get(
            f"{API}/shops/{SHOP}/products/{PRODUCT}.json",
            json={"id": PRODUCT, "external": {"id": "9", "handle": "https://shop/9"}, "images": [{"src": "https://m"}]},
        )
        assert refresh_product(product_of(published).pk) is True
    product = product_of(published)
    assert product.external == {"id": "9", "handle": "https://shop/9"}
    assert product.mockups == ["https://m"]


def test_unknown_products_other_shops_and_other_topics_are_acknowledged_and_ignored(client, published):
    assert post(client, event("product:deleted", product_id="f" * 24, event_id="e1")).status_code == 200
    other_shop = event("product:deleted", event_id="e2")
    other_shop["resource"]["data"]["shop_id"] = 999
    assert post(client, other_shop).status_code == 200
    assert post(client, event("order:created", event_id="e3")).status_code == 200
    published.refresh_from_db()
    assert published.status == Status.PUBLISHED


def test_events_signed_by_the_sandbox_update_the_design(settings, sandbox, webhook_receiver, client, make_design):
    """Register with the sandbox, publish, delete in Printify: the sandbox's real signed deliveries (caught by a
    local receiver, then handed to our view byte for byte) move the design."""
    from designs.clients import printify_client
    from designs.services.webhooks import register_webhooks
    from designs.workflow import Source
    from tests.designs.publishing_support import attach_image, make_template

    settings.PRINTIFY_API_BASE = f"{sandbox.url}/printify/v1"
    settings.PRINTIFY_SHOP_ID = "1"
    settings.PUBLIC_BASE_URL = webhook_receiver.url
    register_webhooks()
    settings.PUBLIC_BASE_URL = ""  # media is not public here: upload the contents
    make_template()
    design = attach_image(make_design(status=Status.APPROVED))
    publish_service.request_publish([design], actor=None, source=Source.ADMIN)
    outcome = publish_run.run_publish(product_of(design).pk)
    design.refresh_from_db()
    assert outcome == "published", design.last_error
    printify_client().delete_product(product_of(design).printify_id)

    deliveries = webhook_receiver.wait_for(2)
    for delivery in deliveries:
        assert delivery["path"] == "/hooks/printify/"
        response = client.post(
            delivery["path"],
            delivery["body"],
            content_type="application/json",
            secure=True,
            HTTP_X_PFY_SIGNATURE=delivery["headers"]["X-Pfy-Signature"],
        )
        assert response.status_code == 200, response.content
    design.refresh_from_db()
    product = product_of(design)
    assert product.events.filter(message__contains="started publishing").exists()
    assert design.status == Status.APPROVED
    assert product.deleted_at is not None and product.printify_id == "" and product.state == "deleted"


# --- store links and mockups read back; products deleted in Printify ---------------------------------------------


def product_answer(printify_id, link_id="9"):
    return {"id": printify_id, "external": {"id": link_id, "handle": f"https://shop/{link_id}"}, "images": []}


def test_refresh_fills_the_store_links_still_missing_and_leaves_older_products_alone(published):
    from datetime import timedelta

    from django.utils import timezone

    from designs.workers.printify_events import refresh_published_products

    waiting = product_of(published)
    waiting.external = {}
    waiting.save()
    old = make_product(
        published,
        make_template(name="Mug", is_default=False),
        printify_id="a" * 24,
        published_at=timezone.now() - timedelta(days=3),
    )
    with responses.RequestsMock() as rsps:  # only the recent product is read
        rsps.get(f"{API}/shops/{SHOP}/products/{PRODUCT}.json", json=product_answer(PRODUCT))
        assert refresh_published_products() == 1
    waiting.refresh_from_db()
    old.refresh_from_db()
    assert waiting.external == {"id": "9", "handle": "https://shop/9"}
    assert old.external == {}


def test_refresh_reads_only_two_products_while_others_are_being_made(make_design):
    from django.utils import timezone

    from designs.workers.printify_events import REFRESH_BATCH_WHILE_PUBLISHING, refresh_published_products

    template = make_template()
    waiting = [
        make_product(
            make_design(status=Status.PUBLISHED), template, printify_id=f"{n:024d}", published_at=timezone.now()
        )
        for n in range(4)
    ]
    make_product(make_design(status=Status.PUBLISHING), template, state="creating")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        for product in waiting:
            rsps.get(
                f"{API}/shops/{SHOP}/products/{product.printify_id}.json", json=product_answer(product.printify_id)
            )
        assert refresh_published_products() == REFRESH_BATCH_WHILE_PUBLISHING == 2
        assert len(rsps.calls) == 2


def test_refresh_does_nothing_while_another_worker_holds_its_lease(published):
    from designs import leases
    from designs.workers.printify_events import REFRESH_LEASE_SECONDS, refresh_published_products

    product = product_of(published)
    product.external = {}
    product.save()
    assert leases.acquire("publish:refresh", REFRESH_LEASE_SECONDS)
    with responses.RequestsMock():  # no request at all
        assert refresh_published_products() == 0


def test_a_product_printify_no_longer_has_is_left_to_the_deletion_webhook(published):
    from designs.workers.printify_events import refresh_product

    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/shops/{SHOP}/products/{PRODUCT}.json", status=404, json={"error": "Not found"})
        assert refresh_product(product_of(published).pk) is False
    product = product_of(published)
    assert product.state == "live" and product.external == {"id": "1", "handle": "https://shop/1"}


def test_a_product_deleted_while_its_mockups_wait_for_review_tells_its_design(make_design):
    from designs.workers.printify_events import product_deleted

    design = make_design(status=Status.PUBLISHED)
    product = make_product(design, make_template(name="Tee"), state="mockup_review", printify_id=PRODUCT)
    product_deleted(product, PRODUCT, source="webhook")

    product.refresh_from_db()
    assert (product.state, product.printify_id) == ("deleted", "")
    assert "Tee product waiting for its mockup review was deleted in Printify" in design.events.first().message


def test_a_product_deleted_while_being_made_is_forgotten_so_the_next_attempt_makes_a_new_one(make_design):
    from designs.workers.printify_events import product_deleted

    design = make_design(status=Status.PUBLISHING)
    product = make_product(design, make_template(), state="publishing", printify_id=PRODUCT, mockups=["https://m"])
    product_deleted(product, PRODUCT, source="webhook")

    product.refresh_from_db()
    assert product.state == "publishing"  # its run decides what happens next
    assert (product.printify_id, product.mockups, product.deleted_at is not None) == ("", [], True)
    assert "deleted in Printify" in product.events.first().message


def test_shop_disconnected_marks_the_shop_in_words_once(client, published):
    from designs.shops import Shop

    shopify = Shop.objects.create(printify_id="8802", title="My Shopify", channel="shopify")
    gone = {
        "id": "e-shop-1",
        "type": "shop:disconnected",
        "created_at": "2026-12-07 10:00:00+00:00",
        "resource": {"id": 8802, "type": "shop", "data": None},  # the body is undocumented: the id as a shop's
    }
    assert post(client, gone).status_code == 200
    assert post(client, {**gone, "id": "e-shop-2"}).status_code == 200  # said again: still one mark

    shopify.refresh_from_db()
    assert not shopify.connected
    assert shopify.problem.startswith("Printify said the shop was disconnected from its sales channel.")
    unknown = {**gone, "id": "e-shop-3", "resource": {"id": 5, "type": "shop", "data": None}}
    assert post(client, unknown).status_code == 200
    assert Shop.objects.filter(disconnected_at__isnull=False).count() == 1
