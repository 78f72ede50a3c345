"""The Printify products of a design: a read-only list on the design's page and a product page with its history.

Products change only through the design actions (publish, retry, unpublish) and the workers, never by editing.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from designs import pacing
from designs.admin.display import product_state_tag
from designs.admin.listing_sync import sync_text
from designs.admin.release_queue import ReleaseQueueMixin
from designs.admin.sales_columns import product_sales
from designs.models import Product, ProductEvent
from designs.products import ProductState
from designs.services.listing_sync import sync_status
from podsite.admin_guards import AdminGuardsMixin, ReadOnlyAdminMixin, ReadOnlyInline

# Printify's dashboard page for a product. Not part of the API reference (unsure): if Printify moves it,
# only this line changes. Covered by test_change_page_links_printify_product_and_store.
PRINTIFY_PRODUCT_URL = "https://printify.com/app/product-details/{product_id}"


def printify_links(product: Product):
    links = []
    if product.printify_id:
        links.append((PRINTIFY_PRODUCT_URL.format(product_id=product.printify_id), "Product on Printify"))
    handle = (product.external or {}).get("handle") or ""
    # Only real web addresses become links (no javascript: or relative URLs from a remote answer).
    if isinstance(handle, str) and handle.startswith(("https://", "http://")):
        links.append((handle, "Store page"))
    if not links:
        return "—"
    return format_html_join(" · ", '<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>', links)


def shown_mockups(product: Product) -> list[str]:
    """The product's mockup image addresses a page may show. Printify's own images, loaded by the browser; the
    server never fetches them. https only, except the local sandbox's own address in sandbox mode (so the feature
    can be seen without a real shop)."""
    allowed = ("https://", f"{settings.SANDBOX_URL}/_sandbox/mockups/") if settings.POD_SANDBOX else ("https://",)
    return [src for src in product.mockups or [] if isinstance(src, str) and src.startswith(allowed)]


def mockup_gallery(product: Product, *, limit: int = 12, width: int = 120):
    sources = shown_mockups(product)
    if not sources:
        return "—"
    return format_html_join(
        " ",
        '<a href="{0}" target="_blank" rel="noopener noreferrer">'
        '<img src="{0}" loading="lazy" width="{1}" alt="mockup"></a>',
        ((src, width) for src in sources[:limit]),
    )


def state_with_review_link(product: Product):
    """The state badge; a product waiting for its mockup review also links to it in the review page's mockup mode,
    and a scheduled one says when it goes live and links to the going-live queue."""
    if product.state == ProductState.SCHEDULED:
        return scheduled_state(product)
    if product.state != ProductState.MOCKUP_REVIEW:
        return product_state_tag(product.state)
    url = reverse("admin:designs_design_review_mockups") + f"?focus={product.pk}"
    return format_html('{} <a href="{}">Review its mockups</a>', product_state_tag(product.state), url)


def scheduled_state(product: Product):
    lane = pacing.lane_of(product)
    url = reverse("admin:designs_product_queue") + (f"?shop={product.shop_id}" if product.shop_id else "")
    if product.release_at is None or lane is None:
        when = "at the next release pass"
    else:
        now = timezone.now()
        when = (
            f"{pacing.local_text(product.release_at, lane.pace.zone)} ({pacing.relative_text(product.release_at, now)})"
        )
    return format_html('{} {} <a href="{}">Queue</a>', product_state_tag(product.state), when, url)


class ProductInline(ReadOnlyInline):
    """The design's products, one row each, grouped by shop: which template, where it is, its links and mockups,
    what went wrong."""

    model = Product
    fields = (
        "shop_name",
        "template_link",
        "state_badge",
        "listing_status",
        "links",
        "mockup_strip",
        "published_at",
        "last_error",
    )
    show_change_link = True
    verbose_name = "Printify product"
    verbose_name_plural = "Printify products"

    def has_view_permission(self, request, obj=None):
        return True  # shown on the design's page, which already needs the right to see the design

    def get_queryset(self, request):
        products = super().get_queryset(request).select_related("template", "design", "design__batch", "shop")
        return products.order_by("shop__title", "shop_id", "pk")

    @admin.display(description="Shop")
    def shop_name(self, obj):
        if obj.shop_id is None:
            return "—"
        return obj.shop.title if obj.shop.connected else f"{obj.shop.title} (disconnected)"

    @admin.display(description="Template")
    def template_link(self, obj):
        if obj.template_id:
            url = reverse("admin:designs_producttemplate_change", args=[obj.template_id])
            return format_html('<a href="{}">{}</a>', url, obj.template.name)
        return f"{obj.template_name} (template deleted)" if obj.template_name else "—"

    @admin.display(description="State")
    def state_badge(self, obj):
        return state_with_review_link(obj)

    @admin.display(description="Listing on Printify")
    def listing_status(self, obj):
        return sync_text(sync_status(obj))

    @admin.display(description="Links")
    def links(self, obj):
        return printify_links(obj)

    @admin.display(description="Mockups")
    def mockup_strip(self, obj):
        return mockup_gallery(obj, limit=4, width=80)


class ProductEventInline(ReadOnlyInline):
    model = ProductEvent
    fields = ("created_at", "from_state", "to_state", "actor", "source", "message")
    ordering = ("-created_at", "-pk")
    verbose_name_plural = "History"

    def has_view_permission(self, request, obj=None):
        return True  # part of the product's page


@admin.register(Product)
class ProductAdmin(AdminGuardsMixin, ReadOnlyAdminMixin, ReleaseQueueMixin, admin.ModelAdmin):
    list_display = ("__str__", "design_link", "shop", "template_name", "state_badge", "printify_id", "published_at")
    list_filter = ("state", "shop", "template")
    search_fields = ("=printify_id", "=design__id", "template_name")
    list_select_related = ("design", "shop")
    fields = (
        "design_link",
        "shop",
        "template_name",
        "state_badge",
        "state_changed_at",
        "last_error",
        "links",
        "gallery",
        "printify_upload_id",
        "printify_id",
        "sku_prefix",
        "attempts",
        "published_at",
        "release_at",
        "released_at",
        "deleted_at",
        "created_at",
        "updated_at",
        "sales",
    )
    readonly_fields = fields
    inlines = [ProductEventInline]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("designs.view_product") or request.user.has_perm("designs.view_design")

    @admin.display(description="Design")
    def design_link(self, obj):
        url = reverse("admin:designs_design_change", args=[obj.design_id])
        # "Design 12: Snowy fox"; an untitled design is only its number (not "Design 12: Design 12").
        label = f"Design {obj.design_id}" + (f": {obj.design.title}" if obj.design.title.strip() else "")
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description="State", ordering="state")
    def state_badge(self, obj):
        return state_with_review_link(obj)

    @admin.display(description="Links")
    def links(self, obj):
        return printify_links(obj)

    @admin.display(description="Mockups")
    def gallery(self, obj):
        return mockup_gallery(obj)

    @admin.display(description="Sales")
    def sales(self, obj):
        return product_sales(obj)

    def get_urls(self):
        return self.get_release_queue_urls() + super().get_urls()  # before the defaults, or "queue/" reads as an id
