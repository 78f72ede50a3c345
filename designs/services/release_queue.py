"""The going-live queue as staff see and change it: per shop, each paced lane's scheduled products in order with
their planned times (designs/pacing.py); move one up, down or to the front; take products out of the queue.

Every change holds the lane's lock and plans the lane's whole queue again from now, so the times after a moved or
cancelled product follow at once. Taking a product out is a move on the product machine (scheduled → on Printify,
not in the store; or back to its mockup review when a person had sent it live from there), with its history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from designs import pacing
from designs.machine import MoveResult
from designs.models import Product
from designs.products import ProductState, move_products, product_note
from designs.shops import Shop
from designs.workers import wake_release
from designs.workflow import Source

P = ProductState
MOVES = {"up": "moved up", "down": "moved down", "front": "moved to the front"}
SHOWN_PER_LANE = 200


@dataclass
class QueueRow:
    product: Product
    place: int  # 1 = next to go
    release_at: datetime | None


@dataclass
class LaneQueue:
    lane: pacing.Lane
    rows: list[QueueRow] = field(default_factory=list)
    total: int = 0
    window: tuple[datetime, datetime] | None = None  # the listing window now is in
    released: int = 0  # what that window let go so far
    next_window: tuple[datetime, datetime] | None = None

    @property
    def hidden(self) -> int:
        return self.total - len(self.rows)


@dataclass
class ShopQueue:
    shop: Shop
    lanes: list[LaneQueue]

    @property
    def total(self) -> int:
        return sum(lane.total for lane in self.lanes)


def queues(*, shop_id: int | None = None, now: datetime | None = None) -> list[ShopQueue]:
    """Every shop's paced lanes (or one shop's), the first SHOWN_PER_LANE of each queue in order."""
    now = now or timezone.now()
    shops = Shop.objects.all() if shop_id is None else Shop.objects.filter(pk=shop_id)
    found = []
    for shop in shops:
        lanes = [_lane_queue(lane, now) for lane in pacing.lanes_of_shop(shop)]
        if lanes:
            found.append(ShopQueue(shop=shop, lanes=lanes))
    return found


def _lane_queue(lane: pacing.Lane, now: datetime) -> LaneQueue:
    queue = lane.queue().select_related("design", "template")
    shown = list(queue[:SHOWN_PER_LANE])
    view = LaneQueue(lane=lane, total=queue.count() if len(shown) == SHOWN_PER_LANE else len(shown))
    view.rows = [QueueRow(product=p, place=n, release_at=p.release_at) for n, p in enumerate(shown, start=1)]
    view.window = pacing.current_window(lane.pace, now)
    if view.window:
        view.released, _ = pacing.released_in(lane, *view.window)
    view.next_window = next(w for w in pacing.windows(lane.pace, now) if w[0] > now)
    return view


def move(product_id: int, how: str, *, actor, source: str = Source.ADMIN, now: datetime | None = None) -> str:
    """Move a scheduled product up, down or to the front of its lane; the lane's times are planned again.
    Returns what happened, in words."""
    if how not in MOVES:
        raise ValueError(f"Unknown move {how!r}: up, down or front.")
    now = now or timezone.now()
    product = Product.objects.select_related("template", "shop").filter(pk=product_id).first()
    if product is None or product.state != P.SCHEDULED:
        return _not_waiting(product_id, product)
    lane = pacing.lane_of(product)
    if lane is None:
        return f"{_name(product)} is not paced any more: it goes live at the next release pass."
    with transaction.atomic():
        lane.lock()
        order = list(lane.queue().values_list("pk", flat=True))
        if product.pk not in order:
            return _not_waiting(product_id, Product.objects.filter(pk=product_id).first())
        place = order.index(product.pk)
        wanted = {"up": max(place - 1, 0), "down": min(place + 1, len(order) - 1), "front": 0}[how]
        if wanted == place:
            return f"{_name(product)} is already {'first' if place == 0 else 'last'} in the queue."
        order.insert(wanted, order.pop(place))
        Product.objects.bulk_update(
            [Product(pk=pk, queue_position=n) for n, pk in enumerate(order, start=1)], ["queue_position"]
        )
        planned = pacing.replan(lane, now)[product.pk]
        product_note(
            product,
            f"{MOVES[how].capitalize()} in the going-live queue: now {_ordinal(wanted + 1)}.",
            source=source,
            actor=actor,
        )
        transaction.on_commit(wake_release)  # something may be due sooner now
    when = f"{pacing.local_text(planned, lane.pace.zone)} ({pacing.relative_text(planned, now)})"
    return f"{_name(product)} {MOVES[how]}: now {_ordinal(wanted + 1)} in line, planned {when}."


def cancel(product_ids, *, actor, source: str = Source.ADMIN, now: datetime | None = None) -> MoveResult:
    """Take products out of the queue: on Printify, not in the store (back to the mockup review for one a person
    sent live from there). The rest of each lane is planned again. Products not scheduled are reported skipped."""
    now = now or timezone.now()
    ids = sorted({int(pk) for pk in product_ids})
    products = list(Product.objects.select_related("template", "shop").filter(pk__in=ids, state=P.SCHEDULED))
    lanes = {lane.key: lane for lane in (pacing.lane_of(p) for p in products) if lane is not None}
    reviewed = [p.pk for p in products if p.mockups_approved_at is not None]
    with transaction.atomic():
        for key in sorted(lanes):
            lanes[key].lock()
        result = move_products(
            [pk for pk in ids if pk not in set(reviewed)],
            to=P.ON_PRINTIFY,
            sources=[P.SCHEDULED],
            actor=actor,
            source=source,
            message="Taken out of the going-live queue: it stays on Printify, not in the store.",
            updates={"release_at": None, "queue_position": None},
        )
        if reviewed:
            result.merge(
                move_products(
                    reviewed,
                    to=P.MOCKUP_REVIEW,
                    sources=[P.SCHEDULED],
                    actor=actor,
                    source=source,
                    message="Taken out of the going-live queue: back to its mockup review.",
                    updates={"release_at": None, "queue_position": None, "mockups_approved_at": None},
                )
            )
        for key in sorted(lanes):
            pacing.replan(lanes[key], now)
        transaction.on_commit(wake_release)
    return result


def _not_waiting(product_id: int, product: Product | None) -> str:
    if product is None:
        return f"Product {product_id} no longer exists."
    return f"{_name(product)} is not in the queue any more: it is {P(product.state).label.lower()}."


def _name(product: Product) -> str:
    return f"Design {product.design_id}'s {product.template_name or 'product'}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
