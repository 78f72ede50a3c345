"""What a person does to orders: mark a refund made in the sales channel (it never reaches Printify), and place
sandbox orders. Both are audited where a person acts (LogEntry, and the order's history)."""

from __future__ import annotations

import requests
from django.conf import settings
from django.utils import timezone

from designs.audit import log_changes
from designs.machine import Source
from designs.order_models import Order
from designs.orders import ORDER
from designs.sales import refigure
from designs.workers import enqueue


def mark_refunded(orders, *, actor, source: str = Source.ADMIN) -> int:
    """Mark these orders refunded (those not marked yet): their lines leave the figures. Returns how many."""
    marked = []
    for order in orders.filter(refunded_at__isnull=True):
        now = timezone.now()
        if Order.objects.filter(pk=order.pk, refunded_at__isnull=True).update(refunded_at=now, refunded_by=actor):
            order.refunded_at = now
            refigure(order)
            marked.append(order.pk)
    if marked:
        message = "Marked refunded: the order leaves the sales figures."
        ORDER.note(marked, message, source=source, actor=actor)
        log_changes(actor, marked, message, model=Order, fields=("pk", "printify_id", "shop_order_label"))
    return len(marked)


class SandboxOff(RuntimeError):
    """Sandbox orders are asked for while the site talks to the real Printify."""


def place_sandbox_orders(count: int, days: float, *, seed: int | None = None) -> dict:
    """Ask the local sandbox's Printify to place `count` orders over the last `days`. It sends their webhooks to the
    hooks registered with it; an order sync is asked for too, so the orders arrive within seconds even where no
    webhook is registered (a fresh `make run`)."""
    if not settings.POD_SANDBOX:
        raise SandboxOff("Sandbox orders exist only in sandbox mode (POD_SANDBOX=1): nothing was placed.")
    answer = requests.post(
        f"{settings.SANDBOX_URL}/_sandbox/orders", json={"count": count, "days": days, "seed": seed}, timeout=60
    )
    body = answer.json()
    if answer.status_code != 200:
        raise ValueError(f"The sandbox placed no orders: {body.get('error')}")
    enqueue("sync_orders")
    return body
