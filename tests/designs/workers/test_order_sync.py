"""The order sync against the sandbox's Printify (designs/workers/order_sync.py): exact counts of what it reads."""

from datetime import UTC, datetime, timedelta

import pytest
import requests

from designs import leases
from designs.models import Order, OrderLine, OrderSync
from designs.orders import OrderStatus
from designs.workers.order_sync import lease_key, sync_orders
from tests.designs.order_support import line, order

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(settings, sandbox):
    settings.PRINTIFY_API_TOKEN = "sandbox-token"
    settings.PRINTIFY_API_BASE = f"{sandbox.url}/printify/v1"
    settings.PRINTIFY_SHOP_ID = "1"
    settings.PRINTIFY_RATE_PER_MINUTE = 1_000_000
    return sandbox.printify


def keep(shop, *orders):
    """Orders Printify has (as if placed while no webhook reached us)."""
    with shop._lock:
        for placed in orders:
            shop.orders[placed["id"]] = placed


def at(day: int) -> str:
    return (datetime(2026, 11, 1, 12, tzinfo=UTC) + timedelta(days=day)).strftime("%Y-%m-%d %H:%M:%S+00:00")


def test_a_first_sync_reads_every_page_and_a_second_only_what_is_new(shop, published):
    keep(shop, *[order(f"o{day:02}", "fulfilled", created_at=at(day)) for day in range(25)])
    first = sync_orders()
    assert first.summary == "25 orders read: 25 new, 0 changed, 0 unchanged; 0 not ours."
    assert (first.pages, Order.objects.count(), OrderLine.objects.filter(counted=True).count()) == (3, 25, 25)
    place = OrderSync.objects.get(shop_id="1")
    assert (place.next_page, place.synced_until) == (1, datetime(2026, 11, 25, 12, tzinfo=UTC))

    keep(shop, order("o25", created_at=at(25)), order("o26", created_at=at(26), lines=[line(product_id="other")]))
    second = sync_orders()
    # page 1: the 2 new ones, then 8 older than the last sync: it stops there
    assert second.summary == "10 orders read: 2 new, 0 changed, 8 unchanged; 1 not ours."
    assert (second.pages, Order.objects.count()) == (1, 27)


def test_a_missed_webhook_is_caught_and_unfinished_orders_are_re_read(shop, published):
    keep(shop, *[order(f"o{day:02}", "in-production", created_at=at(day)) for day in range(12)])
    sync_orders()
    with shop._lock:  # old orders moved on while no webhook reached us; one was canceled
        shop.orders["o00"]["status"] = "fulfilled"
        shop.orders["o01"]["status"] = "canceled"
    result = sync_orders(since=datetime(2026, 11, 10, tzinfo=UTC))
    # page 1 holds o11…o02 (10, unchanged), then o01 and o00 are re-read one by one as unfinished orders
    assert result.summary == (
        "12 orders read: 0 new, 2 changed, 10 unchanged; 0 not ours (2 unfinished orders re-read one by one)."
    )
    assert Order.objects.get(printify_id="o00").status == OrderStatus.FULFILLED
    assert Order.objects.get(printify_id="o01").status == OrderStatus.CANCELED
    assert OrderLine.objects.filter(counted=True).count() == 11


def test_pages_that_shift_while_it_reads_count_each_order_once(shop, published, monkeypatch):
    keep(shop, *[order(f"o{day:02}", "fulfilled", created_at=at(day)) for day in range(20)])
    from integrations.printify import PrintifyClient

    real = PrintifyClient.list_orders

    def list_then_new_orders_arrive(self, shop_id, page=1):
        answer = real(self, shop_id, page)
        if page == 1:  # three orders placed between page 1 and page 2 push three of page 1 onto page 2
            keep(shop, *[order(f"n{i}", created_at=at(30 + i)) for i in range(3)])
        return answer

    monkeypatch.setattr(PrintifyClient, "list_orders", list_then_new_orders_arrive)
    result = sync_orders()
    assert result.summary == "20 orders read: 20 new, 0 changed, 0 unchanged; 0 not ours."
    assert Order.objects.count() == 20
    assert OrderSync.objects.get().synced_until == datetime(2026, 11, 20, 12, tzinfo=UTC)
    monkeypatch.undo()
    later = sync_orders()  # the three that arrived are caught by the next run
    assert (later.new, Order.objects.count()) == (3, 23)


