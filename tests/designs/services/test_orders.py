"""designs/services/orders.py: a refund marked once, audited, out of the figures; sandbox orders only in sandbox."""

import pytest
from django.contrib.admin.models import LogEntry

from designs.models import Order, OrderEvent, OrderLine
from designs.sales import record_order
from designs.services.orders import SandboxOff, mark_refunded, place_sandbox_orders
from tests.designs.order_support import order

pytestmark = pytest.mark.django_db


def test_a_refund_is_marked_once_and_the_order_leaves_the_figures(published, superuser):
    record_order(order("o1"), shop_id="1")
    record_order(order("o2"), shop_id="1")
    assert mark_refunded(Order.objects.filter(printify_id="o1"), actor=superuser) == 1
    assert mark_refunded(Order.objects.all(), actor=superuser) == 1  # o1 is not marked twice
    assert OrderLine.objects.filter(counted=True).count() == 0
    assert OrderEvent.objects.filter(message__startswith="Marked refunded").count() == 2
    assert LogEntry.objects.filter(user=superuser).count() == 2


def test_sandbox_orders_are_refused_outside_sandbox_mode(settings):
    settings.POD_SANDBOX = False
    with pytest.raises(SandboxOff):
        place_sandbox_orders(5, 30)
