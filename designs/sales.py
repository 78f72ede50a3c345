"""Orders in: one Printify order recorded exactly once, with the money of each of its lines.

`record_order(payload, …)` is the only writer of orders and their lines. It is called with what Printify answered
(a GET of the order after a webhook, or a page of the order sync), never with a webhook's body, so a replayed,
duplicated or out-of-order event only makes it read the order again. Under the order's row lock (the unique
`printify_id` settles two racers creating it) it moves the status through the ORDER machine, rewrites the order's
fields and replaces its lines as a whole, so an order read twice is counted once. A read that changes nothing
(its digest is the same) writes nothing but `read_at`.

No customer data: of `address_to`, only `country` is read; names, addresses, e-mails and phones are never stored or
logged (nothing here logs a payload).

Money, per line, in integer cents (printify-api.md "Orders": `cost` and `metadata.price` are treated as per unit,
the reference shows only quantity-1 lines):
- `revenue` = unit price × quantity, and `fees` (the fee schedule in use): both in the line's `currency` (the shop
  currency: the currency entered on its Shop record, SHOP_CURRENCY for a shop podsite has no record of);
- `production_cost` = unit cost × quantity, `shipping_cost`, and `tax` (the line's share of the order's `total_tax`,
  which Printify charges the seller): in the line's `cost_currency` (PRINTIFY_BILLING_CURRENCY);
- `profit` = revenue − fees − production − shipping − tax, or None when the two currencies differ (amounts of
  different currencies are never added).
Fees of an order (percentages of its revenue, fixed amounts per order, the listing fee per unit sold) are spread over
its lines in proportion to revenue, like the tax; rounding remainders go to the largest lines, so the lines add up to
the order exactly.

Which lines count (`counted`): a real sale, i.e. order_type "external", not a reprint, not canceled or unfulfillable
(the order or the line), not marked refunded. Lines of products podsite did not make are kept as "not ours" (no
product, design or template) and counted like the others.

A reprint (`metadata.is_reprint`) is not a sale but a cost of the design it reprints: its lines have counted=False,
`reprint_cost`=True, no revenue or fees, and profit = −(production + shipping + tax). The read side sums a design's
profit as:  Sum(profit, counted=True) + Sum(profit, reprint_cost=True)  (both per cost currency).
Samples (order_type not "external") are kept, but neither counted nor a reprint cost: they leave the sales figures.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from designs.machine import Source
from designs.order_models import FeeSchedule, Order, OrderLine
from designs.orders import NOT_SALES, ORDER, order_status
from designs.shops import shop_currency_of

logger = logging.getLogger(__name__)

REAL_SALE = "external"  # metadata.order_type of an order a customer placed (samples differ)
COUNTRY = re.compile(r"[A-Z]{2}")


class OrderPayloadInvalid(ValueError):
    """Printify's answer is not an order we can record; the message says what is wrong (no customer data in it)."""


@dataclass(frozen=True)
class Recorded:
    order: Order
    outcome: str  # "new", "changed" or "unchanged"
    not_ours: int  # lines of products podsite did not make


def record_order(payload: dict, *, shop_id: str, source: str = Source.WORKER) -> Recorded:
    """Record one order as Printify answered it (exactly once; see the module docstring)."""
    fields, lines = _read(payload, currency=shop_currency_of(shop_id))
    fields["shop_id"] = str(shop_id)
    printify_id = fields.pop("printify_id")
    status = order_status(fields["printify_status"])
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(printify_id=printify_id).first()
        if order is None:
            try:
                with transaction.atomic():
                    order = ORDER.create(
                        state=status, source=source, message="Read from Printify.", printify_id=printify_id, **fields
                    )
                    outcome = "new"
            except IntegrityError:  # another reader created it a moment ago: wait for its lock, then update it
                order = Order.objects.select_for_update().get(printify_id=printify_id)
                outcome = "changed"
        else:
            outcome = "changed"
        schedule = FeeSchedule.objects.filter(in_use=True).first()
        priced = _priced_lines(order, fields, lines, schedule)
        digest = _digest(status, fields, schedule, priced)
        if outcome == "changed" and order.digest == digest:
            Order.objects.filter(pk=order.pk).update(read_at=timezone.now())
            return Recorded(order, "unchanged", _not_ours(priced))
        if order.status != status:
            ORDER.move_one(order, to=status, source=source, message=f"Printify says {fields['printify_status']!r}.")
        Order.objects.filter(pk=order.pk).update(
            **fields, fee_schedule=schedule, digest=digest, read_at=timezone.now(), updated_at=timezone.now()
        )
        order.lines.all().delete()
        OrderLine.objects.bulk_create(priced)
    order.refresh_from_db()
    return Recorded(order, outcome, _not_ours(priced))


