"""Sales figures: what sold, when, where, and what it earned after what it cost. Reads only.

Every sum is over the order lines' stored figures (designs/sales.py works them out when a line is read), so a figure
over 100,000 lines is one grouped query. Two rules hold everywhere:

- What counts: `sales_lines()` (counted lines) and `PROFIT` (their profit) are the one definition of a sale and of
  its profit; every figure below is built from them. (A reprint's cost reaching its original design will be added
  to PROFIT, the one expression to extend.)
- Money keeps its currency: lines are grouped by their order's currency, never added across currencies. What a
  design cost (RunPod generation and print preparation, LLM copy) is in SPEND_CURRENCY; a return on that spend is
  worked out only where the profit is in the same currency.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, DecimalField, Exists, IntegerField, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from designs.models import Batch, Design, Order, OrderLine, Product
from designs.products import ProductState

SPEND_CURRENCY = "USD"  # RunPod and the LLM bill in dollars (designs/admin/display.py usd())
PERIODS = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
DIMENSIONS = {  # what a "top" list groups by (the line's own column, or its design's) and the names it shows
    "design": ("design_id", ("design__title", "design__prompt")),
    "template": ("template_id", ("template__name",)),
    "batch": ("design__batch_id", ("design__batch__name",)),
    "preset": ("design__preset_id", ("design__preset__name",)),
}
SELL_THROUGH_DAYS = (7, 30, 90)
# Words of prompts that say nothing about what sold.
_STOP_WORDS = frozenset(
    "a an and the of in on at to with for from by or as is are be its it this that into over under no not very "
    "style art design illustration image picture print high quality detailed background white black".split()
)
_WORD = re.compile(r"[a-z][a-z'-]{2,}")


# --- the one definition of a sale and its profit ---------------------------------------------------------------

PROFIT = Sum("profit")  # the profit of counted lines; None lines (currencies differ) are left out and counted apart
CURRENCY = "order__currency"  # a line's money is in its order's (the sales channel's) currency


def sales_lines(since: datetime | None = None, until: datetime | None = None) -> QuerySet[OrderLine]:
    """The lines that are sales (not cancelled, refunded, samples or reprints: designs/sales.py decides `counted`)."""
    lines = OrderLine.objects.filter(counted=True)
    if since is not None:
        lines = lines.filter(sold_at__gte=since)
    if until is not None:
        lines = lines.filter(sold_at__lt=until)
    return lines


def line_sums(**extra):
    """The aggregates behind a Figures row (group the lines by CURRENCY first)."""
    return {
        "sum_units": Sum("quantity"),  # named apart from the line's own columns (an alias may not shadow one)
        "sum_revenue": Sum("revenue"),
        "sum_profit": PROFIT,
        "without_profit": Count("pk", filter=Q(profit__isnull=True)),
        **extra,
    }


@dataclass
class Figures:
    """Sales in one currency: units, revenue and profit (minor units), and lines whose profit is not known."""

    currency: str
    units: int = 0
    revenue: int = 0
    profit: int = 0
    orders: int = 0
    without_profit: int = 0

    @classmethod
    def of(cls, row: dict) -> Figures:
        return cls(
            currency=row[CURRENCY],
            units=row["sum_units"] or 0,
            revenue=row["sum_revenue"] or 0,
            profit=row["sum_profit"] or 0,
            orders=row.get("orders") or 0,
            without_profit=row["without_profit"] or 0,
        )


def _currency_first(currency: str) -> tuple[bool, str]:
    return currency != settings.SHOP_CURRENCY, currency


def totals(since: datetime | None = None) -> list[Figures]:
    """Everything sold since `since`, one Figures per currency (the shop's first)."""
    rows = sales_lines(since).values(CURRENCY).annotate(**line_sums(orders=Count("order_id", distinct=True)))
    return sorted((Figures.of(row) for row in rows.order_by()), key=lambda f: _currency_first(f.currency))


# --- over time -------------------------------------------------------------------------------------------------


@dataclass
class Series:
    currency: str
    period: str
    starts: list[date] = field(default_factory=list)
    points: list[Figures] = field(default_factory=list)


def period_start(day: date, period: str) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def _next_start(start: date, period: str) -> date:
    if period == "week":
        return start + timedelta(days=7)
    if period == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=1)


