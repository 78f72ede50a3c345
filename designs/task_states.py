"""Statuses of work asked of a worker: a design's listing copy, a product's listing update, a repricing job.

Each is a machine on the engine (designs/machine.py): its table here, every move a conditional UPDATE with a
history row, so a worker and a person racing on one row cannot both win and every change is on record.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models

from designs.machine import History, Machine


class CopyStatus(models.TextChoices):
    """Where the LLM's work on a design's listing copy stands (people's edits do not change it)."""

    NONE = "none", "Not written by the LLM"
    QUEUED = "queued", "Waiting for the LLM"
    WRITING = "writing", "The LLM is writing"
    DONE = "done", "Written by the LLM"
    FAILED = "failed", "Copy failed"


C = CopyStatus
# A copy run older than the task timeout was lost (a killed worker): it may be taken over or asked for again.
COPY_STALE_AFTER = timedelta(seconds=settings.Q_TASK_TIMEOUT + 30)
COPY = Machine(
    name="listing copy",
    model="designs.Design",
    field="copy_status",
    states=CopyStatus,
    table={
        C.NONE: frozenset({C.QUEUED}),
        C.DONE: frozenset({C.QUEUED}),  # rewritten when asked
        C.FAILED: frozenset({C.QUEUED}),
        C.QUEUED: frozenset({C.WRITING}),
        # Done or failed by the run; back in the queue when its run was lost (a killed worker).
        C.WRITING: frozenset({C.DONE, C.FAILED, C.QUEUED}),
    },
    worker_only=frozenset({(C.QUEUED, C.WRITING), (C.WRITING, C.DONE), (C.WRITING, C.FAILED)}),
    history=History(
        model="designs.DesignEvent",
        owner="design_id",
        from_field="from_status",
        to_field="to_status",
        describe="Listing copy",
        kind_field="kind",
        kinds={"move": "copy", "created": "copy", "note": "note"},
    ),
    subject="design",
)


class ListingSync(models.TextChoices):
    """An update of a product's listing on Printify (designs/services/listing_sync.py): whether it is in sync is
    worked out from what was last sent; this records only the update asked for."""

    IDLE = "", "No update asked for"
    PENDING = "pending", "Update queued"
    UPDATING = "updating", "Updating"
    FAILED = "failed", "Update failed"


L = ListingSync
LISTING_UPDATE = Machine(
    name="listing update",
    model="designs.Product",
    field="listing_sync",
    states=ListingSync,
    table={
        L.IDLE: frozenset({L.PENDING}),
        L.FAILED: frozenset({L.PENDING}),
        # Asked for again while it runs: the run sees it and goes once more. Dropped when the product is gone.
        L.PENDING: frozenset({L.UPDATING, L.IDLE}),
        # Done (or the product is gone), failed, or back in the queue for a later try (locked, rate-limited).
        L.UPDATING: frozenset({L.IDLE, L.FAILED, L.PENDING}),
    },
    worker_only=frozenset({(L.PENDING, L.UPDATING), (L.PENDING, L.IDLE), (L.UPDATING, L.IDLE), (L.UPDATING, L.FAILED)}),
    history=History(
        model="designs.ProductEvent",
        owner="product_id",
        from_field="from_state",
        to_field="to_state",
        describe="Listing update",
    ),
    subject="product",
)


class RepriceState(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Updating prices"
    DONE = "done", "Done"


R = RepriceState
REPRICE = Machine(
    name="repricing",
    model="designs.RepriceJob",
    field="state",
    states=RepriceState,
    table={R.QUEUED: frozenset({R.RUNNING, R.DONE}), R.RUNNING: frozenset({R.DONE})},
    worker_only=frozenset({(R.QUEUED, R.RUNNING), (R.QUEUED, R.DONE), (R.RUNNING, R.DONE)}),
    history=History(model="designs.RepriceEvent", owner="job_id", from_field="from_state", to_field="to_state"),
    subject="repricing job",
    born_in=frozenset({R.QUEUED}),
)
