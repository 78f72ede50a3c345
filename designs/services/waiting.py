"""Following designs until they settle: the one wait loop behind every command's --wait."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from django.db.models import QuerySet

from designs import selectors
from designs.workers import enqueue


def follow(
    designs: QuerySet,
    *,
    pending: frozenset[str],
    timeout: float,
    interval: float = 1.0,
    reconcile_every: float = 15.0,
    measure: Callable[[QuerySet], dict] = selectors.progress,
) -> Iterator[dict]:
    """Yield measure() (selectors.progress: counts per status; plus "pending" and "elapsed") every `interval` s
    until none is pending.

    The waiter also asks the workers for a reconciler run now and then, so work stranded without a running
    scheduler (or right after a worker restart) keeps moving; a reconciler run is safe any number of times.
    """
    started = last_reconcile = time.monotonic()
    while True:
        progress = measure(designs)
        progress["pending"] = sum(progress["counts"][status] for status in pending)
        progress["elapsed"] = time.monotonic() - started
        yield progress
        if not progress["pending"] or progress["elapsed"] >= timeout:
            return
        if time.monotonic() - last_reconcile >= reconcile_every:
            enqueue("reconcile")
            last_reconcile = time.monotonic()
        time.sleep(interval)
