"""The life of a design: its statuses, the one table of allowed moves, and the only code that changes status.

Every status change is a conditional UPDATE (`… WHERE pk = ? AND status = <what we read>`), so two
admins, or an admin and a worker, can race and exactly one wins; the loser is told, nothing else happens.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models, transaction
from django.utils import timezone


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    QUEUED = "queued", "Queued"
    GENERATING = "generating", "Generating"
    GENERATION_FAILED = "generation_failed", "Generation failed"
    REVIEW = "review", "In review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    PUBLISHING = "publishing", "Publishing"
    PUBLISHED = "published", "Published"
    PUBLISH_FAILED = "publish_failed", "Publish failed"


class Source(models.TextChoices):
    """Where a change came from; recorded on every DesignEvent."""

    ADMIN = "admin", "Admin"
    REVIEW = "review", "Review page"
    COMMAND = "command", "Management command"
    WORKER = "worker", "Worker"
    WEBHOOK = "webhook", "Webhook"


S = Status
# from status -> the statuses it may move to (ARCHITECTURE.md, "The life of a design").
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.QUEUED}),
    S.QUEUED: frozenset({S.GENERATING, S.DRAFT, S.GENERATION_FAILED}),
    S.GENERATING: frozenset({S.REVIEW, S.DRAFT, S.GENERATION_FAILED}),
    S.GENERATION_FAILED: frozenset({S.QUEUED}),
    S.REVIEW: frozenset({S.APPROVED, S.REJECTED}),
    S.APPROVED: frozenset({S.REVIEW, S.PUBLISHING}),
    S.REJECTED: frozenset({S.REVIEW}),
    S.PUBLISHING: frozenset({S.PUBLISHED, S.PUBLISH_FAILED}),
    S.PUBLISH_FAILED: frozenset({S.PUBLISHING}),
    S.PUBLISHED: frozenset({S.APPROVED}),
}

# States in which a worker owns the design; the reconciler watches these.
IN_FLIGHT = frozenset({S.QUEUED, S.GENERATING, S.PUBLISHING})


def allowed_sources(target: str) -> frozenset[str]:
    return frozenset(src for src, targets in TRANSITIONS.items() if target in targets)


class TransitionConflict(Exception):
    """The design was not in a state the change starts from (someone else moved it first)."""

    def __init__(self, design_id: int, target: str, current: str | None):
        self.design_id = design_id
        self.target = target
        self.current = current
        label = Status(current).label.lower() if current else "deleted"
        super().__init__(f"Design {design_id} could not move to {Status(target).label.lower()}: it is {label} now.")


@dataclass
class TransitionResult:
    target: str
    moved: list[int] = field(default_factory=list)
    # design id -> its status when we looked (None: no such design)
    skipped: dict[int, str | None] = field(default_factory=dict)

    def summary(self, verb: str) -> str:
        """'12 approved, 3 skipped (not in review)' for admin messages and command output."""
        text = f"{len(self.moved)} {verb}"
        if self.skipped:
            reasons = sorted({Status(s).label.lower() if s else "missing" for s in self.skipped.values()})
            text += f", {len(self.skipped)} skipped ({', '.join(reasons)})"
        return text


def transition(
    designs,
    *,
    to: str,
    sources: Iterable[str] | str | None = None,
    actor=None,
    source: str,
    message: str = "",
    updates: dict | None = None,
) -> TransitionResult:
    """Move designs to `to`, each only if its current status is one of `sources`.

    `designs` is a Design, a pk, or an iterable of either. `sources` defaults to every status the table
    allows into `to`; passing a narrower set is how a caller says "only from review". `updates` are
    extra field values written in the same UPDATE (e.g. clearing `last_error`). One DesignEvent is
    written per design that moved. Designs that were not in a source state are left untouched and
    reported in `skipped`.
    """
    from designs.models import Design, DesignEvent

    target = Status(to)
    permitted = allowed_sources(target)
    if sources is None:
        wanted = permitted
    else:
        wanted = frozenset({sources} if isinstance(sources, str) else sources)
        illegal = wanted - permitted
        if illegal:
            raise ValueError(f"The transition table does not allow {sorted(illegal)} -> {target}.")

    ids = _design_ids(designs)
    result = TransitionResult(target=target)
    if not ids:
        return result
    now = timezone.now()
    values = {**(updates or {}), "status": target, "status_changed_at": now, "updated_at": now}
    actor_id = getattr(actor, "pk", actor)
    with transaction.atomic():
        current = dict(Design.objects.filter(pk__in=ids).values_list("pk", "status"))
        events = []
        for design_id in ids:
            status = current.get(design_id)
            # The WHERE on the status we read is the guard: if anyone changed it since, zero rows match.
            if status in wanted and Design.objects.filter(pk=design_id, status=status).update(**values):
                result.moved.append(design_id)
                events.append(
                    DesignEvent(
                        design_id=design_id,
                        from_status=status,
                        to_status=target,
                        actor_id=actor_id,
                        source=source,
                        message=message,
                        created_at=now,
                    )
                )
            else:
                result.skipped[design_id] = status
        DesignEvent.objects.bulk_create(events)
    return result


def transition_one(design, *, to: str, sources=None, actor=None, source: str, message: str = "", updates=None):
    """Single-design form of transition(): raises TransitionConflict instead of reporting a skip.

    When `design` is an instance, its in-memory status and updated fields follow the database.
    """
    result = transition(design, to=to, sources=sources, actor=actor, source=source, message=message, updates=updates)
    design_id = _design_ids(design)[0]
    if not result.moved:
        raise TransitionConflict(design_id, to, result.skipped.get(design_id))
    if hasattr(design, "status"):
        design.status = Status(to)
        for name, value in (updates or {}).items():
            if not hasattr(value, "resolve_expression"):  # F() etc. stay in the database until refresh
                setattr(design, name, value)
    return result


def _design_ids(designs) -> list[int]:
    if isinstance(designs, (int, str)) or hasattr(designs, "pk"):
        designs = [designs]
    seen: dict[int, None] = {}
    for item in designs:
        seen[int(getattr(item, "pk", item))] = None
    return list(seen)
