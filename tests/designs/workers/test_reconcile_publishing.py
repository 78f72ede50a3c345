"""The reconciler's publishing side: lost runs woken, missing store links collected."""

from datetime import timedelta

import pytest
from django.utils import timezone

from designs import leases
from designs.models import Design, Product
from designs.workers import printify_events
from designs.workers import reconcile as reconciler
from designs.workflow import Status
from tests.designs.publishing_support import (
    make_product,
    reload,
)

pytestmark = pytest.mark.usefixtures("printify_settings")


def test_reconcile_wakes_only_stale_products_without_a_live_run(
    make_design, template, django_capture_on_commit_callbacks
):
    from django_q.brokers import get_broker

    get_broker().purge_queue()  # wake-ups only fill a short queue: what earlier tests left in a shared Redis
    old = timezone.now() - timedelta(minutes=30)
    lost, running, recent = (
        make_product(make_design(status=Status.PUBLISHING), template, state="creating") for _ in range(3)
    )
    Product.objects.filter(pk__in=[lost.pk, running.pk]).update(updated_at=old)
    token = leases.acquire(leases.product_key(running.pk), 60)
    with django_capture_on_commit_callbacks() as callbacks:
        outcome = reconciler.reconcile()
    assert outcome["woken"] == [lost.pk]
    assert len(callbacks) == 1
    lost.refresh_from_db()
    assert lost.updated_at > old  # touched: the next pass waits again
    assert reconciler.reconcile()["woken"] == []
    leases.release(leases.product_key(running.pk), token)
    assert recent.pk not in outcome["woken"]


def test_reconcile_settles_a_design_left_in_publishing_with_nothing_in_flight(make_design, template):
    design = make_design(status=Status.PUBLISHING)
    make_product(design, template, state="live", printify_id="a" * 24)
    Design.objects.filter(pk=design.pk).update(status_changed_at=timezone.now() - timedelta(minutes=5))
    reconciler.reconcile()
    assert reload(design).status == Status.PUBLISHED


def test_reconcile_collects_missing_store_links(make_design, template, printify, django_capture_on_commit_callbacks):
    product_id = printify.add_product(
        {
            "external": {"id": "etsy-1", "handle": "https://shop.example/listing/1"},
            "images": [{"src": "https://m/1.png"}],
        }
    )
    design = make_design(status=Status.PUBLISHED)
    product = make_product(design, template, printify_id=product_id, published_at=timezone.now())
    with django_capture_on_commit_callbacks() as callbacks:
        assert reconciler.reconcile()["refresh"] is True
    assert len(callbacks) == 1
    assert printify_events.refresh_published_products() == 1
    product.refresh_from_db()
    assert product.external == {"id": "etsy-1", "handle": "https://shop.example/listing/1"}
    assert product.mockups == ["https://m/1.png"]
    assert reconciler.reconcile()["refresh"] is False


def test_reconcile_never_piles_wake_ups_onto_a_long_queue(make_design, template):
    """A product waiting behind a backlog looks like a lost run (untouched, lease free). Wake-ups fill the queue up
    to WAKE_AT_MOST tasks and no further: with a backlog there, the runs waiting in it are not woken twice."""
    from django_q.brokers import get_broker

    broker = get_broker()
    broker.purge_queue()
    old = timezone.now() - timedelta(minutes=30)
    waiting = [make_product(make_design(status=Status.PUBLISHING), template, state="creating") for _ in range(3)]
    Product.objects.filter(pk__in=[p.pk for p in waiting]).update(updated_at=old)
    try:
        for _ in range(reconciler.WAKE_AT_MOST - 1):
            broker.enqueue("a task of the backlog")
        assert len(reconciler.reconcile()["woken"]) == 1  # room for one more task
        broker.enqueue("a task of the backlog")
        Product.objects.filter(pk__in=[p.pk for p in waiting]).update(updated_at=old)
        assert reconciler.reconcile()["woken"] == []  # a full queue: nothing added
        broker.purge_queue()
        assert len(reconciler.reconcile()["woken"]) == 3  # the backlog is gone: any still waiting were lost
    finally:
        broker.purge_queue()
