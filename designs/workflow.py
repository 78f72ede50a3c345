"""The life of a design: its statuses, the one table of allowed moves, and the only code that changes status.

Every status change is a conditional UPDATE (`… WHERE pk IN (…) AND status = <what we read>`), so two admins,
or an admin and a worker, can race and exactly one wins; the loser is told, nothing else happens. Designs that
are born with a status (imports, extra images of one job) are created here too, with their creation event, and
notes (events that change no status) are written here, marked as notes.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, models, transaction
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
    MOCKUPS = "mockups", "Mockups to review"
    PUBLISHED = "published", "Published"
    PUBLISH_FAILED = "publish_failed", "Publish failed"


class Source(models.TextChoices):
    """Where a change came from; recorded on every DesignEvent."""

    ADMIN = "admin", "Admin"
    REVIEW = "review", "Review page"
    COMMAND = "command", "Management command"
    WORKER = "worker", "Worker"
    WEBHOOK = "webhook", "Webhook"


class EventKind(models.TextChoices):
    MOVE = "move", "Status change"
    CREATED = "created", "Created"
    NOTE = "note", "Note"
    PRINT = "print", "Print file"  # designs/print_status.py: the print file's own status moved


S = Status
# from status -> the statuses it may move to (ARCHITECTURE.md, "The life of a design").
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.QUEUED}),
    S.QUEUED: frozenset({S.GENERATING, S.DRAFT, S.GENERATION_FAILED}),
    S.GENERATING: frozenset({S.REVIEW, S.DRAFT, S.GENERATION_FAILED, S.QUEUED}),
    S.GENERATION_FAILED: frozenset({S.QUEUED}),
    S.REVIEW: frozenset({S.APPROVED, S.REJECTED}),
    S.APPROVED: frozenset({S.REVIEW, S.PUBLISHING}),
    S.REJECTED: frozenset({S.REVIEW}),
    S.PUBLISHING: frozenset({S.PUBLISHED, S.PUBLISH_FAILED, S.MOCKUPS}),
    S.PUBLISH_FAILED: frozenset({S.PUBLISHING}),
    S.PUBLISHED: frozenset({S.APPROVED, S.PUBLISHING}),  # all its products deleted; another product for it
    # Its products wait on Printify for a person to look at their mockups (designs/products.py): going live or
    # another template's product (publishing), discarded or deleted (approved), another one live (published).
    S.MOCKUPS: frozenset({S.PUBLISHING, S.PUBLISH_FAILED, S.PUBLISHED, S.APPROVED}),
}
# Moves only a worker makes: RunPod did not take the job yet (429, timeout), so the claim goes back to the queue.
WORKER_ONLY: frozenset[tuple[str, str]] = frozenset({(S.GENERATING, S.QUEUED)})
# Statuses a design can be born with (created, not moved): imports and the extra images of one RunPod job.
BORN_IN = frozenset({S.DRAFT, S.REVIEW})


def allowed_sources(target: str, *, source: str | None = None) -> frozenset[str]:
    """Statuses the table allows into `target` (for `source`: worker-only moves only for the worker)."""
    return frozenset(
        src
        for src, targets in TRANSITIONS.items()
        if target in targets and (source == Source.WORKER or (src, target) not in WORKER_ONLY)
    )


# The status sets every module uses, derived from the table so they cannot drift from it.
DECIDED = TRANSITIONS[S.REVIEW]  # a reviewer's outcomes
PUBLISHABLE = allowed_sources(S.PUBLISHING)  # what "Publish" starts from
GENERATABLE = allowed_sources(S.QUEUED) - {S.GENERATING}  # what "Generate / Retry" starts from (staff)
CANCELLABLE = allowed_sources(S.DRAFT)  # generation that staff can call off
PENDING = frozenset({S.DRAFT, *CANCELLABLE})  # a batch's design that has not reached review or failed yet
FAILED = frozenset(s for s in Status if s.endswith("_failed"))
# States in which a worker owns the design; the reconciler watches these.
IN_FLIGHT = frozenset({*CANCELLABLE, S.PUBLISHING})

# One UPDATE per status group covers at most this many designs, and each chunk is its own transaction when the
# caller has none: a select-all of 100,000 never holds SQLite's write lock for more than a fraction of a second.
CHUNK = 2000
SQLITE_CHUNK_PAUSE = 0.11


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
    # design id -> why a rule kept it from moving although its status allowed it (a blocked term, …)
    refused: dict[int, str] = field(default_factory=dict)

    def summary(self, verb: str) -> str:
        """'12 approved, 3 skipped (not in review), 1 refused (design 4: …)' for admin messages and commands."""
        text = f"{len(self.moved)} {verb}"
        if self.skipped:
            reasons = sorted({Status(s).label.lower() if s else "missing" for s in self.skipped.values()})
            text += f", {len(self.skipped)} skipped ({', '.join(reasons)})"
        if self.refused:
            shown = [f"design {design_id}: {reason}" for design_id, reason in list(self.refused.items())[:3]]
            more = f"; {len(self.refused) - 3} more" if len(self.refused) > 3 else ""
            text += f", {len(self.refused)} refused ({'; '.join(shown)}{more})"
        return text

    def merge(self, other: TransitionResult) -> TransitionResult:
        self.moved += other.moved
        self.skipped.update(other.skipped)
        self.refused.update(other.refused)
        return self


def design_ids(designs) -> list[int]:
    """The one way a Design, a pk, a queryset or an iterable of either becomes a list of ids (order kept)."""
    if hasattr(designs, "values_list") and not isinstance(designs, list):
        return list(designs.order_by("pk").values_list("pk", flat=True))
    if isinstance(designs, (int, str)) or hasattr(designs, "pk"):
        designs = [designs]
    return list(dict.fromkeys(int(getattr(item, "pk", item)) for item in designs))


def transition(
    designs,
    *,
    to: str,
    sources: Iterable[str] | str | None = None,
    actor=None,
    source: str,
    message: str = "",
    updates: dict | None = None,
    group: str = "",
) -> TransitionResult:
    """Move designs to `to`, each only if its current status is one of `sources`.

    `designs` is anything design_ids() takes. `sources` defaults to every status the table allows into `to`
    (for this `source`); a narrower set is how a caller says "only from review". `updates` are extra field
    values written in the same UPDATE (e.g. clearing `last_error`). One DesignEvent per design that moved; `group`
    marks events that form one decision together (undo takes them back together).
    Designs not in a source state are left untouched and reported in `skipped`.
    """
    target = Status(to)
    permitted = allowed_sources(target, source=source)
    wanted = permitted if sources is None else frozenset({sources} if isinstance(sources, str) else sources)
    illegal = wanted - permitted
    if illegal:
        raise ValueError(f"The transition table does not allow {sorted(illegal)} -> {target} (source {source}).")
    ids = design_ids(designs)
    result = TransitionResult(target=target)
    for start in range(0, len(ids), CHUNK):
        if start and connection.vendor == "sqlite" and not connection.in_atomic_block:
            # SQLite has one write lock, and a writer waiting for it polls only every 100 ms or so: step aside
            # between chunks, or a large move would win the lock back every time and starve the others.
            time.sleep(SQLITE_CHUNK_PAUSE)
        with transaction.atomic():
            result.merge(
                _move_chunk(
                    ids[start : start + CHUNK],
                    target,
                    wanted,
                    getattr(actor, "pk", actor),
                    source,
                    message,
                    updates,
                    group,
                )
            )
    return result


def _move_chunk(ids, target, wanted, actor_id, source, message, updates, event_group="") -> TransitionResult:
    from designs.models import Design

    result = TransitionResult(target=target)
    now = timezone.now()
    values = {**(updates or {}), "status": target, "status_changed_at": now, "updated_at": now}
    groups, result.skipped = locked_groups(ids, "status", wanted)
    events: list[tuple] = []
    for status, group in groups.items():
        # The WHERE on the status we read is the guard (one UPDATE per status group).
        updated = Design.objects.filter(pk__in=group, status=status).update(**values)
        if updated != len(group):  # only possible without the lock above; never report a move that did not happen
            raise RuntimeError(f"{len(group) - updated} designs changed status during a locked transition")
        result.moved += group
        events += [
            (design_id, EventKind.MOVE, status, target, actor_id, source, message, event_group) for design_id in group
        ]
    _insert_events(events, at=now)
    if len(groups) > 1:  # report in the order asked for
        moved = set(result.moved)
        result.moved = [design_id for design_id in ids if design_id in moved]
    return result


def _insert_events(rows: list[tuple], *, at) -> None:
    """One INSERT … VALUES per event, sent as a single executemany.

    Why not bulk_create: it builds a model per row and asks for the new ids back (RETURNING) in batches of about a
    hundred; a select-all of 100,000 spent most of its time there, holding SQLite's only write lock.
    """
    from designs.models import DesignEvent

    if not rows:
        return
    table = DesignEvent._meta.db_table
    columns = ("design_id", "kind", "from_status", "to_status", "actor_id", "source", "message", "group", "created_at")
    created_at = DesignEvent._meta.get_field("created_at").get_db_prep_value(at, connection)
    rows = [(*row, created_at) for row in rows]
    quote = connection.ops.quote_name
    # Only the model's own table and column names are spliced in (quoted); every value is a parameter.
    names, slots = ", ".join(map(quote, columns)), ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({slots})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def locked_groups(ids: list[int], field: str, wanted) -> tuple[dict[str, list[int]], dict[int, str | None]]:
    """Read `field` of these designs so it cannot change before the caller's UPDATE, and group them.

    Returns ({value in `wanted`: ids, in the order asked for}, {id: its value — None when missing — for the others}).
    PostgreSQL locks the rows (FOR UPDATE); SQLite runs the caller's transaction IMMEDIATE (settings), holding the
    write lock from its first statement. Used by every conditional bulk move (status here, print status).
    """
    from designs.models import Design

    rows = Design.objects.filter(pk__in=ids)
    if connection.features.has_select_for_update:
        rows = rows.select_for_update()
    current = dict(rows.values_list("pk", field))
    groups: dict[str, list[int]] = {}
    others: dict[int, str | None] = {}
    for design_id in ids:
        value = current.get(design_id)
        if value in wanted:
            groups.setdefault(value, []).append(design_id)
        else:
            others[design_id] = value
    return groups, others


def transition_one(design, *, to: str, sources=None, actor=None, source: str, message: str = "", updates=None):
    """Single-design form of transition(): raises TransitionConflict instead of reporting a skip.

    When `design` is an instance, its in-memory status and updated fields follow the database.
    """
    result = transition(design, to=to, sources=sources, actor=actor, source=source, message=message, updates=updates)
    design_id = design_ids(design)[0]
    if not result.moved:
        raise TransitionConflict(design_id, to, result.skipped.get(design_id))
    if hasattr(design, "status"):
        design.status = Status(to)
        for name, value in (updates or {}).items():
            if not hasattr(value, "resolve_expression"):  # F() etc. stay in the database until refresh
                setattr(design, name, value)
    return result


def create_design(*, status: str = S.DRAFT, source: str, actor=None, message: str = "", **fields):
    """A design born in `status` (draft, or review for imports and sibling images) with its creation event."""
    from designs.models import Design, DesignEvent

    if status not in BORN_IN:
        raise ValueError(f"A design cannot be created as {status}; it must move there through the table.")
    with transaction.atomic():
        design = Design.objects.create(status=status, **fields)
        DesignEvent.objects.create(
            design=design,
            kind=EventKind.CREATED,
            from_status="",
            to_status=status,
            actor_id=getattr(actor, "pk", actor),
            source=source,
            message=message,
        )
    return design


def note(design, message: str, *, source: str, actor=None) -> None:
    """An event that changes no status (a retry message, an adopted product), marked as a note in the history."""
    from designs.models import DesignEvent

    DesignEvent.objects.create(
        design_id=design_ids(design)[0],
        kind=EventKind.NOTE,
        actor_id=getattr(actor, "pk", actor),
        source=source,
        message=message,
    )
