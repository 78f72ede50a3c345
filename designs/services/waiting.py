"""Following designs until they settle: the one wait loop behind every command's --wait."""

from __future__ import annotations

import time
from collections.abc import Iterator

from django.db.models import QuerySet

from designs import selectors
from designs.workers.reconcile import reconcile


def follow(
    designs: QuerySet,
    *,
    pending: frozenset[str],
    timeout: float,
    interval: float = 1.0,
    reconcile_every: float = 15.0,
    measure=selectors.progress,
) -> Iterator[dict]:
    """Yield measure() — selectors.progress(), or print_progress() for print files — plus "pending" and "elapsed"
    every `interval` s until none is pending.

    The waiter also runs the reconciler now and then, so work started without a running scheduler (or right
    after a worker restart) keeps moving; reconcile() is safe to run from anywhere, any number of times.
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
            reconcile()
            last_reconcile = time.monotonic()
        time.sleep(interval)
