"""The release pass: scheduled products whose planned time has come go live (designs/pacing.py).

A django-q2 schedule starts it every minute (migration 0038), the reconciler wakes it (so a restarted cluster
goes on at once), and a product joining a queue wakes it. One pass at a time holds the lease "release-pass" and
keeps going while something falls due within LOOP_SECONDS, looking every second, so a release is on time to about
a second; then it exits (handing on to a new task when a release is that close). The lease only saves work: each
release is the engine's conditional UPDATE with its lane locked, so two passes on two clusters never let a
product go twice nor a window past its pace.

Across restarts: the queue is in the database (state, planned time, what each window let go), so a pass after
every cluster was down releases the overdue ones late — none early, none twice, none lost — and the day's limit
and hours still hold.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from designs import leases, pacing
from designs.workers import RELEASE_LEASE, enqueue, enqueue_publish

logger = logging.getLogger(__name__)

LEASE = RELEASE_LEASE
LEASE_SECONDS = 15
HEARTBEAT_SECONDS = 5
LOOP_SECONDS = 50  # under the schedule's minute; capped at a third of Q_TASK_TIMEOUT
LOOK_EVERY = 1.0  # seconds between looks while waiting (a reorder or a new product may make one due sooner)


def loop_seconds() -> float:
    return min(LOOP_SECONDS, settings.Q_TASK_TIMEOUT / 3)


def release_due(now=None, *, every_lane: bool = True) -> list[int]:
    """One pass: let go what is due (and what no pace holds any more). Returns the ids. Every lane is planned again
    (a pace the seller changed takes effect); with every_lane=False only the lanes with something due are looked at
    (the loop's looks between the task's first pass and its end)."""
    now = now or timezone.now()
    lanes, unpaced = pacing.lanes_waiting(due_by=None if every_lane else now)
    released: list[int] = []
    for lane in lanes:
        with transaction.atomic():
            moved = pacing.take_due(lane, now)
            for product_id in moved:
                enqueue_publish(product_id)
        released += moved
    if unpaced:
        with transaction.atomic():
            moved = pacing.release_unpaced(unpaced, now)
            for product_id in moved:
                enqueue_publish(product_id)
        released += moved
    if released:
        logger.info("Release pass: %d products go live: %s", len(released), released[:20])
    return released


def run_release(*, sleep=time.sleep) -> dict:
    """The designs.tasks.release_scheduled task: release passes while something falls due within loop_seconds()."""
    budget = loop_seconds()
    with leases.kept(LEASE, seconds=LEASE_SECONDS, every=HEARTBEAT_SECONDS) as heartbeat:
        if heartbeat is None:
            return {"busy": True}
        deadline = time.monotonic() + budget
        released: list[int] = []
        every_lane = True  # the first pass plans every queue again; then only the due ones are looked at
        while not heartbeat.lost.is_set():
            released += release_due(every_lane=every_lane)
            every_lane = False
            wait = _seconds_to_next()
            if wait is None or time.monotonic() + wait > deadline:
                break
            sleep(min(max(wait, 0.05), LOOK_EVERY))
    wait = _seconds_to_next()
    handed_on = wait is not None and wait <= budget
    if handed_on:
        enqueue("release_scheduled")  # a fresh task: the next release is too close for the minute's schedule
    return {"released": len(released), "next_in": wait, "handed_on": handed_on}


def _seconds_to_next() -> float | None:
    first = pacing.next_release()
    return None if first is None else (first - timezone.now()).total_seconds()


def wake_if_due() -> bool:
    """For the reconciler: start a pass when something is due within a loop and no pass holds the lease."""
    wait = _seconds_to_next()
    if wait is None or wait > loop_seconds() or leases.is_held(LEASE):
        return False
    transaction.on_commit(lambda: enqueue("release_scheduled"))
    return True
