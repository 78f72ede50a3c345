"""Review claims: each reviewer is shown designs (or products) no other reviewer is looking at.

The review page's script calls claim_next() once the page has opened and again as its heartbeat while the reviewer
is active (a POST: opening the page, a GET, writes nothing; peek() says what it shows meanwhile). claim_next()
renews the reviewer's claims and tops them up to REVIEW_CLAIM_SIZE from what nobody holds. Claims live in the
database, one row per thing claimed, so every web process on every host sees the same ones; they expire by
themselves after REVIEW_CLAIM_SECONDS without a renewal and are deleted by whoever claims next. Leaving the page
releases them (release()).

What is claimed is a Queue: designs in review (designs(), ReviewClaim rows) or, in the page's mockup mode,
products waiting for their mockup review (products(), ProductClaim rows: a design's tee and mug are two cards,
two decisions, so two claims). Leaving either page releases its claims, so a reviewer holds claims in one mode at a
time.

Claims are advisory: when the queue is smaller than everyone's claims, a reviewer is also shown what others hold
("shared"), and a decision both make is settled by the state engine (one wins, the other sees a conflict),
exactly as without claims.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from designs.models import ProductClaim, ReviewClaim
from designs.selectors import mockups_waiting, review_queue

# Claiming races with other reviewers (PostgreSQL runs them side by side): a reviewer who lost some candidates
# to someone faster tries again from what is left, at most this many times.
CLAIM_ATTEMPTS = 3
# A reviewer left with nothing of their own is shown at most this many of the items others hold.
SHARED_AT_ONCE = 3
# A holder's next cards (the ones their page shows first) are never taken over or shared: they are deciding them.
PROTECTED = 2


@dataclass(frozen=True)
class Queue:
    """What reviewers claim from: the items waiting (in the order pages show them) and the table of their claims."""

    waiting: QuerySet  # designs or products, each with a one-to-one `claim`
    table: type[models.Model]  # ReviewClaim or ProductClaim
    key: str  # the claim's field naming the item: "design" or "product"
    order: tuple[str, ...]  # the claims in the order of `waiting`

    def claims(self, **filters) -> QuerySet:
        return self.table.objects.filter(**filters)

    def in_scope(self) -> Q:
        """Claims on items still waiting here (not decided, in the batch chosen)."""
        return Q(**{f"{self.key}__in": self.waiting.values("pk")})

    def claim(self, item_id, reviewer, now, expires):
        return self.table(**{f"{self.key}_id": item_id}, reviewer=reviewer, claimed_at=now, expires_at=expires)

    @property
    def item_id(self) -> str:
        return f"{self.key}_id"


def designs(batch_id: int | None = None) -> Queue:
    """The designs in review (of one batch, if given): the review page."""
    order = ("design__created_at", "design_id")
    return Queue(review_queue(batch_id=batch_id), ReviewClaim, "design", order)


def products(shop_id: int | None = None) -> Queue:
    """The products waiting for their mockup review (of one shop, if given), a design's products together: the
    page's mockup mode."""
    waiting = mockups_waiting(shop_id=shop_id).order_by("design__created_at", "design_id", "pk")
    order = ("product__design__created_at", "product__design_id", "product_id")
    return Queue(waiting, ProductClaim, "product", order)


@dataclass
class Claimed:
    """What a reviewer is shown, in order: their own claims, then (only when short) items others hold."""

    mine: list[int] = field(default_factory=list)
    shared: list[int] = field(default_factory=list)
    until: datetime | None = None  # the claims last this long unless renewed (the page hands it back on leaving)

    @property
    def ids(self) -> list[int]:
        return self.mine + self.shared


def claim_seconds() -> timedelta:
    return timedelta(seconds=settings.REVIEW_CLAIM_SECONDS)


