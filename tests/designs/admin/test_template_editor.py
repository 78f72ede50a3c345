"""The template editor's form: prices below cost refused, low margins confirmed, empty and bad choices explained
in words, variants gone out of stock named and unticked."""

import pytest
from django.urls import reverse

from designs.models import ProductTemplate
from designs.workers.costs import learn_costs
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture: static files, plain HTTP)
from tests.designs.template_support import CATALOG, editor_post, page_of

pytestmark = pytest.mark.usefixtures("admin_settings", "printify_settings")


def test_the_editor_refuses_a_price_below_cost_and_asks_before_a_low_margin(as_superuser, catalog):
    learn_costs(6, 99)
    url = f"{CATALOG}?blueprint=6&provider=99"
    below = page_of(as_superuser.post(url, editor_post(enable_60101="on", price_60101="9.00")))
    assert "Below Printify&#x27;s cost (Printify refuses to publish these): White / S." in below
    low = editor_post(enable_60101="on", price_60101="11.00", min_margin="20")
    assert "Under the minimum margin of 20" in page_of(as_superuser.post(url, low))
    assert not ProductTemplate.objects.exists()
    assert as_superuser.post(url, {**low, "confirm_low_margin": "on"}).status_code == 302


def test_empty_and_bad_choices_are_explained_in_words(as_superuser, catalog):
    learn_costs(6, 99)
    url = f"{CATALOG}?blueprint=6&provider=99"
    assert "Tick at least one variant" in page_of(as_superuser.post(url, editor_post()))
    assert "is not an amount of money" in page_of(
        as_superuser.post(url, editor_post(enable_60101="on", price_60101="a lot"))
    )
    # An out-of-stock variant cannot be ticked, whatever the request says.
    assert as_superuser.post(url, editor_post(enable_60126="on", enable_60101="on")).status_code == 302
    assert [v["id"] for v in ProductTemplate.objects.get().variants if v["is_enabled"]] == [60101]


def test_a_ticked_variant_gone_out_of_stock_is_named_and_unticked_on_save(as_superuser, catalog):
    learn_costs(6, 99)
    url = f"{CATALOG}?blueprint=6&provider=99"
    as_superuser.post(url, editor_post(enable_60101="on", enable_60102="on"))
    template = ProductTemplate.objects.get()
    from integrations.sandbox import catalog as sandbox_catalog

    # The provider runs out of White / M (the sandbox's catalog is data in this process).

    offer = sandbox_catalog.OFFERS[(6, 99)]
    offer["out_of_stock"].add(60102)
    for variant in sandbox_catalog.VARIANTS[(6, 99)]:
        variant["is_available"] = variant["id"] not in offer["out_of_stock"]
    try:
        from django.core.cache import cache

        cache.clear()
        learn_costs(6, 99, force=True)  # "Refresh costs" also reads the stock again
        change = reverse("admin:designs_producttemplate_change", args=[template.pk])
        page = page_of(as_superuser.get(change))
        assert "Out of stock at the provider since the template was made: White / M" in page
    finally:
        offer["out_of_stock"].discard(60102)
        for variant in sandbox_catalog.VARIANTS[(6, 99)]:
            variant["is_available"] = variant["id"] not in offer["out_of_stock"]
