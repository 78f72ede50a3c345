"""designs/template_prices.py: the price each variant of a template is published at, stored once costs arrive."""

import pytest
from django.core.cache import cache

from designs.models import ProductTemplate
from designs.template_prices import published_variants, settle_prices, settle_prices_of
from designs.variant_costs import save_costs
from tests.designs.publishing_support import make_template

pytestmark = pytest.mark.django_db
RULE = {"basis": "percent", "percent": "40", "rounding": "99"}  # cost + 40 %, ending in .99


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def variants(*specs):
    return [{"id": vid, "title": f"V{vid}", "price": price, "is_enabled": True, **extra} for vid, price, extra in specs]


def test_the_rule_prices_from_cost_and_a_typed_override_stays():
    template = make_template(
        blueprint_id=6,
        print_provider_id=99,
        price_rule=RULE,
        variants=variants((1, 2437, {}), (2, 3000, {"price_overridden": True})),
    )
    save_costs(6, 99, {1: 1029, 2: 1029}, {}, "a draft product")
    assert [v["price"] for v in published_variants(template)] == [1499, 3000]


def test_without_a_cost_yet_the_stored_price_is_the_published_one():
    template = make_template(blueprint_id=6, print_provider_id=99, price_rule=RULE, variants=variants((1, 2437, {})))
    assert [v["price"] for v in published_variants(template)] == [2437]
    assert settle_prices(template) is False


def test_costs_arriving_after_the_save_settle_the_stored_prices_of_rule_templates_only():
    # Issue 19: saved while the costs were looked up (24.37 typed); the page then showed the rule's price while
    # products went on being made at 24.37.
    ruled = make_template(blueprint_id=6, print_provider_id=99, price_rule=RULE, variants=variants((1, 2437, {})))
    typed = make_template(
        name="By hand",
        is_default=False,
        blueprint_id=6,
        print_provider_id=99,
        price_rule={},
        variants=variants((1, 2437, {})),
    )
    other = make_template(
        name="Mug",
        is_default=False,
        blueprint_id=7,
        print_provider_id=1,
        price_rule=RULE,
        variants=variants((1, 2437, {})),
    )
    save_costs(6, 99, {1: 1029}, {}, "a draft product")

    assert settle_prices_of(6, 99) == 1
    stored = {
        t.name: t.variants[0]["price"] for t in ProductTemplate.objects.filter(pk__in=[ruled.pk, typed.pk, other.pk])
    }
    assert stored == {"Kids tee": 1499, "By hand": 2437, "Mug": 2437}
    assert settle_prices_of(6, 99) == 0  # settled: nothing changes twice
