"""Mockup review: a template that reviews mockups stops each new product on Printify until a person decides;
going live publishes it once, discarding deletes it, undo takes a decision back before the worker acts."""

import pytest
from django.utils import timezone

from designs import leases
from designs.models import DesignEvent, ProductEvent
from designs.products import ProductState
from designs.services import mockups
from designs.services import publishing as publish_service
from designs.workers import printify_events, publish_run
from designs.workflow import Source, Status
from tests.designs.publishing_support import attach_image, make_template, product_of, reload

pytestmark = pytest.mark.usefixtures("printify_settings")
P = ProductState


@pytest.fixture(autouse=True)
def no_undo_wait(settings):
    settings.MOCKUP_UNDO_SECONDS = 0  # the tests act for the worker at once; the grace has its own test


@pytest.fixture
def reviewed_template(db):
    return make_template(review_mockups=True)


@pytest.fixture
def waiting(make_design, reviewed_template, printify):
    """A design whose product was created on Printify and waits for its mockup review."""
    design = attach_image(make_design(status=Status.APPROVED, title="Snow fox"))
    publish_service.request_publish([design], actor=None, source=Source.COMMAND, override_low_dpi=True)
    assert publish_run.run_publish(product_of(design).pk) == "mockups to review"
    return reload(design)


def test_a_reviewing_template_stops_the_product_on_printify_with_its_mockups(waiting, printify):
    product = product_of(waiting)
    assert waiting.status == Status.MOCKUPS and product.state == P.MOCKUP_REVIEW
    assert len(printify.created) == 1 and printify.published == []  # on Printify, not in the store
    # Read back with a GET after the create (its answer had none), the default (front) mockup first.
    assert product.mockups[0].endswith("/front.jpg") and len(product.mockups) == 2
    assert printify.calls("GET", f"/products/{product.printify_id}.json")


def test_going_live_publishes_exactly_once_and_records_who(
    waiting, printify, publisher, django_capture_on_commit_callbacks
):
    product = product_of(waiting)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        decision = mockups.go_live([product.pk], actor=publisher)
    assert decision.moved == [product.pk] and decision.summary(mockups.VERBS[decision.target]) == "1 sent live"
    assert len(callbacks) == 1 and reload(waiting).status == Status.PUBLISHING
    assert publish_run.run_publish(product.pk) == "published"
    assert publish_run.run_publish(product.pk) == "not publishing"  # a duplicate delivery does nothing
    product = product_of(waiting)
    assert product.state == P.LIVE and product.mockups_approved_at is not None
    assert [pid for pid, _ in printify.published] == [product.printify_id] and len(printify.created) == 1
    assert reload(waiting).status == Status.PUBLISHED
    event = ProductEvent.objects.get(product=product, to_state=P.PUBLISHING)
    assert (event.actor, event.source, event.from_state) == (publisher, Source.REVIEW, P.MOCKUP_REVIEW)


def test_discarding_deletes_the_product_on_printify_and_the_design_is_approved_again(waiting, printify, publisher):
    product = product_of(waiting)
    assert mockups.discard([product.pk], actor=publisher).moved == [product.pk]
    assert publish_run.run_publish(product.pk) == "discarded"
    assert printify.deleted == [product.printify_id] and printify.published == []
    product = product_of(waiting)
    assert (product.state, product.printify_id, product.mockups) == (P.DELETED, "", [])
    assert reload(waiting).status == Status.APPROVED
    # Published again later: a new product, reviewed again.
    publish_service.request_publish([waiting], actor=None, source=Source.COMMAND, override_low_dpi=True)
    assert publish_run.run_publish(product.pk) == "mockups to review"
    assert len(printify.created) == 2


def test_a_second_decision_on_the_same_product_is_skipped_with_its_state(waiting, publisher, superuser):
    product = product_of(waiting)
    mockups.go_live([product.pk], actor=publisher)
    late = mockups.discard([product.pk], actor=superuser)
    assert late.moved == [] and late.skipped == {product.pk: P.PUBLISHING}
    assert late.summary(mockups.VERBS[late.target]) == "0 discarded, 1 skipped (going live)"


def test_undo_takes_the_decision_back_before_the_worker_acts(waiting, printify, publisher):
    product = product_of(waiting)
    mockups.go_live([product.pk], actor=publisher)
    undone = mockups.undo_last_mockup_decision(actor=publisher)
    assert undone.ok and undone.message == "Undid the go live: the product waits for its mockup review again."
    product = product_of(waiting)
    assert (product.state, product.mockups_approved_at) == (P.MOCKUP_REVIEW, None)
    assert reload(waiting).status == Status.MOCKUPS
    assert publish_run.run_publish(product.pk) == "not publishing"  # the queued run finds nothing to do
    assert printify.published == []
    assert mockups.undo_last_mockup_decision(actor=publisher).message == "Nothing to undo."  # taken back already
    # Decided again and carried out: now it is too late, said in words.
    mockups.go_live([product.pk], actor=publisher)
    assert publish_run.run_publish(product.pk) == "published"
    late = mockups.undo_last_mockup_decision(actor=publisher)
    assert not late.ok and late.message == "Too late to undo the go live: the product is live in the store."


