"""The sales dashboard under the Design admin (/admin/designs/design/sales/, "view design"): what sold over time,
the best designs, templates, batches, presets and prompt words, sell-through, the return on generation spend per
preset, sales by country and whether follow-up batches sell — each a chart, a table and a CSV download.

Every figure comes from designs/sales_figures.py. Each table is built once (SalesTable) and shown three ways: as
money on the page, as plain numbers with a currency column in its CSV, and as chart data (json_script) that
static/podsite/sales.js draws with the vendored Chart.js (CSP stays 'self': no inline script).
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from designs import sales_figures
from designs.admin.display import money, usd
from designs.admin.sales_columns import IDLE_DAYS, SalesFilter, sales_view_url
from designs.admin.sales_loop import follow_up_url
from designs.models import Design

WINDOWS = {7: "7 days", 30: "30 days", 90: "90 days", 365: "12 months"}
DEFAULT_DAYS, DEFAULT_PERIOD = 30, "day"
TOP_N = 10
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet would run as a formula


@dataclass
class Column:
    name: str  # the CSV header
    label: str  # the table header
    kind: str = "text"  # text, count, money (minor units, in the row's `currency`), dollars, percent, ratio
    currency: str = "currency"  # for money: the row key holding its currency


@dataclass
class SalesTable:
    slug: str
    title: str
    explain: str
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)
    empty: str = "Nothing sold in this period yet."
    chart: dict = field(default_factory=dict)  # {"type": bar|line, "x": column, "values": [columns], "horizontal"}

    def cells(self, row: dict) -> list[str]:
        return [_shown(column, row) for column in self.columns]

    def shown_rows(self) -> list[tuple[str, list[str]]]:
        return [(row.get("link", ""), self.cells(row)) for row in self.rows]

    def csv_header(self) -> list[str]:
        header = []
        for column in self.columns:
            header.append(column.name)
            if column.kind == "money" and column.currency not in header:
                header.append(column.currency)
            if column.kind == "dollars" and "spend_currency" not in header:
                header.append("spend_currency")
        return header

    def csv_rows(self) -> list[list]:
        """Each row as plain values in csv_header()'s order (a money column followed by its currency)."""
        out = []
        for row in self.rows:
            plain = {column.name: _plain(column, row) for column in self.columns}
            plain["spend_currency"] = sales_figures.SPEND_CURRENCY
            out.append([plain.get(name, row.get(name, "")) for name in self.csv_header()])
        return out

    def chart_data(self) -> dict:
        """Labels and datasets for sales.js: numbers in major units; rows of the first currency only (a chart never
        mixes currencies; the table has every row)."""
        if not self.chart:
            return {}
        rows = self.rows
        currency = next((row["currency"] for row in rows if row.get("currency")), "")
        if currency:
            rows = [row for row in rows if row.get("currency", currency) == currency]
        columns = {column.name: column for column in self.columns}
        return {
            "type": self.chart["type"],
            "horizontal": self.chart.get("horizontal", False),
            "currency": currency,
            "labels": [_shown(columns[self.chart["x"]], row) for row in rows],
            "datasets": [
                {
                    "label": columns[name].label,
                    "kind": columns[name].kind,
                    "data": [_number(columns[name], row) for row in rows],
                }
                for name in self.chart["values"]
            ],
        }


def _number(column: Column, row: dict):
    value = row.get(column.name)
    if value is None:
        return None
    if column.kind == "money":
        return value / 100
    return float(value) if isinstance(value, Decimal) else value


def _shown(column: Column, row: dict) -> str:
    value = row.get(column.name)
    if column.kind == "money":
        return money(value, row.get(column.currency, ""))
    if column.kind == "dollars":
        return usd(value)
    if value is None:
        return "—"
    if column.kind == "count":
        return f"{value:,}"
    if column.kind == "percent":
        return f"{value} %"
    if column.kind == "ratio":
        return f"{value} ×"
    return str(value)


def _plain(column: Column, row: dict):
    """The CSV's value: numbers as plain numbers (money in major units, e.g. 24.99), text as it is."""
    value = row.get(column.name)
    if value is None:
        return ""
    if column.kind == "money":
        return f"{value / 100:.2f}"
    if column.kind == "dollars":
        return f"{Decimal(value).quantize(Decimal('0.0001'))}"
    if column.kind == "text" and str(value).startswith(FORMULA_STARTS):
        return "'" + str(value)  # a title or prompt is text, never a spreadsheet formula
    return value


# --- the tables ------------------------------------------------------------------------------------------------

SALES_COLUMNS = [
    Column("units", "Units", "count"),
    Column("revenue", "Revenue", "money"),
    Column("profit", "Profit", "money"),
]


