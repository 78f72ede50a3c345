"""Repricing: putting a template's changed prices on its products in Printify (a worker job, workers/repricing.py).

A product is outdated when a variant enabled both on it and in the template has another price in the template
than the one the product was last given (its snapshot). Repricing never enables or disables variants: that would
change print areas, which is publishing's work.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction

from designs.models import Product, ProductTemplate, RepriceJob
from designs.product_templates import enabled_variants
from designs.products import ON_SHOP
from designs.task_states import REPRICE, RepriceState
from designs.workers import enqueue
from designs.workflow import Source


def new_prices(template, product: Product) -> dict[int, int]:
    """{variant id: the template's price} for the product's enabled variants whose price differs; {} if none."""
    wanted = {int(v["id"]): v.get("price") for v in enabled_variants(template)}
    had = {int(v["id"]): v.get("price") for v in enabled_variants_of(product)}
    return {vid: price for vid, price in wanted.items() if vid in had and isinstance(price, int) and had[vid] != price}


def enabled_variants_of(product: Product) -> list[dict]:
    return [v for v in (product.template_snapshot or {}).get("variants") or [] if v.get("is_enabled", True)]


def variants_body(product: Product, prices: dict[int, int]) -> list[dict]:
    """The PUT's variants: every enabled variant with its price, new or kept (Printify merges variants by id but
    wants a price on each: printify-api.md §4 "Update")."""
    return [
        {"id": int(v["id"]), "price": prices.get(int(v["id"]), v.get("price")), "is_enabled": True}
        for v in enabled_variants_of(product)
    ]


def outdated_products(template: ProductTemplate) -> list[Product]:
    products = Product.objects.filter(template=template, state__in=ON_SHOP).exclude(printify_id="").order_by("pk")
    return [product for product in products if new_prices(template, product)]


def request_reprice(template: ProductTemplate, *, actor) -> RepriceJob:
    """Start (or join) the job that updates the prices of the template's products in Printify."""
    with transaction.atomic():
        job = RepriceJob.objects.filter(template=template).exclude(state=RepriceState.DONE).first()
        if job is None:
            job = REPRICE.create(
                state=RepriceState.QUEUED,
                source=Source.ADMIN,
                actor=actor,
                message=f"Asked for: the prices of “{template}” on its products in Printify.",
                template=template,
                total=len(outdated_products(template)),
                created_by=actor if getattr(actor, "pk", None) else None,
            )
        transaction.on_commit(partial(enqueue, "reprice_products", job.pk))
    return job

    return RepriceJob.objects.exclude(state=RepriceState.DONE)