def test_undo_is_refused_in_words_once_the_run_has_begun(waiting, publisher):
    product = product_of(waiting)
    mockups.discard([product.pk], actor=publisher)
    token = leases.acquire(leases.product_key(product.pk), 30)  # the worker holds the product
    try:
        undone = mockups.undo_last_mockup_decision(actor=publisher)
    finally:
        leases.release(leases.product_key(product.pk), token)
    assert not undone.ok and undone.message == "Too late to undo the discard: Printify is being told right now."
    assert product_of(waiting).state == P.DISCARDING
    assert mockups.undo_last_mockup_decision(actor=None).message == "Nothing to undo."


def test_the_run_waits_for_the_undo_grace_before_acting(waiting, publisher, settings, monkeypatch):
    settings.MOCKUP_UNDO_SECONDS = 5
    product = product_of(waiting)
    mockups.go_live([product.pk], actor=publisher)
    slept = []
    monkeypatch.setattr(publish_run.time, "sleep", slept.append)  # the clock, not our code
    assert publish_run.run_publish(product.pk) == "published"
    assert len(slept) == 1 and 4 < slept[0] <= 5


def test_a_refused_deletion_returns_the_product_to_review_with_the_reason(waiting, printify, publisher):
    product = product_of(waiting)
    mockups.discard([product.pk], actor=publisher)
    printify.fail("delete", 400, {"code": 8104, "message": "Product belongs to another shop"})
    assert publish_run.run_publish(product.pk) == "discard failed"
    product = product_of(waiting)
    assert product.state == P.MOCKUP_REVIEW and product.last_error.startswith("Could not discard it: Printify refused")
    assert reload(waiting).status == Status.MOCKUPS


def test_a_product_deleted_on_printify_meanwhile_counts_as_discarded(waiting, printify, publisher):
    product = product_of(waiting)
    printify.products.pop(product.printify_id)
    mockups.discard([product.pk], actor=publisher)
    assert publish_run.run_publish(product.pk) == "discarded"
    assert product_of(waiting).state == P.DELETED


def test_a_draft_deleted_in_printify_by_someone_else_returns_the_design_to_approved_with_a_note(waiting):
    product = product_of(waiting)
    event = {"id": "evt-1", "type": "product:deleted", "resource": {"id": product.printify_id, "type": "product"}}
    assert printify_events.handle_webhook_event(event).status == 200
    assert product_of(waiting).state == P.DELETED and reload(waiting).status == Status.APPROVED
    note = DesignEvent.objects.filter(design=waiting, source=Source.WEBHOOK).latest("pk")
    assert "waiting for its mockup review was deleted in Printify" in note.message


def test_a_template_without_mockup_review_publishes_straight_away(make_design, template, printify):
    design = attach_image(make_design(status=Status.APPROVED))
    publish_service.request_publish([design], actor=None, source=Source.COMMAND, override_low_dpi=True)
    assert publish_run.run_publish(product_of(design).pk) == "published"


def test_a_snapshot_from_before_mockup_review_publishes_straight_away(make_design, reviewed_template, printify):
    design = attach_image(make_design(status=Status.APPROVED))
    publish_service.request_publish([design], actor=None, source=Source.COMMAND, override_low_dpi=True)
    product = product_of(design)
    snapshot = {k: v for k, v in product.template_snapshot.items() if k != "review_mockups"}
    type(product).objects.filter(pk=product.pk).update(template_snapshot=snapshot)
    assert publish_run.run_publish(product.pk) == "published"


def test_the_reconciler_wakes_a_lost_discard(waiting, printify, publisher):
    from datetime import timedelta

    from django_q.brokers import get_broker

    from designs.models import Product
    from designs.workers.reconcile import reconcile

    get_broker().purge_queue()  # wake-ups only fill a short queue: what earlier tests left in a shared Redis
    product = product_of(waiting)
    mockups.discard([product.pk], actor=publisher)  # … and the worker was killed before it ran
    Product.objects.filter(pk=product.pk).update(updated_at=timezone.now() - timedelta(minutes=10))
    assert product.pk in reconcile(stale_after=timedelta(minutes=5))["woken"]
    assert publish_run.run_publish(product.pk) == "discarded"
