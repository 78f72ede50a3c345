"""Review claims: each reviewer is shown designs no other reviewer is looking at.

Opening the review page (and the page's heartbeat while the reviewer is active) calls claim_next(): it renews
the reviewer's claims and tops them up to REVIEW_CLAIM_SIZE from the designs nobody holds. Claims live in the
database (ReviewClaim, one row per design), so every web process on every host sees the same ones; they expire
by themselves after REVIEW_CLAIM_SECONDS without a renewal and are deleted by whoever claims next. Leaving the
page releases them (release()).

The same claims serve the review page's mockup mode (`status=Status.MOCKUPS`): claims are per design, so two
reviewers never see the same design's products either; a reviewer holds claims in one mode at a time.

Claims are advisory: when the queue is smaller than everyone's claims, a reviewer is also shown designs others
hold ("shared"), and a decision both make is settled by workflow.transition (one wins, the other sees a
conflict), exactly as without claims.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from designs.models import Design, ReviewClaim
from designs.selectors import review_queue
from designs.workflow import Status

# Claiming races with other reviewers (PostgreSQL runs them side by side): a reviewer who lost some candidates
# to someone faster tries again from what is left, at most this many times.
CLAIM_ATTEMPTS = 3
# A reviewer left with nothing of their own is shown at most this many of the designs others hold.
SHARED_AT_ONCE = 3
# A holder's next cards (the ones their page shows first) are never taken over or shared: they are deciding them.
PROTECTED = 2


@dataclass
class Claimed:
    """What a reviewer is shown, in order: their own claims, then (only when short) designs others hold."""

    mine: list[int] = field(default_factory=list)
    shared: list[int] = field(default_factory=list)
    until: datetime | None = None  # the claims last this long unless renewed (the page hands it back on leaving)

    @property
    def ids(self) -> list[int]:
        return self.mine + self.shared


def claim_seconds() -> timedelta:
    return timedelta(seconds=settings.REVIEW_CLAIM_SECONDS)


def claim_next(
    reviewer, *, batch_id: int | None = None, size: int | None = None, status: str = Status.REVIEW
) -> Claimed:
    """Renew this reviewer's claims (designs in `status`, within `batch_id` if given) and top them up to their share.

    The share is `size` (REVIEW_CLAIM_SIZE) while there is enough for everyone; when fewer designs wait than
    the reviewers at work would claim, each holds an equal part (waiting ÷ reviewers holding claims here),
    giving back what is over it and taking what is missing from the free designs, else from the newest claims
    of whoever holds more than their part (the cards they would reach last; their page drops them at their
    next decision, see taken_from()). Only a reviewer left with nothing of their own is shown shared designs.
    """
    size = settings.REVIEW_CLAIM_SIZE if size is None else size
    for _attempt in range(CLAIM_ATTEMPTS):
        with transaction.atomic():
            held, short_by_race = _renew_and_share(reviewer, batch_id, size, status)
        if not short_by_race:
            break
    claimed = Claimed(mine=held, until=timezone.now() + claim_seconds())
    if not held:
        claimed.shared = _shared(reviewer, batch_id, size, exclude=held, status=status)
    return claimed


def _in_scope(batch_id, status) -> Q:
    scope = Q(design__status=status)
    return scope & Q(design__batch_id=batch_id) if batch_id is not None else scope


def _renew_and_share(reviewer, batch_id, size, status) -> tuple[list[int], bool]:
    now = timezone.now()
    expires = now + claim_seconds()
    ReviewClaim.objects.filter(expires_at__lte=now).delete()
    mine = ReviewClaim.objects.filter(reviewer=reviewer)
    # Claims on designs that were decided, or outside the batch now chosen, go back to the others at once.
    ReviewClaim.objects.filter(pk__in=mine.exclude(_in_scope(batch_id, status)).values("pk")).delete()
    mine.update(expires_at=expires)
    others = dict(
        ReviewClaim.objects.filter(_in_scope(batch_id, status))
        .exclude(reviewer=reviewer)
        .values_list("reviewer_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    waiting = review_queue(batch_id=batch_id, status=status).count()
    share = min(size, max(1, math.ceil(waiting / (len(others) + 1))))
    ordered = mine.order_by("design__created_at", "design_id")
    held = list(ordered.values_list("design_id", flat=True))
    if len(held) > share:  # more than my part: the ones I would reach last go back
        ReviewClaim.objects.filter(reviewer=reviewer, design_id__in=held[share:]).delete()
        return held[:share], False
    wanted = []
    if len(held) < share:
        free = review_queue(batch_id=batch_id, status=status).filter(claim__isnull=True)
        wanted = list(free.values_list("pk", flat=True)[: share - len(held)])
        ReviewClaim.objects.bulk_create(
            [ReviewClaim(design_id=pk, reviewer=reviewer, claimed_at=now, expires_at=expires) for pk in wanted],
            ignore_conflicts=True,  # someone else claimed it a moment ago: theirs
        )
        if len(held) + len(wanted) < share:
            missing = share - len(held) - len(wanted)
            _take_over(reviewer, batch_id, status, missing, others, share, now, expires)
    ids = list(ordered.values_list("design_id", flat=True))
    lost = len(set(wanted) - set(ids))
    return ids, bool(lost) and len(ids) < share


def _others_claims(reviewer, batch_id, status) -> dict[int, list[int]]:
    """holder -> the design ids they hold in this scope, in the order their page shows them."""
    held: dict[int, list[int]] = {}
    rows = (
        ReviewClaim.objects.filter(_in_scope(batch_id, status))
        .exclude(reviewer=reviewer)
        .order_by("design__created_at", "design_id")
        .values_list("reviewer_id", "design_id")
    )
    for holder, design_id in rows:
        held.setdefault(holder, []).append(design_id)
    return held


def _open_to_others(held: list[int], keep: int) -> list[int]:
    """Of one holder's claims, those another reviewer may take or share: not the next ones they are about to
    decide (PROTECTED), nor their first `keep`; newest first (what they would reach last)."""
    return list(reversed(held[max(keep, PROTECTED) :]))


def _take_over(reviewer, batch_id, status, count, others: dict, share: int, now, expires) -> None:
    """Take `count` claims from reviewers holding more than `share`: their newest ones, which they reach last."""
    if not any(held > share for held in others.values()):
        return
    taken = []
    for holder, held in _others_claims(reviewer, batch_id, status).items():
        taken += [(design_id, holder) for design_id in _open_to_others(held, share)]
    for design_id, holder in taken[:count]:  # only if still theirs: a claim they gave back is left alone
        ReviewClaim.objects.filter(design_id=design_id, reviewer_id=holder).update(
            reviewer=reviewer, claimed_at=now, expires_at=expires
        )


def taken_from(reviewer, design_ids, *, status: str = Status.REVIEW) -> list[int]:
    """Of these designs (the cards a reviewer's page shows as theirs), those the page should drop unseen:
    another reviewer holds them now, or someone decided them meanwhile (a reviewer who was sharing)."""
    ids = list(design_ids)
    held_elsewhere = Q(claim__expires_at__gt=timezone.now()) & ~Q(claim__reviewer=reviewer)
    return list(
        Design.objects.filter(pk__in=ids)
        .filter(held_elsewhere | ~Q(status=status))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _shared(reviewer, batch_id, count: int, *, exclude: list[int], status: str = Status.REVIEW) -> list[int]:
    """Designs other reviewers hold, for a reviewer with nothing of their own (fewer designs than reviewers).

    A few only (the page asks again after each decision and gets its own as soon as there are some), never
    the ones their holders are about to decide (a sure lost race), in this reviewer's own order so that
    sharers spread out. Empty when every waiting design is about to be decided by its holder.
    """
    open_ids = [
        design_id
        for held in _others_claims(reviewer, batch_id, status).values()
        for design_id in _open_to_others(held, 0)
        if design_id not in exclude
    ]
    random.Random(getattr(reviewer, "pk", reviewer)).shuffle(open_ids)
    return open_ids[: min(count, SHARED_AT_ONCE)]


def release(reviewer, *, until: datetime | None = None) -> int:
    """Give back this reviewer's claims: they left the page.

    With `until` (what the page that was left had been told), only the claims that page held: a page opened
    since (a reload, the next batch) renewed its claims past that moment and keeps them, even when the old
    page's goodbye arrives after the new page's claims.
    """
    claims = ReviewClaim.objects.filter(reviewer=reviewer)
    if until is not None:
        claims = claims.filter(expires_at__lte=until)
    deleted, _ = claims.delete()
    return deleted


def held_by_others(reviewer, *, batch_id: int | None = None, status: str = Status.REVIEW) -> int:
    """Designs in this scope that other reviewers hold right now (shown as "N with other reviewers")."""
    return (
        review_queue(batch_id=batch_id, status=status)
        .filter(claim__expires_at__gt=timezone.now())
        .exclude(claim__reviewer=reviewer)
        .count()
    )


def hold(reviewer, design_ids) -> None:
    """Claim these designs for this reviewer (undo put them back; a link asked for one), unless another
    reviewer holds them right now."""
    now = timezone.now()
    expires = now + claim_seconds()
    ids = list(design_ids)
    with transaction.atomic():
        ReviewClaim.objects.filter(design_id__in=ids, expires_at__lte=now).delete()
        ReviewClaim.objects.bulk_create(
            [ReviewClaim(design_id=pk, reviewer=reviewer, claimed_at=now, expires_at=expires) for pk in ids],
            ignore_conflicts=True,
        )
        ReviewClaim.objects.filter(design_id__in=ids, reviewer=reviewer).update(expires_at=expires)
