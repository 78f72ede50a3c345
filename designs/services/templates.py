"""Product templates: made from the Printify catalog or copied from an existing product, and the one default.

The catalog's and a product's shapes are read here (placeholders_from_catalog, template_fields_from_product); no
worker needs them."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from designs.models import ProductTemplate
from designs.product_templates import DEFAULT_PLACEMENT, enabled_variants, template_problems
from designs.shops import Shop, default_shop
from designs.variant_grid import positions_of


def placeholders_from_catalog(catalog_variants: list[dict]) -> dict:
    """{variant id: {position: {width, height}}} from a provider's variants.json, for coverage checks and "fit"."""
    return {
        str(v["id"]): {
            p["position"]: {"width": p["width"], "height": p["height"]}
            for p in v.get("placeholders") or []
            if p.get("width") and p.get("height")
        }
        for v in catalog_variants
    }


def template_fields_from_product(product: dict) -> dict:
    """Template field values copied from an existing Printify product: blueprint, provider, enabled variants with
    their prices, print position and placement of the first image, and tags."""
    variants = [
        {"id": v["id"], "title": v.get("title", ""), "price": v.get("price"), "is_enabled": True}
        for v in product.get("variants") or []
        if v.get("is_enabled")
    ]
    position, placement = "front", dict(DEFAULT_PLACEMENT)
    for area in product.get("print_areas") or []:
        placed = [p for p in area.get("placeholders") or [] if p.get("images")]
        if placed:
            image = placed[0]["images"][0]
            position = placed[0].get("position", position)
            placement = {
                "mode": "fixed",
                "x": image.get("x", 0.5),
                "y": image.get("y", 0.5),
                "scale": image.get("scale", 1.0),
                "angle": int(image.get("angle", 0)),
            }
            break
    return {
        "blueprint_id": product["blueprint_id"],
        "print_provider_id": product["print_provider_id"],
        "variants": variants,
        "print_position": position,
        "placement": placement,
        "tags_template": ", ".join(str(tag) for tag in product.get("tags") or []),
        "safety_information": str(product.get("safety_information") or ""),
        "source_product_id": str(product.get("id", "")),
    }


@dataclass
class TemplateOutcome:
    template: ProductTemplate | None = None
    problems: list[str] = field(default_factory=list)


def save_template(template: ProductTemplate) -> ProductTemplate:
    """Save, keeping exactly one default: a template marked default unmarks the old one; the first one becomes it."""
    with transaction.atomic():
        if not ProductTemplate.objects.exclude(pk=template.pk).exists():
            template.is_default = True
        if template.is_default:
            ProductTemplate.objects.exclude(pk=template.pk).filter(is_default=True).update(is_default=False)
        if template.shop_id is None:
            template.shop = default_shop()
        template.save()
    return template


def from_catalog(blueprint_id: int, provider_id: int) -> ProductTemplate:
    """An unsaved template holding the provider's whole variant matrix (options, stock, print areas), nothing ticked
    yet: what the editor starts from. Raises integrations.http.IntegrationError (NotFound: no such blueprint or
    provider for it)."""
    from designs.clients import account_client

    client = account_client()
    blueprint = client.blueprint(blueprint_id)
    everything = client.variants(blueprint_id, provider_id, show_out_of_stock=True)
    # Nothing in the answer marks a variant out of stock; the default answer lists only those in stock (§2).
    in_stock = {v["id"] for v in client.variants(blueprint_id, provider_id).get("variants") or []}
    catalog_variants = everything.get("variants") or []
    template = ProductTemplate(
        name=str(blueprint.get("title") or "")[:100],
        blueprint_id=blueprint_id,
        blueprint_title=str(blueprint.get("title") or "")[:200],
        print_provider_id=provider_id,
        provider_title=str(everything.get("title") or "")[:200],
        variants=[
            {
                "id": v["id"],
                "title": v.get("title", ""),
                "options": v.get("options") or {},
                "available": v["id"] in in_stock,
                "price": None,
                "is_enabled": False,
            }
            for v in catalog_variants
        ],
        placeholders=placeholders_from_catalog(catalog_variants),
        placement={"mode": "fit", "x": 0.5, "y": 0.5, "scale": 1.0, "angle": 0},
        publish_parts={},
    )
    positions = positions_of(template.placeholders)
    template.print_position = positions[0] if positions else "front"
    template.is_default = not ProductTemplate.objects.exists()  # the first template becomes the default
    return template


def save_edited(template: ProductTemplate, *, prices_before: dict[int, int]) -> int:
    """Save a template from the editor; returns how many of its products on Printify now carry old prices."""
    save_template(template)
    if prices_before == enabled_prices(template):
        return 0
    from designs.listing_changes import outdated_products

    return len(outdated_products(template))


def enabled_prices(template) -> dict[int, int]:
    return {int(v["id"]): v.get("price") for v in enabled_variants(template)}


# --- the price a product is published at ---------------------------------------------------------------------


def import_from_product(*, name: str, product_id: str, shop: Shop | None = None) -> TemplateOutcome:
    """A template copied from an existing Printify product of a shop (the default one unless said) — its variants,
    prices, placement and tags; the template sells in that shop.

    Raises integrations.http.IntegrationError when Printify cannot be read.
    """
    from designs.clients import printify_client

    shop = shop or default_shop()
    client = printify_client(shop.printify_id if shop else None)
    product = client.get_product(product_id)
    fields = template_fields_from_product(product)
    # Out-of-stock variants too: the product may enable one, and its print area must still be known.
    catalog = client.variants(fields["blueprint_id"], fields["print_provider_id"], show_out_of_stock=True)
    everything = catalog.get("variants") or []
    options = {v["id"]: v.get("options") or {} for v in everything}
    for variant in fields["variants"]:
        variant["options"] = options.get(variant["id"], {})
        variant["price_overridden"] = True  # the product's own prices, until the seller chooses a rule
    # The rest of the provider's matrix, unticked, so the grid editor can offer it.
    taken = {v["id"] for v in fields["variants"]}
    in_stock = {
        v["id"] for v in client.variants(fields["blueprint_id"], fields["print_provider_id"]).get("variants") or []
    }
    fields["variants"] += [
        {
            "id": v["id"],
            "title": v.get("title", ""),
            "options": v.get("options") or {},
            "price": None,
            "is_enabled": False,
            "available": v["id"] in in_stock,
        }
        for v in everything
        if v["id"] not in taken
    ]
    template = ProductTemplate(
        name=name,
        blueprint_title=str(client.blueprint(fields["blueprint_id"]).get("title") or "")[:200],
        provider_title=str(catalog.get("title") or "")[:200],
        placeholders=placeholders_from_catalog(catalog.get("variants") or []),
        shop=shop,
        **fields,
    )
    # The product's variants carry Printify's cost (§4): the documented source, kept for the editor.
    from designs.variant_costs import costs_from_product, save_costs

    save_costs(
        fields["blueprint_id"],
        fields["print_provider_id"],
        costs_from_product(product),
        {},
        f"Printify product {product_id}",
    )
    return _save_new(template)


def name_problems(template: ProductTemplate) -> list[str]:
    """The one home of "template names are unique" (the catalog editor and the import from a product ask it)."""
    if ProductTemplate.objects.filter(name=template.name).exclude(pk=template.pk).exists():
        return [f"A template named “{template.name}” exists already."]
    return []


def _save_new(template: ProductTemplate) -> TemplateOutcome:
    problems = template_problems(template) + name_problems(template)
    if problems:
        return TemplateOutcome(problems=problems)
    return TemplateOutcome(template=save_template(template))