def refigure(order: Order) -> None:
    """Work the lines' figures out again from what is stored (after a refund is marked): same lines, new counts."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        fields = {name: getattr(order, name) for name in ("order_type", "is_reprint", "currency", "cost_currency")}
        fields["total_tax"] = order.total_tax
        lines = list(order.lines.all())
        priced = _priced_lines(order, fields, lines, order.fee_schedule)
        OrderLine.objects.bulk_update(
            priced, ["counted", "reprint_cost", "revenue", "production_cost", "tax", "fees", "profit"]
        )
        Order.objects.filter(pk=order.pk).update(digest="", updated_at=timezone.now())  # the next read rewrites


def is_sale(order: Order, line_status: str = "") -> bool:
    """Counted in the figures: a real sale (external), not a reprint, not canceled/unfulfillable, not refunded."""
    return (
        order.order_type == REAL_SALE
        and not order.is_reprint
        and order_status(order.printify_status) not in NOT_SALES
        and (not line_status or order_status(line_status) not in NOT_SALES)
        and order.refunded_at is None
    )


# --- reading Printify's answer ---------------------------------------------------------------------------------


def _read(payload: dict, *, currency: str) -> tuple[dict, list[OrderLine]]:
    """The order's fields and its (not yet priced) lines; customer data is never looked at but the country."""
    if not isinstance(payload, dict) or not str(payload.get("id") or "").strip():
        raise OrderPayloadInvalid("Printify's answer is not an order (it has no id).")
    printify_id = str(payload["id"]).strip()[:64]
    metadata = payload.get("metadata") if isinstance(payload.get("metadata"), dict) else {}
    created_at = _time(payload.get("created_at"), printify_id, "created_at")
    if created_at is None:
        raise OrderPayloadInvalid(f"Order {printify_id} has no creation time.")
    address = payload.get("address_to") if isinstance(payload.get("address_to"), dict) else {}
    country = str(address.get("country") or "").strip().upper()
    items = payload.get("line_items")
    if not isinstance(items, list):
        raise OrderPayloadInvalid(f"Order {printify_id} has no list of line items.")
    fields = {
        "printify_id": printify_id,
        "printify_status": str(payload.get("status") or "").strip()[:64],
        "shop_order_id": str(metadata.get("shop_order_id") or "")[:100],
        "shop_order_label": str(metadata.get("shop_order_label") or "")[:100],
        "order_type": str(metadata.get("order_type") or "")[:32],
        "is_reprint": bool(metadata.get("is_reprint")),
        "reprint_of": [str(i) for i in payload.get("reprinted_order_ids") or [] if i]
        if metadata.get("is_reprint")
        else [],
        "country": country if COUNTRY.fullmatch(country) else "",
        "currency": currency,
        "cost_currency": settings.PRINTIFY_BILLING_CURRENCY,
        "total_price": _cents(payload.get("total_price"), printify_id, "total_price"),
        "total_shipping": _cents(payload.get("total_shipping"), printify_id, "total_shipping"),
        "total_tax": _cents(payload.get("total_tax"), printify_id, "total_tax"),
        "created_at": created_at,
        "sent_to_production_at": _time(payload.get("sent_to_production_at"), printify_id, "sent_to_production_at"),
        "fulfilled_at": _time(payload.get("fulfilled_at"), printify_id, "fulfilled_at"),
    }
    return fields, [_line(item, printify_id, created_at) for item in items]


def _line(item, printify_id: str, sold_at) -> OrderLine:
    if not isinstance(item, dict):
        raise OrderPayloadInvalid(f"Order {printify_id} has a line item that is not an object.")
    metadata = item.get("metadata") if isinstance(item.get("metadata"), dict) else {}
    quantity = _cents(item.get("quantity", 1), printify_id, "quantity")
    if quantity < 1:
        raise OrderPayloadInvalid(f"Order {printify_id} has a line of quantity {quantity}.")
    variant = item.get("variant_id")
    return OrderLine(
        printify_product_id=str(item.get("product_id") or "")[:64],
        variant_id=variant if isinstance(variant, int) and not isinstance(variant, bool) else None,
        variant_label=str(metadata.get("variant_label") or "")[:200],
        sku=str(metadata.get("sku") or "")[:200],
        title=str(metadata.get("title") or "")[:300],
        printify_status=str(item.get("status") or "")[:64],
        quantity=quantity,
        unit_price=_cents(metadata.get("price"), printify_id, "a line's price"),
        unit_cost=_cents(item.get("cost"), printify_id, "a line's cost"),
        shipping_cost=_cents(item.get("shipping_cost"), printify_id, "a line's shipping cost"),
        sold_at=sold_at,
    )


def _cents(value, printify_id: str, what: str) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise OrderPayloadInvalid(f"Order {printify_id}: {what} is not a whole number of cents.")
    if isinstance(value, int):
        return value
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise OrderPayloadInvalid(f"Order {printify_id}: {what} is not a whole number of cents.") from None
    if number != number.to_integral_value():
        raise OrderPayloadInvalid(f"Order {printify_id}: {what} is not a whole number of cents.")
    return int(number)


