"""Sales figures: what sold, when, where, and what it earned after what it cost. Reads only.

Every sum is over the order lines' stored figures (designs/sales.py works them out when a line is read), so a figure
over 100,000 lines is one grouped query. Two rules hold everywhere:

- What counts: `sales_lines()` (counted lines, plus reprint-cost lines so a reprint's cost reaches its original
  design) with `PROFIT`, `UNITS` and `ORDERS` (units and orders count sales only) are the one definition of a sale
  and its profit; every figure below is built from them.
- Money keeps its currency: lines are grouped by their currency (each line stores its order's), never added across
  currencies. What a
  design cost (RunPod generation and print preparation, LLM copy) is in SPEND_CURRENCY; a return on that spend is
  worked out only where the profit is in the same currency.

One job, one file (just past 500 lines on purpose): every read behind the dashboard, the changelist's sales columns
and the design page's figures shares those two rules and the Figures type; split by screen, each part would have to
import them back and the rules would no longer sit beside every sum that uses them.
"""

from __future__ import annotations

import heapq
import re
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    CharField,
    Count,
    DecimalField,
    Exists,
    F,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from designs.models import Batch, Design, OrderLine, Product, ProductTemplate
from designs.products import ProductState

SPEND_CURRENCY = "USD"  # RunPod and the LLM bill in dollars (designs/admin/display.py usd())
PERIODS = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
DIMENSIONS = ("design", "template", "batch", "preset", "word")  # what a top list ranks
SELL_THROUGH_DAYS = (7, 30, 90)
# Words of prompts that say nothing about what sold.
_STOP_WORDS = frozenset(
    "a an and the of in on at to with for from by or as is are be its it this that into over under no not very "
    "style art design illustration image picture print high quality detailed background white black".split()
)
_WORD = re.compile(r"[a-z][a-z'-]{2,}")


# PostgreSQL sorts and hashes in work_mem (4 MB by default) and spills to disk beyond it: a year's 100,000 lines
# grouped by design or week did ("external merge", EXPLAIN ANALYZE in bench/sales.py). The dashboard's reads get
# this much per sort, for their own transaction only.
DASHBOARD_WORK_MEM = "32MB"


@contextmanager
def roomy_reads():
    """The dashboard's reads in one transaction with room to sort and hash in memory (PostgreSQL; elsewhere just
    the transaction)."""
    with transaction.atomic():
        if connection.vendor != "postgresql":
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('work_mem'), set_config('work_mem', %s, true)", [DASHBOARD_WORK_MEM])
            before = cursor.fetchone()[0]
        yield
        # Inside a caller's transaction the setting would outlive this block: put it back (an error rolls it back
        # with the savepoint instead).
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('work_mem', %s, true)", [before])


# --- the one definition of a sale and its profit ---------------------------------------------------------------

# Sales are the counted lines; a reprint's cost (designs/sales.py: a reprint_cost line, negative profit, no units or
# revenue) is read with them so it reaches its original design's profit, and only UNITS and ORDERS leave it out.
SALE = Q(counted=True)
PROFIT = Sum("profit")  # None lines (currencies differ) are left out and counted apart
UNITS = Sum("quantity", filter=SALE)
ORDERS = Count("order_id", distinct=True, filter=SALE)
# A line's money is in its order's (the sales channel's) currency, stored on the line when it is read
# (designs/sales.py): grouping by it reads no order row.
CURRENCY = "currency"


def sales_lines(since: datetime | None = None, until: datetime | None = None) -> QuerySet[OrderLine]:
    """The lines that are sales (not cancelled, refunded, samples or reprints: designs/sales.py decides `counted`),
    with the reprint costs charged to their designs."""
    lines = OrderLine.objects.filter(SALE | Q(reprint_cost=True))
    if since is not None:
        lines = lines.filter(sold_at__gte=since)
    if until is not None:
        lines = lines.filter(sold_at__lt=until)
    return lines


