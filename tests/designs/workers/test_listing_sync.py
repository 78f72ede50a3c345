"""The listing update on a worker against Printify answers served by `responses` (FakePrintify): exact PUT bodies,
a live product published again with only the changed parts, locked products retried later, refusals and deleted
products recorded in words, the publishing lease respected, a killed update resumed by the reconciler."""

import re
from datetime import timedelta

import pytest
import responses
from django.utils import timezone
from django_q.models import Schedule

from designs import leases
from designs.models import DesignEvent, Lease, ListingSync, Product, ProductEvent
from designs.product_templates import PUBLISH_PARTS
from designs.products import ProductState
from designs.services import listing_copy
from designs.services.listing_sync import request_update, sync_status
from designs.workers import listing_sync, publish_run
from designs.workers.reconcile import reconcile
from designs.workflow import Source
from tests.designs.publishing_support import API, SHOP, make_template, product_of

pytestmark = pytest.mark.usefixtures("printify_settings")

ONLY_TITLE = {name: name == "title" for name in PUBLISH_PARTS}


def published(design, printify):
    assert publish_run.run_publish(product_of(design).pk) == "published"
    printify.published.clear()
    return product_of(design)


@pytest.fixture
def live(publishing_design, printify):
    return published(publishing_design, printify)


def edit_and_ask(product, **copy) -> Product:
    design = product.design
    design.refresh_from_db()
    saved = listing_copy.save_copy(design.pk, revision=design.copy_revision, actor=None, source=Source.ADMIN, **copy)
    assert saved.changed
    assert request_update(designs=[design], actor=None, source=Source.ADMIN).queued == [product.pk]
    return product_of(design)


def test_an_edited_title_is_put_and_published_alone_then_in_sync(live, printify):
    product = edit_and_ask(live, title="Winter fox")
    assert sync_status(product).kind == ListingSync.PENDING

    assert listing_sync.run_update(product.pk) == "updated"

    assert printify.updated == [(product.printify_id, {"title": "Winter fox"})]
    assert printify.products[product.printify_id]["title"] == "Winter fox"
    assert printify.published == [(product.printify_id, ONLY_TITLE)]
    product = product_of(live.design)
    assert product.listing_sync == ListingSync.IDLE and product.listing_sent["title"] == "Winter fox"
    assert sync_status(product).kind == "in_sync"
    message = "Listing updated on Printify and published to the store (title changed)."
    assert product.events.first().message == f"Listing update: updating → no update asked for. {message}"
    assert DesignEvent.objects.filter(design=live.design, message=f"Kids tee: {message}").exists()
    # Run again (a duplicate delivery): nothing asked for, nothing sent.
    assert listing_sync.run_update(product.pk) == "not asked for"
    assert len(printify.updated) == 1


def test_a_product_not_in_the_store_is_put_but_not_published(make_design, printify, publishing_design):
    template = make_template(name="Draft tee", is_default=False, publish_after_create=False)
    product = product_of(publishing_design)
    Product.objects.filter(pk=product.pk).update(template=template, template_snapshot={})
    product = published(publishing_design, printify)
    assert product.state == ProductState.ON_PRINTIFY

    product = edit_and_ask(product, tags="fox, winter")
    assert listing_sync.run_update(product.pk) == "updated"
    assert printify.updated == [(product.printify_id, {"tags": ["fox", "winter"]})]
    assert printify.published == []


def test_new_template_prices_are_put_with_every_variant_and_published_as_variants(live, printify, template):
    template.variants = [{**v, "price": 2999} if v["id"] == 17390 else v for v in template.variants]
    template.save()
    assert request_update(products=[live], actor=None, source=Source.ADMIN).queued == [live.pk]

    assert listing_sync.run_update(live.pk) == "updated"
    [(_, body)] = printify.updated
    assert body == {
        "variants": [
            {"id": 17390, "price": 2999, "is_enabled": True},
            {"id": 17426, "price": 2499, "is_enabled": True},
            {"id": 17393, "price": 2699, "is_enabled": True},
        ]
    }
    assert printify.published == [(live.printify_id, {name: name == "variants" for name in PUBLISH_PARTS})]
    product = product_of(live.design)
    assert {v["id"]: v["price"] for v in product.template_snapshot["variants"]}[17390] == 2999  # what it was given
    assert sync_status(product).kind == "in_sync"


def test_an_unchanged_product_is_not_put(live, printify):
    Product.objects.filter(pk=live.pk).update(listing_sync=ListingSync.PENDING)  # asked for, then the edit undone
    assert listing_sync.run_update(live.pk) == "in sync"
    assert printify.updated == [] and printify.published == []
    assert product_of(live.design).listing_sync == ListingSync.IDLE


def test_a_locked_product_waits_and_is_updated_on_a_later_try(live, printify):
    product = edit_and_ask(live, title="Winter fox")
    locked = {
        "status": "error",
        "code": 8252,
        "message": "Product is disabled for editing while it is being published.",
    }
    printify.fail("update", 400, locked)

    assert listing_sync.run_update(product.pk) == "locked"

    product = product_of(live.design)
    assert product.listing_sync == ListingSync.PENDING and "disabled for editing" in product.listing_error
    assert sync_status(product).reason == product.listing_error
    [later] = Schedule.objects.filter(func="designs.tasks.update_listing")
    assert later.next_run > timezone.now() + timedelta(seconds=20)
    assert ProductEvent.objects.filter(product=product, message__contains="Update on Printify waits").count() == 1

    assert listing_sync.run_update(product.pk) == "updated"  # the scheduled try
    assert printify.products[product.printify_id]["title"] == "Winter fox"
    assert product_of(live.design).listing_error == ""


