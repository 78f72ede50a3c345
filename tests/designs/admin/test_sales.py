"""The sales dashboard: who may see it, its figures as money, each chart's data (json_script, no inline script),
table and CSV (plain numbers with a currency column), and its entries into the loop."""

import csv
import io
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from designs.models import Batch, GenerationPreset
from tests.designs.publishing_support import make_product, make_template
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)
from tests.designs.sales_support import sell

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_settings")]
DASHBOARD = reverse("admin:designs_design_sales")


@pytest.fixture
def shop(make_design, settings):
    """Two designs that sold (one in a batch and preset, on a tee) and one sale in euros."""
    settings.SHOP_CURRENCY = "USD"
    preset = GenerationPreset.objects.create(name="Woodcut", workflow={}, parameter_map={})
    batch = Batch.objects.create(name="Foxes", preset=preset)
    fox = make_design(prompt="red fox woodcut", title="Red Fox", batch=batch, preset=preset, cost=Decimal("0.50"))
    owl = make_design(prompt="owl at night", title="Night Owl")
    tee = make_template(name="Tee")
    sell(product=make_product(fox, tee), quantity=3, country="DE", days_ago=2)  # 7500 revenue, 3700 profit
    sell(owl, country="US", days_ago=1)  # 2500, 1100
    sell(owl, currency="EUR", price=4000, cost=1000, fees=0, days_ago=1)  # €40.00, €30.00
    return fox, owl


def chart(page: str, slug: str) -> dict:
    found = re.search(rf'<script id="pod-chart-{slug}" type="application/json">(.*?)</script>', page, re.DOTALL)
    assert found, f"no chart data for {slug}"
    return json.loads(found.group(1))


def test_the_dashboard_shows_money_as_money_with_charts_tables_and_csv(client, superuser, shop):
    client.force_login(superuser)
    page = client.get(DASHBOARD).content.decode()

    assert "$100.00" in page and "$48.00" in page  # revenue and profit in dollars, last 30 days
    assert "€40.00" in page and "€30.00" in page  # the euro sale apart, never added to the dollars
    assert "$148.00" not in page
    designs = chart(page, "top-designs")
    assert designs["currency"] == "USD" and designs["labels"][0].endswith("Red Fox")
    assert designs["datasets"][0]["data"][:2] == [37.0, 11.0]  # dollars, not cents
    assert chart(page, "top-templates")["labels"] == ["Tee"]
    assert chart(page, "top-batches")["labels"] == ["Foxes"] and chart(page, "top-presets")["labels"] == ["Woodcut"]
    assert "fox" in chart(page, "top-words")["labels"]
    assert chart(page, "by-country")["labels"] == ["DE", "US"]
    over_time = chart(page, "over-time")
    assert [d["label"] for d in over_time["datasets"]] == ["Revenue", "Profit", "Orders"]
    assert len(over_time["labels"]) == 31 and sum(over_time["datasets"][2]["data"]) == 2
    assert "<script>" not in page  # no inline script: CSP 'self'
    assert "vendor/chartjs/chart.umd.min.js" in page and "podsite/sales.js" in page
    assert "<td>$37.00</td>" in page  # the same numbers as a table
    assert reverse("admin:designs_design_sales_csv", args=["top-designs"]) + "?period=day&amp;days=30" in page


def test_each_table_downloads_as_csv_with_plain_numbers_and_a_currency_column(client, superuser, shop):
    client.force_login(superuser)
    response = client.get(reverse("admin:designs_design_sales_csv", args=["top-designs"]) + "?days=90")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    fox, owl = shop
    assert rows[0] == ["design", "units", "revenue", "currency", "profit"]
    assert rows[1] == [f"#{fox.pk} Red Fox", "3", "75.00", "USD", "37.00"]
    assert rows[3] == [f"#{owl.pk} Night Owl", "1", "40.00", "EUR", "30.00"]
    spend = list(
        csv.reader(
            io.StringIO(
                client.get(reverse("admin:designs_design_sales_csv", args=["return-per-preset"])).content.decode()
            )
        )
    )
    assert spend[0] == ["preset", "designs", "spend", "spend_currency", "profit", "currency", "return"]
    assert spend[1] == ["Woodcut", "1", "0.5000", "USD", "37.00", "USD", "74.00"]
    assert client.get(reverse("admin:designs_design_sales_csv", args=["nothing"])).status_code == 404


def test_periods_and_windows_are_chosen_from_a_list(client, superuser, shop):
    client.force_login(superuser)
    page = client.get(DASHBOARD + "?period=month&days=365").content.decode()
    assert len(chart(page, "over-time")["labels"]) in (12, 13)
    odd = client.get(DASHBOARD + "?period=hour&days=5").content.decode()  # not offered: the defaults
    assert len(chart(odd, "over-time")["labels"]) == 31


def test_only_staff_who_may_view_designs_see_it(client, make_user, shop):
    client.force_login(make_user("nobody"))
    assert client.get(DASHBOARD).status_code == 403
    assert client.get(reverse("admin:designs_design_sales_csv", args=["by-country"])).status_code == 403
    client.force_login(make_user("viewer", perms=["view_design"]))
    page = client.get(DASHBOARD).content.decode()
    assert "Top designs" in page
    assert 'id="pod-make-more"' not in page  # making more spends money: the "add design" permission


def test_the_loop_entries_make_more_of_the_top_and_retire_the_idle(client, superuser, shop, make_design):
    from datetime import timedelta

    from django.utils import timezone

    idle = make_design(prompt="never sold")
    make_product(idle, published_at=timezone.now() - timedelta(days=40))
    client.force_login(superuser)
    page = client.get(DASHBOARD).content.decode()
    fox, owl = shop
    assert f"made_from={fox.pk}%2C{owl.pk}" in page  # top designs of the period, best first
    assert "1 design was published 30+ days ago and never sold" in page
    assert "?sales=idle_30" in page


def test_a_name_is_never_a_formula_in_the_csv(client, superuser, make_design):
    batch = Batch.objects.create(name='=HYPERLINK("http://evil.example","click")')
    sell(make_design(prompt="x", batch=batch))
    client.force_login(superuser)
    response = client.get(reverse("admin:designs_design_sales_csv", args=["top-batches"]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][0] == "'" + batch.name and rows[1][1:] == ["1", "25.00", "USD", "11.00"]