def line_sums(**extra):
    """The aggregates behind a Figures row (group the lines by CURRENCY first)."""
    return {
        "sum_units": UNITS,  # named apart from the line's own columns (an alias may not shadow one)
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

    def add(self, other: Figures) -> None:
        self.units += other.units
        self.revenue += other.revenue
        self.profit += other.profit
        self.orders += other.orders
        self.without_profit += other.without_profit

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
    rows = sales_lines(since).values(CURRENCY).annotate(**line_sums(orders=ORDERS))
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
    tz = timezone.get_current_timezone()
    found: dict[str, dict[date, Figures]] = defaultdict(dict)
    for sold_at, currency, figures in _sales_by_time(since, until, tz, period):
        start = period_start(
            timezone.localtime(sold_at, tz).date() if isinstance(sold_at, datetime) else sold_at, period
        )
        found[currency].setdefault(start, Figures(currency)).add(figures)
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


def _sales_by_time(since, until, tz, period):
    """(a time in the bucket, currency, Figures) rows: per UTC hour on SQLite where the site's time zone is a whole
    number of hours from UTC (SQLite truncates dates with a Python function per line, which costs a second over
    100,000 lines; an hour is a prefix of the stored text), else per day/week/month in the database."""
    lines = sales_lines(since, until)
    sums = line_sums(orders=ORDERS)  # an order's lines share its time: never split
    offsets = {tz.utcoffset(moment.replace(tzinfo=None)) for moment in (since, until or timezone.now())}
    if connection.vendor == "sqlite" and all(offset.total_seconds() % 3600 == 0 for offset in offsets):
        hour = Func(F("sold_at"), Value(1), Value(13), function="substr", output_field=CharField())
        for row in lines.annotate(hour=hour).values("hour", CURRENCY).annotate(**sums).order_by():
            sold_at = datetime.fromisoformat(row["hour"] + ":00").replace(tzinfo=UTC)
            yield sold_at, row[CURRENCY], Figures.of(row)
        return
    rows = lines.annotate(start=PERIODS[period]("sold_at", tzinfo=tz)).values("start", CURRENCY).annotate(**sums)
    for row in rows.order_by():
        yield row["start"], row[CURRENCY], Figures.of(row)


# --- top lists -------------------------------------------------------------------------------------------------


@dataclass
class Ranked:
    """One design, template, batch, preset or prompt word with its sales in one currency."""

    key: object
    label: str
    figures: Figures


class Window:
    """What sold in a period, read once for every top list: the counted lines summed per design, template and
    currency (one query over the period's lines, which SQLite reads by their time index), the designs' names,
    prompts, batches and presets (one query), and the templates' names (one query). The top designs, templates,
    batches, presets and prompt words are then rolled up from these rows: as plain sums (units, revenue, profit,
    lines without a profit), one design's templates added up once for every list that goes by design, and a Figures
    made only for the n that are shown (a year's window holds tens of thousands of rows)."""

    def __init__(self, since: datetime | None = None):
        rows = sales_lines(since).values_list("design_id", "template_id", CURRENCY).annotate(**line_sums())
        # (design, template, currency, (units, revenue, profit, without_profit)), in line_sums()' order.
        self.rows = [(d, t, c, (u or 0, r or 0, p or 0, w or 0)) for d, t, c, u, r, p, w in rows.order_by()]
        sold = sales_lines(since).exclude(design_id=None).values("design_id")
        fields = ("pk", "title", "prompt", "batch_id", "batch__name", "preset_id", "preset__name")
        self.designs = {row["pk"]: row for row in Design.objects.filter(pk__in=sold).values(*fields).order_by()}
        self.names = {
            "template": dict(ProductTemplate.objects.values_list("pk", "name")),
            "batch": {d["batch_id"]: d["batch__name"] for d in self.designs.values()},
            "preset": {d["preset_id"]: d["preset__name"] for d in self.designs.values()},
        }
        self._words: dict[int, list[str]] = {}
        self._by_design: dict[tuple, list[int]] | None = None

    def _keys(self, dimension: str, design_id) -> list:
        """What a design's sales count toward under `dimension` (not template): none for a line not linked to a
        design, several for words."""
        design = self.designs.get(design_id)
        if design is None:
            return []
        if dimension == "design":
            return [design_id]
        if dimension == "word":
            if design_id not in self._words:
                self._words[design_id] = sorted(prompt_words(design["prompt"]))
            return self._words[design_id]
        key = design[f"{dimension}_id"]
        return [key] if key else []

    def _label(self, dimension: str, key) -> str:
        if dimension == "design":
            design = self.designs[key]
            return f"#{key} {design['title'] or design['prompt'][:60]}"
        if dimension == "word":
            return key
        return self.names[dimension].get(key) or f"#{key}"

    def _keyed(self, dimension: str):
        """(key, currency, sums) for every row the list `dimension` adds up."""
        if dimension == "template":
            yield from ((template_id, currency, sums) for _, template_id, currency, sums in self.rows if template_id)
            return
        if self._by_design is None:
            self._by_design = _summed(((design_id, currency, sums) for design_id, _, currency, sums in self.rows))
        for (design_id, currency), sums in self._by_design.items():
            for key in self._keys(dimension, design_id):
                yield key, currency, sums

    def top(self, dimension: str, *, n: int = 10, by: str = "profit") -> list[Ranked]:
        """The n best designs / templates / batches / presets / prompt words by profit (or revenue, units), the
        shop's currency first (a design counts once per word of its prompt)."""
        column = ("units", "revenue", "profit").index(by)
        found = list(_summed(self._keyed(dimension)).items())

        def rank(item) -> tuple:
            return _currency_first(item[0][1]), -item[1][column]

        # The n first by currency and figure (a heap, not a sort of every design), then those and any tied with the
        # last of them ordered by label too: labels are made for the few shown, not for 20,000 designs.
        shown = heapq.nsmallest(n, found, key=rank)
        edge = rank(shown[-1]) if shown else None
        tied = [item for item in found if rank(item) <= edge] if shown else []
        best = sorted(tied, key=lambda item: (*rank(item), self._label(dimension, item[0][0])))[:n]
        return [
            Ranked(
                key,
                self._label(dimension, key),
                Figures(currency, units=units, revenue=revenue, profit=profit, without_profit=without),
            )
            for (key, currency), (units, revenue, profit, without) in best
        ]


def _summed(rows) -> dict[tuple, list[int]]:
    """{(key, currency): [units, revenue, profit, without_profit]} added up over (key, currency, sums) rows."""
    found: dict[tuple, list[int]] = {}
    for key, currency, (units, revenue, profit, without) in rows:
        total = found.get((key, currency))
        if total is None:
            found[key, currency] = [units, revenue, profit, without]
        else:
            total[0] += units
            total[1] += revenue
            total[2] += profit
            total[3] += without
    return found


def top(dimension: str, *, since: datetime | None = None, n: int = 10, by: str = "profit") -> list[Ranked]:
    """The n best of one dimension since `since` (Window.top; a dashboard reads one Window for all its lists)."""
    return Window(since).top(dimension, n=n, by=by)


def prompt_words(text: str) -> set[str]:
    return {word for word in _WORD.findall((text or "").lower()) if word not in _STOP_WORDS}


def top_prompt_words(*, since: datetime | None = None, n: int = 15) -> list[Ranked]:
    """The words of the prompts of what sold, each with the sales of the designs whose prompt holds it (a design
    counts once per word): which subjects and styles sell."""
    return Window(since).top("word", n=n)


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
    """Of the designs first published `days` or more days ago, how many have sold since they were published: per
    design its first publishing and its last sale, counted per cohort in one query. A sale is a counted line (a
    reprint is not one): its last one is the first entry of a backward seek into line_design_sales."""
    now = timezone.now()
    last_sale = OrderLine.objects.filter(SALE, design_id=OuterRef("design_id")).order_by("-sold_at")
    last_sale = last_sale.values("sold_at")[:1]
    designs = (
        Product.objects.filter(published_at__isnull=False)
        .values("design_id")
        .annotate(first=Min("published_at"), last=Subquery(last_sale))
        .order_by()
    )
    counts = {}
    for days in days_list:
        cutoff = now - timedelta(days=days)
        counts[f"published_{days}"] = Count("design_id", filter=Q(first__lte=cutoff))
        counts[f"sold_{days}"] = Count("design_id", filter=Q(first__lte=cutoff, last__gte=F("first")))
    found = designs.aggregate(**counts)
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
    time (a design that never sold still cost its generation). Two grouped reads: the designs' spend per preset, and
    the sales lines joined to their designs per preset and currency (no per-design subquery: 20,000 designs cost one
    hash join, not 20,000 index probes)."""
    key, name = {"preset": ("preset_id", "preset__name"), "batch": ("batch_id", "batch__name")}[dimension]
    rows = (
        Design.objects.exclude(**{key: None}).values(key, name).annotate(designs=Count("pk"), **_SPEND_SUMS).order_by()
    )
    returns = {row[key]: Return(row[key], row[name], row["designs"], _spend(row), []) for row in rows}
    sales = sales_lines().filter(**{f"design__{key}__isnull": False}).values(f"design__{key}", CURRENCY)
    for row in sales.annotate(**line_sums()).order_by():
        if row[f"design__{key}"] in returns:
            returns[row[f"design__{key}"]].sales.append(Figures.of(row))
    for item in returns.values():
        item.sales.sort(key=lambda figures: _currency_first(figures.currency))
    return sorted(returns.values(), key=lambda r: (r.ratio is None, -(r.ratio or 0), r.label))


def by_country(since: datetime | None = None) -> list[Ranked]:
    """Sales per customer country (an order without one is "not known")."""
    rows = sales_lines(since).values("order__country", CURRENCY).annotate(**line_sums(orders=ORDERS))
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


def design_total(expression, currency: str) -> Subquery:
    """A design's (OuterRef "pk") sum of `expression` over its counted lines in `currency`: a seek into the
    line_design_figures index by design and currency that reads nothing else (no line row, no order)."""
    lines = sales_lines().filter(design_id=OuterRef("pk"), currency=currency).values("design_id")
    return Subquery(lines.annotate(total=expression).values("total")[:1], output_field=IntegerField())


def with_sales(designs: QuerySet[Design], currency: str | None = None) -> QuerySet[Design]:
    """The designs annotated with units_sold, revenue and profit of their counted lines in `currency` (the shop's),
    each a design_total: sorting 20,000 designs by profit stays a fraction of the page, never a query per row."""
    currency = currency or settings.SHOP_CURRENCY
    return designs.annotate(
        units_sold=Coalesce(design_total(UNITS, currency), 0),
        revenue=Coalesce(design_total(Sum("revenue"), currency), 0),
        profit=Coalesce(design_total(PROFIT, currency), 0),
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
