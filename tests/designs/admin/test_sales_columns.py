"""The Design changelist's sales columns (sortable, one query for the page's figures), the "Sales" filter, a
design's order lines and net profit on its page, and a product's sales on its page."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from designs.admin.design import DesignAdmin
from designs.admin.sales_columns import sales_view_url
from tests.designs.publishing_support import make_product, make_template
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)
from tests.designs.sales_support import sell

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_settings")]
CHANGELIST = reverse("admin:designs_design_changelist")


BY_PROFIT = sales_view_url(DesignAdmin.list_display)  # the sales view, most profit first


def rows(page: str) -> list[int]:
    """The design ids of the changelist's rows, in order."""
    return [int(pk) for pk in re.findall(r'name="_selected_action" value="(\d+)"', page)]


def test_the_sales_view_shows_money_and_sorts_by_profit(client, superuser, make_design, settings):
    settings.SHOP_CURRENCY = "USD"
    fox, owl, idle = make_design(prompt="fox"), make_design(prompt="owl"), make_design(prompt="idle")
    sell(fox, quantity=2)  # profit $24.00, revenue $50.00
    sell(owl, price=9000)  # profit $76.00
    client.force_login(superuser)
    plain = client.get(CHANGELIST).content.decode()
    assert "column-profit_column" not in plain and "Show sales figures" in plain  # the review-time list as it was
    page = client.get(f"{CHANGELIST}?sales=all").content.decode()
    assert "$50.00" in page and "$24.00" in page and "$76.00" in page
    assert "5000" not in page.replace("50.00", "")  # never cents
    assert "column-cost_money" not in page and "column-near_duplicate" not in page  # they give way
    assert rows(client.get(BY_PROFIT).content.decode()) == [owl.pk, fox.pk, idle.pk]
    assert rows(client.get(BY_PROFIT.replace("o=-", "o=")).content.decode())[-1] == owl.pk


def test_the_sales_figures_cost_no_query_per_row(client, superuser, make_design, django_assert_max_num_queries):
    for n in range(30):
        sell(make_design(prompt=f"design {n}"), quantity=n + 1)
    client.force_login(superuser)
    client.get(BY_PROFIT)  # warm the caches (content types, permissions)
    with django_assert_max_num_queries(12) as first:
        client.get(BY_PROFIT)
    for n in range(30):
        sell(make_design(prompt=f"more {n}"))
    with django_assert_max_num_queries(len(first.captured_queries)):  # twice the rows: no more queries
        client.get(BY_PROFIT)


def test_the_sales_filter(client, superuser, make_design):
    now = timezone.now()
    recent, old, idle, fresh = (make_design(prompt=p) for p in ("recent", "old", "idle", "fresh"))
    for design, days in ((recent, 60), (old, 60), (idle, 45), (fresh, 5)):
        make_product(design, published_at=now - timedelta(days=days))
    sell(recent, days_ago=3)
    sell(old, days_ago=40)
    client.force_login(superuser)
    assert rows(client.get(f"{CHANGELIST}?sales=sold_30").content.decode()) == [recent.pk]
    assert rows(client.get(f"{CHANGELIST}?sales=idle_30").content.decode()) == [idle.pk]
    page = client.get(CHANGELIST).content.decode()
    assert "Sold in the last 30 days" in page and "Published 30+ days, never sold" in page


def test_a_designs_page_lists_its_order_lines_and_net_profit(client, superuser, make_design, settings):
    settings.RUNPOD_COST_PER_SECOND = 0.001
    fox = make_design(cost=Decimal("0.50"), print_execution_ms=10_000)
    line = sell(fox, quantity=2)
    sell(fox, counted=False, price=1111)  # cancelled: listed, not counted
    client.force_login(superuser)
    page = client.get(reverse("admin:designs_design_change", args=[fox.pk])).content.decode()
    assert 'class="pod-order-lines"' in page
    assert f"{line.order.shop_order_id} (Fulfilled)" in page and "$50.00" in page and "$11.11" in page
    assert "no (cancelled, refunded, sample or reprint)" in page
    assert "2 sold · $50.00 revenue · $24.00 profit" in page
    assert "Made for $0.51 (generation $0.50, print files $0.0100, copy $0.00)" in page
    assert "Net profit: $23.49." in page


def test_a_products_page_shows_its_sales(client, superuser, make_design):
    fox = make_design()
    product = make_product(fox, make_template())
    sell(product=product, quantity=3)
    sell(fox)  # another product of the design: not this one's
    client.force_login(superuser)
    page = client.get(reverse("admin:designs_product_change", args=[product.pk])).content.decode()
    assert "3 sold · $75.00 revenue · $37.00 profit" in page
