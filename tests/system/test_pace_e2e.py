"""Going live at a pace end to end: real qcluster processes, the sandbox's Printify over real sockets.

A simulated day: the shop lists 50 a day between two times two minutes apart (its real listing hours, in its own time
zone, a few seconds from now), so its day is that window. 55 designs are published: each is created on Printify at
once and waits, scheduled; 50 are planned across the window 2.4 s apart and 5 for the next day's. The only cluster is
killed with -9 mid-way and started again some seconds later. Then:
- none early: each left the queue at or after the time first planned for it, inside the window;
- none twice: one release in its history and one publish call on Printify per product (products created once);
- none lost: the 50 are live and the 5 still wait, planned for the next day (the day's limit held across the kill).
"""

import importlib
import time
from datetime import datetime, timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from designs import pacing
from designs.models import Product, ProductEvent
from designs.products import ProductState
from designs.services import publishing as publish_service
from designs.shops import SalesChannel, Shop
from designs.workflow import Source
from tests.system.conftest import wait_until
from tests.system.test_publishing_e2e import approved_designs, cluster_env, purge_broker, sandbox_template

pytestmark = pytest.mark.system
P = ProductState

PER_DAY, EXTRA = 50, 5
WINDOW = timedelta(seconds=120)
OPENS_IN = timedelta(seconds=40)  # time to create all 55 on Printify before the window opens


@pytest.fixture(autouse=True)
def no_print_gate(settings):
    settings.MIN_PRINT_DPI = 0  # small images on purpose, as in test_publishing_e2e.py


@pytest.fixture
def release_schedule(installed_defaults):
    """What migration 0038 installs: the release pass every minute (flushed by transactional tests)."""
    importlib.import_module("designs.migrations.0038_going_live_pace").add_schedule(apps, None)


def paced_shop(opens: datetime) -> Shop:
    """The sandbox's shop, 5:45 ahead of UTC, listing 50 a day in a two-minute window (seconds kept)."""
    zone = "Asia/Kathmandu"
    local_open = opens.astimezone(pacing.ZoneInfo(zone))
    return Shop.objects.create(
        printify_id="1",
        title="Sandbox shop",
        channel=SalesChannel.API,
        time_zone=zone,
        is_default=True,
        listings_per_day=PER_DAY,
        listing_hours_start=local_open.time(),
        listing_hours_end=(local_open + WINDOW).time(),  # past midnight local: a window crossing it
    )


def states(ids) -> dict:
    found: dict[str, int] = {}
    for state in Product.objects.filter(pk__in=ids).values_list("state", flat=True):
        found[state] = found.get(state, 0) + 1
    return found


def test_fifty_a_simulated_day_hold_across_a_kill_9_none_early_twice_or_lost(
    child_env, qcluster, sandbox, make_design, release_schedule
):
    purge_broker()
    opens = (timezone.now() + OPENS_IN).replace(microsecond=0)
    shop = paced_shop(opens)
    sandbox_template(shop=shop)
    designs = approved_designs(make_design, PER_DAY + EXTRA)
    env = cluster_env(sandbox)
    first = qcluster(**env)
    result = publish_service.request_publish([d.pk for d in designs], actor=None, source=Source.COMMAND)
    ids = result.products
    assert len(ids) == PER_DAY + EXTRA

    wait_until(
        lambda: states(ids).get(P.SCHEDULED) == len(ids),
        timeout=60,
        interval=0.5,
        message=f"all made on Printify and waiting; now {states(ids)}\n{first.log()[-3000:]}",
    )
    assert timezone.now() < opens, "creating them took longer than the time left before the window"
    state = sandbox.state()["printify"]
    assert state["products_created"] == len(ids) and state["publishes"] == 0  # drafts, none in the store
    planned = dict(Product.objects.filter(pk__in=ids).values_list("pk", "release_at"))
    order = sorted(ids, key=lambda pk: planned[pk])
    today, tomorrow = order[:PER_DAY], order[PER_DAY:]
    step = WINDOW / PER_DAY
    assert planned[today[0]] == opens and planned[today[-1]] == opens + step * (PER_DAY - 1)
    assert all(planned[pk] >= opens + timedelta(days=1) for pk in tomorrow)

    # Mid-way through the window: kill the only cluster.
    wait_until(
        lambda: Product.objects.filter(pk__in=ids, released_at__isnull=False).count() >= 15,
        timeout=OPENS_IN.total_seconds() + 60,
        interval=0.2,
        message=f"the queue got going; now {states(ids)}\n{first.log()[-3000:]}",
    )
    first.kill_hard()
    killed_at = timezone.now()
    released_before = Product.objects.filter(pk__in=ids, released_at__isnull=False).count()
    assert released_before < PER_DAY, "the kill came too late to test anything"
    time.sleep(10)  # every cluster down: the next ones' times pass
    second = qcluster(**env)
    restarted_at = timezone.now()

    wait_until(
        lambda: states(ids).get(P.LIVE) == PER_DAY,
        timeout=(opens + WINDOW - timezone.now()).total_seconds() + 90,
        interval=1,
        message=f"the day's 50 live; now {states(ids)}\n{second.log()[-3000:]}",
    )
    time.sleep(3)  # a pass or two more: nothing else may leave
    assert states(ids) == {P.LIVE: PER_DAY, P.SCHEDULED: EXTRA}

    products = {p.pk: p for p in Product.objects.filter(pk__in=ids)}
    # None early, all inside the window (the day's hours held, late ones too).
    for pk in today:
        released = products[pk].released_at
        assert planned[pk] <= released < opens + WINDOW, (pk, planned[pk], released)
    # None twice: one release each in the history, one publish call each on Printify, none created twice.
    releases = ProductEvent.objects.filter(product_id__in=ids, from_state=P.SCHEDULED, to_state=P.PUBLISHING)
    assert sorted(releases.values_list("product_id", flat=True)) == sorted(today)
    state = sandbox.state()["printify"]
    on_printify = {p["id"]: p for p in state["products"]}
    assert state["products_created"] == len(ids) and len(on_printify) == len(ids)
    assert all(on_printify[products[pk].printify_id]["publish_count"] == 1 for pk in today)
    assert all(on_printify[products[pk].printify_id]["publish_count"] == 0 for pk in tomorrow)
    # None lost: the other five wait for the next day's window, steadily spread again.
    waiting = sorted(products[pk].release_at for pk in tomorrow)
    assert waiting[0] >= opens + timedelta(days=1) and waiting[-1] < opens + timedelta(days=1) + WINDOW

    late = [(products[pk].released_at - planned[pk]).total_seconds() for pk in today]
    on_time = [lateness for pk, lateness in zip(today, late, strict=True) if products[pk].released_at < killed_at]
    after = [pk for pk in today if products[pk].released_at >= restarted_at]
    median = sorted(on_time)[len(on_time) // 2]
    print(
        f"pace: {PER_DAY} over {WINDOW.total_seconds():.0f} s ({step.total_seconds():.1f} s apart); killed with "
        f"{released_before} released, down {(restarted_at - killed_at).total_seconds():.1f} s; "
        f"before the kill released {max(on_time):.2f} s late at most (median {median:.2f}); "
        f"{len(after)} released after the restart, the most overdue {max(late):.1f} s late"
    )
    assert max(on_time) < 3  # released on time while a cluster ran (the pass looks every second)