def _time(value, printify_id: str, what: str):
    if not value:
        return None
    moment = parse_datetime(str(value)) if isinstance(value, str) else None
    if moment is None:
        raise OrderPayloadInvalid(f"Order {printify_id}: {what} is not a time.")
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)  # Printify's times are UTC


# --- money ---------------------------------------------------------------------------------------------------------


def _priced_lines(order: Order, fields: dict, lines: list[OrderLine], schedule: FeeSchedule | None) -> list:
    """The lines linked to our products and with their figures (see the module docstring)."""
    from designs.models import Product

    ids = {line.printify_product_id for line in lines if line.printify_product_id}
    ours = {
        printify_id: (product_id, design_id, template_id)
        for printify_id, product_id, design_id, template_id in Product.objects.filter(printify_id__in=ids)
        .order_by("pk")
        .values_list("printify_id", "pk", "design_id", "template_id")
        .reverse()  # the oldest last, so it wins in the dict: a product id is made once
    }
    probe = Order(
        order_type=fields["order_type"],
        is_reprint=fields["is_reprint"],
        printify_status=fields.get("printify_status", order.printify_status),
        refunded_at=order.refunded_at,
    )
    reprint = fields["is_reprint"]
    revenues = [0 if reprint else line.unit_price * line.quantity for line in lines]
    units = sum(line.quantity for line in lines)
    order_fees = 0 if reprint else _order_fees(sum(revenues), units, schedule)
    fees = _spread(order_fees, revenues)
    taxes = _spread(fields["total_tax"], revenues if any(revenues) else [line.quantity for line in lines])
    same_currency = fields["currency"] == fields["cost_currency"]
    for line, revenue, fee, tax in zip(lines, revenues, fees, taxes, strict=True):
        line.order_id = order.pk
        line.product_id, line.design_id, line.template_id = ours.get(line.printify_product_id, (None, None, None))
        line.currency, line.cost_currency = fields["currency"], fields["cost_currency"]
        line.revenue, line.fees, line.tax = revenue, fee, tax
        line.production_cost = line.unit_cost * line.quantity
        costs = line.production_cost + line.shipping_cost + tax
        line.profit = revenue - fee - costs if same_currency else None
        line.counted = is_sale(probe, line.printify_status)
        line.reprint_cost = reprint and order_status(probe.printify_status) not in NOT_SALES
    return lines


def _order_fees(revenue: int, units: int, schedule: FeeSchedule | None) -> int:
    """The channel's fees on one order: percentages of its revenue, fixed amounts per order, the listing fee per unit
    sold (a sale renews the listing). Rounded to the cent, half up."""
    if schedule is None or revenue <= 0:
        return 0
    percent = (schedule.transaction_percent + schedule.processing_percent) * revenue / 100
    fixed = schedule.fixed_per_order + schedule.processing_fixed + schedule.listing_fee * units
    return int(percent.quantize(Decimal(1), rounding="ROUND_HALF_UP")) + fixed


def _spread(amount: int, weights: list[int]) -> list[int]:
    """`amount` split in proportion to `weights`, in whole cents that add up to it (largest remainders first)."""
    total = sum(weights)
    if not weights:
        return []
    if total <= 0:
        weights, total = [1] * len(weights), len(weights)
    shares = [amount * weight // total for weight in weights]
    left = amount - sum(shares)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(amount * weights[i] % total), i))
    for index in by_remainder[:left]:
        shares[index] += 1
    return shares


def listing_renewals(published_days: int, schedule: FeeSchedule) -> int:
    """What keeping one listing up for `published_days` costs in renewals (cents): the listing fee every
    `listing_renewal_months` (a month taken as 30 days), the first one included. For a design's costs beside its
    lines' fees (which hold the renewal each sale triggers)."""
    if not schedule.listing_fee or not schedule.listing_renewal_months or published_days < 0:
        return 0
    return (published_days // (30 * schedule.listing_renewal_months) + 1) * schedule.listing_fee


def _not_ours(lines: list[OrderLine]) -> int:
    return sum(1 for line in lines if line.product_id is None)


def _digest(status, fields: dict, schedule: FeeSchedule | None, lines: list[OrderLine]) -> str:
    """What was recorded, as a digest: a re-read with the same digest changes nothing."""
    line_values = [
        [line.printify_product_id, line.variant_id, line.variant_label, line.sku, line.title, line.printify_status]
        + [line.quantity, line.unit_price, line.unit_cost, line.shipping_cost, line.product_id, line.counted]
        + [line.revenue, line.tax, line.fees, line.profit]
        for line in lines
    ]
    text = json.dumps([str(status), fields, getattr(schedule, "pk", None), line_values], default=str, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()
