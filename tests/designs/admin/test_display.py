"""How the admin shows things: thumbnails (never the original), status badges, RunPod dollars, shop prices."""

from decimal import Decimal

import pytest
from django import forms
from django.contrib import admin
from django.forms.utils import ErrorList

from designs.admin.copy import ShownValueInput, _ShownValueMixin
from designs.admin.design import DesignAdmin
from designs.admin.display import (
    ErrorListOrNothing,
    StringRenderedHiddenInput,
    money,
    price_range,
    product_state_tag,
    shop_price,
    status_badge_tag,
    thumbnail_tag,
    usd,
)
from designs.models import Design
from tests.designs.review_support import make_reviewable


@pytest.mark.django_db
def test_the_thumbnail_is_the_small_file_lazy_loaded_or_a_placeholder(make_design):
    design = make_reviewable()
    tag = str(thumbnail_tag(design))
    assert f'src="{design.thumbnail.url}"' in tag and design.image.url not in tag
    assert 'loading="lazy"' in tag and f'alt="Design {design.pk}"' in tag
    assert 'aria-label="No image yet"' in str(thumbnail_tag(make_design()))


def test_badges_name_the_status_in_words():
    assert str(status_badge_tag("review")) == '<span class="pod-status pod-status-review">In review</span>'
    assert str(product_state_tag("mockup_review")) == (
        '<span class="pod-status pod-product-mockup_review">Mockups to review (on Printify, not live)</span>'
    )


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (None, "—"),
        (Decimal("12.4"), "$12.40"),
        ("0.00792", "$0.0079"),  # a sub-dime GPU cost, to a hundredth of a cent
        (0, "$0.00"),
        (Decimal("1234.5"), "$1,234.50"),
    ],
)
def test_runpod_costs_are_dollars(amount, shown):
    assert usd(amount) == shown


@pytest.mark.parametrize(
    ("currency", "cents", "shown"),
    [("USD", 2499, "$24.99"), ("GBP", 100000, "£1,000.00"), ("SEK", 19900, "199.00 SEK"), ("USD", True, "—")],
)
def test_shop_prices_are_in_the_shops_currency(settings, currency, cents, shown):
    settings.SHOP_CURRENCY = currency
    assert shop_price(cents) == shown


@pytest.mark.parametrize(
    ("cents", "currency", "shown"),
    [(-310, "EUR", "−€3.10"), (1200, "CHF", "12.00 CHF"), (0, "USD", "$0.00"), (None, "USD", "—")],
)
def test_money_keeps_its_own_currency_and_sign(cents, currency, shown):
    assert money(cents, currency) == shown


def test_a_price_range_names_each_end_once(settings):
    settings.SHOP_CURRENCY = "USD"
    assert price_range([{"price": 2699}, {"price": 2499}, {"price": None}]) == "$24.99–$26.99"
    assert price_range([{"price": 2499}, {"price": 2499}]) == "$24.99"
    assert price_range([{"title": "no price yet"}]) == "no prices"


TRICKY = 'Fox & "snow" <b>it\'s</b>'


class TemplateShownValueInput(_ShownValueMixin, forms.TextInput):
    """ShownValueInput as it was before: the hidden twin, the input drawn by Django's template."""


@pytest.mark.parametrize("value", [TRICKY, "", None, 42])
@pytest.mark.parametrize(
    "attrs", [{"size": 26}, {"size": 22, "id": "id_form-3-tags", "required": True, "disabled": False, "x": TRICKY}]
)
def test_string_drawn_inputs_are_the_html_of_djangos_templates(value, attrs):
    drawn = ShownValueInput(attrs=attrs).render("form-3-title", value, attrs={"maxlength": 140})
    assert drawn == TemplateShownValueInput(attrs=attrs).render("form-3-title", value, attrs={"maxlength": 140})
    hidden = StringRenderedHiddenInput().render("form-3-id", value, attrs={"id": "id_form-3-id"})
    assert hidden == forms.HiddenInput().render("form-3-id", value, attrs={"id": "id_form-3-id"})


@pytest.mark.django_db
def test_the_selection_box_is_the_html_of_djangos(make_design):
    design = make_design(title=TRICKY)
    ours = DesignAdmin(Design, admin.site).action_checkbox(design)
    assert ours == admin.ModelAdmin(Design, admin.site).action_checkbox(design)


def test_an_error_list_draws_nothing_when_empty_and_its_errors_otherwise():
    assert str(ErrorListOrNothing()) == ""
    assert str(ErrorListOrNothing(["Too long."])) == str(ErrorList(["Too long."]))
