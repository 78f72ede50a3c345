"""Going live at a pace: "at most N new listings a day, between these hours in the shop's time zone".

Marketplaces favour steady listing over a burst, so a shop (designs/shops.py Shop) or a product template can set a
pace: `listings_per_day` and, optionally, listing hours (`listing_hours_start`/`_end`, local to the shop; an end
earlier than the start crosses midnight; no hours: the whole day). A template's pace replaces its shop's for its
products; a TikTok Shop without a pace of its own takes TIKTOK_PER_DAY. Printify's own limit (200 publishes per
30 minutes, the whole account) is the shared limiter's (integrations/ratelimit.py) and still applies on top.

A lane is the products one pace counts: a paced template's products, or a shop's products whose template has no
pace of its own. A product of a paced lane is created on Printify (a draft, as always) and then, where publishing
would put it in the store, waits: scheduled (designs/products.py), with its place in the queue (`queue_position`)
and a planned time (`release_at`). The release pass (designs/workers/release.py) moves what is due to going live.

Planned times (plan_times): the k-th listing of a window (one occurrence of the listing hours) gets the slot
open + k × (window ÷ N) — steady, never a burst — and never earlier than now or than one step after the slot
before it. What a window already let go is read from the database (`released_at`, written by the release's
conditional UPDATE with its history row), so a restart, a second cluster or a late pass never count a day twice;
at most N leave per window, none outside it.
Times are computed in UTC from the local hours of each day, so a day of 23 or 25 hours (DST) spreads its N over
its real length.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.db.models import Count, Max, Min, Q, QuerySet

from designs.machine import lock_rows
from designs.products import MAKING, ProductState, move_product
from designs.workflow import Source

P = ProductState
# printify-api.md "Listing limits and fees by channel": TikTok Shop "new shops upload at most 100 products a day"
# (a third-party figure there; TikTok's own page for sellers says the same of new shops).
TIKTOK_PER_DAY = 100
MIDNIGHT = time(0, 0)
REPLAN_CHUNK = 500


@dataclass(frozen=True)
class Pace:
    per_day: int
    start: time  # local, in `zone`
    end: time  # local; equal to start: a whole day
    zone: ZoneInfo
    source: str = ""  # whose pace it is, in words

    def hours_text(self) -> str:
        if self.start == self.end:
            return "all day" if self.start == MIDNIGHT else f"a whole day from {_clock(self.start)}"
        return f"{_clock(self.start)}–{_clock(self.end)}"

    def describe(self, *, source: bool = True) -> str:
        """ "50 a day, 09:00–21:00 Europe/Berlin (the shop's pace)" """
        text = f"{self.per_day} a day, {self.hours_text()} {self.zone.key}"
        return f"{text} ({self.source})" if self.source and source else text


def _clock(moment: time) -> str:
    return moment.strftime("%H:%M:%S" if moment.second else "%H:%M")


def zone_of(shop) -> ZoneInfo:
    """The shop's time zone (UTC when it has none we know)."""
    try:
        return ZoneInfo((getattr(shop, "time_zone", "") or "UTC").strip())
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _pace(owner, zone: ZoneInfo, per_day: int, source: str) -> Pace:
    start = owner.listing_hours_start or MIDNIGHT
    end = owner.listing_hours_end if owner.listing_hours_end is not None else start
    return Pace(per_day=per_day, start=start, end=end, zone=zone, source=source)


def shop_pace(shop) -> Pace | None:
    """The shop's own pace, else its channel's (TikTok Shop), else None (it is not paced)."""
    from designs.shops import SalesChannel

    if shop is None:
        return None
    if shop.listings_per_day:
        return _pace(shop, zone_of(shop), shop.listings_per_day, "the shop's pace")
    if shop.channel == SalesChannel.TIKTOK:
        return _pace(shop, zone_of(shop), TIKTOK_PER_DAY, "TikTok Shop's limit for new shops")
    return None