def _figures_row(figures: sales_figures.Figures, **values) -> dict:
    return {
        **values,
        "units": figures.units,
        "revenue": figures.revenue,
        "profit": figures.profit,
        "orders": figures.orders,
        "currency": figures.currency,
    }


def _over_time(period: str, since) -> SalesTable:
    table = SalesTable(
        "over-time",
        f"Revenue, profit and orders by {period}",
        "Orders Printify received (cancelled, refunded, sample and reprint orders left out), by when they were placed.",
        [Column("period", period.capitalize()), Column("orders", "Orders", "count"), *SALES_COLUMNS],
        chart={"type": "line", "x": "period", "values": ["revenue", "profit", "orders"]},
    )
    formats = {"day": "%a %d %b", "week": "week of %d %b", "month": "%B %Y"}
    for series in sales_figures.over_time(period, since):
        for start, figures in zip(series.starts, series.points, strict=True):
            table.rows.append(_figures_row(figures, period=start.strftime(formats[period])))
    return table


def _top(window: sales_figures.Window, dimension: str, title: str, link: str = "") -> SalesTable:
    table = SalesTable(
        {"batch": "top-batches"}.get(dimension, f"top-{dimension}s"),
        title,
        "By profit in the period.",
        [Column(dimension, dimension.capitalize()), *SALES_COLUMNS],
        chart={"type": "bar", "x": dimension, "values": ["profit"], "horizontal": True},
    )
    for ranked in window.top(dimension, n=TOP_N):
        row = _figures_row(ranked.figures, key=ranked.key, **{dimension: ranked.label})
        if link:
            row["link"] = reverse(link, args=[ranked.key])
        table.rows.append(row)
    return table


def _prompt_words(window: sales_figures.Window) -> SalesTable:
    table = SalesTable(
        "top-words",
        "Words of the prompts that sell",
        "Each word with the sales of the designs whose prompt holds it (a design counts once per word).",
        [Column("word", "Word"), *SALES_COLUMNS],
        chart={"type": "bar", "x": "word", "values": ["profit"], "horizontal": True},
    )
    for ranked in window.top("word", n=TOP_N):
        table.rows.append(_figures_row(ranked.figures, word=ranked.label))
    return table


def _sell_through() -> SalesTable:
    table = SalesTable(
        "sell-through",
        "Sell-through",
        "Of the designs first published at least this long ago, how many have sold since.",
        [
            Column("published_ago", "Published at least"),
            Column("published", "Designs", "count"),
            Column("sold", "Sold since", "count"),
            Column("rate", "Sell-through", "percent"),
        ],
        chart={"type": "bar", "x": "published_ago", "values": ["rate"]},
        empty="No design has been on the store for 7 days yet.",
    )
    cohorts = sales_figures.sell_through()
    for row in cohorts if any(row.published for row in cohorts) else []:
        table.rows.append(
            {"published_ago": f"{row.days} days ago", "published": row.published, "sold": row.sold, "rate": row.rate}
        )
    return table


def _return_on_spend() -> SalesTable:
    table = SalesTable(
        "return-per-preset",
        "Return on generation spend, per preset",
        "All time: the profit of a preset's designs ÷ what all its designs cost to make (RunPod generation and print "
        "files, LLM copy), sold or not. “—” where the profit is in another currency than the spend (dollars).",
        [
            Column("preset", "Preset"),
            Column("designs", "Designs", "count"),
            Column("spend", "Spent", "dollars"),
            Column("profit", "Profit", "money"),
            Column("return", "Return", "ratio"),
        ],
        chart={"type": "bar", "x": "preset", "values": ["return"]},
    )
    for item in sales_figures.return_on_spend("preset"):
        sales = item.sales or [sales_figures.Figures(sales_figures.SPEND_CURRENCY)]
        for figures in sales:
            table.rows.append(
                {
                    "preset": item.label,
                    "designs": item.designs,
                    "spend": item.spend.total,
                    "profit": figures.profit,
                    "currency": figures.currency,
                    "return": item.ratio,
                }
            )
    return table


def _by_country(since) -> SalesTable:
    table = SalesTable(
        "by-country",
        "Sales by country",
        "The customer's country (the only thing podsite keeps of a customer).",
        [Column("country", "Country"), Column("orders", "Orders", "count"), *SALES_COLUMNS],
        chart={"type": "bar", "x": "country", "values": ["revenue"]},
    )
    for ranked in sales_figures.by_country(since):
        table.rows.append(_figures_row(ranked.figures, country=ranked.label))
    return table


