"""The one reconciler for both stages: wake work that lost its worker (killed process, lost task, restart).

reconcile() runs every minute (django-q2 schedule), from `--wait` commands, and — through
resume_after_restart() — as soon as a qcluster starts, so a restarted cluster picks up at once instead of at the
next tick. It is safe to run from anywhere, any number of times: it only wakes work; every run it wakes claims
its design first.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from designs import leases
from designs.models import Design
from designs.services.publishing import enqueue_publish
from designs.workers import enqueue, printify_events, publish_run, pump
from designs.workflow import Status

logger = logging.getLogger(__name__)

# A publishing design untouched this long with its lease free has lost its run. The lease (15 s, kept by a
# heartbeat) is the real liveness signal; the age only spares designs whose run was just enqueued.
STALE_AFTER = timedelta(seconds=45)
WAKE_AT_MOST = 500
RESUME_LEASE = "resume-after-restart"


def reconcile(*, stale_after: timedelta = STALE_AFTER) -> dict:
    woken_pump = _reconcile_generation()
    woken = _reconcile_publishing(stale_after)
    needs_refresh = printify_events.missing_store_links().exists()
    if needs_refresh:
        transaction.on_commit(lambda: enqueue("refresh_published_products"))
    return {"pump": woken_pump, "woken": woken, "refresh": needs_refresh}


def _reconcile_generation() -> bool:
    """Recover dead claims and wake the pump if work waits without one."""
    if leases.is_held(pump.PUMP_LEASE):
        return False
    pump.recover_unsubmitted_claims()
    if pump.has_work():
        pump.wake_pump()
        return True
    return False


def _reconcile_publishing(stale_after: timedelta) -> list[int]:
    cutoff = timezone.now() - stale_after
    stuck = Design.objects.filter(status=Status.PUBLISHING, updated_at__lte=cutoff).values_list("pk", flat=True)
    woken = []
    for design_id in list(stuck[:WAKE_AT_MOST]):
        if leases.is_held(publish_run.lease_key(design_id)):
            continue
        # Touch it, so the next pass waits another `stale_after` before waking it again.
        if Design.objects.filter(pk=design_id, status=Status.PUBLISHING, updated_at__lte=cutoff).update(
            updated_at=timezone.now()
        ):
            enqueue_publish(design_id)
            woken.append(design_id)
    if woken:
        logger.info("Reconcile: woke publishing for %d designs: %s", len(woken), woken[:20])
    return woken


def resume_after_restart(*, sleep=time.sleep) -> dict | None:
    """Run once when a qcluster starts: wait for the leases of the killed processes to lapse, then reconcile.

    Leases last 15 s (pump and publishing runs alike, kept by heartbeats), so a killed cluster's work is
    resumed within about that after the restart. Publishing designs are woken regardless of age (a run that
    owned one would hold its lease); a duplicate wake-up is harmless (the second run finds the lease or the
    status taken). Every worker process of the cluster sends this; the lease lets one of them do it.
    """
    token = leases.acquire(RESUME_LEASE, pump.LEASE_SECONDS * 3)
    if token is None:
        return None
    try:
        deadline = time.monotonic() + max(pump.LEASE_SECONDS, publish_run.LEASE_SECONDS) + 2
        while leases.is_held(pump.PUMP_LEASE) and time.monotonic() < deadline:
            sleep(1)
        if _live_publishing_leases() and time.monotonic() < deadline:
            sleep(max(0.0, deadline - time.monotonic()))
        return reconcile(stale_after=timedelta(0))
    finally:
        leases.release(RESUME_LEASE, token)


def _live_publishing_leases() -> bool:
    from designs.models import Lease

    return Lease.objects.filter(key__startswith="publish:", expires_at__gte=timezone.now()).exists()
