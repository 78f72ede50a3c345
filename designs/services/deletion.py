"""Deleting designs, and what happens to their Printify products: never an orphan nobody decided on."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from django.db import transaction

from designs import audit, images
from designs.models import Design, Product
from designs.workers import enqueue
from designs.workflow import Status, design_ids

DELETE_PRODUCTS = "delete_products"  # delete each Printify product first; the design goes once Printify confirms
KEEP_PRODUCTS = "keep_products"  # the seller keeps the products in Printify, no longer tracked here
PRODUCT_CHOICES = (DELETE_PRODUCTS, KEEP_PRODUCTS)


class ProductDecisionNeeded(ValueError):
    """Some designs have Printify products and nobody said what happens to them; nothing was deleted."""


@dataclass
class DeletionResult:
    deleted: list[int] = field(default_factory=list)
    products_queued: list[int] = field(default_factory=list)  # deleted once their product is gone
    skipped: dict[int, str] = field(default_factory=dict)  # id -> why

    def summary(self) -> str:
        parts = [f"{len(self.deleted)} deleted"]
        if self.products_queued:
            parts.append(f"{len(self.products_queued)} deleted once Printify has deleted their products")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped ({', '.join(sorted(set(self.skipped.values())))})")
        return ", ".join(parts)


def delete_designs(designs, *, actor, products: str | None = None) -> DeletionResult:
    """Delete designs with their files. Designs with a Printify product need `products` (PRODUCT_CHOICES).

    A design being published is skipped (its run may be creating the product right now); cancel or let it end.
    """
    ids = design_ids(designs)
    rows = Design.objects.filter(pk__in=ids).values_list("pk", "status", *images.FILE_FIELDS)
    has_products = set(
        Product.objects.filter(design_id__in=ids).exclude(printify_id="").values_list("design_id", flat=True)
    )
    result = DeletionResult()
    plain, with_product, files = [], [], []
    for design_id, status, *names in rows:
        if status == Status.PUBLISHING:
            result.skipped[design_id] = "being published"
        elif design_id in has_products:
            with_product.append(design_id)
        else:
            plain.append(design_id)
            files += names
    if with_product and products not in PRODUCT_CHOICES:
        raise ProductDecisionNeeded(
            f"{len(with_product)} of these designs have Printify products: choose whether to delete the products "
            "too or keep them in Printify."
        )
    if products == KEEP_PRODUCTS:
        plain += with_product
        files += [
            name for row in Design.objects.filter(pk__in=with_product).values_list(*images.FILE_FIELDS) for name in row
        ]
        with_product = []
    with transaction.atomic():
        # Django's delete_selected logs each object before it goes; so does this, in the same transaction.
        audit.log_deletions(actor, plain)
        audit.log_changes(actor, with_product, "Deletion requested: deleted once Printify has deleted its products.")
        Design.objects.filter(pk__in=plain).exclude(status=Status.PUBLISHING).delete()
        transaction.on_commit(partial(images.delete_files, files))
        actor_id = getattr(actor, "pk", actor)
        for design_id in with_product:
            transaction.on_commit(partial(enqueue, "delete_design_and_product", design_id, actor_id=actor_id))
    result.deleted = plain
    result.products_queued = with_product
    return result