def _follow_ups() -> SalesTable:
    table = SalesTable(
        "follow-ups",
        "Do the follow-ups sell too?",
        "Batches made with “Make more like these”, newest first, with all their designs' sales so far.",
        [
            Column("batch", "Batch"),
            Column("made_from", "Followed up", "count"),
            Column("designs", "New designs", "count"),
            *SALES_COLUMNS,
        ],
        empty="No follow-up batches yet: choose designs that sell and run “Make more like these”.",
    )
    for item in sales_figures.follow_up_sales():
        for figures in item.sales or [sales_figures.Figures("")]:
            row = _figures_row(figures, batch=item.name, made_from=item.made_from, designs=item.designs)
            row["link"] = reverse("admin:designs_batch_change", args=[item.batch_id])
            table.rows.append(row)
    return table


def dashboard_tables(*, period: str, days: int, only: str = "") -> list[SalesTable]:
    """The dashboard's tables, in page order (`only`: the one with that slug, for its CSV)."""
    since = timezone.now() - timedelta(days=days)
    window = functools.cache(lambda: sales_figures.Window(since))  # read once, for the five top lists
    builders = {
        "over-time": lambda: _over_time(period, since),
        "top-designs": lambda: _top(window(), "design", "Top designs", link="admin:designs_design_change"),
        "top-templates": lambda: _top(window(), "template", "Top templates"),
        "top-batches": lambda: _top(window(), "batch", "Top batches", link="admin:designs_batch_change"),
        "top-presets": lambda: _top(window(), "preset", "Top presets"),
        "top-words": lambda: _prompt_words(window()),
        "sell-through": _sell_through,
        "return-per-preset": _return_on_spend,
        "by-country": lambda: _by_country(since),
        "follow-ups": _follow_ups,
    }
    with sales_figures.roomy_reads():
        if only:
            return [builders[only]()] if only in builders else []
        return [build() for build in builders.values()]


def _choice(request, name: str, allowed, default):
    value = request.GET.get(name, "")
    if name == "days":
        value = int(value) if value.isdigit() else default
    return value if value in allowed else default


class SalesDashboardMixin:
    """For DesignAdmin: the dashboard and its CSV downloads, for anyone who may view designs."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("sales/", view(self.sales_dashboard_view), name="designs_design_sales"),
            path("sales/<slug:slug>.csv", view(self.sales_csv_view), name="designs_design_sales_csv"),
            *super().get_urls(),
        ]

    def _sales_choices(self, request) -> tuple[str, int]:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return _choice(request, "period", sales_figures.PERIODS, DEFAULT_PERIOD), _choice(
            request, "days", WINDOWS, DEFAULT_DAYS
        )

    def sales_dashboard_view(self, request):
        period, days = self._sales_choices(request)
        tables = dashboard_tables(period=period, days=days)
        over_time, top_designs = tables[0], tables[1]
        totals: dict[str, dict] = {}
        for row in over_time.rows:
            total = totals.setdefault(
                row["currency"], {"currency": row["currency"], "orders": 0, "units": 0, "revenue": 0, "profit": 0}
            )
            for name in ("orders", "units", "revenue", "profit"):
                total[name] += row[name]
        query = f"period={period}&days={days}"
        changelist = reverse("admin:designs_design_changelist")
        top_ids = [row["key"] for row in top_designs.rows if row["currency"] == top_designs.rows[0]["currency"]]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Sales",
            "period": period,
            "days": days,
            "periods": [(name, name.capitalize()) for name in sales_figures.PERIODS],
            "windows": WINDOWS.items(),
            "window_label": WINDOWS[days],
            "totals": [
                {
                    "orders": f"{t['orders']:,}",
                    "units": f"{t['units']:,}",
                    "revenue": money(t["revenue"], t["currency"]),
                    "profit": money(t["profit"], t["currency"]),
                }
                for t in totals.values()
            ],
            "tables": [
                {
                    "table": table,
                    "rows": table.shown_rows(),
                    "chart": table.chart_data(),
                    "chart_id": f"pod-chart-{table.slug}",
                    "csv": reverse("admin:designs_design_sales_csv", args=[table.slug]) + "?" + query,
                }
                for table in tables
            ],
            "can_make_more": self.has_add_permission(request) and bool(top_ids),
            "make_more_url": follow_up_url(top_ids),
            "make_more_count": len(top_ids),
            "idle_days": IDLE_DAYS,
            "idle_count": sales_figures.never_sold(Design.objects.all(), days=IDLE_DAYS).count(),
            "idle_url": f"{changelist}?{SalesFilter.parameter_name}={SalesFilter.IDLE}",
            "by_profit_url": sales_view_url(self.list_display),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/designs/design/sales.html", context)

    def sales_csv_view(self, request, slug: str):
        period, days = self._sales_choices(request)
        found = dashboard_tables(period=period, days=days, only=slug)
        if not found:
            raise Http404("No such sales table.")
        table = found[0]
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="sales-{slug}-{period}-{days}d.csv"'
        writer = csv.writer(response)
        writer.writerow(table.csv_header())
        writer.writerows(table.csv_rows())
        return response
