"""Orders and lines for the sales tests, made as the order sync leaves them: an Order born through the order machine,
and lines with their stored figures (revenue, tax, fees, profit) filled in, as designs/sales.py record_order does."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count

from django.utils import timezone

from designs.machine import Source
from designs.models import Order, OrderLine
from designs.orders import ORDER, OrderStatus

_numbers = count(1)


def make_order(*, sold_at: datetime | None = None, currency="USD", country="US", status=OrderStatus.FULFILLED):
    number = next(_numbers)
    return ORDER.create(
        state=status,
        source=Source.COMMAND,
        printify_id=f"order-{number}",
        shop_order_id=str(1000 + number),
        order_type="external",
        country=country,
        currency=currency,
        cost_currency=currency,
        created_at=sold_at or timezone.now(),
    )


def sell(
    design=None,
    *,
    product=None,
    template=None,
    order: Order | None = None,
    quantity=1,
    price=2500,
    cost=1200,
    fees=200,
    days_ago: float = 1,
    currency="USD",
    country="US",
    counted=True,
    profit_known=True,
) -> OrderLine:
    """One line of `design` (in a new order unless given), `quantity` units at `price` cents with the unit `cost`:
    revenue = quantity × price, profit = revenue − quantity × cost − fees (None when not known)."""
    sold_at = order.created_at if order else timezone.now() - timedelta(days=days_ago)
    order = order or make_order(sold_at=sold_at, currency=currency, country=country)
    template = template or (product.template if product else None)
    revenue = quantity * price
    return OrderLine.objects.create(
        order=order,
        product=product,
        design=design or (product.design if product else None),
        template=template,
        quantity=quantity,
        unit_price=price,
        unit_cost=cost,
        currency=order.currency,  # both on the line, as designs/sales.py writes them
        cost_currency=order.cost_currency,
        counted=counted,
        revenue=revenue,
        fees=fees,
        profit=revenue - quantity * cost - fees if profit_known else None,
        sold_at=sold_at,
    )
