"""Printify's cost per variant: cached figures with their age and source."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from designs.models import ProductTemplate, VariantCost
from designs.variant_costs import (
    costs_for,
    costs_from_product,
    first_item_shipping,
    record_failure,
    save_costs,
    save_stock,
)
from tests.designs.publishing_support import make_template

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    settings.COST_MAX_AGE_HOURS = 24
    cache.clear()
    yield
    cache.clear()


def test_saved_costs_are_read_back_with_their_source_and_shipping_keeps_its_own():
    save_costs(3, 3, {17390: 1150, 17426: 1175}, {17390: 475}, "Printify product abc")
    save_costs(3, 3, {}, {17426: 499}, "ignored: only shipping")

    costs = costs_for(3, 3)
    assert (costs.cost(17390), costs.cost(17426), costs.cost(99)) == (1150, 1175, None)
    assert (costs.shipping(17390), costs.shipping(17426)) == (475, 499)
    assert costs.source == "Printify product abc; shipping.json"
    assert not costs.stale and costs_for(3, 99).stale  # nothing known is stale


def test_costs_go_stale_with_their_oldest_figure():
    save_costs(3, 3, {17390: 1150, 17426: 1175}, {}, "product")
    VariantCost.objects.filter(variant_id=17426).update(learned_at=timezone.now() - timedelta(hours=25))
    assert costs_for(3, 3).stale


def test_a_failed_lookup_is_shown_until_costs_are_learned():
    record_failure(3, 3, "Printify refused the draft product")
    assert costs_for(3, 3).failure == "Printify refused the draft product"
    assert costs_for(6, 99).failure == ""
    save_costs(3, 3, {17390: 1150}, {}, "product")
    assert costs_for(3, 3).failure == ""


def test_stock_marks_the_templates_of_that_blueprint_and_provider_only():
    tee = make_template()
    other = make_template(name="Other provider", print_provider_id=29, is_default=False)

    assert save_stock(3, 3, in_stock={17390, 17393}) == 1
    assert save_stock(3, 3, in_stock={17390, 17393}) == 0  # nothing changed the second time
    available = {v["id"]: v["available"] for v in ProductTemplate.objects.get(pk=tee.pk).variants}
    assert available == {17390: True, 17426: False, 17393: True, 17394: False}
    assert all("available" not in v for v in ProductTemplate.objects.get(pk=other.pk).variants)


def test_costs_from_a_product_take_whole_cents_only():
    product = {"variants": [{"id": 1, "cost": 1150}, {"id": "2", "cost": 900}, {"id": 3, "cost": True}, {"id": 4}]}
    assert costs_from_product(product) == {1: 1150, 2: 900}
    assert costs_from_product({}) == {}


def test_first_item_shipping_to_the_country_or_else_the_rest_of_the_world():
    answer = {
        "profiles": [
            {"variant_ids": [1, 2], "first_item": {"cost": 450}, "countries": ["US"]},
            {"variant_ids": [1, 2, 3], "first_item": {"cost": 999}, "countries": ["REST_OF_THE_WORLD"]},
        ]
    }
    assert first_item_shipping(answer, "US") == {1: 450, 2: 450, 3: 999}
    assert first_item_shipping(answer, "DE") == {1: 999, 2: 999, 3: 999}
