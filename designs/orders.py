"""Orders as Printify reports them: their statuses, the order machine (the engine's eighth), and which orders count
as sales.

Printify drives an order's status (a webhook or the order sync reads the order and moves it to what Printify says),
so its table lets any documented status follow any other: the engine still makes every move race-safe and keeps
its history. The 14 statuses Printify documents are mapped; one it does not document is kept verbatim on the order
(`printify_status`) and its status is "other", never a crash. A refund made in the sales channel never reaches
Printify: a person marks it (`refunded_at`, audited), which is not a status of Printify's.
"""

from __future__ import annotations

from django.db import models

from designs.machine import History, Machine


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ON_HOLD = "on-hold", "On hold"
    PAYMENT_NOT_RECEIVED = "payment-not-received", "Payment not received"
    COST_CALCULATION = "cost-calculation", "Cost calculation"
    SENDING_TO_PRODUCTION = "sending-to-production", "Sending to production"
    DELEGATE = "sending_to_production_delegate", "Sending to production (delegated)"
    DELEGATE_SYNC = "sending_to_production_delegate_sync", "Sending to production (delegated, sync)"
    IN_PRODUCTION = "in-production", "In production"
    HAS_ISSUES = "has-issues", "Has issues"
    PARTIALLY_FULFILLED = "partially-fulfilled", "Partially fulfilled"
    FULFILLED = "fulfilled", "Fulfilled"
    CANCELED = "canceled", "Canceled"
    UNFULFILLABLE = "unfulfillable", "Unfulfillable"
    SOURCE_CHECK_FAILED = "source-check-failed", "Source check failed"
    OTHER = "other", "Another status (see Printify's word)"


S = OrderStatus
# An order that will not change any more: the sync stops re-reading it one by one.
FINISHED = frozenset({S.FULFILLED, S.CANCELED, S.UNFULFILLABLE})
# Orders that bring no money (their lines leave the figures).
NOT_SALES = frozenset({S.CANCELED, S.UNFULFILLABLE})
# Spellings seen in public code for the same statuses (printify-api.md: "Some public code spells had-issues").
ALIASES = {"had-issues": S.HAS_ISSUES, "cancelled": S.CANCELED}


def order_status(printify_status: str) -> OrderStatus:
    """Our status for what Printify says; OTHER for a word Printify does not document (kept verbatim beside)."""
    word = (printify_status or "").strip().lower()
    if word in ALIASES:
        return ALIASES[word]
    try:
        return OrderStatus(word)
    except ValueError:
        return S.OTHER


ORDER = Machine(
    name="order status",
    model="designs.Order",
    field="status",
    states=OrderStatus,
    table={status: frozenset(set(OrderStatus) - {status}) for status in OrderStatus},
    history=History(model="designs.OrderEvent", owner="order_id", from_field="from_status", to_field="to_status"),
    subject="order",
    born_in=frozenset(OrderStatus),  # created with whatever status Printify reports first
    changed_at="status_changed_at",
)
