"""Each design's Printify product (ids, store link, mockups, attempts) becomes a Product row of its own.

Until now a design had at most one product, its ids on the design. Its state follows the design's status:
publishing → being created (no product id yet) or going live; published → live, or on Printify when its template
does not publish to the store; publish_failed → failed (with the design's last error); any other status with a
product id → on Printify (unpublished, kept); a deleted product → deleted. The SKU marker stays the one those
products were created with ("podsite-<design id>-"). The template snapshot is left empty: a run takes it then.
"""

from django.db import migrations
from django.db.models import Q


def products_from_designs(apps, schema_editor):
    Design = apps.get_model("designs", "Design")
    Product = apps.get_model("designs", "Product")
    ProductEvent = apps.get_model("designs", "ProductEvent")
    designs = Design.objects.filter(
        ~Q(printify_product_id="")
        | ~Q(printify_upload_id="")
        | Q(printify_deleted_at__isnull=False)
        | Q(status__in=["publishing", "publish_failed"])
    ).select_related("product_template")
    for design in designs.iterator(chunk_size=500):
        state = _state(design)
        if state is None:
            continue
        template = design.product_template
        product = Product.objects.create(
            design_id=design.pk,
            template=template,
            template_name=template.name if template else "",
            template_snapshot={},
            sku_prefix=f"podsite-{design.pk}-",
            state=state,
            state_changed_at=design.status_changed_at,
            last_error=design.last_error if state == "failed" else "",
            printify_upload_id=design.printify_upload_id,
            printify_id=design.printify_product_id,
            external=design.printify_external or {},
            mockups=design.printify_mockups or [],
            attempts=design.publish_attempts,
            published_at=design.published_at,
            deleted_at=design.printify_deleted_at,
        )
        ProductEvent.objects.create(
            product=product,
            from_state="",
            to_state=state,
            source="worker",
            message="Recorded as a product of its own (its ids were kept on the design until now).",
        )


def _state(design) -> str | None:
    if design.status == "publishing":
        return "publishing" if design.printify_product_id else "creating"
    if design.status == "published":
        publishes = design.product_template is None or design.product_template.publish_after_create
        return "live" if publishes else "on_printify"
    if design.status == "publish_failed":
        return "failed"
    if design.printify_product_id:
        return "on_printify"
    if design.printify_deleted_at:
        return "deleted"
    return None


def designs_from_products(apps, schema_editor):
    """Back to one product per design (the first of each; the others are lost), so the migration can be reversed."""
    Design = apps.get_model("designs", "Design")
    Product = apps.get_model("designs", "Product")
    for product in Product.objects.order_by("-pk").iterator(chunk_size=500):
        Design.objects.filter(pk=product.design_id).update(
            product_template=product.template_id,
            printify_upload_id=product.printify_upload_id,
            printify_product_id=product.printify_id,
            printify_external=product.external,
            printify_mockups=product.mockups,
            printify_deleted_at=product.deleted_at,
            publish_attempts=product.attempts,
            published_at=product.published_at,
        )
    Product.objects.all().delete()  # the forward step makes them again from the designs


class Migration(migrations.Migration):
    dependencies = [("designs", "0012_product")]

    operations = [migrations.RunPython(products_from_designs, designs_from_products)]
