"""The life of a design's print file, beside (never instead of) the design's own status.

A design in any status may have its print file prepared: none → queued (staff ask) → preparing (a worker
submitted the RunPod job) → ready (the file is stored) or failed (with the reason in words). A machine on the
engine (designs/machine.py): every move is a conditional UPDATE plus one DesignEvent (kind "print", the move in
words), so an admin and a worker racing on one design cannot both win.
"""

from __future__ import annotations

from django.db import models

from designs.machine import History, Machine, MoveConflict, MoveResult


class PrintStatus(models.TextChoices):
    NONE = "none", "No print file"
    QUEUED = "queued", "Print file queued"
    PREPARING = "preparing", "Preparing print file"
    READY = "ready", "Print file ready"
    FAILED = "failed", "Print file failed"


P = PrintStatus
# from print status -> the print statuses it may move to.
PRINT_TRANSITIONS: dict[str, frozenset[str]] = {
    P.NONE: frozenset({P.QUEUED}),
    P.FAILED: frozenset({P.QUEUED}),
    P.READY: frozenset({P.QUEUED}),  # prepare again (another preset or template); the old file stays until then
    P.QUEUED: frozenset({P.PREPARING, P.FAILED}),
    P.PREPARING: frozenset({P.READY, P.FAILED, P.QUEUED}),
}
# RunPod did not take the job (429, timeout) or the worker died before it did: only a worker puts it back.
WORKER_ONLY = frozenset({(P.PREPARING, P.QUEUED)})
PREPARABLE = frozenset(s for s, targets in PRINT_TRANSITIONS.items() if P.QUEUED in targets and s != P.PREPARING)
PRINT_PENDING = frozenset({P.QUEUED, P.PREPARING})

PRINT_FILE = Machine(
    name="print file",
    model="designs.Design",
    field="print_status",
    states=PrintStatus,
    table=PRINT_TRANSITIONS,
    # The design's history: from/to_status hold design statuses only, so the words say the print file's move.
    history=History(
        model="designs.DesignEvent",
        owner="design_id",
        from_field="from_status",
        to_field="to_status",
        describe="Print file",
        kind_field="kind",
        kinds={"move": "print", "created": "print", "note": "note"},
    ),
    subject="design",
    worker_only=WORKER_ONLY,
    changed_at="print_status_changed_at",
)


def print_transition(designs, *, to: str, **options) -> MoveResult:
    """Move designs' print status to `to` by the table (Machine.move's options)."""
    return PRINT_FILE.move(designs, to=to, **options)


def print_transition_one(design, *, to: str, **options) -> bool:
    """One design; True if it moved (the instance's print fields then follow the database)."""
    try:
        PRINT_FILE.move_one(design, to=to, **options)
    except MoveConflict:
        return False
    return True
