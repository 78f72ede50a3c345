"""The life of a design: its statuses and the one table of allowed moves, declared as the design machine.

Every status change goes through designs/machine.py (a conditional bulk UPDATE per status group plus one DesignEvent
each), so two admins, or an admin and a worker, can race and exactly one wins; the loser is told, nothing else
happens. `transition()`, `transition_one()`, `create_design()` and `note()` are this machine's verbs.
"""

from __future__ import annotations

from django.db import models

from designs.machine import History, Machine, MoveConflict, MoveResult, Source, row_ids


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


class EventKind(models.TextChoices):
    MOVE = "move", "Status change"
    CREATED = "created", "Created"
    NOTE = "note", "Note"
    PRINT = "print", "Print file"  # designs/print_status.py: the print file's own status moved
    COPY = "copy", "Listing copy"  # designs/task_states.py: the LLM's work on the listing copy moved


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
    # Approved: its only products were deleted in Printify while they waited in the going-live queue.
    S.PUBLISHING: frozenset({S.PUBLISHED, S.PUBLISH_FAILED, S.MOCKUPS, S.APPROVED}),
    # Publishing again; or its failed products were deleted (the design follows what is left of them).
    S.PUBLISH_FAILED: frozenset({S.PUBLISHING, S.APPROVED, S.PUBLISHED, S.MOCKUPS}),
    S.PUBLISHED: frozenset({S.APPROVED, S.PUBLISHING}),  # all its products deleted; another product for it
    # Its products wait on Printify for a person to look at their mockups (designs/products.py): going live or
    # another template's product (publishing), discarded or deleted (approved), another one live (published).
    S.MOCKUPS: frozenset({S.PUBLISHING, S.PUBLISH_FAILED, S.PUBLISHED, S.APPROVED}),
}
# Moves only a worker makes: RunPod did not take the job yet (429, timeout), so the claim goes back to the queue.
WORKER_ONLY: frozenset[tuple[str, str]] = frozenset({(S.GENERATING, S.QUEUED)})
# Statuses a design can be born with (created, not moved): imports and the extra images of one RunPod job.
BORN_IN = frozenset({S.DRAFT, S.REVIEW})


DESIGN = Machine(
    name="design status",
    model="designs.Design",
    field="status",
    states=Status,
    table=TRANSITIONS,
    history=History(
        model="designs.DesignEvent",
        owner="design_id",
        from_field="from_status",
        to_field="to_status",
        kind_field="kind",
        kinds={"move": EventKind.MOVE, "created": EventKind.CREATED, "note": EventKind.NOTE},
        group_field="group",
    ),
    subject="design",
    worker_only=WORKER_ONLY,
    born_in=BORN_IN,
    changed_at="status_changed_at",
)


def allowed_sources(target: str, *, source: str | None = None) -> frozenset[str]:
    """Statuses the table allows into `target` (for `source`: worker-only moves only for the worker)."""
    return DESIGN.allowed_sources(target, worker=source == Source.WORKER)


# The status sets every module uses, derived from the table so they cannot drift from it.
DECIDED = TRANSITIONS[S.REVIEW]  # a reviewer's outcomes
PUBLISHABLE = allowed_sources(S.PUBLISHING)  # what "Publish" starts from
GENERATABLE = allowed_sources(S.QUEUED) - {S.GENERATING}  # what "Generate / Retry" starts from (staff)
CANCELLABLE = allowed_sources(S.DRAFT)  # generation that staff can call off
PENDING = frozenset({S.DRAFT, *CANCELLABLE})  # a batch's design that has not reached review or failed yet
FAILED = frozenset(s for s in Status if s.endswith("_failed"))
# States in which a worker owns the design; the reconciler watches these.
IN_FLIGHT = frozenset({*CANCELLABLE, S.PUBLISHING})

design_ids = row_ids  # a Design, a pk, a queryset or an iterable of either -> a list of ids (order kept)


def transition(designs, *, to: str, **options) -> MoveResult:
    """Move designs to `to` by the table (designs/machine.py Machine.move: sources, actor, source, message,
    updates, per_row, group). Designs not in a source state are left untouched and reported in `skipped`."""
    return DESIGN.move(designs, to=to, **options)


def transition_one(design, *, to: str, **options) -> MoveResult:
    """One design; raises MoveConflict instead of reporting a skip. The instance follows the database."""
    return DESIGN.move_one(design, to=to, **options)


def create_design(*, status: str = S.DRAFT, source: str, actor=None, message: str = "", **fields):
    """A design born in `status` (draft, or review for imports and sibling images) with its creation event."""
    return DESIGN.create(state=status, source=source, actor=actor, message=message, **fields)


def note(design, message: str, *, source: str, actor=None) -> None:
    """An event that changes no status (a retry message, an adopted product), marked as a note in the history."""
    DESIGN.note(design, message, source=source, actor=actor)


def conflict(design_id: int, target: str, current: str | None) -> MoveConflict:
    """The error for a design someone else moved first ("Design 4 could not move to approved: it is rejected now.")."""
    return MoveConflict(DESIGN, design_id, target, current)
