"""Review use cases: approve, reject, reopen, and undo of a reviewer's last decision.

Each function takes designs (instances, ids or a queryset) and the acting user, moves them with
workflow.transition (race-safe), and returns a TransitionResult so callers can report
"12 approved, 3 skipped (in review)".
"""

from __future__ import annotations

from designs import compliance
from designs.selectors import last_standing_decision
from designs.workflow import DECIDED, Source, Status, TransitionResult, design_ids, transition


def approve(designs, *, actor, source: str = Source.ADMIN) -> TransitionResult:
    """review → approved, except designs naming a blocked term: those stay in review, `refused` says which term."""
    ids = design_ids(designs)
    blocked = compliance.blocked_designs(ids)
    result = transition(
        [design_id for design_id in ids if design_id not in blocked],
        to=Status.APPROVED,
        sources=[Status.REVIEW],
        actor=actor,
        source=source,
    )
    return compliance.report_refused(result, blocked, waiting_in=frozenset({Status.REVIEW}))


def reject(designs, *, actor, reason: str = "", source: str = Source.ADMIN) -> TransitionResult:
    return transition(designs, to=Status.REJECTED, sources=[Status.REVIEW], actor=actor, source=source, message=reason)


def reopen(designs, *, actor, source: str = Source.ADMIN, message: str = "") -> TransitionResult:
    """Approved or rejected back to review (also the review page's undo)."""
    return transition(
        designs,
        to=Status.REVIEW,
        sources=DECIDED,
        actor=actor,
        source=source,
        message=message,
    )


def undo_last_decision(*, actor, source: str = Source.REVIEW):
    """Take back this person's latest review decision that still stands: the design returns to review.

    Returns (event undone, TransitionResult), or (None, None) when there is nothing to undo. The result
    reports a skip when someone moved the design in the meantime.
    """
    decision = last_standing_decision(actor)
    if decision is None:
        return None, None
    verb = "approval" if decision.to_status == Status.APPROVED else "rejection"
    result = transition(
        decision.design_id,
        to=Status.REVIEW,
        sources=[decision.to_status],
        actor=actor,
        source=source,
        message=f"Undo of the {verb}.",
    )
    return decision, result
