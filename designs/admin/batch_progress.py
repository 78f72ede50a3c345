"""The progress block of a batch's page: counts that say what is done and what waits, thumbnails, a review link.

The block refreshes itself while anything in the batch is still on its way (static/podsite/batch.js re-reads
this page and swaps the block; the form below it is left alone).
"""

from __future__ import annotations

from designs import selectors
from designs.admin.display import status_badge_tag, thumbnail_tag, usd
from designs.workflow import PENDING, Status

THUMBNAILS_SHOWN = 24


def progress_context(batch_id: int | None) -> dict | None:
    if batch_id is None:
        return None
    progress = selectors.progress(selectors.batch_designs([batch_id]))
    counts = progress["counts"]
    pending = sum(counts[status] for status in PENDING)
    waiting = counts[Status.REVIEW]
    failed = counts[Status.GENERATION_FAILED]
    generated = progress["total"] - pending - failed  # each has its image: in review, or decided since
    progress.update(
        rows=[(Status(value).label, counts[value], value) for value in Status.values],
        pending=pending,
        waiting=waiting,
        # Generated and decided apart: "0 of 16 done · 16 waiting for review" read as if nothing was generated.
        generated=generated,
        failed=failed,
        decided=generated - waiting,
        cost_text=usd(progress["cost"]),
        refresh=bool(pending or counts[Status.PUBLISHING]),
        thumbnails=[
            (design, thumbnail_tag(design), status_badge_tag(design.status))
            for design in selectors.batch_preview(batch_id, THUMBNAILS_SHOWN)
        ],
    )
    return progress
