"""Review use cases: approve, reject, reopen, and undo of a reviewer's last decision.

Each function takes designs (instances, ids or a queryset) and the acting user, moves them with
workflow.transition (race-safe), and returns a MoveResult so callers can report
"12 approved, 3 skipped (in review)".
"""

from __future__ import annotations

import uuid
from functools import partial

from django.db import transaction

from designs import compliance
from designs.machine import MoveResult
from designs.selectors import last_standing_decision, standing_group_decisions, variations_in_review
from designs.workflow import DECIDED, Source, Status, design_ids, transition


def approve(designs, *, actor, source: str = Source.ADMIN) -> MoveResult:
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


def reject(designs, *, actor, reason: str = "", source: str = Source.ADMIN) -> MoveResult:
    return transition(designs, to=Status.REJECTED, sources=[Status.REVIEW], actor=actor, source=source, message=reason)


def reopen(designs, *, actor, source: str = Source.ADMIN, message: str = "") -> MoveResult:
    """Approved or rejected back to review (also the review page's undo)."""
    return transition(
        designs,
        to=Status.REVIEW,
        sources=DECIDED,
        actor=actor,
        source=source,
        message=message,
    )


def pick_best(best_id: int, group_ids, *, actor, source: str = Source.REVIEW) -> tuple[MoveResult, MoveResult]:
    """Best of a prompt's variations: approve `best_id`, reject the others of `group_ids` still in review.

    One decision: the events share a group token, so undo takes all of them back together. Only variations of
    the same prompt are rejected (a stray id in `group_ids` is ignored), and nothing is rejected when the best
    one could not be approved (someone decided it first). Returns (approved, rejected).
    """
    blocked = compliance.blocked_designs([best_id])  # the same screen as approve()
    if blocked:
        refused = compliance.report_refused(MoveResult(Status.APPROVED), blocked, waiting_in=frozenset({Status.REVIEW}))
        return refused, MoveResult(Status.REJECTED)
    token = uuid.uuid4().hex
    others = [pk for pk in variations_in_review(best_id, among=group_ids) if pk != best_id]
    decide = partial(transition, sources=[Status.REVIEW], actor=actor, source=source, group=token)
    with transaction.atomic():
        approved = decide(
            best_id, to=Status.APPROVED, message=f"Chosen as the best of {len(others) + 1} variations of its prompt."
        )
        if not approved.moved:
            return approved, MoveResult(Status.REJECTED)
        rejected = decide(
            others,
            to=Status.REJECTED,
            message=f"Another variation of this prompt (design {best_id}) was chosen as the best.",
        )
    return approved, rejected


def undo_last_decision(*, actor, source: str = Source.REVIEW):
    """Take back this person's latest review decision that still stands: the design returns to review.

    A best-of-group decision is taken back whole (every design of it that nobody moved since). Returns
    (event undone, MoveResult), or (None, None) when there is nothing to undo. The result reports a skip
    when someone moved the design in the meantime.
    """
    decision = last_standing_decision(actor)
    if decision is None:
        return None, None
    if decision.group:
        return decision, _undo_group(decision, actor=actor, source=source)
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


def _undo_group(decision, *, actor, source: str) -> MoveResult:
    result = MoveResult(Status.REVIEW)
    standing = standing_group_decisions(actor, decision.group)
    chosen = set(standing.get(Status.APPROVED, []))
    with transaction.atomic():
        for to_status, design_ids in standing.items():
            result.merge(
                transition(
                    design_ids,
                    to=Status.REVIEW,
                    sources=[to_status],
                    actor=actor,
                    source=source,
                    message="Undo of the best-of-variations decision.",
                )
            )
    result.moved.sort(key=lambda pk: pk not in chosen)  # the chosen design first: the page focuses it again
    return result
