"""Review decisions: approve (screened for blocked terms), reject, reopen, best of a prompt's variations, and undo
of a reviewer's last decision (a best-of decision taken back whole)."""

import pytest

from designs.models import DesignEvent
from designs.services import review
from designs.workflow import Source, Status

pytestmark = pytest.mark.django_db


def statuses(*designs):
    for design in designs:
        design.refresh_from_db()
    return [design.status for design in designs]


def test_approval_refuses_a_design_naming_a_blocked_term_and_says_which(make_design, reviewer):
    blocked = make_design(prompt="mickey mouse surfing", status=Status.REVIEW)
    fine = make_design(prompt="a fox surfing", status=Status.REVIEW)
    decided = make_design(prompt="disney castle", status=Status.APPROVED)
    result = review.approve([blocked.pk, fine.pk, decided.pk], actor=reviewer, source=Source.ADMIN)
    assert result.moved == [fine.pk]
    assert result.refused == {blocked.pk: "it names the blocked term “Mickey Mouse” (in the prompt)"}
    assert result.skipped == {decided.pk: Status.APPROVED}
    assert "1 refused (design" in result.summary("approved")
    blocked.refresh_from_db()
    assert blocked.status == Status.REVIEW


def test_reject_keeps_the_reason_and_moves_only_designs_in_review(make_design, reviewer):
    waiting = make_design(status=Status.REVIEW)
    approved = make_design(status=Status.APPROVED)

    result = review.reject([waiting, approved], actor=reviewer, reason="blurry paws")

    assert result.moved == [waiting.pk] and result.skipped == {approved.pk: Status.APPROVED}
    assert statuses(waiting, approved) == [Status.REJECTED, Status.APPROVED]
    event = waiting.events.get()
    assert (event.actor, event.message, event.source) == (reviewer, "blurry paws", Source.ADMIN)


def test_reopen_brings_decided_designs_back_to_review(make_design, reviewer):
    approved, rejected, published = (
        make_design(status=s) for s in (Status.APPROVED, Status.REJECTED, Status.PUBLISHED)
    )

    result = review.reopen([approved, rejected, published], actor=reviewer)

    assert sorted(result.moved) == sorted([approved.pk, rejected.pk])
    assert statuses(approved, rejected, published) == [Status.REVIEW, Status.REVIEW, Status.PUBLISHED]


def variations(make_design, count, prompt="a fox, woodcut"):
    return [make_design(prompt=prompt, status=Status.REVIEW) for _ in range(count)]


def test_the_best_variation_is_approved_and_its_siblings_rejected_as_one_decision(make_design, reviewer):
    best, second, third = variations(make_design, 3)
    stranger = make_design(prompt="an owl", status=Status.REVIEW)  # a stray id of another prompt

    approved, rejected = review.pick_best(best.pk, [best.pk, second.pk, third.pk, stranger.pk], actor=reviewer)

    assert approved.moved == [best.pk] and sorted(rejected.moved) == [second.pk, third.pk]
    assert statuses(best, second, third, stranger) == [Status.APPROVED, Status.REJECTED, Status.REJECTED, Status.REVIEW]
    events = DesignEvent.objects.filter(design__in=[best, second, third])
    assert len({event.group for event in events}) == 1 and events.first().group
    assert best.events.get().message == "Chosen as the best of 3 variations of its prompt."


def test_nothing_is_rejected_when_the_best_was_decided_by_someone_else_first(make_design, reviewer):
    best, sibling = variations(make_design, 2)
    review.reject([best], actor=reviewer, source=Source.REVIEW)

    approved, rejected = review.pick_best(best.pk, [best.pk, sibling.pk], actor=reviewer)

    assert approved.skipped == {best.pk: Status.REJECTED} and rejected.moved == []
    assert statuses(sibling) == [Status.REVIEW]


def test_a_best_naming_a_blocked_term_is_refused_and_its_siblings_stay(make_design, reviewer):
    best, sibling = variations(make_design, 2, prompt="mickey mouse surfing")

    approved, rejected = review.pick_best(best.pk, [best.pk, sibling.pk], actor=reviewer)

    assert best.pk in approved.refused and rejected.moved == []
    assert statuses(best, sibling) == [Status.REVIEW, Status.REVIEW]


def test_undo_walks_back_through_the_reviewers_own_decisions_newest_first(make_design, reviewer, make_user):
    first, second = make_design(status=Status.REVIEW), make_design(status=Status.REVIEW)
    review.approve([first], actor=reviewer, source=Source.REVIEW)
    review.reject([second], actor=reviewer, source=Source.REVIEW)
    someone_else = make_user("other-reviewer", groups=["Reviewers"])
    review.approve([make_design(status=Status.REVIEW)], actor=someone_else, source=Source.REVIEW)

    undone, result = review.undo_last_decision(actor=reviewer)
    assert undone.design_id == second.pk and result.moved == [second.pk]
    assert second.events.first().message == "Undo of the rejection."
    undone, result = review.undo_last_decision(actor=reviewer)
    assert undone.design_id == first.pk and result.moved == [first.pk]
    assert statuses(first, second) == [Status.REVIEW, Status.REVIEW]
    assert review.undo_last_decision(actor=reviewer) == (None, None)


def test_undo_of_a_best_of_decision_takes_it_back_whole_with_the_chosen_one_first(make_design, reviewer):
    others = variations(make_design, 2)
    best = make_design(prompt="a fox, woodcut", status=Status.REVIEW)
    review.pick_best(best.pk, [o.pk for o in others] + [best.pk], actor=reviewer)

    undone, result = review.undo_last_decision(actor=reviewer)

    assert result.moved[0] == best.pk and sorted(result.moved[1:]) == [o.pk for o in others]
    assert statuses(best, *others) == [Status.REVIEW] * 3
