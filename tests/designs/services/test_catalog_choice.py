"""Finding a blueprint and comparing its print providers, against the sandbox's Printify catalog over real sockets
(real database for the cached costs); the rate-limit stop against `responses`, where Printify's 429 is scripted."""

import pytest
import responses

from designs.models import VariantCost
from designs.services import catalog_choice
from designs.services.catalog_choice import (
    chosen_shop,
    compare_providers,
    country_or_default,
    find_blueprints,
    provider_step,
    request_all_costs,
)
from designs.workers.costs import learn_costs
from tests.designs.publishing_support import API, configure_printify

pytestmark = pytest.mark.django_db

TEE = 6  # Gildan 5000: Printify Choice (Chicago), Monster Digital (Irvine), Cologne, Toronto, Riga


@pytest.fixture
def printify(settings, sandbox):
    from django.core.cache import cache

    settings.PRINTIFY_API_BASE = f"{sandbox.url}/printify/v1"
    settings.PRINTIFY_API_TOKEN = "catalog-choice-token"
    settings.PRINTIFY_SHOP_ID = "1"
    settings.PRINTIFY_BILLING_CURRENCY = "USD"
    cache.clear()
    return sandbox


def by_title(comparison):
    return {provider.title: provider for provider in comparison.providers}


def test_blueprints_are_found_by_words_of_their_title_brand_or_model_with_their_pictures(printify):
    found = find_blueprints("  gildan 5000 ")
    assert (found.query, found.found) == ("gildan 5000", 1)
    [tee] = found.blueprints
    assert (tee.id, tee.title, tee.brand, tee.model) == (6, "Unisex Heavy Cotton Tee", "Gildan", "5000")
    assert tee.pictures == (
        f"{printify.url}/_sandbox/blueprints/6/0.png",
        f"{printify.url}/_sandbox/blueprints/6/1.png",
    )
    assert {b.id for b in find_blueprints("GILDAN").blueprints} == {6, 77}
    assert find_blueprints("").found == len(find_blueprints("").blueprints) >= 7
    assert find_blueprints("gildan mug").found == 0


def test_pictures_are_only_web_addresses_and_at_most_four():
    answer = {
        "id": 1,
        "images": ["javascript:alert(1)", "data:image/png;base64,AA", *[f"https://cdn/{n}" for n in range(6)]],
    }
    assert catalog_choice.blueprint_of(answer).pictures == tuple(f"https://cdn/{n}" for n in range(4))
    assert catalog_choice.blueprint_of({"id": 2, "images": None}).pictures == ()


def test_the_tee_s_providers_side_by_side_before_any_cost_is_known(printify):
    comparison = compare_providers(TEE, country="US")
    assert [p.title for p in comparison.providers] == [
        "Printify Choice",
        "Monster Digital",
        "Rhine Textile Print",
        "Maple Leaf Prints",
        "Baltic Print House",
    ]
    providers = by_title(comparison)
    assert providers["Rhine Textile Print"].location == "Cologne, North Rhine-Westphalia, Germany"
    assert providers["Baltic Print House"].location == "Riga, Latvia"  # no region given
    assert comparison.size == "M"  # every provider offers M
    assert [p.title for p in comparison.nearest] == ["Printify Choice", "Monster Digital"]  # both in the US
    assert comparison.cheapest == [] and len(comparison.costs_missing) == 5
    assert providers["Printify Choice"].cost.missing == "not known yet"

    # Print areas: Monster Digital's grow with the size, so both ends are shown; the others are one size.
    [front_and_back] = providers["Monster Digital"].area_groups
    label, area = front_and_back
    assert label == "Front, back" and area.varies
    assert (area.smallest.pixels, area.smallest.sizes) == ("3,461 × 3,955", ("S", "M"))
    assert (area.largest.pixels, area.largest.sizes) == ("4,200 × 4,800", ("2XL", "3XL"))
    assert not providers["Printify Choice"].area_groups[0][1].varies

    # Colours and sizes offered (in stock).
    assert providers["Maple Leaf Prints"].colours == ["White", "Black", "Sport Grey"]
    assert providers["Maple Leaf Prints"].sizes_text == "S–XL"
    assert providers["Rhine Textile Print"].sizes_text == "S–2XL"

    # Shipping to the US: standard and economy per provider, the catch-all said so, a missing method said so.
    choice = providers["Printify Choice"].shipping
    assert (choice["standard"].first_item, choice["standard"].additional_items) == (475, 240)
    assert (choice["economy"].first_item, choice["economy"].fallback) == (399, False)
    rhine = providers["Rhine Textile Print"].shipping["standard"]
    assert (rhine.first_item, rhine.additional_items, rhine.fallback) == (1149, 389, True)
    assert providers["Maple Leaf Prints"].shipping["economy"].note == "not offered"
    assert providers["Baltic Print House"].shipping["economy"].fallback
    assert comparison.fallback_used


