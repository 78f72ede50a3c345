"""Learning what Printify charges per variant (the learn_costs task), the documented way: a product's variants
carry `cost` (printify-api.md §4), the catalog's do not (§2).

In order: costs the catalog answer happens to carry (some integrators report them; used when present); one of our
own products of the same blueprint and provider; else a draft product made for the purpose and deleted at once
(Printify accepts any price on create, §7, and answers with the whole variant matrix, each with its cost, §4).
Shipping comes from shipping.json. One lookup per blueprint and provider at a time (a lease). A product read or
made here also tells the colours' hex codes (designs/garment_colours.py), which the catalog does not.
"""

from __future__ import annotations

import io
import logging

from django.conf import settings

from designs import garment_colours, leases, template_prices
from designs import variant_costs as cost_service
from designs.models import Product, ProductTemplate
from designs.product_templates import pictures_of
from integrations.http import IntegrationError

logger = logging.getLogger(__name__)

LEASE_SECONDS = 120
DRAFT_TITLE = "podsite cost lookup (deleted at once)"


def learn_costs(blueprint_id: int, provider_id: int, *, force: bool = False) -> str:
    with leases.held(f"costs:{blueprint_id}:{provider_id}", LEASE_SECONDS) as token:
        if not token:
            return "busy"
        if not force and not cost_service.costs_for(blueprint_id, provider_id).stale:
            return "fresh"  # another lookup finished a moment ago: no second draft product
        from designs.clients import printify_client

        client = printify_client()
        try:
            catalog = client.variants(blueprint_id, provider_id, show_out_of_stock=True).get("variants") or []
            costs, source = cost_service.costs_from_product({"variants": catalog}), "the catalog"
            if not costs:
                costs, source = _from_our_products(client, blueprint_id, provider_id)
            if not costs:
                costs, source = _from_a_draft(client, blueprint_id, provider_id, catalog)
            shipping = cost_service.first_item_shipping(
                client.shipping(blueprint_id, provider_id), settings.SHIPPING_COUNTRY
            )
            in_stock = {v["id"] for v in client.variants(blueprint_id, provider_id).get("variants") or []}
        except IntegrationError as error:
            reason = f"Printify could not tell the costs: {error}"
            logger.warning("Costs of blueprint %s / provider %s: %s", blueprint_id, provider_id, reason)
            cost_service.record_failure(blueprint_id, provider_id, reason)
            return "failed"
        cost_service.save_costs(blueprint_id, provider_id, costs, shipping, source)
        cost_service.save_stock(blueprint_id, provider_id, in_stock)
        _keep_pictures(client, blueprint_id)
        # Templates saved while these costs were being looked up now carry the prices their page shows.
        template_prices.settle_prices_of(blueprint_id, provider_id)
        return f"{len(costs)} costs from {source}"


def _keep_pictures(client, blueprint_id: int) -> None:
    """Templates made before their blueprint's pictures were kept get them now (the placement preview's backdrop;
    the catalog answer is cached, and read only while such a template exists)."""
    without = ProductTemplate.objects.filter(blueprint_id=blueprint_id, blueprint_images=[])
    if not without.exists():
        return
    try:
        pictures = pictures_of(client.blueprint(blueprint_id))
    except IntegrationError as error:
        logger.warning("Pictures of blueprint %s: %s", blueprint_id, error)
        return
    without.update(blueprint_images=pictures)


def _from_our_products(client, blueprint_id: int, provider_id: int) -> tuple[dict[int, int], str]:
    ours = (
        Product.objects.filter(template__blueprint_id=blueprint_id, template__print_provider_id=provider_id)
        .exclude(printify_id="")
        .order_by("-pk")
        .values_list("printify_id", flat=True)
        .first()
    )
    if not ours:
        return {}, ""
    try:
        product = client.get_product(ours)
    except IntegrationError:
        return {}, ""  # gone or unreadable: a draft will do
    garment_colours.learn(blueprint_id, provider_id, product, f"Printify product {ours}")
    return cost_service.costs_from_product(product), f"Printify product {ours}"


def _from_a_draft(client, blueprint_id: int, provider_id: int, catalog: list[dict]) -> tuple[dict[int, int], str]:
    """Create a product with one variant enabled, read the matrix's costs, delete the product."""
    variant = next((v for v in catalog if v.get("placeholders")), None)
    if variant is None:
        return {}, ""
    position = variant["placeholders"][0]["position"]
    upload = client.upload_image("podsite-cost-lookup.png", contents=_tiny_png())
    product = client.create_product(
        {
            "title": DRAFT_TITLE,
            "description": "Made by podsite to read variant costs; deleted right after.",
            "blueprint_id": blueprint_id,
            "print_provider_id": provider_id,
            "variants": [{"id": variant["id"], "price": 100_000, "is_enabled": True}],
            "print_areas": [
                {
                    "variant_ids": [variant["id"]],
                    "placeholders": [
                        {
                            "position": position,
                            "images": [{"id": upload["id"], "x": 0.5, "y": 0.5, "scale": 1, "angle": 0}],
                        }
                    ],
                }
            ],
            "visible": False,
        }
    )
    try:
        garment_colours.learn(blueprint_id, provider_id, product, "a draft product (made and deleted)")
        return cost_service.costs_from_product(product), "a draft product (made and deleted to read the costs)"
    finally:
        try:
            client.delete_product(str(product["id"]))
        except IntegrationError:
            logger.warning("The cost lookup's draft product %s could not be deleted", product.get("id"))


def _tiny_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGBA", (64, 64), (0, 0, 0, 0)).save(buffer, format="PNG")
    return buffer.getvalue()
