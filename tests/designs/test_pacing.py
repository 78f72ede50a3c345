"""Going live at a pace: the planner (windows in the shop's time zone, across midnight and DST, N a day, spread
evenly) as pure functions, and the lanes, scheduling, releasing, reordering and cancelling on a real database with
the clock passed in (`now=`), never patched."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from designs import pacing
from designs.models import Product, ProductEvent
from designs.pacing import Pace, current_window, plan_times, windows
from designs.products import ProductState
from designs.shops import SalesChannel, Shop
from designs.workflow import Status
from tests.designs.publishing_support import attach_image, make_product, make_template

P = ProductState
BERLIN, NEW_YORK, KATHMANDU = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Kathmandu")


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def local(zone, *parts) -> datetime:
    return datetime(*parts, tzinfo=zone)


def pace(per_day, start=None, end=None, zone=UTC) -> Pace:
    start = start or time(0)
    return Pace(per_day=per_day, start=start, end=end if end is not None else start, zone=zone)


# --- windows ---------------------------------------------------------------------------------------------------


def test_a_window_is_the_listing_hours_in_the_shops_time_zone():
    nine_to_five = pace(4, time(9), time(17), NEW_YORK)
    # 12 January (EST, UTC-5): 09:00–17:00 local is 14:00–22:00 UTC.
    assert next(windows(nine_to_five, utc(2027, 1, 12, 6))) == (utc(2027, 1, 12, 14), utc(2027, 1, 12, 22))
    assert current_window(nine_to_five, utc(2027, 1, 12, 6)) is None  # 01:00 in New York: not yet
    assert current_window(nine_to_five, utc(2027, 1, 12, 15)) == (utc(2027, 1, 12, 14), utc(2027, 1, 12, 22))
    assert current_window(nine_to_five, utc(2027, 1, 12, 22)) is None  # the close is outside
    # A zone 5:45 ahead: 09:00 in Kathmandu is 03:15 UTC.
    assert next(windows(pace(1, time(9), time(10), KATHMANDU), utc(2027, 1, 12, 0)))[0] == utc(2027, 1, 12, 3, 15)


def test_a_window_ending_before_it_starts_crosses_midnight():
    night = pace(4, time(22), time(6), BERLIN)
    # 02:00 on the 13th in Berlin is inside the window that opened at 22:00 on the 12th.
    at_two = local(BERLIN, 2027, 1, 13, 2)
    assert current_window(night, at_two) == (local(BERLIN, 2027, 1, 12, 22), local(BERLIN, 2027, 1, 13, 6))
    # Noon: the next window opens at 22:00 the same day.
    noon = local(BERLIN, 2027, 1, 13, 12)
    assert current_window(night, noon) is None
    assert next(windows(night, noon)) == (local(BERLIN, 2027, 1, 13, 22), local(BERLIN, 2027, 1, 14, 6))


def test_a_whole_day_follows_dst_so_its_n_spread_over_its_real_length():
    # 14 March 2027 in New York has 23 hours (02:00 → 03:00), 7 November 25 (02:00 → 01:00).
    whole_day = pace(23, zone=NEW_YORK)
    opens, closes = next(windows(whole_day, local(NEW_YORK, 2027, 3, 14, 0, 30)))
    assert closes - opens == timedelta(hours=23)
    slots = plan_times(whole_day, 23, now=opens)
    assert [b - a for a, b in zip(slots, slots[1:], strict=False)] == [timedelta(hours=1)] * 22
    assert slots[-1] < closes and slots[-1] == local(NEW_YORK, 2027, 3, 14, 23)

    fall = pace(25, zone=NEW_YORK)
    opens, closes = next(windows(fall, local(NEW_YORK, 2027, 11, 7, 0, 30)))
    assert closes - opens == timedelta(hours=25)
    assert plan_times(fall, 25, now=opens)[-1] == closes - timedelta(hours=1)


def test_hours_dst_skips_are_read_as_the_time_after_the_change():
    # 01:00–04:00 on the spring-forward night is two real hours; 02:30 does not exist and reads as 03:30 EDT.
    early = pace(2, time(1), time(4), NEW_YORK)
    opens, closes = next(windows(early, local(NEW_YORK, 2027, 3, 14, 0)))
    assert closes - opens == timedelta(hours=2)
    gap = pace(1, time(2, 30), time(5), NEW_YORK)
    assert next(windows(gap, local(NEW_YORK, 2027, 3, 14, 0)))[0] == utc(2027, 3, 14, 7, 30)


# --- planned times --------------------------------------------------------------------------------------------


def test_listings_are_spread_evenly_over_the_window_and_the_rest_wait_for_the_next_day():
    four = pace(4, time(9), time(17), NEW_YORK)
    slots = plan_times(four, 6, now=utc(2027, 1, 12, 6))
    assert [s.astimezone(NEW_YORK).strftime("%d %H:%M") for s in slots] == [
        "12 09:00",
        "12 11:00",
        "12 13:00",
        "12 15:00",
        "13 09:00",
        "13 11:00",
    ]


def test_what_the_window_let_go_counts_against_its_n():
    four = pace(4, time(9), time(17), NEW_YORK)
    noon = local(NEW_YORK, 2027, 1, 12, 12)
    # Three went already (the last planned at 11:00, one late): one slot is left today, the 4th at 15:00.
    slots = plan_times(four, 3, now=noon, released=3, last_planned=local(NEW_YORK, 2027, 1, 12, 11))
    assert [s.astimezone(NEW_YORK).strftime("%d %H:%M") for s in slots] == ["12 15:00", "13 09:00", "13 11:00"]
    # All four went: nothing more today.
    full = plan_times(four, 1, now=noon, released=4, last_planned=local(NEW_YORK, 2027, 1, 12, 15))
    assert full == [local(NEW_YORK, 2027, 1, 13, 9)]


def test_a_pace_set_mid_window_starts_now_and_stays_steady_instead_of_catching_up():
    hourly = pace(24)
    now = utc(2027, 1, 12, 12, 20)
    slots = plan_times(hourly, 14, now=now)
    # Not twelve at once for the morning's empty slots: one now, then one an hour, steady across midnight too.
    assert slots[0] == now and slots[1] == now + timedelta(hours=1)
    assert slots[11] == utc(2027, 1, 12, 23, 20) and slots[12] == utc(2027, 1, 13, 0, 20)
    # The next day still gets its 24 (shifted by less than a step).
    assert plan_times(hourly, 40, now=now)[12 + 23] == utc(2027, 1, 13, 23, 20)


def test_a_late_window_keeps_its_spacing_after_the_last_planned_slot():
    hourly = pace(24)
    slots = plan_times(hourly, 2, now=utc(2027, 1, 12, 5), released=3, last_planned=utc(2027, 1, 12, 4, 30))
    assert slots == [utc(2027, 1, 12, 5, 30), utc(2027, 1, 12, 6, 30)]


def test_the_pace_says_itself_in_words():
    assert pace(50, time(9), time(21), BERLIN).describe() == "50 a day, 09:00–21:00 Europe/Berlin"
    assert pace(100).hours_text() == "all day"
    assert pacing.relative_text(utc(2027, 1, 12, 15), utc(2027, 1, 12, 12)) == "in 3 h"
    assert pacing.relative_text(utc(2027, 1, 12, 12, 12), utc(2027, 1, 12, 12)) == "in 12 min"
    assert pacing.relative_text(utc(2027, 1, 12, 13, 20), utc(2027, 1, 12, 12)) == "in 1 h 20 min"
    assert pacing.relative_text(utc(2027, 1, 14, 12), utc(2027, 1, 12, 12)) == "in 2 days"
    assert pacing.relative_text(utc(2027, 1, 12, 11, 55), utc(2027, 1, 12, 12)) == "overdue by 5 min"
    assert pacing.local_text(utc(2027, 1, 12, 8, 14), BERLIN) == "Tue 12 Jan, 09:14 CET"


# --- lanes on the database ------------------------------------------------------------------------------------


@pytest.fixture
def shop(db):
    return Shop.objects.create(printify_id="77", title="Etsy main", channel=SalesChannel.ETSY, time_zone="UTC")


def waiting_product(make_design, template, shop, n: int, state=P.PUBLISHING, **fields) -> Product:
    """A product a publishing run is taking to the store (on Printify already)."""
    design = attach_image(make_design(status=Status.PUBLISHING, prompt=f"design {n}"))
    return make_product(design, template, state=state, shop=shop, printify_id=f"{n:024x}", **fields)


def test_the_templates_pace_replaces_the_shops_and_tiktok_takes_100_a_day(db, shop):
    plain = make_template(name="Tee", shop=shop)
    paced = make_template(name="Mug", shop=shop, is_default=False, listings_per_day=5)
    assert pacing.lane_for(plain, shop) is None  # an Etsy shop without a pace: none
    shop.listings_per_day, shop.listing_hours_start, shop.listing_hours_end = 40, time(9), time(21)
    shop.save()
    lane = pacing.lane_for(plain, shop)
    assert (lane.key, lane.pace.per_day, lane.pace.start) == (f"shop:{shop.pk}", 40, time(9))
    mug = pacing.lane_for(paced, shop)
    assert (mug.key, mug.pace.per_day, mug.pace.start) == (f"template:{paced.pk}", 5, time(0))
    tiktok = Shop.objects.create(printify_id="88", title="TikTok", channel=SalesChannel.TIKTOK, time_zone="Asia/Tokyo")
    lane = pacing.lane_for(make_template(name="Tok tee", shop=tiktok, is_default=False), tiktok)
    assert lane.pace.per_day == pacing.TIKTOK_PER_DAY == 100 and lane.pace.zone.key == "Asia/Tokyo"
    assert "TikTok" in lane.pace.describe()


def test_scheduling_appends_to_the_queue_with_planned_times_and_history(make_design, shop):
    template = make_template(shop=shop, listings_per_day=4, listing_hours_start=time(9), listing_hours_end=time(17))
    lane = pacing.lane_for(template, shop)
    now = utc(2027, 1, 12, 6)
    products = [waiting_product(make_design, template, shop, n) for n in range(5)]
    planned = [pacing.schedule(p, lane, now=now) for p in products]
    assert [t.hour for t in planned] == [9, 11, 13, 15, 9]
    assert planned[-1].day == 13
    assert list(lane.queue().values_list("pk", flat=True)) == [p.pk for p in products]
    event = ProductEvent.objects.filter(product=products[0]).latest("pk")
    assert (event.from_state, event.to_state) == (P.PUBLISHING, P.SCHEDULED)
    assert "4 a day, 09:00–17:00 UTC" in event.message
    # The design shows it as publishing: its product is on its way to the store.
    assert products[0].design.status == Status.PUBLISHING


def test_the_release_lets_go_only_what_is_due_at_most_n_a_window_and_never_twice(make_design, shop):
    template = make_template(shop=shop, listings_per_day=3, listing_hours_start=time(9), listing_hours_end=time(18))
    lane = pacing.lane_for(template, shop)
    products = [waiting_product(make_design, template, shop, n) for n in range(5)]
    for product in products:
        pacing.schedule(product, lane, now=utc(2027, 1, 12, 6))
    assert pacing.take_due(lane, utc(2027, 1, 12, 8, 59)) == []  # before the hours: none early
    assert pacing.take_due(lane, utc(2027, 1, 12, 9)) == [products[0].pk]
    assert pacing.take_due(lane, utc(2027, 1, 12, 9, 30)) == []  # the next is at 12:00
    # Every worker was down from 12:00 to 17:00: the two overdue go at once, late; the 4th and 5th wait for tomorrow
    # (three a day), and asking again lets nothing go twice.
    assert pacing.take_due(lane, utc(2027, 1, 12, 17)) == [products[1].pk, products[2].pk]
    assert pacing.take_due(lane, utc(2027, 1, 12, 17, 1)) == []
    assert set(Product.objects.filter(pk__in=[p.pk for p in products]).values_list("state", flat=True)) == {
        P.PUBLISHING,
        P.SCHEDULED,
    }
    tomorrow = [Product.objects.get(pk=p.pk).release_at for p in products[3:]]
    assert tomorrow == [utc(2027, 1, 13, 9), utc(2027, 1, 13, 12)]
    released = ProductEvent.objects.filter(from_state=P.SCHEDULED, to_state=P.PUBLISHING)
    assert sorted(released.values_list("product_id", flat=True)) == [p.pk for p in products[:3]]
    assert pacing.released_in(lane, utc(2027, 1, 12, 9), utc(2027, 1, 12, 18))[0] == 3


def test_products_planned_for_a_window_every_worker_missed_are_spread_again_not_let_go_in_a_burst(make_design, shop):
    template = make_template(shop=shop, listings_per_day=4, listing_hours_start=time(8), listing_hours_end=time(16))
    lane = pacing.lane_for(template, shop)
    products = [waiting_product(make_design, template, shop, n) for n in range(3)]
    for product in products:
        pacing.schedule(product, lane, now=utc(2027, 1, 12, 7))
    # Down from before 08:00 until 20:00: outside the hours nothing goes, and they are planned for tomorrow.
    assert pacing.take_due(lane, utc(2027, 1, 12, 20)) == []
    assert [p.release_at for p in lane.queue()] == [utc(2027, 1, 13, 8), utc(2027, 1, 13, 10), utc(2027, 1, 13, 12)]


def test_a_pass_outside_the_hours_plans_overdue_ones_into_the_next_window_from_its_start(make_design, shop):
    template = make_template(shop=shop, listings_per_day=2, listing_hours_start=time(8), listing_hours_end=time(16))
    lane = pacing.lane_for(template, shop)
    products = [waiting_product(make_design, template, shop, n) for n in range(2)]
    for product in products:
        pacing.schedule(product, lane, now=utc(2027, 1, 12, 7))
    # The pass comes only at 09:30 the next day (yesterday's 08:00 and 12:00 missed): planned from now, steadily.
    assert pacing.take_due(lane, utc(2027, 1, 13, 9, 30)) == []
    assert [p.release_at for p in lane.queue()] == [utc(2027, 1, 13, 9, 30), utc(2027, 1, 13, 13, 30)]
    assert pacing.take_due(lane, utc(2027, 1, 13, 9, 30)) == [products[0].pk]


def test_a_product_whose_pace_was_taken_away_goes_at_once(make_design, shop):
    template = make_template(shop=shop, listings_per_day=1)
    lane = pacing.lane_for(template, shop)
    product = waiting_product(make_design, template, shop, 1)
    pacing.schedule(product, lane, now=utc(2027, 1, 12, 6))
    template.listings_per_day = None
    template.save()
    lanes, unpaced = pacing.lanes_waiting()
    assert lanes == [] and unpaced == [product.pk]
    assert pacing.release_unpaced(unpaced, utc(2027, 1, 12, 6)) == [product.pk]


def test_a_shops_lane_counts_only_products_of_templates_without_a_pace_of_their_own(make_design, shop):
    shop.listings_per_day = 1
    shop.save()
    plain = make_template(name="Tee", shop=shop)
    paced = make_template(name="Mug", shop=shop, is_default=False, listings_per_day=2)
    shop_lane, mug_lane = pacing.lane_for(plain, shop), pacing.lane_for(paced, shop)
    now = utc(2027, 1, 12, 6)
    tees = [waiting_product(make_design, plain, shop, n) for n in range(2)]
    mugs = [waiting_product(make_design, paced, shop, n) for n in range(2, 4)]
    for product in tees:
        pacing.schedule(product, shop_lane, now=now)
    for product in mugs:
        pacing.schedule(product, mug_lane, now=now)
    assert set(shop_lane.queue()) == set(tees) and set(mug_lane.queue()) == set(mugs)
    lanes, _ = pacing.lanes_waiting()
    assert sorted(lane.key for lane in lanes) == sorted([shop_lane.key, mug_lane.key])
    # One tee a day, two mugs a day: each lane counts its own.
    assert [p.release_at for p in shop_lane.queue()] == [now, utc(2027, 1, 13, 6)]  # a day apart, steadily
    assert [p.release_at for p in mug_lane.queue()] == [now, utc(2027, 1, 12, 18)]
    assert pacing.take_due(shop_lane, now) == [tees[0].pk] and pacing.take_due(mug_lane, now) == [mugs[0].pk]
    assert pacing.released_in(shop_lane, utc(2027, 1, 12), utc(2027, 1, 13))[0] == 1
    # Only lanes with something due are looked at between a task's full passes.
    assert pacing.lanes_waiting(due_by=utc(2027, 1, 12, 7)) == ([], [])