def test_costs_learned_per_provider_mark_the_cheapest_delivered_to_the_country(printify):
    for provider in (99, 29, 90011, 90012, 90013):
        learn_costs(TEE, provider)  # what the workers do when the page's button is pressed
    assert VariantCost.objects.filter(blueprint_id=TEE).exists()
    us = compare_providers(TEE, country="US")
    providers = by_title(us)
    assert providers["Printify Choice"].cost.cents == 1029 and providers["Printify Choice"].cost.learned == "just now"
    assert {title: p.delivered for title, p in providers.items()} == {
        "Printify Choice": 1029 + 475,
        "Monster Digital": 1150 + 459,
        "Rhine Textile Print": 980 + 1149,  # the rest-of-the-world rate
        "Maple Leaf Prints": 1090 + 749,
        "Baltic Print House": 899 + 899,
    }
    assert [p.title for p in us.cheapest] == ["Printify Choice"]
    assert [p.title for p in us.sorted_by("cheapest")][:2] == ["Printify Choice", "Monster Digital"]
    # The Dark Heather M costs more at Cologne than White M: the range is kept.
    assert (providers["Rhine Textile Print"].cost.cents, providers["Rhine Textile Print"].cost.highest) == (980, 1010)

    germany = compare_providers(TEE, country="DE")
    assert [p.title for p in germany.cheapest] == [p.title for p in germany.nearest] == ["Rhine Textile Print"]
    assert [p.title for p in germany.sorted_by("nearest")][:2] == ["Rhine Textile Print", "Baltic Print House"]
    monster = by_title(germany)["Monster Digital"].shipping
    assert monster["standard"].fallback and monster["economy"].note == "no rate to Germany"

    canada = compare_providers(TEE, country="CA")
    assert [p.title for p in canada.nearest] == ["Maple Leaf Prints"]


def test_the_costs_button_asks_only_for_missing_or_old_costs_a_few_at_a_time(
    printify, monkeypatch, django_capture_on_commit_callbacks
):
    learn_costs(TEE, 99)
    monkeypatch.setattr(catalog_choice, "COST_LOOKUPS_AT_ONCE", 2)
    with django_capture_on_commit_callbacks() as queued:
        asked = request_all_costs(TEE)
    assert asked.asked == ["Monster Digital", "Rhine Textile Print"] and (asked.fresh, asked.later) == (1, 2)
    assert len(queued) == 2
    assert "2 more providers after these" in asked.summary()
    for provider in (29, 90011, 90012, 90013):
        learn_costs(TEE, provider)
    with django_capture_on_commit_callbacks() as queued:
        nothing = request_all_costs(TEE)
    assert queued == [] and nothing.summary() == "Every provider's costs are known and recent: nothing to look up."


def test_the_country_is_the_shops_unless_another_is_asked_for(settings):
    from designs.shops import Shop

    settings.PRINTIFY_SHOP_ID = ""
    assert country_or_default("") == "US"  # no shop known yet
    etsy = Shop.objects.create(printify_id="11", title="Etsy DE", country="DE", is_default=True)
    shopify = Shop.objects.create(printify_id="12", title="Shopify UK", country="GB")
    assert country_or_default("") == country_or_default("Germany") == country_or_default(None) == "DE"
    assert country_or_default("fr") == "FR" and country_or_default("", shopify) == "GB"
    assert chosen_shop(shopify.pk) == shopify and chosen_shop(None) == chosen_shop(987654) == etsy
    Shop.objects.filter(pk=etsy.pk).update(country="")
    assert country_or_default("") == "US"


def test_the_provider_step_compares_to_the_country_of_the_shop_it_is_for(printify):
    from designs.shops import Shop, default_shop

    shop = default_shop()  # the install's PRINTIFY_SHOP_ID shop
    Shop.objects.filter(pk=shop.pk).update(country="CA")
    uk = Shop.objects.create(printify_id="77", title="Shopify UK", country="GB")
    assert (provider_step(TEE).country, provider_step(TEE).shop.pk) == ("CA", shop.pk)
    assert [p.title for p in provider_step(TEE).nearest] == ["Maple Leaf Prints"]
    assert provider_step(TEE, shop_id=uk.pk).country == "GB"
    assert provider_step(TEE, shop_id=uk.pk, country="de").country == "DE"


@responses.activate
def test_a_refusal_for_the_rate_stops_reading_and_says_so(settings, db):
    from django.core.cache import cache

    configure_printify(settings)
    settings.PRINTIFY_RATE_PER_MINUTE = 1_000_000
    cache.clear()
    v2 = API.removesuffix("/v1") + "/v2"
    responses.get(f"{API}/catalog/blueprints/6.json", json={"id": 6, "title": "Tee", "images": []})
    providers = [{"id": 1, "title": "One"}, {"id": 2, "title": "Two"}, {"id": 3, "title": "Three"}]
    responses.get(f"{API}/catalog/blueprints/6/print_providers.json", json=providers)
    responses.get(f"{API}/catalog/print_providers.json", status=500, json={})  # locations unreadable: said so
    variants = {"id": 1, "variants": [{"id": 11, "options": {"size": "M"}, "placeholders": []}]}
    responses.get(f"{API}/catalog/blueprints/6/print_providers/1/variants.json", json=variants)
    for method in ("standard", "economy"):
        responses.get(f"{v2}/catalog/blueprints/6/print_providers/1/shipping/{method}.json", json={"data": []})
    responses.get(
        f"{API}/catalog/blueprints/6/print_providers/2/variants.json",
        status=429,
        headers={"Retry-After": "3600"},
        json={"message": "Too Many Attempts."},
    )
    comparison = compare_providers(6, country="US")
    one, two, three = comparison.providers
    assert one.problem == "" and one.location == "location not read"
    assert one.shipping["standard"].note == "no rate to the United States"
    assert two.problem.startswith("Not read: Printify is rate limiting us") and three.problem == two.problem
    asked = [call.request.url for call in responses.calls]
    assert not any("print_providers/3/" in url for url in asked)  # nothing more was asked once refused
