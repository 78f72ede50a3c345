"""Product templates: made from the Printify catalog or copied from an existing product, and the one default."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from designs.models import ProductTemplate
from designs.pricing import PriceRule, variant_price
from designs.product_templates import (
    enabled_variants,
    placeholders_from_catalog,
    template_fields_from_product,
    template_problems,
)
from designs.services.costs import costs_for
from designs.variant_grid import positions_of, size_of


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
        template.save()
    return template


def set_default(template: ProductTemplate) -> ProductTemplate:
    template.is_default = True
    return save_template(template)


def from_catalog(blueprint_id: int, provider_id: int) -> ProductTemplate:
    """An unsaved template holding the provider's whole variant matrix (options, stock, print areas), nothing ticked
    yet: what the editor starts from. Raises integrations.http.IntegrationError (NotFound: no such blueprint or
    provider for it)."""
    from designs.clients import printify_client

    client = printify_client()
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
    from designs.services.repricing import outdated_products

    return len(outdated_products(template))


def enabled_prices(template) -> dict[int, int]:
    return {int(v["id"]): v.get("price") for v in enabled_variants(template)}


# --- the price a product is published at ---------------------------------------------------------------------


def published_variants(template: ProductTemplate, costs=None) -> list[dict]:
    """The template's variants, each with the price a product of it is published at (pricing.variant_price, from
    the cost known now): what the template page shows."""
    rule = PriceRule.from_dict(template.price_rule) if template.price_rule else None
    if costs is None:
        costs = costs_for(template.blueprint_id, template.print_provider_id)
    return [
        {**variant, "price": variant_price(variant, costs.cost(variant["id"]), rule, size_of(variant))}
        for variant in template.variants or []
    ]


def settle_prices(template: ProductTemplate, costs=None) -> bool:
    """Store on the template's variants the prices its page shows, when costs arrived after it was saved (it was
    saved while they were being looked up, with prices typed meanwhile): publishing, repricing and the listing
    checks read the stored prices, so they then send what the page shows. True when prices changed."""
    if not template.price_rule:
        return False  # typed by hand: the stored prices are the published ones
    variants = published_variants(template, costs)
    if variants == (template.variants or []):
        return False
    ProductTemplate.objects.filter(pk=template.pk).update(variants=variants)
    template.variants = variants
    return True


def settle_prices_of(blueprint_id: int, provider_id: int) -> int:
    """settle_prices for every template of this blueprint and provider that follows a price rule (the costs of its
    variants were just learned); returns how many changed."""
    costs = costs_for(blueprint_id, provider_id)
    templates = ProductTemplate.objects.filter(blueprint_id=blueprint_id, print_provider_id=provider_id)
    return sum(settle_prices(template, costs) for template in templates)


def import_from_product(*, name: str, product_id: str) -> TemplateOutcome:
    """A template copied from an existing Printify product (its variants, prices, placement and tags).

    Raises integrations.http.IntegrationError when Printify cannot be read.
    """
    from designs.clients import printify_client

    client = printify_client()
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
        **fields,
    )
    # The product's variants carry Printify's cost (§4): the documented source, kept for the editor.
    from designs.services.costs import costs_from_product, save_costs

    save_costs(
        fields["blueprint_id"],
        fields["print_provider_id"],
        costs_from_product(product),
        {},
        f"Printify product {product_id}",
    )
    return _save_new(template)


def _save_new(template: ProductTemplate) -> TemplateOutcome:
    problems = template_problems(template)
    if ProductTemplate.objects.filter(name=template.name).exists():
        problems.append(f"A template named “{template.name}” exists already.")
    if problems:
        return TemplateOutcome(problems=problems)
    return TemplateOutcome(template=save_template(template))
