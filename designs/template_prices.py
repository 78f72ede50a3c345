"""The price each variant of a product template is published at: the one rule the template page shows and
publishing, repricing and the listing checks send (pricing.variant_price from the cost known now)."""

from __future__ import annotations

from designs.models import ProductTemplate
from designs.pricing import PriceRule, variant_price
from designs.variant_costs import costs_for
from designs.variant_grid import size_of


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
