"""The order sync: catches what webhooks missed and backfills history (`manage.py sync_orders`, and a schedule).

Printify lists orders newest first, ten a page, with no "updated since" filter, and new orders shift the pages while
they are read, so the sync
- pages from the top, skipping an order it already read in this run (a shifted page repeats a few);
- stops after the first page that reaches past its cutoff (--since, else the newest order the last full run saw;
  the first run ever reads everything): the list is newest first, so every later page is older still;
- then re-reads one by one the unfinished orders (not fulfilled, canceled or unfulfillable) the pages did not show;
- keeps its place in the database (OrderSync) after every page: a run that stopped resumes at that page;
- never runs twice at once for a shop (a lease, kept alive by a heartbeat while it reads).
Every order goes through designs/sales.record_order, which counts it once however often it is read.

A page is a snapshot: an order read from a page may be a few seconds older than one a webhook's read just recorded;
the next read (webhook or sync) sets it right, and nothing is ever counted twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from designs import leases
from designs.machine import Source
from designs.order_models import Order, OrderSync
from designs.orders import FINISHED
from designs.sales import OrderPayloadInvalid, Recorded, record_order
from designs.shops import default_printify_id, selling_shops
from integrations.http import IntegrationError

logger = logging.getLogger(__name__)

LEASE_SECONDS = 60
HEARTBEAT_SECONDS = 15


def lease_key(shop_id: str) -> str:
    return f"orders:sync:{shop_id}"


@dataclass
class SyncSummary:
    read: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    not_ours: int = 0
    unreadable: int = 0
    reread: int = 0
    pages: int = 0
    busy: bool = False
    stopped: str = ""

    def count(self, recorded: Recorded) -> None:
        self.read += 1
        setattr(self, recorded.outcome, getattr(self, recorded.outcome) + 1)
        self.not_ours += recorded.not_ours > 0

    @property
    def summary(self) -> str:
        if self.busy:
            return "Another order sync is running for this shop; nothing done."
        text = (
            f"{self.read} orders read: {self.new} new, {self.changed} changed, {self.unchanged} unchanged; "
            f"{self.not_ours} not ours"
        )
        if self.reread:
            text += f" ({self.reread} unfinished orders re-read one by one)"
        if self.unreadable:
            text += f"; {self.unreadable} could not be read (see the log)"
        return text + (f". Stopped: {self.stopped}" if self.stopped else ".")


def sync_orders(
    *, since: datetime | None = None, shop_id: str | None = None, progress: Callable[[str], None] | None = None
) -> SyncSummary:
    """Read the shop's new and changed orders (see the module docstring); returns what it did."""
    from designs.clients import printify_client

    shop_id = str(shop_id or default_printify_id())
    report = progress or (lambda text: None)
    with leases.kept(lease_key(shop_id), seconds=LEASE_SECONDS, every=HEARTBEAT_SECONDS) as heartbeat:
        if heartbeat is None:
            return SyncSummary(busy=True)
        client = printify_client()
        place, _ = OrderSync.objects.get_or_create(shop_id=shop_id)
        if place.next_page == 1:  # a new run: how far back it reads
            place.cutoff, place.run_newest = since or place.synced_until, None
        elif since and (place.cutoff is None or since < place.cutoff):
            place.cutoff = since  # resuming, asked to read further back
        place.save(update_fields=["cutoff", "run_newest"])
        summary, seen = SyncSummary(), set()
        if not _read_pages(client, shop_id, place, summary, seen, heartbeat, report):
            return summary
        if not _reread_unfinished(client, shop_id, summary, seen, heartbeat, report):
            return summary
        if place.run_newest and (place.synced_until is None or place.run_newest > place.synced_until):
            place.synced_until = place.run_newest
        place.next_page, place.run_newest, place.cutoff = 1, None, None
        place.finished_at, place.summary = timezone.now(), summary.summary
        place.save()
        return summary


def sync_every_shop(progress: Callable[[str], None] | None = None) -> str:
    """Sync each connected shop in turn (the schedule's job); one line per shop."""
    lines = []
    for shop in selling_shops():
        try:
            summary = sync_orders(shop_id=shop.printify_id, progress=progress).summary
        except IntegrationError as error:
            summary = f"Stopped: {error} It resumes where it stopped next time."
        lines.append(f"{shop.title}: {summary}")
    return "\n".join(lines) or "No connected shop: nothing to sync."


def _read_pages(client, shop_id, place: OrderSync, summary: SyncSummary, seen: set, heartbeat, report) -> bool:
    """Page down from place.next_page to the cutoff; False when the run lost its lease (its place is kept)."""
    page = place.next_page
    while True:
        if heartbeat.lost.is_set():
            summary.stopped = f"another run took over the lease at page {page}."
            return False
        answer = client.list_orders(shop_id, page)
        orders, older = answer["data"], 0
        for payload in orders:
            order_id = str(payload.get("id") or "") if isinstance(payload, dict) else ""
            if order_id in seen:
                older += 1 if _older(payload, place.cutoff) else 0
                continue
            seen.add(order_id)
            recorded = _record(payload, shop_id, summary)
            if recorded is None:
                continue
            created = recorded.order.created_at
            if place.run_newest is None or created > place.run_newest:
                place.run_newest = created
            older += 1 if place.cutoff and created < place.cutoff else 0
        summary.pages += 1
        last_page = answer.get("last_page") if isinstance(answer.get("last_page"), int) else page
        place.next_page = page + 1
        place.save(update_fields=["next_page", "run_newest"])
        report(f"Page {page} of {last_page}: {summary.read} orders read.")
        if not orders or page >= last_page or older:  # newest first: past the cutoff, all the rest is older
            return True
        page += 1


def _reread_unfinished(client, shop_id, summary: SyncSummary, seen: set, heartbeat, report) -> bool:
    """Read again, one by one, the unfinished orders the pages did not show (they may have moved on since)."""
    from integrations.http import IntegrationError, NotFound

    unfinished = Order.objects.filter(shop_id=shop_id).exclude(status__in=FINISHED).order_by("created_at")
    for order_id in unfinished.values_list("printify_id", flat=True).iterator():
        if order_id in seen:
            continue
        if heartbeat.lost.is_set():
            summary.stopped = "another run took over the lease while re-reading unfinished orders."
            return False
        seen.add(order_id)
        try:
            payload = client.get_order(shop_id, order_id)
        except NotFound:
            logger.warning("Order %s: Printify no longer has it; kept as it was last read.", order_id)
            summary.unreadable += 1
            continue
        except IntegrationError as error:
            logger.warning("Order %s: could not read it from Printify: %s", order_id, error)
            summary.unreadable += 1
            continue
        if _record(payload, shop_id, summary):
            summary.reread += 1
            if summary.reread % 50 == 0:
                report(f"{summary.reread} unfinished orders re-read.")
    return True


def _record(payload, shop_id: str, summary: SyncSummary) -> Recorded | None:
    try:
        recorded = record_order(payload, shop_id=shop_id, source=Source.WORKER)
    except OrderPayloadInvalid as error:
        logger.warning("The order sync skipped an order: %s", error)
        summary.unreadable += 1
        return None
    summary.count(recorded)
    return recorded


def _older(payload: dict, cutoff: datetime | None) -> bool:
    recorded = Order.objects.filter(printify_id=str(payload.get("id"))).values_list("created_at", flat=True).first()
    return bool(cutoff and recorded and recorded < cutoff)
