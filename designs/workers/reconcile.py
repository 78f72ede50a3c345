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

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from designs import leases, selectors
from designs.models import ActionJob, Design, Product
from designs.products import GOING_LIVE, IN_FLIGHT, summarise_designs
from designs.workers import (
    PUMP_LEASE,
    copywriter,
    enqueue,
    enqueue_publish,
    listing_sync,
    printify_events,
    publish_run,
    pump,
    release,
    wake_pump,
)
from designs.workflow import Source, Status

logger = logging.getLogger(__name__)

# A publishing design untouched this long with its lease free has lost its run. The lease (15 s, kept by a
# heartbeat) is the real liveness signal; the age only spares designs whose run was just enqueued.
STALE_AFTER = timedelta(seconds=45)
WAKE_AT_MOST = 500
# A repricing job waits up to 30 s between passes over locked products; longer untouched means it lost its worker.
REPRICE_STALE_AFTER = timedelta(minutes=2)


def reconcile(*, stale_after: timedelta = STALE_AFTER) -> dict:
    woken_pump = _reconcile_generation()
    woken = _reconcile_publishing(stale_after)
    needs_refresh = printify_events.missing_store_links().exists()
    if needs_refresh:
        transaction.on_commit(lambda: enqueue("refresh_published_products"))
    repricing = _reconcile_repricing(stale_after)
    copy = copywriter.wake_stale_copy()
    listings = listing_sync.wake_lost_updates(stale_after)
    action_jobs = _reconcile_action_jobs()
    released = release.wake_if_due()  # the queue goes on at once after a restart (the schedule would wait a minute)
    return {
        "release": released,
        "pump": woken_pump,
        "woken": woken,
        "refresh": needs_refresh,
        "repricing": repricing,
        "copy": copy,
        "listings": listings,
        "action_jobs": action_jobs,
    }


def _reconcile_action_jobs() -> list[int]:
    """Admin action jobs (services/action_jobs.py) whose worker was lost: wake them; they go on from `done`."""
    cutoff = timezone.now() - timedelta(seconds=settings.Q_TASK_TIMEOUT + 30)
    unfinished = ActionJob.objects.filter(state__in=[ActionJob.State.QUEUED, ActionJob.State.RUNNING])
    woken = []
    for job_id in unfinished.filter(updated_at__lte=cutoff).values_list("pk", flat=True)[:WAKE_AT_MOST]:
        if not leases.is_held(ActionJob.lease_key(job_id)):
            transaction.on_commit(lambda job_id=job_id: enqueue("run_action_job", job_id))
            woken.append(job_id)
    return woken


def _reconcile_repricing(stale_after: timedelta) -> list[int]:
    """Repricing jobs nobody works on (a killed worker, a lost wake-up): wake them; they resume by themselves."""
    from designs.workers import repricing

    cutoff = timezone.now() - max(stale_after, REPRICE_STALE_AFTER)
    woken = []
    stale = selectors.unfinished_reprice_jobs().filter(updated_at__lte=cutoff)
    for job_id in stale.values_list("pk", flat=True)[:WAKE_AT_MOST]:
        if not leases.is_held(repricing.lease_key(job_id)):
            transaction.on_commit(lambda job_id=job_id: enqueue("reprice_products", job_id))
            woken.append(job_id)
    return woken


def _reconcile_generation() -> bool:
    """Recover dead claims and wake the pump if work waits without one."""
    if leases.is_held(PUMP_LEASE):
        return False
    pump.recover_unsubmitted_claims()
    if pump.has_work():
        wake_pump()
        return True
    return False


def _queued_tasks() -> int:
    """Tasks waiting in the broker's queue (all kinds: a publishing run there is not lost, only late)."""
    from django_q.brokers import get_broker

    return get_broker().queue_size() or 0


def _reconcile_publishing(stale_after: timedelta) -> list[int]:
    """Wake products whose run was lost; put right a design left in publishing with no product in flight.

    A product untouched for `stale_after` with its lease free may have lost its run — or its run may only wait in
    the queue behind a backlog (thousands of products asked for at once). The broker cannot say which, so the
    wake-ups fill the queue up to WAKE_AT_MOST tasks at most: with a backlog there, nothing is woken (the runs
    waiting are being worked through; a lost one is woken once the queue is short again). Without that bound every
    pass added up to WAKE_AT_MOST duplicates to a long queue, which made it longer still (bench/soak.py)."""
    cutoff = timezone.now() - stale_after
    stuck = Product.objects.filter(state__in=IN_FLIGHT, updated_at__lte=cutoff).values_list("pk", flat=True)
    room = WAKE_AT_MOST - _queued_tasks()
    woken = []
    for product_id in list(stuck[: max(0, room)]):
        if leases.is_held(leases.product_key(product_id)):
            continue
        # Touch it, so the next pass waits another `stale_after` before waking it again.
        if Product.objects.filter(pk=product_id, state__in=IN_FLIGHT, updated_at__lte=cutoff).update(
            updated_at=timezone.now()
        ):
            enqueue_publish(product_id)
            woken.append(product_id)
    if woken:
        logger.info("Reconcile: woke publishing for %d products: %s", len(woken), woken[:20])
    idle = Design.objects.filter(status=Status.PUBLISHING, status_changed_at__lte=cutoff).exclude(
        products__state__in=GOING_LIVE
    )
    settled = list(idle.values_list("pk", flat=True)[:WAKE_AT_MOST])
    if settled:
        with transaction.atomic():
            summarise_designs(settled, source=Source.WORKER, message="Its products are no longer being published.")
    return woken


def resume_after_restart(*, sleep=time.sleep) -> dict:
    """Run when a qcluster worker starts: resume at once what a killed cluster left, then again once its leases lapse.

    The leases of killed processes (pump, publishing runs: 15 s, kept by heartbeats) still look held for up to
    15 s; a live holder renews its lease, a dead one does not. So: reconcile now (work nobody holds), wait while a
    lease seen at the start is neither renewed nor expired, reconcile again. Publishing designs are woken
    regardless of age (a run that owned one would hold its lease). Every worker process sends this; a duplicate
    wake-up is harmless (the second pump or run finds the lease or the status taken).
    """
    from designs.models import Lease

    deadline = time.monotonic() + max(pump.LEASE_SECONDS, publish_run.LEASE_SECONDS) + 2
    seen = dict(Lease.objects.filter(expires_at__gte=timezone.now()).values_list("key", "expires_at"))
    reconcile(stale_after=timedelta(0))
    while seen and time.monotonic() < deadline:
        sleep(1)
        now = dict(Lease.objects.filter(key__in=seen, expires_at__gte=timezone.now()).values_list("key", "expires_at"))
        seen = {key: expires for key, expires in seen.items() if now.get(key) == expires}  # neither renewed nor gone
    return reconcile(stale_after=timedelta(0))
