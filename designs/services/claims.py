"""Review claims: each reviewer is shown designs no other reviewer is looking at.

Opening the review page (and the page's heartbeat while the reviewer is active) calls claim_next(): it renews
the reviewer's claims and tops them up to REVIEW_CLAIM_SIZE from the designs nobody holds. Claims live in the
database (ReviewClaim, one row per design), so every web process on every host sees the same ones; they expire
by themselves after REVIEW_CLAIM_SECONDS without a renewal and are deleted by whoever claims next. Leaving the
page releases them (release()).

Claims are advisory: when the queue is smaller than everyone's claims, a reviewer is also shown designs others
hold ("shared"), and a decision both make is settled by workflow.transition (one wins, the other sees a
conflict), exactly as without claims.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from designs.models import ReviewClaim
from designs.selectors import review_queue
from designs.workflow import Status

# Claiming races with other reviewers (PostgreSQL runs them side by side): a reviewer who lost some candidates
# to someone faster tries again from what is left, at most this many times.
CLAIM_ATTEMPTS = 3
# Variations of one prompt are claimed together (so compare mode sees them all), at most this many extra.
GROUP_EXTRA = 12
# How many of the designs other reviewers hold are considered when the queue is too small to give everyone
# their own; each reviewer sees them in an order of their own, so sharers rarely start on the same card.
SHARED_LOOKUP = 500


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


def claim_next(reviewer, *, batch_id: int | None = None, size: int | None = None) -> Claimed:
    """Renew this reviewer's claims (within `batch_id`, if given) and top them up to `size`."""
    size = settings.REVIEW_CLAIM_SIZE if size is None else size
    for _attempt in range(CLAIM_ATTEMPTS):
        with transaction.atomic():
            held, short_by_race = _renew_and_top_up(reviewer, batch_id, size)
        if not short_by_race:
            break
    claimed = Claimed(mine=held, until=timezone.now() + claim_seconds())
    if len(held) < size:
        claimed.shared = _shared(reviewer, batch_id, size - len(held), exclude=held)
    return claimed


def _renew_and_top_up(reviewer, batch_id, size) -> tuple[list[int], bool]:
    now = timezone.now()
    expires = now + claim_seconds()
    ReviewClaim.objects.filter(expires_at__lte=now).delete()
    mine = ReviewClaim.objects.filter(reviewer=reviewer)
    # Claims on designs that were decided, or outside the batch now chosen, go back to the others at once.
    stale = ~Q(design__status=Status.REVIEW)
    if batch_id is not None:
        stale |= ~Q(design__batch_id=batch_id)
    ReviewClaim.objects.filter(pk__in=mine.filter(stale).values("pk")).delete()
    held = mine.update(expires_at=expires)
    wanted = []
    if held < size:
        free = review_queue(batch_id=batch_id).filter(claim__isnull=True)
        first = list(free.values_list("pk", "prompt")[: size - held])
        wanted = [pk for pk, _ in first]
        prompts = {prompt for _, prompt in first if prompt}
        if prompts:  # the other variations of these prompts come along, for compare mode
            wanted += list(
                free.filter(prompt__in=prompts).exclude(pk__in=wanted).values_list("pk", flat=True)[:GROUP_EXTRA]
            )
        ReviewClaim.objects.bulk_create(
            [ReviewClaim(design_id=pk, reviewer=reviewer, claimed_at=now, expires_at=expires) for pk in wanted],
            ignore_conflicts=True,  # someone else claimed it a moment ago: theirs
        )
    ids = list(mine.order_by("design__created_at", "design_id").values_list("design_id", flat=True))
    lost = len(set(wanted) - set(ids))
    return ids, bool(lost) and len(ids) < size


def _shared(reviewer, batch_id, count: int, *, exclude: list[int]) -> list[int]:
    """Designs other reviewers hold, in this reviewer's own order: only when there are not enough for everyone."""
    held_by_others = (
        review_queue(batch_id=batch_id)
        .filter(claim__isnull=False)
        .exclude(claim__reviewer=reviewer)
        .exclude(pk__in=exclude)
    )
    ids = list(held_by_others.values_list("pk", flat=True)[:SHARED_LOOKUP])
    random.Random(getattr(reviewer, "pk", reviewer)).shuffle(ids)
    return ids[:count]


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


def held_by_others(reviewer, *, batch_id: int | None = None) -> int:
    """Designs in this scope that other reviewers hold right now (shown as "N with other reviewers")."""
    return (
        review_queue(batch_id=batch_id)
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
