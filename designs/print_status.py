"""The life of a design's print file, beside (never instead of) the design's own status.

A design in any status may have its print file prepared: none → queued (staff ask) → preparing (a worker
submitted the RunPod job) → ready (the file is stored) or failed (with the reason in words). Like
workflow.transition(), every move is a conditional UPDATE (`… WHERE print_status = <what we read>`) plus one
DesignEvent (kind "print"), so an admin and a worker racing on one design cannot both win.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models, transaction
from django.utils import timezone


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
CHUNK = 2000


@dataclass
class PrintMove:
    target: str
    moved: list[int] = field(default_factory=list)
    skipped: dict[int, str | None] = field(default_factory=dict)  # design id -> its print status (None: missing)

    def summary(self, verb: str) -> str:
        text = f"{len(self.moved)} {verb}"
        if self.skipped:
            reasons = sorted({PrintStatus(s).label.lower() if s else "missing" for s in self.skipped.values()})
            text += f", {len(self.skipped)} skipped ({', '.join(reasons)})"
        return text


def allowed_sources(target: str, *, worker: bool) -> frozenset[str]:
    return frozenset(
        start
        for start, targets in PRINT_TRANSITIONS.items()
        if target in targets and (worker or (start, target) not in WORKER_ONLY)
    )


def print_transition(
    designs,
    *,
    to: str,
    sources: Iterable[str] | None = None,
    actor=None,
    source: str,
    message: str = "",
    updates: dict | None = None,
) -> PrintMove:
    """Move designs' print status to `to`, each only from one of `sources` (default: all the table allows)."""
    from designs.workflow import Source, design_ids

    target = PrintStatus(to)
    permitted = allowed_sources(target, worker=source == Source.WORKER)
    wanted = permitted if sources is None else frozenset(sources)
    if wanted - permitted:
        raise ValueError(f"The print table does not allow {sorted(wanted - permitted)} -> {target} ({source}).")
    ids = design_ids(designs)
    result = PrintMove(target=target)
    for start in range(0, len(ids), CHUNK):
        with transaction.atomic():
            chunk = ids[start : start + CHUNK]
            _move_chunk(chunk, target, wanted, getattr(actor, "pk", actor), source, message, updates, result)
    return result


def _move_chunk(ids, target, wanted, actor_id, source, message, updates, result: PrintMove) -> None:
    from designs.models import Design, DesignEvent
    from designs.workflow import EventKind, locked_groups

    now = timezone.now()
    values = {**(updates or {}), "print_status": target, "print_status_changed_at": now, "updated_at": now}
    groups, skipped = locked_groups(ids, "print_status", wanted)
    result.skipped.update(skipped)
    events = []
    for status, group in groups.items():
        if Design.objects.filter(pk__in=group, print_status=status).update(**values) != len(group):
            raise RuntimeError("designs changed print status during a locked transition")
        result.moved += group
        text = f"Print file: {PrintStatus(status).label.lower()} → {target.label.lower()}." + (
            f" {message}" if message else ""
        )
        events += [
            DesignEvent(
                design_id=design_id,
                kind=EventKind.PRINT,  # from/to_status hold design statuses only: the words say the print move
                actor_id=actor_id,
                source=source,
                message=text,
                created_at=now,
            )
            for design_id in group
        ]
    DesignEvent.objects.bulk_create(events)


def print_transition_one(design, *, to: str, sources=None, actor=None, source: str, message: str = "", updates=None):
    """One design; True if it moved. The instance's print fields follow the database when it did."""
    result = print_transition(
        design, to=to, sources=sources, actor=actor, source=source, message=message, updates=updates
    )
    if result.moved and hasattr(design, "print_status"):
        design.print_status = PrintStatus(to)
        for name, value in (updates or {}).items():
            if not hasattr(value, "resolve_expression"):
                setattr(design, name, value)
    return bool(result.moved)