def template_pace(template, shop=None) -> Pace | None:
    """The template's own pace (None when it has none), in its shop's time zone."""
    if template is None or not template.listings_per_day:
        return None
    from designs.shops import shop_of

    home = template.shop if template.shop_id else (shop or shop_of(template))
    return _pace(template, zone_of(home), template.listings_per_day, f"template “{template.name}”")


# --- windows and planned times (pure) ------------------------------------------------------------------------


def _at(day: date, moment: time, zone: ZoneInfo) -> datetime:
    """That local wall time on that day, in UTC. A time DST skips is read with the offset before the change (fold=0:
    02:30 on a spring-forward night is 03:30 local); a time it repeats is its first occurrence."""
    return datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)


def windows(pace: Pace, after: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The listing windows (open, close) in UTC, in order, from the one still open at `after` (or the next)."""
    day = after.astimezone(pace.zone).date() - timedelta(days=1)  # yesterday's may cross midnight into today
    while True:
        opens = _at(day, pace.start, pace.zone)
        closes = _at(day if pace.end > pace.start else day + timedelta(days=1), pace.end, pace.zone)
        day += timedelta(days=1)
        if closes > opens and closes > after:  # (a window DST leaves empty is skipped)
            yield opens, closes


def current_window(pace: Pace, now: datetime) -> tuple[datetime, datetime] | None:
    """The window `now` is in, or None outside the listing hours."""
    opens, closes = next(windows(pace, now))
    return (opens, closes) if opens <= now else None


def plan_times(
    pace: Pace, count: int, *, now: datetime, released: int = 0, last_planned: datetime | None = None
) -> list[datetime]:
    """Planned times for the next `count` listings, in queue order.

    `released` and `last_planned` describe the window `now` is in: how many it let go already and the latest of
    their planned times (ignored outside the listing hours). Window by window: the k-th listing's slot is
    open + k × (window ÷ per_day), moved later to now and to one step after the slot before (also across windows);
    a window takes at most per_day and no slot at or past its close.
    """
    times: list[datetime] = []
    found = windows(pace, now)
    opens, closes = next(found)
    if opens > now:
        released, last_planned = 0, None
    while len(times) < count:
        step = (closes - opens) / pace.per_day
        slot = None
        if released < pace.per_day:
            slot = max(opens + step * released, now)
            if last_planned is not None:
                slot = max(slot, last_planned + step)
        if slot is None or slot >= closes:
            # The next window starts its count again but keeps the spacing (a whole-day pace set late in the day
            # does not list twice around midnight); shifted by less than a step, it still fits its N.
            opens, closes = next(found)
            released = 0
            continue
        times.append(slot)
        released, last_planned = released + 1, slot
    return times


# --- lanes: the products one pace counts --------------------------------------------------------------------


@dataclass(frozen=True)
class Lane:
    kind: str  # "template" or "shop"
    owner_id: int
    pace: Pace
    name: str  # "Template “Tee”", "Shop “Etsy main”"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.owner_id}"

    def products(self) -> QuerySet:
        from designs.models import Product

        if self.kind == "template":
            return Product.objects.filter(template_id=self.owner_id)
        own_pace = Q(template__isnull=False) & Q(template__listings_per_day__isnull=False)
        return Product.objects.filter(shop_id=self.owner_id).exclude(own_pace)

    def queue(self) -> QuerySet:
        """Its scheduled products, first in line first."""
        return self.products().filter(state=P.SCHEDULED).order_by("queue_position", "pk")

    def lock(self) -> None:
        """Serialise the moves of this lane (release, schedule, reorder, cancel) until the transaction ends."""
        from designs.models import ProductTemplate
        from designs.shops import Shop

        lock_rows(ProductTemplate if self.kind == "template" else Shop, [self.owner_id])


def lane_for(template, shop) -> Lane | None:
    """The lane of a product of `template` made in `shop` (None: not paced)."""
    pace = template_pace(template, shop)
    if pace is not None:
        return Lane("template", template.pk, pace, f"Template “{template.name}”")
    pace = shop_pace(shop)
    if pace is not None:
        return Lane("shop", shop.pk, pace, f"Shop “{shop.title}”")
    return None


def lane_of(product) -> Lane | None:
    return lane_for(product.template if product.template_id else None, product.shop if product.shop_id else None)


def lanes_waiting(*, due_by: datetime | None = None) -> tuple[list[Lane], list[int]]:
    """The lanes with scheduled products (with `due_by`: only those with one planned by then), and the scheduled
    products no pace holds any more (their pace was taken away: they go at once)."""
    from designs.models import Product, ProductTemplate
    from designs.shops import Shop

    scheduled = Product.objects.filter(state=P.SCHEDULED)
    if due_by is not None:
        scheduled = scheduled.filter(Q(release_at__lte=due_by) | Q(release_at__isnull=True))
    pairs = set(scheduled.values_list("template_id", "shop_id").distinct())
    templates = ProductTemplate.objects.in_bulk({t for t, _ in pairs if t is not None})
    shops = Shop.objects.in_bulk({s for _, s in pairs if s is not None})
    lanes: dict[str, Lane] = {}
    loose = Q(pk__in=[])
    for template_id, shop_id in pairs:
        lane = lane_for(templates.get(template_id), shops.get(shop_id))
        if lane is None:
            loose |= Q(template_id=template_id, shop_id=shop_id)
        else:
            lanes.setdefault(lane.key, lane)
    unpaced = list(Product.objects.filter(loose, state=P.SCHEDULED).values_list("pk", flat=True))
    return list(lanes.values()), unpaced


def lanes_of_shop(shop) -> list[Lane]:
    """The shop's lane and those of its paced templates (the queue page's sections), paced or not yet used."""
    from designs.models import ProductTemplate

    lanes = []
    own = lane_for(None, shop)
    if own is not None:
        lanes.append(own)
    for template in ProductTemplate.objects.filter(shop=shop, listings_per_day__isnull=False).order_by("name"):
        lanes.append(lane_for(template, shop))
    return lanes


# --- what a window let go, from the database -------------------------------------------------------------------


def released_in(lane: Lane, opens: datetime, closes: datetime) -> tuple[int, datetime | None]:
    """How many listings of the lane the window let go, and the latest of their planned times.

    Read from `released_at`, which the release's conditional UPDATE writes beside its history row (so it is there
    whenever the move is): a restarted or second cluster counts the same. A product let go twice in one window
    (released, refused by Printify, retried) is one listing and counts once.
    """
    figures = lane.products().filter(released_at__gte=opens, released_at__lt=closes)
    found = figures.aggregate(count=Count("pk"), last=Max("release_at"))
    return found["count"], found["last"]


def released_from_queue(product) -> bool:
    """Was the product's latest move its release from the queue? (Then its publishing run publishes at once.)"""
    from designs.models import ProductEvent

    last = (
        ProductEvent.objects.filter(product_id=product.pk)
        .exclude(to_state="")
        .order_by("-created_at", "-pk")
        .values_list("from_state", flat=True)
        .first()
    )
    return last == P.SCHEDULED