def test_it_resumes_at_the_page_where_it_stopped(shop, published, monkeypatch):
    keep(shop, *[order(f"o{day:02}", "fulfilled", created_at=at(day)) for day in range(30)])
    from integrations.http import ServerError
    from integrations.printify import PrintifyClient

    real = PrintifyClient.list_orders

    def fail_on_page_3(self, shop_id, page=1):
        if page == 3:
            raise ServerError("Printify answered 503", service="Printify")
        return real(self, shop_id, page)

    monkeypatch.setattr(PrintifyClient, "list_orders", fail_on_page_3)
    with pytest.raises(ServerError):
        sync_orders()
    assert (OrderSync.objects.get().next_page, Order.objects.count()) == (3, 20)
    monkeypatch.undo()
    calls = []
    monkeypatch.setattr(
        PrintifyClient, "list_orders", lambda self, shop_id, page=1: calls.append(page) or real(self, shop_id, page)
    )
    result = sync_orders()
    assert (calls, result.new, Order.objects.count()) == ([3], 10, 30)
    assert OrderSync.objects.get().next_page == 1


def test_it_never_runs_twice_at_once(shop, published):
    keep(shop, order("o1"))
    token = leases.acquire(lease_key("1"), 60)
    assert sync_orders().busy is True
    assert Order.objects.count() == 0
    leases.release(lease_key("1"), token)
    assert sync_orders().new == 1


def test_the_sandbox_orders_of_a_busy_month_are_read_once(shop, published, sandbox):
    with shop._lock:  # the published design's product, as the sandbox would have it after publishing
        shop.products["5d39b411749d0a000f30e0f4"] = {
            "id": "5d39b411749d0a000f30e0f4",
            "title": "Fox tee",
            "print_provider_id": 99,
            "is_locked": False,
            "external": {"id": "1", "handle": "https://shop/1"},
            "variants": [{"id": 1, "cost": 900, "price": 2400, "title": "M", "sku": "S-1", "is_enabled": True}],
        }
    placed = requests.post(
        f"{sandbox.url}/_sandbox/orders", json={"count": 47, "seed": 5, "webhooks": False}, timeout=10
    ).json()
    assert placed["placed"] == 47
    first = sync_orders()
    assert (first.read, first.new, Order.objects.count()) == (47, 47, 47)
    again = sync_orders(since=datetime(2000, 1, 1, tzinfo=UTC))
    assert (again.read, again.new, again.changed, again.unchanged) == (47, 0, 0, 47)
    with shop._lock:
        canceled = sum(placed["status"] == "canceled" for placed in shop.orders.values())
        samples = sum(placed["metadata"]["order_type"] != "external" for placed in shop.orders.values())
    assert Order.objects.filter(status=OrderStatus.CANCELED).count() == canceled
    assert Order.objects.exclude(order_type="external").count() == samples


def test_the_sandbox_button_asks_for_a_sync_that_reads_its_orders_without_any_webhook(
    shop, published, sandbox, settings
):
    # Issue 20: after `make run` no webhook is registered, yet placed orders must reach the figures.
    from django_q.brokers import get_broker

    from designs.services.orders import place_sandbox_orders

    settings.POD_SANDBOX, settings.SANDBOX_URL = True, sandbox.url
    with shop._lock:
        shop.products["5d39b411749d0a000f30e0f4"] = {
            "id": "5d39b411749d0a000f30e0f4",
            "title": "Fox tee",
            "print_provider_id": 99,
            "is_locked": False,
            "external": {"id": "1", "handle": "https://shop/1"},
            "variants": [{"id": 1, "cost": 900, "price": 2400, "title": "M", "sku": "S-1", "is_enabled": True}],
        }
    broker = get_broker()
    before = broker.queue_size()
    assert place_sandbox_orders(12, 30, seed=3)["placed"] == 12
    assert broker.queue_size() == before + 1  # the order sync, by task name
    assert sync_orders().new == 12  # what that task does on a worker
    assert Order.objects.count() == 12