def claim_next(reviewer, queue: Queue | None = None, *, size: int | None = None) -> Claimed:
    """Renew this reviewer's claims in `queue` (designs in review by default) and top them up to their share.

    The share is `size` (REVIEW_CLAIM_SIZE) while there is enough for everyone; when fewer items wait than
    the reviewers at work would claim, each holds an equal part (waiting ÷ reviewers holding claims here),
    giving back what is over it and taking what is missing from the free items, else from the newest claims
    of whoever holds more than their part (the cards they would reach last; their page drops them at their
    next decision, see taken_from()). Only a reviewer left with nothing of their own is shown shared items.
    """
    queue = designs() if queue is None else queue
    size = settings.REVIEW_CLAIM_SIZE if size is None else size
    for _attempt in range(CLAIM_ATTEMPTS):
        with transaction.atomic():
            held, short_by_race = _renew_and_share(reviewer, queue, size)
        if not short_by_race:
            break
    claimed = Claimed(mine=held, until=timezone.now() + claim_seconds())
    if not held:
        claimed.shared = _shared(reviewer, queue, size, exclude=held)
    return claimed


def peek(reviewer, queue: Queue | None = None, *, size: int | None = None) -> Claimed:
    """What claim_next() would most likely show, writing nothing: the reviewer's live claims, then free items up to
    `size`, else a few shared ones. The page shows it at once; its script claims right after (a POST)."""
    queue = designs() if queue is None else queue
    size = settings.REVIEW_CLAIM_SIZE if size is None else size
    live = queue.claims(expires_at__gt=timezone.now())
    mine = list(
        live.filter(queue.in_scope(), reviewer=reviewer).order_by(*queue.order).values_list(queue.item_id, flat=True)
    )
    held = live.values(queue.item_id)
    free = queue.waiting.exclude(pk__in=held).values_list("pk", flat=True)[: max(0, size - len(mine))]
    claimed = Claimed(mine=mine, shared=list(free))
    if not claimed.ids:
        claimed.shared = _shared(reviewer, queue, size, exclude=[])
    return claimed


