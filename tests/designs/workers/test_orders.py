"""Order webhooks → the read_order task → the order as Printify has it (designs/workers/orders.py): replays,
duplicates, out-of-order deliveries and cancellations never count an order twice."""

import logging

import pytest
import responses

from designs import tasks
from designs.models import Order, OrderEvent, OrderLine
from designs.orders import OrderStatus
from designs.workers.orders import read_order
from tests.designs.order_support import CUSTOMER_VALUES, order
from tests.designs.publishing_support import API, SHOP
from tests.designs.webhook_support import post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_settings")]

ORDER_ID = "5a96f649b2439217d070f507"
ORDER_URL = f"{API}/shops/{SHOP}/orders/{ORDER_ID}.json"


def order_event(topic, event_id, order_id=ORDER_ID, **data):
    return {
        "id": event_id,
        "type": topic,
        "created_at": "2026-12-01 10:00:05+00:00",
        "resource": {"id": order_id, "type": "order", "data": {"shop_id": int(SHOP), **data}},
    }


def deliver(client, capture, body):
    """POST one signed event; returns the (task name, args) it enqueued once the request's transaction committed."""
    with capture() as callbacks:
        response = post(client, body)
    assert response.status_code == 200
    return [(callback.args[0], callback.args[1:]) for callback in callbacks]


def run(enqueued):
    """Run each enqueued task by its name, as a django-q2 worker would."""
    for name, args in enqueued:
        getattr(tasks, name)(*args)


@pytest.fixture
def printify():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def test_an_order_event_answers_at_once_and_hands_the_order_to_a_worker(
    client, published, printify, django_capture_on_commit_callbacks
):
    enqueued = deliver(client, django_capture_on_commit_callbacks, order_event("order:created", "e-1"))
    assert enqueued == [("read_order", (ORDER_ID, SHOP))]
    assert Order.objects.count() == 0 and len(printify.calls) == 0  # nothing read while answering
    printify.get(ORDER_URL, json=order())
    run(enqueued)
    assert (Order.objects.count(), OrderLine.objects.filter(counted=True).count()) == (1, 1)


def test_a_replayed_event_is_read_once(client, published, printify, django_capture_on_commit_callbacks):
    body = order_event("order:created", "e-1")
    first = deliver(client, django_capture_on_commit_callbacks, body)
    replays = [deliver(client, django_capture_on_commit_callbacks, body) for _ in range(3)]
    assert (len(first), replays) == (1, [[], [], []])
    printify.get(ORDER_URL, json=order())
    run(first)
    assert (len(printify.calls), Order.objects.count(), OrderLine.objects.count()) == (1, 1, 1)


def test_duplicate_events_read_the_order_again_and_count_it_once(
    client, published, printify, django_capture_on_commit_callbacks
):
    printify.get(ORDER_URL, json=order())
    enqueued = [
        task
        for event_id in ("e-1", "e-2", "e-3")
        for task in deliver(client, django_capture_on_commit_callbacks, order_event("order:created", event_id))
    ]
    run(enqueued)
    assert len(printify.calls) == 3
    assert (Order.objects.count(), OrderLine.objects.count(), OrderEvent.objects.count()) == (1, 1, 1)
    assert OrderLine.objects.get().revenue == 2500


def test_events_out_of_order_end_on_what_printify_says_now(
    client, published, printify, django_capture_on_commit_callbacks
):
    # The delivery comes first, the creation last; each read gets the order as it is at that moment.
    delivered = deliver(
        client, django_capture_on_commit_callbacks, order_event("order:shipment:delivered", "e-3", delivered_at="x")
    )
    created = deliver(client, django_capture_on_commit_callbacks, order_event("order:created", "e-1"))
    updated = deliver(
        client, django_capture_on_commit_callbacks, order_event("order:updated", "e-2", status="in-production")
    )
    printify.get(ORDER_URL, json=order(status="in-production"))
    run(delivered)
    printify.replace("GET", ORDER_URL, json=order(status="fulfilled"))
    run(created + updated)
    row = Order.objects.get()
    assert row.status == OrderStatus.FULFILLED
    assert list(OrderEvent.objects.order_by("pk").values_list("from_status", "to_status")) == [
        ("", "in-production"),
        ("in-production", "fulfilled"),
    ]
    assert (OrderLine.objects.count(), OrderLine.objects.filter(counted=True).count()) == (1, 1)


def test_a_cancellation_later_takes_the_order_out_of_the_figures(
    client, published, printify, django_capture_on_commit_callbacks
):
    printify.get(ORDER_URL, json=order())
    run(deliver(client, django_capture_on_commit_callbacks, order_event("order:created", "e-1")))
    assert OrderLine.objects.filter(counted=True).count() == 1
    printify.replace("GET", ORDER_URL, json=order(status="canceled"))
    run(deliver(client, django_capture_on_commit_callbacks, order_event("order:updated", "e-2", status="canceled")))
    assert Order.objects.get().status == OrderStatus.CANCELED
    assert (OrderLine.objects.count(), OrderLine.objects.filter(counted=True).count()) == (1, 0)


def test_an_order_event_for_another_shop_is_ignored(client, published, django_capture_on_commit_callbacks):
    body = order_event("order:created", "e-1")
    body["resource"]["data"]["shop_id"] = 999
    assert deliver(client, django_capture_on_commit_callbacks, body) == []


def test_a_failed_read_is_logged_without_the_answer_and_left_to_the_sync(published, printify, caplog):
    printify.get(ORDER_URL, status=404, json={"error": "Not found"})
    assert read_order(ORDER_ID, SHOP) is None
    assert Order.objects.count() == 0
    assert f"Order {ORDER_ID}: could not read it from Printify" in caplog.text


def test_the_log_of_a_read_holds_nothing_of_the_customer(published, printify, caplog):
    caplog.set_level(logging.DEBUG)
    printify.get(ORDER_URL, json=order())
    assert read_order(ORDER_ID, SHOP).outcome == "new"
    assert not [value for value in CUSTOMER_VALUES if value in caplog.text]