def over_time(period: str, since: datetime, until: datetime | None = None) -> list[Series]:
    """Revenue, profit, units and orders per day, week or month (in the site's time zone) from `since`, one series per
    currency; periods without a sale are there with zeros, so a chart's gaps are real."""
    trunc = PERIODS[period]
    tz = timezone.get_current_timezone()
    rows = (
        sales_lines(since, until)
        .annotate(start=trunc("sold_at", tzinfo=tz))
        .values(CURRENCY, "start")
        .annotate(**line_sums(orders=Count("order_id", distinct=True)))
        .order_by()
    )
    found: dict[str, dict[date, Figures]] = defaultdict(dict)
    for row in rows:
        start = row["start"]
        start = timezone.localtime(start, tz).date() if isinstance(start, datetime) else start
        found[row[CURRENCY]][start] = Figures.of(row)
    first = period_start(timezone.localtime(since, tz).date(), period)
    last = timezone.localtime(until or timezone.now(), tz).date()
    starts = []
    while first <= last:
        starts.append(first)
        first = _next_start(first, period)
    currencies = sorted(found, key=_currency_first) or [settings.SHOP_CURRENCY]
    return [
        Series(currency, period, starts, [found[currency].get(start, Figures(currency)) for start in starts])
        for currency in currencies
    ]


# --- top lists -------------------------------------------------------------------------------------------------


@dataclass
class Ranked:
    """One design, template, batch, preset or prompt word with its sales in one currency."""

    key: object
    label: str
    figures: Figures


def _label(dimension: str, key, names: tuple) -> str:
    if dimension == "design":
        title, prompt = names
        return f"#{key} {title or (prompt or '')[:60]}"
    return names[0] or f"#{key}"


def top(dimension: str, *, since: datetime | None = None, n: int = 10, by: str = "profit") -> list[Ranked]:
    """The n best designs / templates / batches / presets by profit (or revenue, units) since `since`, named, in one
    query. Lines not linked to one (another shop's product, a design without a batch) are left out of that list."""
    key, label_fields = DIMENSIONS[dimension]
    rows = list(
        sales_lines(since)
        .exclude(**{f"{key}__isnull": True})
        .values(key, *label_fields, CURRENCY)
        .annotate(**line_sums())
        .order_by(f"-sum_{by}", key)[: n * 2]  # room for a second currency's rows
    )
    rows = sorted(rows, key=lambda row: _currency_first(row[CURRENCY]))[:n]
    ranked = [
        Ranked(row[key], _label(dimension, row[key], tuple(row[f] for f in label_fields)), Figures.of(row))
        for row in rows
    ]
    return sorted(ranked, key=lambda r: (_currency_first(r.figures.currency), -getattr(r.figures, by)))


def prompt_words(text: str) -> set[str]:
    return {word for word in _WORD.findall(text.lower()) if word not in _STOP_WORDS}


def top_prompt_words(*, since: datetime | None = None, n: int = 15) -> list[Ranked]:
    """The words of the prompts of what sold, each with the sales of the designs whose prompt holds it (a design
    counts once per word): which subjects and styles sell."""
    per_design = (
        sales_lines(since)
        .exclude(design_id=None)
        .values("design_id", "design__prompt", CURRENCY)
        .annotate(**line_sums())
        .order_by()
    )
    words: dict[tuple[str, str], Figures] = {}
    for row in per_design:
        for word in prompt_words(row["design__prompt"]):
            figures = words.setdefault((word, row[CURRENCY]), Figures(row[CURRENCY]))
            figures.units += row["sum_units"] or 0
            figures.revenue += row["sum_revenue"] or 0
            figures.profit += row["sum_profit"] or 0
            figures.without_profit += row["without_profit"] or 0
    ranked = [Ranked(word, word, figures) for (word, _), figures in words.items()]
    return sorted(ranked, key=lambda r: (_currency_first(r.figures.currency), -r.figures.profit, r.label))[:n]


def top_design_ids(*, days: int = 30, n: int = 10) -> list[int]:
    """The n designs with the most profit in the last `days` days, best first ("make more like these")."""
    since = timezone.now() - timedelta(days=days)
    return [ranked.key for ranked in top("design", since=since, n=n)]


# --- sell-through, spend, countries ---------------------------------------------------------------------------


def first_published():
    """A design's first product's publishing time, as a subquery (None: never published)."""
    products = Product.objects.filter(design_id=OuterRef("pk"), published_at__isnull=False)
    return Subquery(products.values("design_id").annotate(first=Min("published_at")).values("first")[:1])


