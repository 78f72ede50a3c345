"""Orders, read-only: Printify writes them (designs/sales.py); a person can only mark a refund (audited)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html

from designs.admin.confirm import confirmation_page, is_confirmed
from designs.admin.display import CURRENCY_SYMBOLS, counted
from designs.models import FeeSchedule, Order, OrderLine
from designs.orders import OrderStatus
from designs.services import orders as order_service

# Printify's dashboard page for an order (not in the API reference, like the product page in admin/products.py).
PRINTIFY_ORDER_URL = "https://printify.com/app/store/order/{order_id}"


def money(cents, currency: str) -> str:
    """Integer cents in their currency: "$12.40", "-€3.10", "12.40 CHF"; "—" for none (profit across currencies)."""
    if cents is None:
        return "—"
    symbol = CURRENCY_SYMBOLS.get(currency)
    text = f"{abs(cents) / 100:,.2f}"
    sign = "-" if cents < 0 else ""
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


class CountedFilter(admin.SimpleListFilter):
    title = "in the sales figures"
    parameter_name = "counted"

    def lookups(self, request, model_admin):
        return [("yes", "Counted (real sales)"), ("no", "Not counted")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            has_counted = Q(lines__counted=True)
            wanted = queryset.filter(has_counted) if self.value() == "yes" else queryset.exclude(has_counted)
            return wanted.distinct()
        return queryset


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = ["what", "design_link", "quantity", "revenue_shown", "costs_shown", "fees_shown", "profit_shown", "kind"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Line")
    def what(self, line):
        return (
            " · ".join(part for part in (line.title, line.variant_label, line.sku) if part) or line.printify_product_id
        )

    @admin.display(description="Design")
    def design_link(self, line):
        if line.design_id is None:
            return "not ours"
        return format_html(
            '<a href="{}">Design {}</a>', reverse("admin:designs_design_change", args=[line.design_id]), line.design_id
        )

    @admin.display(description="Revenue")
    def revenue_shown(self, line):
        return money(line.revenue, line.currency)

    @admin.display(description="Production + shipping + tax")
    def costs_shown(self, line):
        return money(line.production_cost + line.shipping_cost + line.tax, line.cost_currency)

    @admin.display(description="Fees")
    def fees_shown(self, line):
        return money(line.fees, line.currency)

    @admin.display(description="Profit")
    def profit_shown(self, line):
        return money(line.profit, line.currency) if line.profit is not None else "— (two currencies)"

    @admin.display(description="Counted as")
    def kind(self, line):
        return "sale" if line.counted else "reprint cost" if line.reprint_cost else "not counted"


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status_shown", "created_at", "country", "total_shown", "counted_shown", "refunded_at"]
    list_filter = ["status", CountedFilter, "order_type"]
    search_fields = ["printify_id", "shop_order_id", "shop_order_label"]
    date_hierarchy = "created_at"
    actions = ["mark_refunded"]
    inlines = [OrderLineInline]
    fields = [
        "printify_link",
        "shop_order_label",
        "shop_order_id",
        "status_shown",
        "order_type",
        "is_reprint",
        "reprint_of",
        "country",
        "total_shown",
        "created_at",
        "sent_to_production_at",
        "fulfilled_at",
        "refunded_at",
        "refunded_by",
        "fee_schedule",
        "read_at",
    ]
    readonly_fields = fields
    change_list_template = "admin/designs/order/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # Printify writes orders; the view permission shows them

    def has_delete_permission(self, request, obj=None):
        return False

    def has_mark_refunded_permission(self, request):
        return request.user.has_perm("designs.refund_order")

    @admin.display(description="Status", ordering="status")
    def status_shown(self, order):
        if order.status == OrderStatus.OTHER:
            return f"{order.printify_status} (not a status Printify documents)"
        return order.get_status_display()

    @admin.display(description="Total (price)")
    def total_shown(self, order):
        return money(order.total_price, order.currency)

    @admin.display(description="Counted", boolean=True)
    def counted_shown(self, order):
        return any(line.counted for line in order.lines.all())

    @admin.display(description="Printify")
    def printify_link(self, order):
        url = PRINTIFY_ORDER_URL.format(order_id=order.printify_id)
        return format_html('<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>', url, order.printify_id)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("lines")

    @admin.action(description="Mark refunded (leaves the sales figures)", permissions=["mark_refunded"])
    def mark_refunded(self, request, queryset):
        if not is_confirmed(request):
            return confirmation_page(
                self,
                request,
                queryset,
                action_name="mark_refunded",
                title="Mark these orders refunded?",
                confirm_label="Yes, mark them refunded",
                template="admin/designs/order/confirm_refund.html",
                question="A refund made in the sales channel never reaches Printify. Marked orders leave the sales "
                "figures (revenue, profit, units); this is recorded in each order's history and the admin log.",
            )
        marked = order_service.mark_refunded(queryset, actor=request.user)
        self.message_user(request, f"{counted(marked, 'order')} marked refunded.", messages.SUCCESS)
        return None

    # --- sandbox mode: place orders ------------------------------------------------------------------------------
    def get_urls(self):
        place = self.admin_site.admin_view(self.place_sandbox_orders)
        return [path("sandbox-orders/", place, name="designs_order_sandbox_orders"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra = {"sandbox": settings.POD_SANDBOX, **(extra_context or {})}
        return super().changelist_view(request, extra)

    def place_sandbox_orders(self, request):
        """POST only, in sandbox mode: 50 orders over the last 30 days, their webhooks sent to this site."""
        if request.method != "POST" or not self.has_view_permission(request):
            return redirect("admin:designs_order_changelist")
        try:
            placed = order_service.place_sandbox_orders(50, 30)
        except (order_service.SandboxOff, ValueError, OSError) as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(
                request,
                f"The sandbox placed {counted(placed['placed'], 'order')} and sent {placed['events']} webhooks; "
                "they appear here as the workers read them.",
                messages.SUCCESS,
            )
        return redirect("admin:designs_order_changelist")


@admin.register(FeeSchedule)
class FeeScheduleAdmin(admin.ModelAdmin):
    list_display = ["name", "in_use", "transaction_percent", "processing_percent", "fixed_shown", "listing_shown"]

    @admin.display(description="Fixed per order")
    def fixed_shown(self, schedule):
        return money(schedule.fixed_per_order + schedule.processing_fixed, settings.SHOP_CURRENCY)

    @admin.display(description="Per listing")
    def listing_shown(self, schedule):
        if not schedule.listing_fee:
            return "—"
        every = f" every {schedule.listing_renewal_months} months" if schedule.listing_renewal_months else ""
        return money(schedule.listing_fee, settings.SHOP_CURRENCY) + every
