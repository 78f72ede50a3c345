"""Keeping each product's listing on Printify in step with its design: is it in sync, and asking for an update.

What Printify has is what we last sent: the title, description and tags that product_templates.listing_fields
rendered (recorded by the publishing run when it creates the product, and by every update) and the variant prices
of the product's template snapshot. A product is out of sync when the same rendering now gives other texts (the
design's copy changed, or its prompt or batch that a template renders) or its template now asks other prices
(repricing's new_prices). "Out of sync" is worked out when asked, never stored, so no edit path can forget to say
it; Product.listing_sync records only an update that was asked for (queued, under way, failed).

request_update queues products; designs/workers/listing_sync.py PUTs them (and publishes live ones again).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from designs.listing_changes import BUSY, EDITABLE, ListingChange, listing_change
from designs.models import DesignEvent, ListingSync, Product
from designs.products import ProductState
from designs.services.listing_copy import NOTE_PREFIXES
from designs.task_states import LISTING_UPDATE
from designs.workers import enqueue
from designs.workflow import EventKind, design_ids

CHUNK = 500  # products queued per transaction


# --- what the design's page shows ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncStatus:
    kind: str  # "", in_sync, out_of_sync, not_recorded, pending, updating, failed
    change: ListingChange | None = None
    since: datetime | None = None  # the first copy edit after the last update
    reason: str = ""  # why it failed, or why an update waits


def sync_status(product: Product) -> SyncStatus:
    """Whether the product's listing on Printify matches its design (kind "" when it is not on Printify)."""
    if product.state not in EDITABLE or not product.printify_id:
        return SyncStatus("")
    if product.listing_sync in BUSY:
        return SyncStatus(product.listing_sync, reason=product.listing_error)
    change = listing_change(product)
    if not change.changed and not change.problem:
        return SyncStatus("in_sync")
    if product.listing_sync == ListingSync.FAILED:
        return SyncStatus("failed", change, reason=product.listing_error)
    if not product.listing_sent:
        return SyncStatus("not_recorded", change)
    return SyncStatus("out_of_sync", change, since=_copy_changed_since(product), reason=change.problem)


def _copy_changed_since(product: Product) -> datetime | None:
    if product.listing_synced_at is None:
        return None
    copy_notes = Q(message__startswith=NOTE_PREFIXES[0]) | Q(message__startswith=NOTE_PREFIXES[1])
    return (
        DesignEvent.objects.filter(copy_notes, design_id=product.design_id, kind=EventKind.NOTE)
        .filter(created_at__gt=product.listing_synced_at)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )


def out_of_sync(design) -> list[Product]:
    """The design's products on Printify whose listing no longer matches it (and no update is under way)."""
    products = Product.objects.filter(design=design, state__in=EDITABLE).exclude(printify_id="")
    products = products.exclude(listing_sync__in=BUSY).select_related("design", "design__batch", "template")
    return [product for product in products if listing_change(product).changed]


# --- asking for updates ---------------------------------------------------------------------------------------------


@dataclass
class UpdateRequest:
    queued: list[int] = field(default_factory=list)  # product ids
    in_sync: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)  # product id -> why

    def summary(self) -> str:
        """'2 products queued for an update on Printify, 1 already in sync, 1 skipped (being created)'."""
        parts = []
        if self.queued:
            parts.append(f"{_products(len(self.queued))} queued for an update on Printify")
        if self.in_sync:
            parts.append(f"{_products(len(self.in_sync))} already in sync")
        if self.skipped:
            counts = Counter(self.skipped.values())
            reasons = "; ".join(f"{count}: {why}" if count > 1 else why for why, count in counts.items())
            parts.append(f"{_products(len(self.skipped))} skipped ({reasons})")
        return ", ".join(parts) or "No product on Printify to update"


def _products(count: int) -> str:
    return f"{count} product{'s' if count != 1 else ''}"


def request_update(*, designs=None, products=None, actor, source: str) -> UpdateRequest:
    """Queue an update on Printify for the given products and the products of the given designs that exist there
    and are out of sync. An update already under way is asked again: it runs once more after the current one."""
    ids = _product_ids(designs, products)
    result = UpdateRequest()
    for start in range(0, len(ids), CHUNK):
        _queue(ids[start : start + CHUNK], result, actor=actor, source=source)
    return result


def _product_ids(designs, products) -> list[int]:
    ids = []
    if designs is not None:
        chosen = design_ids(designs)
        for start in range(0, len(chosen), CHUNK):
            ids += Product.objects.filter(design_id__in=chosen[start : start + CHUNK]).values_list("pk", flat=True)
    if products is not None:
        ids += [int(getattr(p, "pk", p)) for p in ([products] if isinstance(products, (int, Product)) else products)]
    return sorted(set(ids))


def _queue(ids: list[int], result: UpdateRequest, *, actor, source: str) -> None:
    rows = Product.objects.filter(pk__in=ids).select_related("design", "design__batch", "template").order_by("pk")
    with transaction.atomic():
        now = timezone.now()
        for product in rows:
            if product.state not in EDITABLE or not product.printify_id:
                result.skipped[product.pk] = ProductState(product.state).label.lower()
                continue
            change = listing_change(product)
            if change.problem:
                result.skipped[product.pk] = change.problem
                continue
            if not change.changed:
                result.in_sync.append(product.pk)
                continue
            LISTING_UPDATE.move(
                product,
                to=ListingSync.PENDING,
                actor=actor,
                source=source,
                message=f"Update on Printify asked for ({change.words}).",
                updates={"listing_requested_at": now, "listing_error": ""},
            )
            result.queued.append(product.pk)
            transaction.on_commit(partial(enqueue, "update_listing", product.pk))
