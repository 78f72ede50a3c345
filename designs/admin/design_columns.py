"""Changelist columns that need more than the design's own row: its products' states (beside its status) and its
closest near-duplicate. Read for the page's rows at once, two queries per page, never one per row."""

from django.contrib import admin
from django.db.models import Prefetch, prefetch_related_objects
from django.urls import reverse
from django.utils.html import format_html

from designs import selectors
from designs.admin.display import status_with_products_tag
from designs.models import Product


class DesignColumnsMixin:
    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        rows = list(changelist.result_list)  # the page's rows; the page shows these same instances
        prefetch_related_objects(rows, Prefetch("products", queryset=Product.objects.only("pk", "design_id", "state")))
        duplicates = selectors.closest_duplicates([design.pk for design in rows])
        for design in rows:
            design.closest_duplicate = duplicates.get(design.pk)
        return changelist

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj):
        return status_with_products_tag(obj.status, [product.state for product in obj.products.all()])

    @admin.display(description="Looks like")
    def near_duplicate(self, obj):
        found = getattr(obj, "closest_duplicate", None)
        if found is None:
            return ""
        other, _ = found
        state = "published" if other.live else other.get_status_display().lower()
        return format_html(
            '<a href="{}" title="A near-copy of design {} ({})">≈ #{}</a>',
            reverse("admin:designs_design_change", args=[other.pk]),
            other.pk,
            state,
            other.pk,
        )
