"""What changed in a product's listing since Printify was last sent it: new prices, the PUT's variants, which
products are outdated (the text changes are tested through the listing update: services/test_listing_sync.py)."""

import pytest

from designs.listing_changes import new_prices, outdated_products, variants_body
from designs.workflow import Status
from tests.designs.publishing_support import make_product, make_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def tee():
    return make_template()


def on_printify(make_design, template, n=0, **fields):
    fields.setdefault("printify_id", f"{n:024d}")
    return make_product(make_design(status=Status.PUBLISHED), template, **fields)


def reprice(template, **prices):
    """Give variants new prices in the template (the products keep the snapshot they were made with)."""
    template.variants = [{**v, "price": prices.get(f"v{v['id']}", v["price"])} for v in template.variants]
    template.save()


def test_only_changed_prices_of_variants_enabled_on_both_sides_are_new(make_design, tee):
    product = on_printify(make_design, tee)
    assert new_prices(tee, product) == {}

    reprice(tee, v17390=2999, v17394=3999)  # 17394 is not enabled: never sent
    assert new_prices(tee, product) == {17390: 2999}


def test_the_body_carries_every_enabled_variant_with_its_new_or_kept_price(make_design, tee):
    product = on_printify(make_design, tee)
    body = variants_body(product, {17390: 2999})
    assert body == [
        {"id": 17390, "price": 2999, "is_enabled": True},
        {"id": 17426, "price": 2499, "is_enabled": True},
        {"id": 17393, "price": 2699, "is_enabled": True},
    ]


def test_outdated_products_are_those_on_the_shop_with_a_changed_price(make_design, tee):
    live = on_printify(make_design, tee, 1)
    unpublished = on_printify(make_design, tee, 2, state="on_printify")
    on_printify(make_design, tee, 3, state="deleted")
    on_printify(make_design, tee, 4, printify_id="")  # not on Printify (yet)
    on_printify(make_design, make_template(name="Mug", is_default=False), 5)
    assert outdated_products(tee) == []

    reprice(tee, v17393=2899)
    assert outdated_products(tee) == [live, unpublished]
