"""Product templates: made from the Printify catalog or copied from an existing product, and the one default."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from designs.models import ProductTemplate
from designs.product_templates import (
    placeholders_from_catalog,
    publish_parts,
    template_fields_from_product,
    template_problems,
)


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


def create_from_catalog(
    *,
    name: str,
    blueprint_id: int,
    print_provider_id: int,
    catalog_variants: list[dict],
    variants: list[dict],
    print_position: str,
    placement_mode: str,
) -> TemplateOutcome:
    """A template from the catalog's variants.json and the seller's choices; saved only when usable."""
    template = ProductTemplate(
        name=name,
        blueprint_id=blueprint_id,
        print_provider_id=print_provider_id,
        variants=variants,
        print_position=print_position,
        placement={"mode": placement_mode, "x": 0.5, "y": 0.5, "scale": 1.0, "angle": 0},
        placeholders=placeholders_from_catalog(catalog_variants),
        publish_parts=publish_parts(ProductTemplate()),
    )
    return _save_new(template)


def import_from_product(*, name: str, product_id: str) -> TemplateOutcome:
    """A template copied from an existing Printify product (its variants, prices, placement and tags).

    Raises integrations.http.IntegrationError when Printify cannot be read.
    """
    from designs.clients import printify_client

    client = printify_client()
    fields = template_fields_from_product(client.get_product(product_id))
    # Out-of-stock variants too: the product may enable one, and its print area must still be known.
    catalog = client.variants(fields["blueprint_id"], fields["print_provider_id"], show_out_of_stock=True)
    template = ProductTemplate(
        name=name, placeholders=placeholders_from_catalog(catalog.get("variants") or []), **fields
    )
    return _save_new(template)


def _save_new(template: ProductTemplate) -> TemplateOutcome:
    problems = template_problems(template)
    if ProductTemplate.objects.filter(name=template.name).exists():
        problems.append(f"A template named “{template.name}” exists already.")
    if problems:
        return TemplateOutcome(problems=problems)
    return TemplateOutcome(template=save_template(template))
