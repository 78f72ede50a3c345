"""What a person does to shops: ask for Printify's shop list to be read again, and choose the default shop."""

from __future__ import annotations

from designs.audit import log_changes
from designs.shops import Shop, make_default
from designs.workers import enqueue


def request_refresh() -> None:
    """Printify's shop list is read by a worker (one call, but nothing slow runs in a web request)."""
    enqueue("refresh_shops")


def choose_default(shop: Shop, *, actor) -> None:
    make_default(shop)
    log_changes(actor, [shop.pk], "Made the default shop.", model=Shop, fields=("pk", "printify_id", "title"))
