"""Taking products off the store, deleting them, and deleting a design together with its products (on a worker).

Each holds the product's publishing lease, so it never races a publishing run of the same product.
"""

from __future__ import annotations

from django.utils import timezone

from designs import audit, leases
from designs.models import Design, Product
from designs.products import IN_FLIGHT, ON_SHOP, ProductState, move_product, product_note
from designs.workers.publish_run import HEARTBEAT_SECONDS, LEASE_SECONDS, describe_error
from designs.workflow import Source, note
from integrations.http import IntegrationError, NotFound


def run_unpublish(product_id: int, *, delete: bool, actor_id: int | None = None, source: str = Source.WORKER) -> str:
    """Take the product off the store (live → on Printify), or delete it from Printify (→ deleted)."""
    with leases.kept(leases.product_key(product_id), seconds=LEASE_SECONDS, every=HEARTBEAT_SECONDS) as heartbeat:
        if heartbeat is None:
            return "busy"
        product = Product.objects.filter(pk=product_id).exclude(printify_id="").first()
        wanted = ON_SHOP if delete else {ProductState.LIVE}
        if product is None or product.state not in wanted:
            return "not published"
        from designs.clients import product_client

        client = product_client(product)
        printify_id = product.printify_id
        try:
            try:
                if product.state == ProductState.LIVE:
                    client.unpublish(printify_id)
                if delete:
                    client.delete_product(printify_id)
            except NotFound:
                pass  # already gone in Printify: the outcome we wanted
        except IntegrationError as error:
            message = f"Could not unpublish product {printify_id}: {describe_error(error, what='the unpublish')}"
            Product.objects.filter(pk=product_id).update(last_error=message, updated_at=timezone.now())
            product_note(product, message, source=source, actor=actor_id)
            return "failed"
        updates = {"external": {}, "mockups": [], "last_error": ""}
        if delete:
            updates.update(printify_id="", deleted_at=timezone.now())
        verb = "deleted" if delete else "unpublished"
        move_product(
            product,
            to=ProductState.DELETED if delete else ProductState.ON_PRINTIFY,
            sources=wanted,
            actor=actor_id,
            source=source,
            message=f"Printify product {printify_id} {verb}.",
            updates=updates,
        )
        return verb


def run_delete_design_and_products(design_id: int, *, actor_id: int | None = None) -> str:
    """Delete the design's Printify products (gone already counts), then the design and its files.

    If Printify refuses one, the design stays, with the reason, so no product is ever left orphaned silently. A
    product whose run holds its lease stops the deletion ("busy"): the design stays and can be deleted again.
    """
    from designs import images

    design = Design.objects.filter(pk=design_id).first()
    if design is None:
        return "gone"
    for product_id in design.products.exclude(printify_id="").values_list("pk", flat=True):
        outcome = _delete_one(product_id, actor_id)
        if outcome == "busy":
            _kept_busy(design, actor_id)
        if outcome != "deleted":
            return outcome  # "failed" wrote why in the design's history already
    if design.products.filter(state__in=IN_FLIGHT).exists():
        _kept_busy(design, actor_id)
        return "busy"
    files = [getattr(design, name).name for name in images.FILE_FIELDS]
    audit.log_deletions(actor_id, [design.pk])  # as the request logs the designs it deletes at once
    design.delete()
    images.delete_files(files)
    return "deleted"


def _kept_busy(design: Design, actor_id: int | None) -> None:
    note(
        design,
        "Not deleted: a publishing run holds one of its products right now. Delete it again when the run ends.",
        source=Source.WORKER,
        actor=actor_id,
    )


def _delete_one(product_id: int, actor_id: int | None) -> str:
    with leases.kept(leases.product_key(product_id), seconds=LEASE_SECONDS, every=HEARTBEAT_SECONDS) as heartbeat:
        if heartbeat is None:
            return "busy"
        product = Product.objects.select_related("design").filter(pk=product_id).first()
        if product is None or not product.printify_id:
            return "deleted"
        from designs.clients import product_client

        client = product_client(product)
        try:
            try:
                if product.state == ProductState.LIVE:  # off the store first, as the unpublish action does
                    client.unpublish(product.printify_id)
                client.delete_product(product.printify_id)
            except NotFound:
                pass  # already gone in Printify: the outcome we wanted
        except IntegrationError as error:
            message = (
                f"Could not delete Printify product {product.printify_id}, so the design was kept: "
                f"{describe_error(error, what='the deletion')}"
            )
            Design.objects.filter(pk=product.design_id).update(last_error=message, updated_at=timezone.now())
            note(product.design, message, source=Source.WORKER, actor=actor_id)
            return "failed"
        Product.objects.filter(pk=product_id).update(printify_id="", deleted_at=timezone.now())
        return "deleted"