# --- planning and moving --------------------------------------------------------------------------------------


def replan(lane: Lane, now: datetime) -> dict[int, datetime]:
    """Planned times for the lane's whole queue from `now` (call it with the lane locked); writes only the ones
    that changed. Returns {product id: planned time}."""
    from designs.models import Product

    rows = list(lane.queue().values_list("pk", "release_at"))
    if not rows:
        return {}
    window = current_window(lane.pace, now)
    released, last = released_in(lane, *window) if window else (0, None)
    times = plan_times(lane.pace, len(rows), now=now, released=released, last_planned=last)
    changed = [Product(pk=pk, release_at=when) for (pk, old), when in zip(rows, times, strict=True) if old != when]
    if changed:
        Product.objects.bulk_update(changed, ["release_at"], batch_size=REPLAN_CHUNK)
    return {pk: when for (pk, _), when in zip(rows, times, strict=True)}


def schedule(product, lane: Lane, *, now: datetime, source: str = Source.WORKER) -> datetime:
    """A publishing run reached the store in a paced lane: the product (on Printify already) waits in the queue,
    last in line. Returns its planned time. Raises MoveConflict when it is no longer being published."""
    from designs.models import Product

    with transaction.atomic():
        lane.lock()
        last = Product.objects.filter(state=P.SCHEDULED).aggregate(last=Max("queue_position"))["last"] or 0
        move_product(
            product,
            to=P.SCHEDULED,
            sources=MAKING,
            source=source,
            message=f"On Printify as product {product.printify_id}; waits in the going-live queue of "
            f"{lane.name.lower()} ({lane.pace.describe()}).",
            updates={"queue_position": last + 1, "last_error": "", "attempts": 0},
        )
        planned = replan(lane, now)[product.pk]
    product.release_at = planned
    return planned