@dataclass
class SellThrough:
    days: int
    published: int
    sold: int

    @property
    def rate(self) -> int | None:
        return round(100 * self.sold / self.published) if self.published else None


def sell_through(days_list=SELL_THROUGH_DAYS) -> list[SellThrough]:
    """Of the designs first published `days` or more days ago, how many have sold since they were published."""
    now = timezone.now()
    sold_since = Exists(sales_lines().filter(design_id=OuterRef("pk"), sold_at__gte=OuterRef("first_published")))
    designs = Design.objects.annotate(first_published=first_published()).filter(first_published__isnull=False)
    counts = {}
    for days in days_list:
        cutoff = now - timedelta(days=days)
        counts[f"published_{days}"] = Count("pk", filter=Q(first_published__lte=cutoff))
        counts[f"sold_{days}"] = Count("pk", filter=Q(first_published__lte=cutoff, sold=True))
    found = designs.annotate(sold=sold_since).aggregate(**counts)
    return [SellThrough(days, found[f"published_{days}"], found[f"sold_{days}"]) for days in days_list]


def never_sold(designs: QuerySet[Design], *, days: int) -> QuerySet[Design]:
    """Of `designs`, those with a live product whose design was first published `days`+ days ago and never sold."""
    cutoff = timezone.now() - timedelta(days=days)
    live = Product.objects.filter(design_id=OuterRef("pk"), state=ProductState.LIVE)
    return (
        designs.annotate(first_published=first_published())
        .filter(Exists(live), first_published__lte=cutoff)
        .exclude(Exists(sales_lines().filter(design_id=OuterRef("pk"))))
    )


def sold_recently(designs: QuerySet[Design], *, days: int) -> QuerySet[Design]:
    since = timezone.now() - timedelta(days=days)
    return designs.filter(Exists(sales_lines(since).filter(design_id=OuterRef("pk"))))


def print_cost(execution_ms) -> Decimal:
    """What preparing print files cost: RunPod time × RUNPOD_COST_PER_SECOND (print jobs record only their time)."""
    return Decimal(execution_ms or 0) / 1000 * Decimal(str(settings.RUNPOD_COST_PER_SECOND))


@dataclass
class Spend:
    """What designs cost to make, in SPEND_CURRENCY (dollars, Decimal)."""

    generation: Decimal = Decimal(0)
    print_files: Decimal = Decimal(0)
    copy: Decimal = Decimal(0)

    @property
    def total(self) -> Decimal:
        return self.generation + self.print_files + self.copy


_SPEND_SUMS = {
    "generation": Coalesce(Sum("cost"), Decimal(0), output_field=DecimalField()),
    "print_ms": Coalesce(Sum("print_execution_ms"), 0, output_field=IntegerField()),
    "copy": Coalesce(Sum("copy_cost"), Decimal(0), output_field=DecimalField()),
}


def _spend(row: dict) -> Spend:
    return Spend(Decimal(row["generation"]), print_cost(row["print_ms"]), Decimal(row["copy"]))


def _profit_in_spend_currency(sales: list[Figures]) -> Decimal | None:
    """The profit of these sales in SPEND_CURRENCY (0 when nothing sold); None when it sold in another currency."""
    same = [figures for figures in sales if figures.currency == SPEND_CURRENCY]
    if sales and not same:
        return None
    return Decimal(same[0].profit) / 100 if same else Decimal(0)


@dataclass
class Return:
    """A preset's (or batch's) designs: what they cost, what they earned, and profit ÷ cost where both are in the
    same currency (None otherwise, or when nothing was spent)."""

    key: object
    label: str
    designs: int
    spend: Spend
    sales: list[Figures]

    @property
    def ratio(self) -> Decimal | None:
        profit = _profit_in_spend_currency(self.sales)
        if profit is None or not self.spend.total:
            return None
        return (profit / self.spend.total).quantize(Decimal("0.01"))


