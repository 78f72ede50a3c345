"""The changelist's shop filter and the products' shop: a seller with an Etsy and a Shopify shop sees each."""

import pytest
from django.urls import reverse

from designs.shops import Shop
from tests.designs.publishing_support import make_product, make_template
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_settings")]


@pytest.fixture
def two_shops(make_design):
    etsy = Shop.objects.create(printify_id="10", title="My Etsy", channel="etsy")
    shopify = Shop.objects.create(printify_id="11", title="My Shopify", channel="shopify")
    tee = make_template(name="Etsy tee", shop=etsy)
    mug = make_template(name="Shopify mug", shop=shopify, is_default=False)
    both, etsy_only = make_design(prompt="owl on both", status="published"), make_design(prompt="fox on etsy")
    make_product(both, tee, shop=etsy, printify_id="a" * 24)
    make_product(both, mug, shop=shopify, printify_id="b" * 24)
    make_product(etsy_only, tee, shop=etsy, printify_id="c" * 24)
    return etsy, shopify, both, etsy_only


def test_the_changelist_shows_the_designs_sold_in_the_chosen_shop(as_superuser, two_shops):
    etsy, shopify, both, etsy_only = two_shops
    url = reverse("admin:designs_design_changelist")
    page = as_superuser.get(url).content.decode()
    assert f"?shop={shopify.pk}" in page and "My Shopify (Shopify)" in page  # the filter offers each shop

    in_shopify = as_superuser.get(url, {"shop": shopify.pk}).context["cl"].result_list
    in_etsy = as_superuser.get(url, {"shop": etsy.pk}).context["cl"].result_list
    assert [d.pk for d in in_shopify] == [both.pk]
    assert sorted(d.pk for d in in_etsy) == sorted([both.pk, etsy_only.pk])


def test_the_products_admin_filters_by_shop_and_the_design_page_groups_them(as_superuser, two_shops):
    etsy, shopify, both, _ = two_shops
    products = as_superuser.get(reverse("admin:designs_product_changelist"), {"shop__id__exact": shopify.pk})
    assert [p.template_name for p in products.context["cl"].result_list] == ["Shopify mug"]

    page = as_superuser.get(reverse("admin:designs_design_change", args=[both.pk])).content.decode()
    inline = page[page.index("Printify products") :]
    assert inline.index("Etsy tee") < inline.index("My Etsy") < inline.index("Shopify mug") < inline.index("My Shopify")
