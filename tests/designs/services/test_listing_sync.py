"""Whether a product's listing on Printify matches its design, and asking for updates: what the publishing run
records at create, edits of title/description/tags and template prices seen as out of sync, only products that
exist on Printify and changed are queued."""

import pytest
from django.utils import timezone

from designs import listing
from designs.listing_changes import listing_change
from designs.models import ListingSync, Product, ProductEvent
from designs.products import ProductState
from designs.services import listing_copy
from designs.services.listing_sync import out_of_sync, request_update, sync_status
from designs.workers import publish_run
from designs.workflow import Source, Status
from tests.designs.publishing_support import attach_image, make_product, product_of

pytestmark = pytest.mark.usefixtures("printify_settings")


@pytest.fixture
def live(publishing_design, printify):
    """A design published by the real run (so what it sent is recorded), and its live product."""
    assert publish_run.run_publish(product_of(publishing_design).pk) == "published"
    return product_of(publishing_design)


def edit(design, **copy):
    design.refresh_from_db()
    saved = listing_copy.save_copy(design.pk, revision=design.copy_revision, actor=None, source=Source.ADMIN, **copy)
    assert saved.saved and saved.changed
    return saved.design


def test_the_publishing_run_records_what_it_sent_so_a_new_product_is_in_sync(live, printify):
    [created] = printify.created
    assert live.listing_sent == {key: created[key] for key in ("title", "description", "tags")}
    assert live.listing_synced_at is not None
    assert sync_status(live).kind == "in_sync"
    assert out_of_sync(live.design) == []


def test_a_title_edit_puts_the_product_out_of_sync_since_the_edit(live):
    before = timezone.now()
    edit(live.design, title="Winter fox")
    product = product_of(live.design)
    status = sync_status(product)
    assert status.kind == "out_of_sync"
    assert status.change.changed == ("title",) and status.change.words == "title changed"
    assert status.since is not None and status.since >= before
    assert status.change.body(product) == {"title": "Winter fox"}
    assert out_of_sync(live.design) == [product]


def test_tags_and_description_edits_are_both_named(live):
    edit(live.design, description="A fox in the snow.", tags="fox, winter")
    change = listing_change(product_of(live.design))
    assert change.changed == ("description", "tags") and change.words == "description and tags changed"
    assert change.texts["tags"] == ["fox", "winter"]


def test_new_template_prices_are_out_of_sync_too(live, template):
    template.variants = [{**v, "price": 2999} if v["id"] == 17390 else v for v in template.variants]
    template.save()
    product = product_of(live.design)
    change = listing_change(product)
    assert change.changed == ("prices",) and change.prices == {17390: 2999}
    assert change.parts == ["variants"]
    assert {v["id"]: v["price"] for v in change.body(product)["variants"]} == {17390: 2999, 17426: 2499, 17393: 2699}


def test_request_update_queues_only_changed_products_on_printify(
    live, make_design, template, django_capture_on_commit_callbacks
):
    edit(live.design, title="Winter fox")
    unchanged = attach_image(make_design(status=Status.PUBLISHED, title="Owl"))
    in_sync = make_product(unchanged, template, printify_id="b" * 24)
    in_sync.listing_sent = listing_change(in_sync).texts
    in_sync.save()
    failed = make_product(attach_image(make_design(status=Status.PUBLISH_FAILED)), template, state=ProductState.FAILED)

    with django_capture_on_commit_callbacks() as callbacks:
        result = request_update(designs=[live.design, unchanged, failed.design], actor=None, source=Source.ADMIN)

    assert result.queued == [live.pk] and result.in_sync == [in_sync.pk] and result.skipped == {failed.pk: "failed"}
    assert len(callbacks) == 1
    assert result.summary() == (
        "1 product queued for an update on Printify, 1 product already in sync, 1 product skipped (failed)"
    )
    product = product_of(live.design)
    assert product.listing_sync == ListingSync.PENDING and product.listing_requested_at is not None
    assert sync_status(product).kind == ListingSync.PENDING
    assert ProductEvent.objects.filter(
        product=product, message__endswith="Update on Printify asked for (title changed)."
    )
    assert out_of_sync(live.design) == []  # an update is under way


def test_a_product_made_before_sync_was_recorded_sends_all_its_texts(make_design, template):
    design = attach_image(make_design(status=Status.PUBLISHED, title="Owl", description="An owl."))
    product = make_product(design, template, printify_id="c" * 24)
    assert product.listing_sent == {}
    status = sync_status(Product.objects.get(pk=product.pk))
    assert status.kind == "not_recorded" and status.change.changed == ("title", "description", "tags")
    assert request_update(products=[product], actor=None, source=Source.ADMIN).queued == [product.pk]


def test_a_design_whose_texts_cannot_be_sent_is_skipped_with_the_reason(make_design, template):
    too_long = "fox " * listing.limits().description_max_chars  # stored past the form's checks (an older limit)
    design = attach_image(make_design(status=Status.PUBLISHED, title="Fox", description=too_long))
    product = make_product(design, template, printify_id="d" * 24, listing_sent={"title": "Old"})
    result = request_update(products=[product.pk], actor=None, source=Source.ADMIN)
    assert result.queued == [] and "Shorten the design's description" in result.skipped[product.pk]
