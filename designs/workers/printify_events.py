"""Keeping up with Printify after publishing: its webhook events (products here; an order event hands its order to
the read_order task) and reading back store links and mockups."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from designs import leases
from designs.models import Product, WebhookReceipt
from designs.products import IN_FLIGHT, ON_SHOP, ProductState, move_products, product_note
from designs.shops import is_our_shop, mark_disconnected
from designs.workers import enqueue
from designs.workflow import Source, note
from integrations.printify import ORDER_TOPICS, PRODUCT_TOPICS, SHOP_TOPICS, mockup_urls

logger = logging.getLogger(__name__)

REFRESH_WINDOW = timedelta(days=2)  # how long after publishing we keep looking for the store link
REFRESH_BATCH = 20
REFRESH_BATCH_WHILE_PUBLISHING = 2
REFRESH_LEASE_SECONDS = 120


def missing_store_links():
    """Recently published live products whose store link (Printify's `external`) has not arrived yet."""
    return Product.objects.filter(
        state=ProductState.LIVE,
        external={},
        published_at__gte=timezone.now() - REFRESH_WINDOW,
    ).exclude(printify_id="")


def refresh_published_products(limit: int = REFRESH_BATCH) -> int:
    """Read recently published products still lacking their store link; fill link and mockups. One at a time.

    Publishing goes first: while products are being made, only a few reads per pass take from the shared
    request budget (the store links can wait; the webhook usually brings them anyway).
    """
    if Product.objects.filter(state__in=IN_FLIGHT).exists():
        limit = min(limit, REFRESH_BATCH_WHILE_PUBLISHING)
    with leases.held("publish:refresh", REFRESH_LEASE_SECONDS) as token:
        if not token:
            return 0
        # Least recently looked at first: each look touches updated_at, so a long wait rotates fairly.
        ids = list(missing_store_links().order_by("updated_at").values_list("pk", flat=True)[:limit])
        return sum(1 for product_id in ids if refresh_product(product_id))


def refresh_product(product_id: int) -> bool:
    """Copy the store link (`external`) and mockups from Printify's product onto ours. True if it changed."""
    from integrations.http import IntegrationError, NotFound

    product = Product.objects.filter(pk=product_id).exclude(printify_id="").first()
    if product is None:
        return False
    from designs.clients import product_client

    try:
        found = product_client(product).get_product(product.printify_id)
    except NotFound:
        return False  # the product:deleted webhook (or staff) deals with deletions
    except IntegrationError as error:
        logger.warning("Product %s: could not read it from Printify: %s", product_id, error)
        return False
    external = found.get("external") or {}
    mockups = mockup_urls(found)
    changed = external != product.external or mockups != product.mockups
    Product.objects.filter(pk=product_id, printify_id=product.printify_id).update(
        external=external if isinstance(external, dict) else {},
        mockups=mockups,
        updated_at=timezone.now(),
    )
    return changed


@dataclass(frozen=True)
class WebhookOutcome:
    status: int
    detail: str


def handle_webhook_event(event: dict) -> WebhookOutcome:
    """Apply one verified Printify webhook event once (de-duplicated by its id)."""

    event_id, topic = str(event.get("id") or ""), str(event.get("type") or "")
    resource = event.get("resource") if isinstance(event.get("resource"), dict) else {}
    if not event_id or not topic:
        return WebhookOutcome(400, "The event has no id or type.")
    shop_id = (resource.get("data") or {}).get("shop_id") if isinstance(resource.get("data"), dict) else None
    if topic in SHOP_TOPICS and shop_id is None and resource.get("type") == "shop":
        shop_id = resource.get("id")
    if shop_id is not None and not is_our_shop(shop_id):
        return WebhookOutcome(200, "Event for a shop podsite does not know; ignored.")
    resource_id = str(resource.get("id") or "")
    try:
        with transaction.atomic():
            WebhookReceipt.objects.create(provider="printify", event_id=event_id[:100], topic=topic[:100])
            if topic in SHOP_TOPICS:
                detail = _shop_event(topic, shop_id)
            elif topic in ORDER_TOPICS:
                detail = _order_event(topic, resource_id, shop_id)
            else:
                detail = _apply_product_event(topic, resource_id, resource)
    except IntegrityError:
        return WebhookOutcome(200, "Already handled.")
    return WebhookOutcome(200, detail)


def _shop_event(topic: str, shop_id) -> str:
    if shop_id is None:
        return f"{topic} names no shop; ignored."
    marked = mark_disconnected(str(shop_id), "Printify said the shop was disconnected from its sales channel.")
    return f"{topic}: shop {shop_id} marked disconnected." if marked else f"{topic}: shop {shop_id} already marked."


def _order_event(topic: str, order_id: str, shop_id) -> str:
    """An order event says only which order: a worker reads the order itself (designs/workers/orders.py)."""
    if not order_id:
        return f"{topic} names no order; ignored."
    shop = str(shop_id) if shop_id is not None else None
    transaction.on_commit(partial(enqueue, "read_order", order_id[:64], shop))
    return f"{topic}: order {order_id[:64]} will be read."


def _apply_product_event(topic: str, printify_id: str, resource: dict) -> str:
    if topic not in PRODUCT_TOPICS:
        return f"Topic {topic} is not used."
    products = list(Product.objects.filter(printify_id=printify_id)) if printify_id else []
    if not products:
        return "Unknown product; ignored."
    for product in products:
        if topic == "product:publish:started":
            action = ((resource.get("data") or {}).get("action")) or "create"
            product_note(product, f"Printify started publishing the product ({action}).", source=Source.WEBHOOK)
        elif topic == "product:updated":
            # The body says only that something changed; read the product itself (not trusting the body).
            transaction.on_commit(partial(enqueue, "refresh_product", product.pk))
        else:
            product_deleted(product, printify_id, source=Source.WEBHOOK)
    return f"{topic} applied to {len(products)} product(s)."


def product_deleted(product: Product, printify_id: str, *, source: str) -> None:
    """Printify no longer has the product (its webhook said so, or an edit was answered 404): forget it."""
    message = f"The product was deleted in Printify (product {printify_id})."
    updates = {"deleted_at": timezone.now(), "printify_id": "", "external": {}, "mockups": []}
    sources = ON_SHOP | {ProductState.MOCKUP_REVIEW, ProductState.SCHEDULED}
    moved = move_products(
        [product], to=ProductState.DELETED, sources=sources, source=source, message=message, updates=updates
    ).moved
    if moved and product.state in (ProductState.MOCKUP_REVIEW, ProductState.SCHEDULED):
        template = product.template_name or "its template"
        waiting = "its mockup review" if product.state == ProductState.MOCKUP_REVIEW else "its turn to go live"
        note(
            product.design_id,
            f"The {template} product waiting for {waiting} was deleted in Printify "
            f"(product {printify_id}); publish it again to make a new one.",
            source=source,
        )
    if not moved:
        # Being made or failed: forget the product so the next attempt makes a new one.
        Product.objects.filter(pk=product.pk, printify_id=printify_id).update(**updates, updated_at=timezone.now())
        product_note(product, message, source=source)
