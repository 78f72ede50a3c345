"""designs/orders.py: Printify's order statuses mapped (an unknown word kept, never a crash), the order machine."""

import pytest
from django.utils import timezone

from designs.machine import Source
from designs.models import Order, OrderEvent
from designs.orders import ORDER, OrderStatus, order_status

DOCUMENTED = [
    "pending",
    "on-hold",
    "sending-to-production",
    "in-production",
    "canceled",
    "fulfilled",
    "partially-fulfilled",
    "payment-not-received",
    "has-issues",
    "cost-calculation",
    "unfulfillable",
    "source-check-failed",
    "sending_to_production_delegate",
    "sending_to_production_delegate_sync",
]


def test_the_fourteen_documented_statuses_are_mapped_and_an_unknown_one_is_other():
    assert len(DOCUMENTED) == 14
    assert all(order_status(word) != OrderStatus.OTHER for word in DOCUMENTED)
    assert order_status("In-Production ") == OrderStatus.IN_PRODUCTION
    assert order_status("had-issues") == OrderStatus.HAS_ISSUES
    assert order_status("waiting-for-the-moon") == OrderStatus.OTHER
    assert order_status("") == OrderStatus.OTHER


@pytest.mark.django_db
def test_an_order_is_born_with_printifys_status_and_follows_it_with_history():
    order = ORDER.create(
        state=OrderStatus.IN_PRODUCTION,
        source=Source.WEBHOOK,
        printify_id="5a96f649b2439217d070f507",
        printify_status="in-production",
        currency="USD",
        cost_currency="USD",
        created_at=timezone.now(),
    )
    ORDER.move(order, to=OrderStatus.FULFILLED, source=Source.WORKER, message="Read from Printify.")
    assert list(OrderEvent.objects.filter(order=order).order_by("pk").values_list("from_status", "to_status")) == [
        ("", OrderStatus.IN_PRODUCTION),
        (OrderStatus.IN_PRODUCTION, OrderStatus.FULFILLED),
    ]
    assert Order.objects.get().status == OrderStatus.FULFILLED