def return_on_spend(dimension: str = "preset") -> list[Return]:
    """Per preset (or batch): all its designs' generation, print and copy spend against its designs' profit, all
    time (a design that never sold still cost its generation)."""
    key, name = {"preset": ("preset_id", "preset__name"), "batch": ("batch_id", "batch__name")}[dimension]
    spend_rows = Design.objects.exclude(**{key: None}).values(key, name).annotate(designs=Count("pk"), **_SPEND_SUMS)
    spends = {row[key]: (row[name], row["designs"], _spend(row)) for row in spend_rows.order_by()}
    sales: dict[object, list[Figures]] = defaultdict(list)
    for row in sales_lines().values(f"design__{key}", CURRENCY).annotate(**line_sums()).order_by():
        sales[row[f"design__{key}"]].append(Figures.of(row))
    returns = [
        Return(pk, label, designs, spend, sorted(sales.get(pk, []), key=lambda f: f.currency))
        for pk, (label, designs, spend) in spends.items()
    ]
    return sorted(returns, key=lambda r: (r.ratio is None, -(r.ratio or 0), r.label))


def by_country(since: datetime | None = None) -> list[Ranked]:
    """Sales per customer country (an order without one is "not known")."""
    rows = (
        sales_lines(since)
        .values("order__country", CURRENCY)
        .annotate(**line_sums(orders=Count("order_id", distinct=True)))
    )
    ranked = [
        Ranked(row["order__country"], row["order__country"] or "not known", Figures.of(row)) for row in rows.order_by()
    ]
    return sorted(ranked, key=lambda r: (_currency_first(r.figures.currency), -r.figures.revenue, r.label))


# --- per design ------------------------------------------------------------------------------------------------


@dataclass
class DesignNet:
    """A design's sales (per currency), what it cost to make, and its net profit where the currencies allow."""

    sales: list[Figures]
    spend: Spend

    @property
    def net(self) -> Decimal | None:
        """Profit − spend, in SPEND_CURRENCY; None when its profit is in another currency."""
        profit = _profit_in_spend_currency(self.sales)
        return None if profit is None else profit - self.spend.total


def design_net(design_id: int) -> DesignNet:
    rows = sales_lines().filter(design_id=design_id).values(CURRENCY).annotate(**line_sums()).order_by()
    spend = Design.objects.filter(pk=design_id).values("pk").annotate(**_SPEND_SUMS).first() or {
        "generation": 0,
        "print_ms": 0,
        "copy": 0,
    }
    return DesignNet(sorted((Figures.of(row) for row in rows), key=lambda f: f.currency), _spend(spend))


def with_sales(designs: QuerySet[Design], currency: str | None = None) -> QuerySet[Design]:
    """The designs annotated with units_sold, revenue and profit of their counted lines in `currency` (the shop's):
    correlated sums that read only the line_design_figures index (no line row, no join), so sorting 20,000 designs
    by profit stays a fraction of the page. The currency is checked as "not one of the orders in another currency"
    (a small set SQLite builds once) rather than by joining each line's order."""
    currency = currency or settings.SHOP_CURRENCY
    foreign = Order.objects.exclude(currency=currency).values("pk")
    lines = sales_lines().filter(design_id=OuterRef("pk")).exclude(order_id__in=foreign).values("design_id")

    def total(expression):
        return Subquery(lines.annotate(total=expression).values("total")[:1], output_field=IntegerField())

    return designs.annotate(
        units_sold=Coalesce(total(Sum("quantity")), 0),
        revenue=Coalesce(total(Sum("revenue")), 0),
        profit=Coalesce(total(PROFIT), 0),
    )


@dataclass
class FollowUpSales:
    """A "make more like these" batch: how many designs it followed up, how many it made, and what they sold."""

    batch_id: int
    name: str
    made_from: int
    designs: int
    sales: list[Figures]


def follow_up_sales(n: int = 10) -> list[FollowUpSales]:
    """The n newest follow-up batches (those that record the designs they came from) with their designs' sales."""
    batches = list(
        Batch.objects.filter(made_from__isnull=False)
        .annotate(sources=Count("made_from", distinct=True), made=Count("designs", distinct=True))
        .order_by("-created_at", "-pk")
        .values("pk", "name", "sources", "made")[:n]
    )
    sales: dict[int, list[Figures]] = defaultdict(list)
    rows = sales_lines().filter(design__batch_id__in=[b["pk"] for b in batches])
    for row in rows.values("design__batch_id", CURRENCY).annotate(**line_sums()).order_by():
        sales[row["design__batch_id"]].append(Figures.of(row))
    return [FollowUpSales(b["pk"], b["name"], b["sources"], b["made"], sales.get(b["pk"], [])) for b in batches]
