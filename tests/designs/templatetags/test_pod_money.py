"""{% load pod_money %}: cents as money in the shop's currency, margins as a percentage."""

from decimal import Decimal

import pytest
from django.template import Context, Template


def render(text: str, **context) -> str:
    return Template("{% load pod_money %}" + text).render(Context(context))


@pytest.mark.parametrize(
    ("currency", "cents", "shown"),
    [("USD", 2499, "$24.99"), ("EUR", 123456, "€1,234.56"), ("CHF", 500, "5.00 CHF"), ("USD", None, "—")],
)
def test_cents_are_shown_as_money_in_the_shops_currency(settings, currency, cents, shown):
    settings.SHOP_CURRENCY = currency
    assert render("{{ cents|money }}", cents=cents) == shown


def test_a_margin_is_a_percentage_or_a_dash_when_unknown():
    assert render("{{ value|percent }}", value=Decimal("47.6")) == "47.6 %"
    assert render("{{ value|percent }}", value=None) == "—"


def test_a_figure_is_shown_in_its_own_currency_whatever_the_shops(settings):
    settings.SHOP_CURRENCY = "USD"
    assert render("{{ cents|money_of:currency }}", cents=-1999, currency="EUR") == "−€19.99"
