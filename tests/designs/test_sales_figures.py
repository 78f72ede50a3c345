"""designs/sales_figures.py: sums over counted lines only, per currency (never added across), over time with empty
periods, top lists, sell-through, return on generation spend, countries and a design's net profit."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from designs import sales_figures
from designs.models import Batch, Design, GenerationPreset, OrderLine
from tests.designs.publishing_support import make_product, make_template
from tests.designs.sales_support import make_order, sell

pytestmark = pytest.mark.django_db


@pytest.fixture
def preset():
    return GenerationPreset.objects.create(name="Woodcut", workflow={}, parameter_map={})


def test_totals_count_sales_only_and_never_add_currencies(make_design):
    fox = make_design()
    order = make_order()
    sell(fox, order=order, quantity=2)  # 5000 revenue, 5000 - 2400 - 200 = 2400 profit
    sell(fox, order=order)  # same order: 2500, 1100
    sell(fox, counted=False)  # cancelled or refunded: left out
    sell(fox, currency="EUR", price=3000, cost=1000, fees=0)
    usd, eur = sales_figures.totals()
    assert (usd.currency, usd.units, usd.revenue, usd.profit, usd.orders) == ("USD", 3, 7500, 3500, 1)
    assert (eur.currency, eur.units, eur.revenue, eur.profit, eur.orders) == ("EUR", 1, 3000, 2000, 1)


def test_a_line_whose_profit_is_not_known_is_counted_apart(make_design):
    fox = make_design()
    sell(fox)
    sell(fox, profit_known=False)
    [usd] = sales_figures.totals()
    assert (usd.revenue, usd.profit, usd.without_profit) == (5000, 1100, 1)


def test_over_time_has_every_period_with_zeros_where_nothing_sold(make_design):
    fox = make_design()
    sell(fox, days_ago=0)
    sell(fox, days_ago=0, quantity=3)
    sell(fox, days_ago=2)
    [series] = sales_figures.over_time("day", since=timezone.now() - timedelta(days=3))
    assert [point.units for point in series.points] == [0, 1, 0, 4]
    assert series.starts[-1] == timezone.localdate()
    assert [point.orders for point in series.points] == [0, 1, 0, 2]


def test_over_time_by_week_and_month_start_on_monday_and_the_first():
    since = timezone.now() - timedelta(days=70)
    [weeks] = sales_figures.over_time("week", since=since)
    [months] = sales_figures.over_time("month", since=since)
    assert all(start.weekday() == 0 for start in weeks.starts)
    assert all(start.day == 1 for start in months.starts)
    assert weeks.starts[-1] <= timezone.localdate() < weeks.starts[-1] + timedelta(days=7)
    assert months.starts[-1] == timezone.localdate().replace(day=1)
    assert len(weeks.starts) in (11, 12)


def test_top_designs_templates_batches_and_presets(make_design, preset):
    batch = Batch.objects.create(name="Foxes", preset=preset)
    tee, mug = make_template(name="Tee"), make_template(name="Mug", is_default=False)
    fox = make_design(prompt="red fox woodcut", title="Red Fox", batch=batch, preset=preset)
    owl = make_design(prompt="owl at night")
    sell(product=make_product(fox, tee), quantity=3)  # profit 3 × 1300 − 200 = 3700
    sell(product=make_product(owl, mug))  # profit 1100
    sell(None, price=9900)  # not ours: in the totals, in no top list of designs

    designs = sales_figures.top("design")
    assert [(r.key, r.label, r.figures.profit) for r in designs] == [
        (fox.pk, f"#{fox.pk} Red Fox", 3700),
        (owl.pk, f"#{owl.pk} owl at night", 1100),
    ]
    assert [(r.label, r.figures.units) for r in sales_figures.top("template")] == [("Tee", 3), ("Mug", 1)]
    assert [(r.label, r.figures.revenue) for r in sales_figures.top("batch")] == [("Foxes", 7500)]
    assert [r.label for r in sales_figures.top("preset")] == ["Woodcut"]
    assert [r.key for r in sales_figures.top("design", n=1)] == [fox.pk]
    assert [r.key for r in sales_figures.top("design", by="revenue", since=timezone.now() - timedelta(hours=1))] == []


def test_a_design_sold_on_two_templates_adds_up_once_per_list(make_design):
    tee, mug = make_template(name="Tee"), make_template(name="Mug", is_default=False)
    fox = make_design(prompt="red fox woodcut", title="Red Fox")
    on_mug = make_product(fox, mug)
    sell(product=make_product(fox, tee), quantity=2)  # profit 2 × 1300 − 200 = 2400
    sell(product=on_mug)  # profit 1100
    sell(product=on_mug, currency="EUR")  # another currency: its own row, after the shop's
    window = sales_figures.Window()
    assert [(r.key, r.figures.currency, r.figures.units, r.figures.profit) for r in window.top("design")] == [
        (fox.pk, "USD", 3, 3500),
        (fox.pk, "EUR", 1, 1100),
    ]
    assert [(r.label, r.figures.currency, r.figures.units) for r in window.top("template")] == [
        ("Tee", "USD", 2),
        ("Mug", "USD", 1),
        ("Mug", "EUR", 1),
    ]
    assert {r.label: r.figures.revenue for r in window.top("word") if r.figures.currency == "USD"} == {
        "red": 7500,
        "fox": 7500,
        "woodcut": 7500,
    }


def test_prompt_words_carry_the_sales_of_the_designs_that_hold_them(make_design):
    sell(make_design(prompt="A red fox in the snow, woodcut"), quantity=2)  # profit 2400
    sell(make_design(prompt="Red owl, woodcut style"))  # profit 1100
    words = {r.label: r.figures for r in sales_figures.top_prompt_words()}
    assert words["woodcut"].profit == 3500 and words["red"].units == 3
    assert words["fox"].profit == 2400 and words["owl"].profit == 1100
    assert "the" not in words and "style" not in words and "in" not in words


def test_top_lists_read_a_period(make_design):
    fox, owl, old = make_design(), make_design(), make_design()
    sell(fox, quantity=2)
    sell(owl)
    sell(old, quantity=9, days_ago=45)
    since = timezone.now() - timedelta(days=30)
    assert [r.key for r in sales_figures.top("design", since=since, n=5)] == [fox.pk, owl.pk]
    assert [r.key for r in sales_figures.top("design", n=1)] == [old.pk]


def test_sell_through_counts_designs_published_n_days_ago_that_sold_since(make_design):
    now = timezone.now()
    old_seller, old_idle, new_seller = make_design(), make_design(), make_design()
    make_product(old_seller, published_at=now - timedelta(days=40))
    make_product(old_idle, published_at=now - timedelta(days=35))
    make_product(new_seller, published_at=now - timedelta(days=3))
    make_design()  # never published: in no cohort
    sell(old_seller, days_ago=2)
    sell(old_idle, days_ago=50)  # sold before it was published (another shop's order of the design): not since
    sell(new_seller, days_ago=1)
    figures = {row.days: (row.published, row.sold, row.rate) for row in sales_figures.sell_through((1, 7, 30, 90))}
    assert figures == {1: (3, 2, 67), 7: (2, 1, 50), 30: (2, 1, 50), 90: (0, 0, None)}


def test_a_reprint_since_publishing_is_no_sale_in_the_sell_through(make_design):
    reprinted = make_design()
    make_product(reprinted, published_at=timezone.now() - timedelta(days=40))
    sell(reprinted, days_ago=50)  # its one sale was before
    reprint = sell(reprinted, days_ago=2, price=0, fees=0, counted=False)
    OrderLine.objects.filter(pk=reprint.pk).update(reprint_cost=True, revenue=0, profit=-1500)
    [cohort] = sales_figures.sell_through((30,))
    assert (cohort.published, cohort.sold) == (1, 0)


def test_never_sold_and_sold_recently(make_design):
    now = timezone.now()
    idle, seller, recent, gone = make_design(), make_design(), make_design(), make_design()
    make_product(idle, published_at=now - timedelta(days=31))
    make_product(seller, published_at=now - timedelta(days=60))
    make_product(recent, published_at=now - timedelta(days=5))
    make_product(gone, state="deleted", published_at=now - timedelta(days=60))
    sell(seller, days_ago=40)
    everything = Design.objects.all()
    assert list(sales_figures.never_sold(everything, days=30)) == [idle]
    assert {d.pk for d in sales_figures.never_sold(everything, days=3)} == {idle.pk, recent.pk}
    assert list(sales_figures.sold_recently(everything, days=30)) == []
    assert list(sales_figures.sold_recently(everything, days=45)) == [seller]


def test_return_on_generation_spend_per_preset(make_design, preset, settings):
    settings.RUNPOD_COST_PER_SECOND = 0.001
    other = GenerationPreset.objects.create(name="Watercolour", workflow={}, parameter_map={})
    fox = make_design(preset=preset, cost=Decimal("0.50"), print_execution_ms=20_000, copy_cost=Decimal("0.10"))
    make_design(preset=preset, cost=Decimal("0.40"))  # never sold: its cost still counts
    make_design(preset=other, cost=Decimal("1.00"))
    sell(fox, quantity=2)  # profit $24.00
    woodcut, watercolour = sales_figures.return_on_spend("preset")
    assert woodcut.label == "Woodcut" and woodcut.designs == 2
    assert woodcut.spend.generation == Decimal("0.90")
    assert woodcut.spend.print_files == Decimal("0.02")
    assert woodcut.spend.copy == Decimal("0.10")
    assert woodcut.ratio == Decimal("23.53")  # 24.00 / 1.02
    assert watercolour.ratio == Decimal("0.00") and watercolour.sales == []


def test_no_return_is_worked_out_across_currencies(make_design, preset):
    sell(make_design(preset=preset, cost=Decimal("1")), currency="EUR")
    [woodcut] = sales_figures.return_on_spend("preset")
    assert woodcut.ratio is None and woodcut.sales[0].currency == "EUR"


def test_sales_by_country(make_design):
    fox = make_design()
    sell(fox, country="DE", quantity=2)
    sell(fox, country="US")
    sell(fox, country="")
    assert [(r.label, r.figures.revenue) for r in sales_figures.by_country()] == [
        ("DE", 5000),
        ("US", 2500),
        ("not known", 2500),
    ]


def test_a_designs_net_profit_is_its_lines_profit_minus_its_own_costs(make_design, settings):
    settings.RUNPOD_COST_PER_SECOND = 0.001
    fox = make_design(cost=Decimal("0.50"), print_execution_ms=10_000, copy_cost=Decimal("0.05"))
    sell(fox)  # $11.00
    assert sales_figures.design_net(fox.pk).net == Decimal("10.44")
    idle = make_design(cost=Decimal("0.30"))
    assert sales_figures.design_net(idle.pk).net == Decimal("-0.30")
    euro = make_design(cost=Decimal("0.30"))
    sell(euro, currency="EUR")
    assert sales_figures.design_net(euro.pk).net is None


def test_with_sales_annotates_and_sorts_in_the_shops_currency(make_design, settings, django_assert_num_queries):
    settings.SHOP_CURRENCY = "USD"
    fox, owl, idle = make_design(), make_design(), make_design()
    sell(fox, quantity=2)
    sell(owl, price=9000)
    sell(owl, currency="EUR", price=99_000)  # another currency: not in these columns
    sell(idle, counted=False)
    with django_assert_num_queries(1):
        rows = list(sales_figures.with_sales(Design.objects.all()).order_by("-profit"))
    assert [(d.pk, d.units_sold, d.revenue, d.profit) for d in rows] == [
        (owl.pk, 1, 9000, 7600),
        (fox.pk, 2, 5000, 2400),
        (idle.pk, 0, 0, 0),
    ]
    # The currency is the line's own (designs/sales.py stores the order's on it): no order row is read.
    assert '"designs_order"' not in str(sales_figures.with_sales(Design.objects.all()).query)


def test_figures_group_by_the_currency_stored_on_each_line(make_design, settings):
    """The dashboard's sums read the line's currency, not its order's: one order read before a change of the
    shop's currency keeps its lines' figures in the currency they were recorded in."""
    settings.SHOP_CURRENCY = "USD"
    fox = make_design()
    line = sell(fox, currency="EUR", price=3000, cost=1000, fees=0)
    assert [f.currency for f in sales_figures.totals()] == ["EUR"]
    assert sales_figures.Window().top("design")[0].figures.currency == "EUR"
    assert sales_figures.with_sales(Design.objects.filter(pk=fox.pk), "EUR").get().revenue == 3000
    assert '"designs_order"' not in str(sales_figures.sales_lines().values(sales_figures.CURRENCY).query)
    assert line.currency == "EUR"


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata"])  # Kolkata: 5 h 30 from UTC
def test_days_are_the_sites_local_days(make_design, settings, zone):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    settings.TIME_ZONE = zone
    local = ZoneInfo(zone)
    today = timezone.localdate()
    midnight = datetime.combine(today, datetime.min.time(), tzinfo=local)
    fox = make_design()
    late = make_order(sold_at=midnight - timedelta(minutes=10))  # yesterday, local time
    early = make_order(sold_at=midnight + timedelta(minutes=10))  # today
    sell(fox, order=late, quantity=2)
    sell(fox, order=early, quantity=3)
    [series] = sales_figures.over_time("day", since=midnight - timedelta(days=2))
    units = dict(zip(series.starts, [point.units for point in series.points], strict=True))
    assert units[today] == 3 and units[today - timedelta(days=1)] == 2


def test_a_reprint_is_a_cost_on_its_design_not_a_sale(make_design, settings):
    # Issue 20: a reprint (metadata.is_reprint) costs its original design money and sells nothing.
    settings.SHOP_CURRENCY = "USD"
    fox = make_design(title="Fox")
    sell(fox, quantity=2, price=2500, cost=1200, fees=200)  # profit 5000 − 2400 − 200 = 2400
    reprint = sell(fox, quantity=1, price=0, cost=1200, fees=0, counted=False)
    OrderLine.objects.filter(pk=reprint.pk).update(reprint_cost=True, revenue=0, profit=-1500)  # cost + shipping

    [row] = sales_figures.with_sales(Design.objects.filter(pk=fox.pk))
    assert (row.units_sold, row.revenue, row.profit) == (2, 5000, 900)
    [usd] = sales_figures.design_net(fox.pk).sales
    assert (usd.units, usd.revenue, usd.profit) == (2, 5000, 900)


def test_top_lists_break_ties_by_label_at_the_cut(make_design):
    """Equal figures are ordered by their label, also across the last place shown."""
    owl, fox, bee, yak = (make_design(title=title) for title in ("Owl", "Fox", "Bee", "Yak"))
    sell(yak, quantity=2)  # the most profit
    for design in (owl, fox, bee):
        sell(design)  # equal profits: the cut after the second falls among them
    tied = sorted(f"#{design.pk} {design.title}" for design in (owl, fox, bee))  # labels: "#<id> <title>"
    assert [r.label for r in sales_figures.top("design", n=2)] == [f"#{yak.pk} Yak", tied[0]]
    assert [r.label for r in sales_figures.top("design", n=3)] == [f"#{yak.pk} Yak", *tied[:2]]


def test_the_dashboards_reads_get_room_to_sort_for_their_transaction_only(db):
    from django.db import connection

    def work_mem():
        with connection.cursor() as cursor:
            cursor.execute("SHOW work_mem")
            return cursor.fetchone()[0]

    if connection.vendor != "postgresql":
        with sales_figures.roomy_reads():
            assert sales_figures.totals() == []  # SQLite: the same reads, in one transaction
        return
    before = work_mem()
    with sales_figures.roomy_reads():
        assert work_mem() == sales_figures.DASHBOARD_WORK_MEM
    assert work_mem() == before
