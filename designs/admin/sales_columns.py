"""What designs sold, on the Design admin: the changelist's sales view (the "sales" filter: units, revenue and
profit columns, sortable; "sold in the last 30 days", "published 30+ days, never sold"), a design's order lines and
net profit on its page, and a product's sales on its page.

The columns are correlated sums on the line_design_sales index (designs.sales_figures.with_sales), annotated on the
changelist's queryset, so sorting by profit is one query and no row costs one of its own. They are in the shop's
currency; a design's page shows every currency.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime

from designs import sales_figures
from designs.admin.display import money, usd
from designs.models import OrderLine

IDLE_DAYS = 30  # "published 30+ days, never sold" and "sold in the last 30 days"
SALES_COLUMNS = ("units_sold_column", "revenue_column", "profit_column")
GIVE_WAY = ("near_duplicate", "print_ready", "cost_money")  # the review-time columns the sales view replaces


class SalesFilter(admin.SimpleListFilter):
    """Chooses the sales view of the changelist (its columns and sorting) and, in it, which designs."""

    title = "sales"
    parameter_name = "sales"
    ALL, SOLD, IDLE = "all", "sold_30", "idle_30"

    def lookups(self, request, model_admin):
        return [
            (self.ALL, "Show sales figures"),
            (self.SOLD, f"Sold in the last {IDLE_DAYS} days"),
            (self.IDLE, f"Published {IDLE_DAYS}+ days, never sold"),
        ]

    def queryset(self, request, queryset):
        if self.value() == self.SOLD:
            return sales_figures.sold_recently(queryset, days=IDLE_DAYS)
        if self.value() == self.IDLE:
            return sales_figures.never_sold(queryset, days=IDLE_DAYS)
        return queryset


def in_sales_view(request) -> bool:
    """The changelist shows sales figures when the sales filter is chosen (any of its choices)."""
    return request is not None and request.GET.get(SalesFilter.parameter_name) in (
        SalesFilter.ALL,
        SalesFilter.SOLD,
        SalesFilter.IDLE,
    )


def with_sales_columns(columns) -> list[str]:
    """The changelist's columns in the sales view: the review-time columns (near-duplicate, print DPI, generation
    cost) give way to Sold, Revenue and Profit, so the list still fits a 1280 px screen with the filters open."""
    columns = [name for name in columns if name not in GIVE_WAY]
    at = columns.index("created") if "created" in columns else len(columns)
    return [*columns[:at], *SALES_COLUMNS, *columns[at:]]


def sales_view_url(list_display, *, by: str = "profit_column", designs: str = SalesFilter.ALL) -> str:
    """The changelist in the sales view, most first by `by` (a sales column)."""
    order = with_sales_columns(list_display).index(by) + 1  # the admin counts list_display from 1
    return f"{reverse('admin:designs_design_changelist')}?{SalesFilter.parameter_name}={designs}&o=-{order}"


def figures_text(figures: list[sales_figures.Figures]) -> str:
    """ "3 sold · $75.00 revenue · $35.00 profit", one line per currency; "No sales yet." when none."""
    if not figures:
        return "No sales yet."
    parts = []
    for f in figures:
        text = f"{f.units:,} sold · {money(f.revenue, f.currency)} revenue · {money(f.profit, f.currency)} profit"
        if f.without_profit:
            text += f" ({f.without_profit:,} line{'s' if f.without_profit != 1 else ''} without a known profit)"
        parts.append(text)
    return "\n".join(parts)


LINES_SHOWN = 50  # newest order lines on a design's or product's page (its figures count them all)


def order_lines_table(lines) -> str:
    """The newest LINES_SHOWN of these order lines as a read-only table: when, which order (and its status), which
    product, how many, revenue and profit in the order's currency, and whether it counts as a sale. A table in the
    page rather than an inline formset: nothing to post back, and a best seller's thousands of lines stay one page."""
    lines = lines.select_related("order", "template").order_by("-sold_at", "-pk")
    shown = list(lines[: LINES_SHOWN + 1])
    if not shown:
        return "No orders yet."
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                date_format(localtime(line.sold_at), "j M Y H:i"),
                _order_link(line.order),
                line.template or line.title or "—",
                line.variant_label or "—",
                line.quantity,
                money(line.revenue, line.order.currency),
                money(line.profit, line.order.currency) if line.profit is not None else "not known",
                "yes" if line.counted else "no (cancelled, refunded, sample or reprint)",
            )
            for line in shown[:LINES_SHOWN]
        ),
    )
    more = format_html("<p>Only the newest {} lines are shown.</p>", LINES_SHOWN) if len(shown) > LINES_SHOWN else ""
    return format_html(
        '<table class="pod-order-lines"><thead><tr><th>Sold</th><th>Order</th><th>Product</th><th>Variant</th>'
        "<th>Qty</th><th>Revenue</th><th>Profit</th><th>A sale</th></tr></thead><tbody>{}</tbody></table>{}",
        rows,
        more,
    )


