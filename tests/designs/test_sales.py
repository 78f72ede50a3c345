"""designs/sales.py: an order recorded exactly once, the money of each line, what counts as a sale."""

import logging

import pytest
from django.core import serializers

from designs.models import FeeSchedule, Order, OrderEvent, OrderLine
from designs.orders import OrderStatus
from designs.sales import OrderPayloadInvalid, listing_renewals, record_order
from tests.designs.order_support import CUSTOMER_VALUES, line, order
from tests.designs.webhook_support import PRODUCT

SHOP = "12345"


@pytest.fixture
def etsy(db):
    """The schedule migration 0033 puts in use (Etsy: 6.5 % + 3 % + 25¢ per order, 20¢ per unit sold)."""
    return FeeSchedule.objects.get(in_use=True)


def record(payload):
    return record_order(payload, shop_id=SHOP)


def test_a_new_order_is_recorded_with_each_lines_money(published, etsy):
    recorded = record(order(lines=[line(quantity=2, price=2500, cost=1000, shipping=400)]))
    assert (recorded.outcome, recorded.not_ours) == ("new", 0)
    order_row = Order.objects.get()
    assert (order_row.status, order_row.shop_order_label, order_row.country, order_row.fee_schedule) == (
        OrderStatus.PENDING,
        "#1042",
        "GB",
        etsy,
    )
    sold = OrderLine.objects.get()
    assert (sold.design, sold.template, sold.product.printify_id) == (
        published,
        published.products.get().template,
        PRODUCT,
    )
    # revenue 2 × 25.00; fees 9.5 % of 50.00 = 4.75, + 0.25 per order + 0.20 × 2 units = 5.40
    assert (sold.revenue, sold.fees, sold.production_cost, sold.shipping_cost, sold.tax) == (5000, 540, 2000, 400, 0)
    assert (sold.profit, sold.counted, sold.reprint_cost, sold.currency, sold.cost_currency) == (
        2060,
        True,
        False,
        "USD",
        "USD",
    )
    assert OrderEvent.objects.filter(order=order_row, to_status=OrderStatus.PENDING).count() == 1


def test_a_replay_changes_nothing_and_counts_once(published, etsy):
    payload = order()
    record(payload)
    first_line = OrderLine.objects.get().pk
    again = [record(payload).outcome for _ in range(3)]
    assert again == ["unchanged"] * 3
    assert (Order.objects.count(), OrderLine.objects.count(), OrderEvent.objects.count()) == (1, 1, 1)
    assert OrderLine.objects.get().pk == first_line  # nothing rewritten


def test_a_changed_order_moves_its_status_and_replaces_its_lines(published, etsy):
    record(order(lines=[line()]))
    recorded = record(order("5a96f649b2439217d070f507", "in-production", lines=[line(quantity=3)]))
    assert recorded.outcome == "changed"
    assert Order.objects.get().status == OrderStatus.IN_PRODUCTION
    assert list(OrderLine.objects.values_list("quantity", "revenue")) == [(3, 7500)]
    moves = OrderEvent.objects.order_by("pk").values_list("from_status", "to_status")
    assert list(moves) == [("", "pending"), ("pending", "in-production")]


def test_a_cancellation_takes_the_order_out_of_the_figures(published, etsy):
    record(order(status="pending"))
    record(order(status="canceled"))
    assert Order.objects.get().status == OrderStatus.CANCELED
    assert OrderLine.objects.filter(counted=True).count() == 0
    assert OrderLine.objects.count() == 1


def test_an_unknown_status_is_kept_verbatim_as_other(published, etsy):
    record(order(status="awaiting-moon-phase"))
    row = Order.objects.get()
    assert (row.status, row.printify_status) == (OrderStatus.OTHER, "awaiting-moon-phase")
    assert OrderLine.objects.get().counted is True


def test_a_line_of_a_product_we_did_not_make_is_kept_as_not_ours_and_counted(published, etsy):
    recorded = record(order(lines=[line(), line(product_id="not-ours-123", price=1000, cost=500, shipping=0)]))
    assert recorded.not_ours == 1
    theirs = OrderLine.objects.get(printify_product_id="not-ours-123")
    assert (theirs.product, theirs.design, theirs.template, theirs.counted, theirs.revenue) == (
        None,
        None,
        None,
        True,
        1000,
    )
    assert OrderLine.objects.filter(design=published).count() == 1


def test_a_reprint_is_a_cost_of_the_original_design_not_a_sale(published, etsy):
    record(order("reprint-1", "in-production", is_reprint=True, total_tax=80, label="#1042-R"))
    reprint = OrderLine.objects.get()
    assert (reprint.counted, reprint.reprint_cost, reprint.design) == (False, True, published)
    assert (reprint.revenue, reprint.fees, reprint.tax, reprint.profit) == (0, 0, 80, -(1000 + 400 + 80))
    assert Order.objects.get().reprint_of == ["5a96f649b2439217d070f500"]


def test_a_sample_is_left_out_of_sales(published, etsy):
    record(order("sample-1", order_type="sample"))
    sample = OrderLine.objects.get()
    assert (sample.counted, sample.reprint_cost) == (False, False)


def test_tax_and_fees_are_spread_by_revenue_to_the_cent(published, etsy):
    record(order(lines=[line(price=3000, cost=0, shipping=0), line(price=1000, cost=0, shipping=0)], total_tax=101))
    lines = list(OrderLine.objects.order_by("pk"))
    # tax 1.01: 0.7575 and 0.2525, the cent left goes to the larger remainder
    assert [row.tax for row in lines] == [76, 25]
    # fees: 9.5 % of 40.00 = 3.80, + 0.25, + 0.20 × 2 = 4.45, split 3:1 → 333.75 / 111.25
    assert [row.fees for row in lines] == [334, 111] and sum(row.fees for row in lines) == 445


def test_no_profit_when_prices_and_costs_are_in_other_currencies(published, etsy, settings):
    settings.PRINTIFY_BILLING_CURRENCY = "EUR"
    record(order())
    sold = OrderLine.objects.get()
    assert (sold.currency, sold.cost_currency, sold.profit, sold.revenue, sold.production_cost) == (
        "USD",
        "EUR",
        None,
        2500,
        1000,
    )


def test_without_a_fee_schedule_in_use_there_are_no_fees(published, etsy):
    FeeSchedule.objects.update(in_use=False)
    record(order())
    assert OrderLine.objects.get().fees == 0


def test_nothing_of_the_customer_is_stored_or_logged(published, etsy, caplog):
    caplog.set_level(logging.DEBUG)
    record(order())
    record(order(status="fulfilled"))
    stored = serializers.serialize("json", [*Order.objects.all(), *OrderLine.objects.all(), *OrderEvent.objects.all()])
    for value in CUSTOMER_VALUES:
        assert value not in stored
        assert value not in caplog.text
    assert Order.objects.get().country == "GB"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"id": ""}, "no id"),
        ({"created_at": None}, "no creation time"),
        ({"line_items": None}, "no list of line items"),
        ({"total_tax": "12.5"}, "total_tax is not a whole number"),
        ({"created_at": "yesterday"}, "created_at is not a time"),
    ],
)
def test_an_answer_that_is_not_an_order_is_refused_in_words_and_stores_nothing(db, change, words):
    with pytest.raises(OrderPayloadInvalid, match=words):
        record({**order(), **change})
    assert Order.objects.count() == 0


def test_listing_renewals_every_four_months(etsy):
    assert [listing_renewals(days, etsy) for days in (0, 119, 120, 365)] == [20, 20, 40, 80]
