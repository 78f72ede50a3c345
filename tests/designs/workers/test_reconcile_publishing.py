"""The reconciler's publishing side: lost runs woken, missing store links collected."""

from datetime import timedelta

import pytest
from django.utils import timezone

from designs import leases
from designs.models import Design
from designs.workers import printify_events
from designs.workers import reconcile as reconciler
from designs.workflow import Status
from tests.designs.publishing_support import (
    reload,
)

pytestmark = pytest.mark.usefixtures("printify_settings")


def test_reconcile_wakes_only_stale_publishing_designs_without_a_live_run(
    make_design, template, django_capture_on_commit_callbacks
):
    old = timezone.now() - timedelta(minutes=30)
    lost = make_design(status=Status.PUBLISHING)
    running = make_design(status=Status.PUBLISHING)
    recent = make_design(status=Status.PUBLISHING)
    Design.objects.filter(pk__in=[lost.pk, running.pk]).update(updated_at=old)
    token = leases.acquire(f"publish:{running.pk}", 60)
    with django_capture_on_commit_callbacks() as callbacks:
        outcome = reconciler.reconcile()
    assert outcome["woken"] == [lost.pk]
    assert len(callbacks) == 1
    assert reload(lost).updated_at > old  # touched: the next pass waits again
    assert reconciler.reconcile()["woken"] == []
    leases.release(f"publish:{running.pk}", token)
    assert recent.pk not in outcome["woken"]


def test_reconcile_collects_missing_store_links(make_design, printify, django_capture_on_commit_callbacks):
    product_id = printify.add_product(
        {
            "external": {"id": "etsy-1", "handle": "https://shop.example/listing/1"},
            "images": [{"src": "https://m/1.png"}],
        }
    )
    design = make_design(status=Status.PUBLISHED, printify_product_id=product_id, published_at=timezone.now())
    with django_capture_on_commit_callbacks() as callbacks:
        assert reconciler.reconcile()["refresh"] is True
    assert len(callbacks) == 1
    assert printify_events.refresh_published_products() == 1
    design = reload(design)
    assert design.printify_external == {"id": "etsy-1", "handle": "https://shop.example/listing/1"}
    assert design.printify_mockups == ["https://m/1.png"]
    assert reconciler.reconcile()["refresh"] is False
