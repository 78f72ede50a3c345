"""Keeping up with Printify after publishing: product events (webhooks) and reading back store links and mockups."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from designs import leases
from designs.models import Design, WebhookReceipt
from designs.workers import enqueue
from designs.workflow import Source, Status, note, transition

logger = logging.getLogger(__name__)

REFRESH_WINDOW = timedelta(days=2)  # how long after publishing we keep looking for the store link
REFRESH_BATCH = 20
REFRESH_BATCH_WHILE_PUBLISHING = 2
REFRESH_LEASE_SECONDS = 120


def missing_store_links():
    """Recently published designs whose store link (Printify's `external`) has not arrived yet."""
    return Design.objects.filter(
        status=Status.PUBLISHED,
        printify_external={},
        published_at__gte=timezone.now() - REFRESH_WINDOW,
    ).exclude(printify_product_id="")


def refresh_published_products(limit: int = REFRESH_BATCH) -> int:
    """Read recently published products still lacking their store link; fill link and mockups. One at a time.

    Publishing goes first: while designs wait in publishing, only a few reads per pass take from the shared
    request budget (the store links can wait; the webhook usually brings them anyway).
    """
    if Design.objects.filter(status=Status.PUBLISHING).exists():
        limit = min(limit, REFRESH_BATCH_WHILE_PUBLISHING)
    with leases.held("publish:refresh", REFRESH_LEASE_SECONDS) as token:
        if not token:
            return 0
        # Least recently looked at first: each look touches updated_at, so a long wait rotates fairly.
        ids = list(missing_store_links().order_by("updated_at").values_list("pk", flat=True)[:limit])
        return sum(1 for design_id in ids if refresh_product(design_id))


def refresh_product(design_id: int) -> bool:
    """Copy the store link (`external`) and mockups from Printify's product onto the design. True if it changed."""
    from integrations.http import IntegrationError, NotFound

    design = Design.objects.filter(pk=design_id).exclude(printify_product_id="").first()
    if design is None:
        return False
    from designs.clients import printify_client

    try:
        product = printify_client().get_product(design.printify_product_id)
    except NotFound:
        return False  # the product:deleted webhook (or staff) deals with deletions
    except IntegrationError as error:
        logger.warning("Design %s: could not read its Printify product: %s", design_id, error)
        return False
    external = product.get("external") or {}
    images = sorted(product.get("images") or [], key=lambda image: not image.get("is_default"))  # default first
    mockups = [image["src"] for image in images if isinstance(image, dict) and image.get("src")]
    changed = external != design.printify_external or mockups != design.printify_mockups
    Design.objects.filter(pk=design_id, printify_product_id=design.printify_product_id).update(
        printify_external=external if isinstance(external, dict) else {},
        printify_mockups=mockups,
        updated_at=timezone.now(),
    )
    return changed


@dataclass(frozen=True)
class WebhookOutcome:
    status: int
    detail: str


PRODUCT_TOPICS = ("product:publish:started", "product:updated", "product:deleted")


def handle_webhook_event(event: dict) -> WebhookOutcome:
    """Apply one verified Printify webhook event once (de-duplicated by its id)."""

    event_id, topic = str(event.get("id") or ""), str(event.get("type") or "")
    resource = event.get("resource") if isinstance(event.get("resource"), dict) else {}
    if not event_id or not topic:
        return WebhookOutcome(400, "The event has no id or type.")
    shop_id = (resource.get("data") or {}).get("shop_id") if isinstance(resource.get("data"), dict) else None
    if shop_id is not None and str(shop_id) != str(settings.PRINTIFY_SHOP_ID):
        return WebhookOutcome(200, "Event for another shop; ignored.")
    product_id = str(resource.get("id") or "")
    try:
        with transaction.atomic():
            WebhookReceipt.objects.create(provider="printify", event_id=event_id[:100], topic=topic[:100])
            detail = _apply_product_event(topic, product_id, resource)
    except IntegrityError:
        return WebhookOutcome(200, "Already handled.")
    return WebhookOutcome(200, detail)


def _apply_product_event(topic: str, product_id: str, resource: dict) -> str:
    if topic not in PRODUCT_TOPICS:
        return f"Topic {topic} is not used."
    designs = list(Design.objects.filter(printify_product_id=product_id)) if product_id else []
    if not designs:
        return "Unknown product; ignored."
    for design in designs:
        if topic == "product:publish:started":
            action = ((resource.get("data") or {}).get("action")) or "create"
            note(design, f"Printify started publishing the product ({action}).", source=Source.WEBHOOK)
        elif topic == "product:updated":
            # The body says only that something changed; read the product itself (not trusting the body).
            transaction.on_commit(partial(enqueue, "refresh_product", design.pk))
        else:
            _product_deleted(design, product_id)
    return f"{topic} applied to {len(designs)} design(s)."


def _product_deleted(design: Design, product_id: str) -> None:
    message = f"The product was deleted in Printify (product {product_id})."
    updates = {
        "printify_deleted_at": timezone.now(),
        "printify_product_id": "",
        "printify_external": {},
        "printify_mockups": [],
    }
    moved = transition(
        design,
        to=Status.APPROVED,
        sources=[Status.PUBLISHED],
        source=Source.WEBHOOK,
        message=message,
        updates=updates,
    ).moved
    if not moved:
        # Not published (e.g. mid-run or failed): forget the product so the next attempt makes a new one.
        Design.objects.filter(pk=design.pk, printify_product_id=product_id).update(**updates, updated_at=timezone.now())
        note(design, message, source=Source.WEBHOOK)
