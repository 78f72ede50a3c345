"""The Shops page: Printify's shops with what the seller adds (currency, time zone, country, listing limits)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import path

from designs.channels import shop_limits
from designs.services import shops as shop_service
from designs.shops import Shop


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ["title", "channel", "printify_id", "is_default", "currency", "time_zone", "country", "status"]
    list_filter = ["channel"]
    search_fields = ["title", "printify_id"]
    actions = ["make_default"]
    readonly_fields = [
        "printify_id",
        "title",
        "sales_channel",
        "is_default",
        "state",
        "refreshed_at",
        "problem",
        "limits_in_use",
    ]
    fieldsets = [
        (None, {"fields": ["title", "printify_id", "sales_channel", "channel", "is_default", "state", "problem"]}),
        (
            "What Printify does not say",
            {"fields": ["currency", "time_zone", "country"], "description": "Printify has no endpoint for these."},
        ),
        (
            "Listing limits (empty: the channel's)",
            {"fields": ["limits_in_use", "title_min_chars", "title_max_chars", "max_tags", "tag_max_chars"]},
        ),
        (
            "Going live at a pace (empty: the channel's — TikTok Shop 100 a day — or none)",
            {
                "fields": ["listings_per_day", "listing_hours_start", "listing_hours_end"],
                "description": "New products are made on Printify at once and wait in the going-live queue "
                "(Products → Going-live queue) until their planned time, spread evenly over the hours.",
            },
        ),
        (None, {"fields": ["refreshed_at"]}),
    ]
    change_list_template = "admin/designs/shop/change_list.html"

    def has_add_permission(self, request):
        return False  # shops come from Printify: "Refresh shops"

    def has_delete_permission(self, request, obj=None):
        return False  # its products and orders point at it; a shop gone from Printify is marked disconnected

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(product_count=Count("products"))

    @admin.display(description="Limits in use")
    def limits_in_use(self, shop):
        """What a listing in this shop must fit now: the channel's figures under this shop's own settings."""
        limits = shop_limits(shop)
        title = f"title {limits.title_min_chars}–{limits.title_max_chars} characters"
        if not limits.title_min_chars:
            title = f"title at most {limits.title_max_chars} characters"
        tags = (
            f"{limits.max_tags} tags of at most {limits.tag_max_chars} characters" if limits.takes_tags else "no tags"
        )
        once = f"; {' '.join(limits.once_each)} at most once each in the title" if limits.once_each else ""
        return f"{title}; {tags}{once}."

    @admin.display(description="State")
    def status(self, shop):
        """One word in the list (the whole story is on the shop's page)."""
        if not shop.connected:
            return "Disconnected"
        return "Connected — see its problem" if shop.problem else "Connected"

    @admin.display(description="State")
    def state(self, shop):
        if not shop.connected:
            return f"Disconnected. {shop.problem}".strip()
        return shop.problem or "Connected"

    @admin.action(description="Make the default shop", permissions=["change"])
    def make_default(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one shop to be the default.", messages.ERROR)
            return
        shop = queryset.get()
        shop_service.choose_default(shop, actor=request.user)
        self.message_user(request, f"{shop.title} is now the default shop.", messages.SUCCESS)

    def changelist_view(self, request, extra_context=None):
        extra = {"can_refresh": self.has_change_permission(request), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def get_urls(self):
        refresh = self.admin_site.admin_view(self.refresh_view)
        return [path("refresh/", refresh, name="designs_shop_refresh"), *super().get_urls()]

    def refresh_view(self, request):
        """POST only: a worker reads Printify's shop list (the page says so; reload to see it)."""
        if request.method == "POST" and self.has_change_permission(request):
            shop_service.request_refresh()
            self.message_user(
                request, "Reading your shops from Printify: reload this page in a few seconds.", messages.SUCCESS
            )
        return redirect("admin:designs_shop_changelist")
