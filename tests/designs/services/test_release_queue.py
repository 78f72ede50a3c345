"""The going-live queue as staff change it: reorder (times after it planned again), take out (back to on Printify,
or to the mockup review), and the per-shop read the queue page shows. Real database, the clock passed in."""

from datetime import time

import pytest

from designs import pacing
from designs.models import Product, ProductEvent
from designs.products import ProductState
from designs.services import release_queue
from designs.shops import SalesChannel, Shop
from designs.workflow import Status
from tests.designs.publishing_support import make_template
from tests.designs.test_pacing import utc, waiting_product

P = ProductState
NINE_TO_FIVE = {"listings_per_day": 4, "listing_hours_start": time(9), "listing_hours_end": time(17)}


@pytest.fixture
def shop(db):
    return Shop.objects.create(printify_id="77", title="Etsy main", channel=SalesChannel.ETSY, time_zone="UTC")


@pytest.fixture
def publisher(make_user):
    return make_user("pub", groups=["Publishers"])


def queued(make_design, shop, count, now, **pace):
    template = make_template(shop=shop, **pace)
    lane = pacing.lane_for(template, shop)
    products = [waiting_product(make_design, template, shop, n) for n in range(count)]
    for product in products:
        pacing.schedule(product, lane, now=now)
    return lane, products


def test_reordering_moves_one_and_plans_every_later_time_again(make_design, shop, publisher):
    now = utc(2027, 1, 12, 6)
    lane, products = queued(make_design, shop, 4, now, **NINE_TO_FIVE)
    a, b, c, d = (p.pk for p in products)

    def order():
        return [(p.pk, p.release_at.hour) for p in lane.queue()]

    message = release_queue.move(d, "front", actor=publisher, now=now)
    assert order() == [(d, 9), (a, 11), (b, 13), (c, 15)]
    assert message.startswith(f"Design {products[3].design_id}'s Kids tee moved to the front: now 1st in line")
    release_queue.move(a, "down", actor=publisher, now=now)
    assert order() == [(d, 9), (b, 11), (a, 13), (c, 15)]
    release_queue.move(c, "up", actor=publisher, now=now)
    assert order() == [(d, 9), (b, 11), (c, 13), (a, 15)]
    assert "already first" in release_queue.move(d, "up", actor=publisher, now=now)
    note = ProductEvent.objects.filter(product_id=d, to_state="").latest("pk")
    assert note.actor == publisher and note.message == "Moved to the front in the going-live queue: now 1st."


def test_cancelling_takes_them_out_with_history_and_the_rest_move_up(make_design, shop, publisher):
    now = utc(2027, 1, 12, 6)
    lane, products = queued(make_design, shop, 3, now, **NINE_TO_FIVE)
    # The second came through the mockup review: a person sent it live, so it goes back there.
    Product.objects.filter(pk=products[1].pk).update(mockups_approved_at=now)
    result = release_queue.cancel([products[0].pk, products[1].pk], actor=publisher, now=now)
    assert sorted(result.moved) == [products[0].pk, products[1].pk]
    first, second, third = (Product.objects.get(pk=p.pk) for p in products)
    assert (first.state, first.release_at, first.queue_position) == (P.ON_PRINTIFY, None, None)
    assert (second.state, second.mockups_approved_at) == (P.MOCKUP_REVIEW, None)
    assert third.release_at == utc(2027, 1, 12, 9)  # first in line now
    event = ProductEvent.objects.filter(product=first).latest("pk")
    assert (event.from_state, event.to_state, event.actor) == (P.SCHEDULED, P.ON_PRINTIFY, publisher)
    assert first.design.status == Status.PUBLISHED  # on Printify, not in the store: as a template without publishing
    again = release_queue.cancel([products[0].pk], actor=publisher, now=now)
    assert again.moved == [] and again.skipped == {products[0].pk: P.ON_PRINTIFY}


def test_moving_a_product_no_longer_waiting_says_where_it_is(make_design, shop, publisher):
    now = utc(2027, 1, 12, 6)
    lane, [product] = queued(make_design, shop, 1, now, **NINE_TO_FIVE)
    assert pacing.take_due(lane, utc(2027, 1, 12, 9)) == [product.pk]
    message = release_queue.move(product.pk, "front", actor=publisher, now=now)
    assert message == f"Design {product.design_id}'s Kids tee is not in the queue any more: it is going live."
    assert release_queue.move(99999, "up", actor=publisher) == "Product 99999 no longer exists."
    with pytest.raises(ValueError):
        release_queue.move(product.pk, "sideways", actor=publisher)


def test_the_queue_read_shows_each_shops_lanes_in_order_with_what_the_window_let_go(make_design, shop):
    now = utc(2027, 1, 12, 6)
    lane, products = queued(make_design, shop, 3, now, **NINE_TO_FIVE)
    quiet = Shop.objects.create(printify_id="78", title="Shopify", channel=SalesChannel.SHOPIFY)
    pacing.take_due(lane, utc(2027, 1, 12, 9))
    [entry] = release_queue.queues(now=utc(2027, 1, 12, 10))  # the unpaced Shopify shop has no queue
    assert entry.shop == shop and entry.total == 2
    [view] = entry.lanes
    assert [row.product.pk for row in view.rows] == [p.pk for p in products[1:]]
    assert [row.place for row in view.rows] == [1, 2]
    assert view.window == (utc(2027, 1, 12, 9), utc(2027, 1, 12, 17)) and view.released == 1
    assert release_queue.queues(shop_id=quiet.pk) == []
    # Outside the hours it says when the next window opens.
    [entry] = release_queue.queues(now=utc(2027, 1, 12, 20))
    assert entry.lanes[0].window is None and entry.lanes[0].next_window[0] == utc(2027, 1, 13, 9)