def take_due(lane: Lane, now: datetime, *, source: str = Source.WORKER) -> list[int]:
    """Move the lane's due products (planned at or before now, in the window now is in, within what the window may
    still let go) to going live, then plan the rest again. The lane is locked and every move is the engine's
    conditional UPDATE, so two passes at once never let one product go twice nor a window go past its N.
    Returns the ids moved (their runs are the caller's to wake, once this commits)."""
    from designs.products import move_products

    with transaction.atomic():
        lane.lock()
        due: list[int] = []
        window = current_window(lane.pace, now)
        if window is not None:
            released, _ = released_in(lane, *window)
            room = lane.pace.per_day - released
            if room > 0:
                # Planned for an earlier window (every worker was down when it closed): not let go at once, but
                # planned again below from now on, steadily, like any other.
                waiting = lane.queue().filter(release_at__lte=now, release_at__gte=window[0])
                due = list(waiting.values_list("pk", flat=True)[:room])
        moved = []
        if due:
            moved = move_products(
                due,
                to=P.PUBLISHING,
                sources=[P.SCHEDULED],
                source=source,
                message=f"Its turn in the going-live queue ({lane.pace.describe()}).",
                updates={"released_at": now, "attempts": 0, "last_error": ""},
                where=Q(release_at__lte=now),
            ).moved
        replan(lane, now)
    return moved


def release_unpaced(product_ids: list[int], now: datetime, *, source: str = Source.WORKER) -> list[int]:
    """Scheduled products whose pace was taken away: they go live now."""
    from designs.products import move_products

    if not product_ids:
        return []
    return move_products(
        product_ids,
        to=P.PUBLISHING,
        sources=[P.SCHEDULED],
        source=source,
        message="Its shop and template no longer go live at a pace: going live now.",
        updates={"released_at": now, "attempts": 0, "last_error": ""},
    ).moved


def next_release() -> datetime | None:
    """The earliest planned time in any queue."""
    from designs.models import Product

    return Product.objects.filter(state=P.SCHEDULED).aggregate(first=Min("release_at"))["first"]


# --- in words ------------------------------------------------------------------------------------------------


def local_text(when: datetime, zone: ZoneInfo) -> str:
    """ "Tue 14 Jan, 09:14 CET": a planned time in the shop's time zone (seconds only when there are any)."""
    local = when.astimezone(zone)
    return local.strftime("%a %d %b, %H:%M:%S %Z" if local.second else "%a %d %b, %H:%M %Z")


def relative_text(when: datetime, now: datetime) -> str:
    """ "in 3 h", "in 1 h 20 min", "in 12 min", "in 40 s", "due now", "overdue by 5 min"."""
    seconds = (when - now).total_seconds()
    if -60 < seconds <= 0:
        return "due now"
    words = _span(abs(seconds))
    return f"in {words}" if seconds > 0 else f"overdue by {words}"


def _span(seconds: float) -> str:
    if seconds < 59.5:
        return f"{round(seconds)} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 10 and rest:
        return f"{hours} h {rest} min"
    if hours < 48:
        return f"{round(minutes / 60)} h"
    return f"{round(minutes / 1440)} days"