def _order_link(order):
    label = f"{str(order).removeprefix('Order ')} ({order.get_status_display()})"
    try:
        url = reverse(f"admin:{order._meta.app_label}_{order._meta.model_name}_change", args=[order.pk])
    except NoReverseMatch:  # the orders admin comes with the order sync; until then the label alone
        return label
    return format_html('<a href="{}">{}</a>', url, label)


class SalesColumnsMixin:
    """For DesignAdmin: the sales columns and filter on the changelist, the net profit and order lines on a design's
    page (its "Sales" fieldset)."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        changelist = getattr(request.resolver_match, "url_name", "") == "designs_design_changelist"
        return sales_figures.with_sales(queryset) if changelist and in_sales_view(request) else queryset

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        return with_sales_columns(columns) if in_sales_view(request) else columns

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), SalesFilter]

    @admin.display(description="Sold", ordering="units_sold")
    def units_sold_column(self, obj):
        units = getattr(obj, "units_sold", None)
        return "—" if not units else f"{units:,}"

    @admin.display(description="Revenue", ordering="revenue")
    def revenue_column(self, obj):
        revenue = getattr(obj, "revenue", None)
        return "—" if not getattr(obj, "units_sold", None) else money(revenue, settings.SHOP_CURRENCY)

    @admin.display(description="Profit", ordering="profit")
    def profit_column(self, obj):
        profit = getattr(obj, "profit", None)
        return "—" if not getattr(obj, "units_sold", None) else money(profit, settings.SHOP_CURRENCY)

    @admin.display(description="Sales and net profit")
    def sales_summary(self, obj):
        """What it sold (per currency), what it cost to make, and what is left."""
        net = sales_figures.design_net(obj.pk)
        spend = net.spend
        costs = (
            f"Made for {usd(spend.total)} (generation {usd(spend.generation)}, print files {usd(spend.print_files)}, "
            f"copy {usd(spend.copy)})."
        )
        if net.net is None:
            left = "Net profit: not worked out — it sold in another currency than its costs (dollars)."
        else:
            left = f"Net profit: {usd(net.net)}."
        return format_html_join(
            "", "<div>{}</div>", ((line,) for line in [*figures_text(net.sales).split("\n"), costs, left])
        )

    @admin.display(description="Order lines")
    def order_lines(self, obj):
        return order_lines_table(OrderLine.objects.filter(design=obj))


def product_sales(product) -> str:
    """The product's sales per currency and its newest order lines, for its page."""
    rows = (
        sales_figures.sales_lines()
        .filter(product=product)
        .values(sales_figures.CURRENCY)
        .annotate(**sales_figures.line_sums())
        .order_by()
    )
    summary = figures_text([sales_figures.Figures.of(row) for row in rows])
    return format_html("<p>{}</p>{}", summary, order_lines_table(OrderLine.objects.filter(product=product)))