def test_a_product_locked_for_too_long_fails_in_words(live, printify):
    product = edit_and_ask(live, title="Winter fox")
    Product.objects.filter(pk=product.pk).update(listing_requested_at=timezone.now() - timedelta(hours=1))
    printify.fail("update", 400, {"status": "error", "code": 8252, "message": "Product is locked."})
    assert listing_sync.run_update(product.pk) == "failed"
    product = product_of(live.design)
    assert product.listing_sync == ListingSync.FAILED
    assert product.listing_error.startswith("Gave up after 30 minutes of retries: Printify refused the listing update")


def test_a_refusal_fails_the_update_with_printifys_words(live, printify):
    product = edit_and_ask(live, title="WINTER FOX")
    printify.fail("update", 400, {"status": "error", "code": 61003, "message": "Title contains excessive caps"})

    assert listing_sync.run_update(product.pk) == "failed"

    product = product_of(live.design)
    assert product.state == ProductState.LIVE  # still live, with its old listing
    assert product.listing_sync == ListingSync.FAILED
    assert "excessive capital letters" in product.listing_error
    status = sync_status(product)
    assert status.kind == "failed" and status.reason == product.listing_error
    assert product.events.first().message == (
        f"Listing update: updating → update failed. Update on Printify failed: {product.listing_error}"
    )
    assert DesignEvent.objects.filter(design=live.design, message__contains="Update on Printify failed").exists()
    assert printify.published == []
    # Asking again after fixing the copy queues it again.
    assert edit_and_ask(product, title="Winter fox").listing_sync == ListingSync.PENDING


def test_a_product_deleted_on_printify_is_marked_deleted(live, printify):
    product = edit_and_ask(live, title="Winter fox")
    printify.products.pop(product.printify_id)

    assert listing_sync.run_update(product.pk) == "deleted on Printify"

    product = product_of(live.design)
    assert product.state == ProductState.DELETED and product.printify_id == ""
    assert product.listing_sync == ListingSync.IDLE
    assert sync_status(product).kind == ""
    assert DesignEvent.objects.filter(design=live.design, message__contains="no longer exists").exists()


def test_an_update_waits_while_a_publishing_run_holds_the_product(live, printify):
    product = edit_and_ask(live, title="Winter fox")
    with leases.held(leases.product_key(product.pk), 15) as token:
        assert token
        assert listing_sync.run_update(product.pk) == "busy"
    assert printify.updated == []
    assert product_of(live.design).listing_sync == ListingSync.PENDING


def test_a_killed_update_is_resumed_by_the_reconciler(live, printify, django_capture_on_commit_callbacks):
    product = edit_and_ask(live, title="Winter fox")
    # A worker took it (marked it updating, held the lease) and was killed: its lease lapses, nobody renews it.
    token = leases.acquire(leases.product_key(product.pk), 15)
    assert token
    Product.objects.filter(pk=product.pk).update(
        listing_sync=ListingSync.UPDATING, updated_at=timezone.now() - timedelta(minutes=1)
    )
    assert reconcile()["listings"] == []  # its lease still looks held
    Lease.objects.filter(key=leases.product_key(product.pk)).update(expires_at=timezone.now() - timedelta(seconds=1))

    with django_capture_on_commit_callbacks() as callbacks:
        assert reconcile()["listings"] == [product.pk]
    assert [c.args for c in callbacks if getattr(c, "args", None)] == [("update_listing", product.pk)]
    assert reconcile()["listings"] == []  # touched: not woken twice in a row

    assert listing_sync.run_update(product.pk) == "updated"
    assert printify.updated == [(product.printify_id, {"title": "Winter fox"})]
    assert sync_status(product_of(live.design)).kind == "in_sync"


def test_asked_again_while_updating_runs_once_more(live, printify, django_capture_on_commit_callbacks):
    product = edit_and_ask(live, title="Winter fox")

    def edit_during_the_put(request):
        answer = printify._update(request)
        edit_and_ask(product, title="Winter fox cub")  # a second edit and request while the first is sent
        return answer

    url = re.compile(rf"{re.escape(f'{API}/shops/{SHOP}')}/products/(\w+)\.json$")
    printify.rsps.replace(responses.CallbackResponse(responses.PUT, url, callback=edit_during_the_put))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert listing_sync.run_update(product.pk) == "updated"
    assert product_of(live.design).listing_sync == ListingSync.PENDING
    assert len(callbacks) == 2  # the second request's wake-up, and the run's own "once more"

    printify.rsps.replace(responses.CallbackResponse(responses.PUT, url, callback=printify._update))
    assert listing_sync.run_update(product.pk) == "updated"
    assert printify.products[product.printify_id]["title"] == "Winter fox cub"
    assert sync_status(product_of(live.design)).kind == "in_sync"


def test_a_part_the_template_leaves_to_the_store_is_put_but_not_published(live, printify):
    snapshot = {**live.template_snapshot, "publish_parts": {"tags": False}}
    Product.objects.filter(pk=live.pk).update(template_snapshot=snapshot)
    product = edit_and_ask(live, title="Winter fox", tags="fox, winter")
    assert listing_sync.run_update(product.pk) == "updated"
    assert printify.updated == [(product.printify_id, {"title": "Winter fox", "tags": ["fox", "winter"]})]
    assert printify.published == [(product.printify_id, ONLY_TITLE)]