def _renew_and_share(reviewer, queue: Queue, size: int) -> tuple[list[int], bool]:
    now = timezone.now()
    expires = now + claim_seconds()
    queue.claims(expires_at__lte=now).delete()
    mine = queue.claims(reviewer=reviewer)
    # Claims on items that were decided, or outside the batch now chosen, go back to the others at once.
    queue.claims(pk__in=mine.exclude(queue.in_scope()).values("pk")).delete()
    mine.update(expires_at=expires)
    others = dict(
        queue.claims()
        .filter(queue.in_scope())
        .exclude(reviewer=reviewer)
        .values_list("reviewer_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    waiting = queue.waiting.count()
    share = min(size, max(1, math.ceil(waiting / (len(others) + 1))))
    ordered = mine.order_by(*queue.order)
    held = list(ordered.values_list(queue.item_id, flat=True))
    if len(held) > share:  # more than my part: the ones I would reach last go back
        queue.claims(reviewer=reviewer, **{f"{queue.item_id}__in": held[share:]}).delete()
        return held[:share], False
    wanted = []
    if len(held) < share:
        free = queue.waiting.filter(claim__isnull=True)
        wanted = list(free.values_list("pk", flat=True)[: share - len(held)])
        queue.table.objects.bulk_create(
            [queue.claim(pk, reviewer, now, expires) for pk in wanted],
            ignore_conflicts=True,  # someone else claimed it a moment ago: theirs
        )
        if len(held) + len(wanted) < share:
            missing = share - len(held) - len(wanted)
            _take_over(reviewer, queue, missing, others, share, now, expires)
    ids = list(ordered.values_list(queue.item_id, flat=True))
    lost = len(set(wanted) - set(ids))
    return ids, bool(lost) and len(ids) < share


def _others_claims(reviewer, queue: Queue) -> dict[int, list[int]]:
    """holder -> the item ids they hold in this queue, in the order their page shows them."""
    held: dict[int, list[int]] = {}
    rows = (
        queue.claims()
        .filter(queue.in_scope())
        .exclude(reviewer=reviewer)
        .order_by(*queue.order)
        .values_list("reviewer_id", queue.item_id)
    )
    for holder, item_id in rows:
        held.setdefault(holder, []).append(item_id)
    return held


def _open_to_others(held: list[int], keep: int) -> list[int]:
    """Of one holder's claims, those another reviewer may take or share: not the next ones they are about to
    decide (PROTECTED), nor their first `keep`; newest first (what they would reach last)."""
    return list(reversed(held[max(keep, PROTECTED) :]))


def _take_over(reviewer, queue: Queue, count, others: dict, share: int, now, expires) -> None:
    """Take `count` claims from reviewers holding more than `share`: their newest ones, which they reach last."""
    if not any(held > share for held in others.values()):
        return
    taken = []
    for holder, held in _others_claims(reviewer, queue).items():
        taken += [(item_id, holder) for item_id in _open_to_others(held, share)]
    for item_id, holder in taken[:count]:  # only if still theirs: a claim they gave back is left alone
        queue.claims(**{queue.item_id: item_id}, reviewer_id=holder).update(
            reviewer=reviewer, claimed_at=now, expires_at=expires
        )


def taken_from(reviewer, item_ids, queue: Queue | None = None) -> list[int]:
    """Of these items (the cards a reviewer's page shows as theirs), those the page should drop unseen:
    another reviewer holds them now, or someone decided them meanwhile (a reviewer who was sharing)."""
    queue = designs() if queue is None else queue
    held_elsewhere = Q(claim__expires_at__gt=timezone.now()) & ~Q(claim__reviewer=reviewer)
    decided = ~Q(pk__in=queue.waiting.values("pk"))
    items = queue.waiting.model.objects.filter(pk__in=list(item_ids))
    return list(items.filter(held_elsewhere | decided).order_by("pk").values_list("pk", flat=True))


def _shared(reviewer, queue: Queue, count: int, *, exclude: list[int]) -> list[int]:
    """Items other reviewers hold, for a reviewer with nothing of their own (fewer items than reviewers).

    A few only (the page asks again after each decision and gets its own as soon as there are some), never
    the ones their holders are about to decide (a sure lost race), in this reviewer's own order so that
    sharers spread out. Empty when every waiting item is about to be decided by its holder.
    """
    open_ids = [
        item_id
        for held in _others_claims(reviewer, queue).values()
        for item_id in _open_to_others(held, 0)
        if item_id not in exclude
    ]
    random.Random(getattr(reviewer, "pk", reviewer)).shuffle(open_ids)
    return open_ids[: min(count, SHARED_AT_ONCE)]


def release(reviewer, *, until: datetime | None = None) -> int:
    """Give back this reviewer's claims, designs and products: they left the page.

    With `until` (what the page that was left had been told), only the claims that page held: a page opened
    since (a reload, the next batch) renewed its claims past that moment and keeps them, even when the old
    page's goodbye arrives after the new page's claims.
    """
    deleted = 0
    for table in (ReviewClaim, ProductClaim):
        claims = table.objects.filter(reviewer=reviewer)
        if until is not None:
            claims = claims.filter(expires_at__lte=until)
        deleted += claims.delete()[0]
    return deleted


def held_by_others(reviewer, queue: Queue | None = None) -> int:
    """Items in this queue that other reviewers hold right now (shown as "N with other reviewers")."""
    queue = designs() if queue is None else queue
    return queue.waiting.filter(claim__expires_at__gt=timezone.now()).exclude(claim__reviewer=reviewer).count()


def hold(reviewer, item_ids, queue: Queue | None = None) -> None:
    """Claim these items for this reviewer (undo put them back; a link asked for one), unless another reviewer
    holds them right now."""
    queue = designs() if queue is None else queue
    now = timezone.now()
    expires = now + claim_seconds()
    ids = list(item_ids)
    within = {f"{queue.item_id}__in": ids}
    with transaction.atomic():
        queue.claims(**within, expires_at__lte=now).delete()
        queue.table.objects.bulk_create([queue.claim(pk, reviewer, now, expires) for pk in ids], ignore_conflicts=True)
        queue.claims(**within, reviewer=reviewer).update(expires_at=expires)
