"""The comparison's rules on plain values: print areas per size, the common size, shipping to a country with the
rest-of-the-world fallback, distances, and which providers are marked cheapest and nearest."""

from designs.provider_choice import (
    Comparison,
    Cost,
    Provider,
    Shipping,
    catalog_facts,
    common_size,
    country_name,
    distance_km,
    location_text,
    mark,
    print_areas,
    shipping_to,
    sizes_text,
)
from integrations.printify import ShippingRate


def variant(variant_id, colour, size, **areas):
    return {
        "id": variant_id,
        "options": {"color": colour, "size": size},
        "placeholders": [{"position": p, "width": w, "height": h} for p, (w, h) in areas.items()],
    }


def test_print_areas_keep_the_smallest_and_the_largest_per_position_with_their_sizes():
    variants = [
        variant(1, "White", "S", front=(3461, 3955), back=(3461, 3955)),
        variant(2, "White", "XL", front=(4200, 4800), back=(3461, 3955)),
        variant(3, "Black", "3XL", front=(4200, 4800), neck_label=(600, 600)),
        variant(4, "Black", "M", front=(0, 10)),  # nonsense sizes are left out
    ]
    front, back, label = print_areas(variants)
    assert (front.position, front.smallest.pixels, front.smallest.sizes) == ("front", "3,461 × 3,955", ("S",))
    assert (front.largest.pixels, front.largest.sizes, front.varies) == ("4,200 × 4,800", ("XL", "3XL"), True)
    assert (back.position, back.varies, back.smallest.sizes_text) == ("back", False, "S, XL")
    assert (label.position, label.smallest.inches) == ("neck_label", "2.0 × 2.0 in")
    provider = catalog_facts(Provider(1, "P", "", "US"), variants)
    assert [name for name, _ in provider.area_groups] == ["Front", "Back", "Neck label"]
    assert provider.colours == ["White", "Black"] and provider.sizes == ["S", "M", "XL", "3XL"]


def test_positions_with_the_same_print_areas_are_shown_once():
    provider = catalog_facts(
        Provider(1, "P", "", "US"), [variant(1, "White", "M", front=(4500, 5400), back=(4500, 5400))]
    )
    [(label, area)] = provider.area_groups
    assert label == "Front, back" and area.smallest.inches == "15.0 × 18.0 in"


def test_sizes_read_as_a_run_only_without_gaps():
    assert sizes_text(["S", "M", "L", "XL", "2XL", "3XL"]) == "S–3XL"
    assert sizes_text(["S", "M", "L", "XL", "XXL", "3XL"]) == "S–3XL"
    assert sizes_text(["L", "XL", "3XL"]) == "L, XL, 3XL"
    assert sizes_text(["11oz"]) == "11oz" and sizes_text([]) == "one size"


def test_the_common_size_is_the_one_most_providers_offer_m_first():
    def offering(*sizes):
        return catalog_facts(Provider(1, "P", "", ""), [variant(n, "W", s) for n, s in enumerate(sizes)])

    assert common_size([offering("S", "M", "L"), offering("M", "L")]) == "M"
    assert common_size([offering("S", "L"), offering("L", "XL")]) == "L"
    assert common_size([offering("2x2", "3x3"), offering("3x3")]) == "3x3"
    assert common_size([]) == ""


def rate(variant_id, country, first, additional=100, currency="USD"):
    return ShippingRate(variant_id, country, first, additional, currency, (3, 7))


def test_shipping_to_a_country_falls_back_to_the_rest_of_the_world_and_says_so():
    rates = [rate(1, "US", 475), rate(2, "US", 499), rate(1, "REST_OF_THE_WORLD", 1000), rate(3, "DE", 300)]
    us = shipping_to("standard", rates, "US", {1})
    assert (us.first_item, us.fallback, us.handling_days) == (475, False, (3, 7))
    assert shipping_to("standard", rates, "US", {2}).first_item == 499  # the common size's own variant
    assert shipping_to("standard", rates, "US", {9}).first_item == 475  # none of them listed: any variant
    gb = shipping_to("standard", rates, "GB", {1})
    assert (gb.first_item, gb.fallback) == (1000, True)
    only_germany = shipping_to("economy", [rate(3, "DE", 300)], "FR", {3})
    assert (only_germany.offered, only_germany.note) == (False, "no rate to France")
    assert shipping_to("economy", None, "US", {1}).note == "not offered"


def test_distances_are_between_countries_and_unknown_ones_are_none():
    assert distance_km("US", "US") == 0
    assert 400 < distance_km("DE", "GB") < 1000 < distance_km("DE", "LV") < distance_km("DE", "US")
    assert distance_km("US", "XX") is None
    assert country_name("DE") == "Germany" and country_name("XX") == "XX"
    assert location_text({"city": "Riga", "region": "", "country": "lv"}) == ("Riga, Latvia", "LV")
    assert location_text("Riga") == ("location not given", "")


def provider(provider_id, country, cost, first, currency="USD"):
    found = Provider(provider_id, f"P{provider_id}", "", country)
    found.cost = Cost(cost, cost, "USD") if cost is not None else Cost(missing="not known yet")
    found.shipping = {"standard": Shipping("standard", first_item=first, additional_items=1, currency=currency)}
    return found


def test_the_cheapest_delivered_and_the_nearest_are_marked_every_tie_included():
    providers = [
        provider(1, "US", 1029, 475),
        provider(2, "US", 1150, 354),  # the same delivered price: both cheapest
        provider(3, "DE", 980, 1149),
        provider(4, "LV", None, 899),  # no cost: never the cheapest
        provider(5, "GB", 500, 100, currency="GBP"),  # shipping in another currency: no delivered price
        provider(6, "", 400, None),  # location not given: never the nearest
    ]
    comparison = mark(Comparison(1, "US", "M", providers))
    assert [p.id for p in comparison.cheapest] == [1, 2]
    assert [p.id for p in comparison.nearest] == [1, 2]
    assert providers[4].delivered is None and providers[5].delivered is None
    assert [p.id for p in comparison.sorted_by("cheapest")] == [1, 2, 3, 4, 5, 6]
    germany = mark(Comparison(1, "DE", "M", providers))
    assert [p.id for p in germany.nearest] == [3]
    assert [p.id for p in germany.sorted_by("nearest")][:3] == [3, 5, 4]
    assert [p.id for p in germany.sorted_by("printify")] == [1, 2, 3, 4, 5, 6]
    canada_shop = mark(Comparison(1, "CA", "M", providers))
    assert [p.id for p in canada_shop.nearest] == [1, 2]  # no provider in Canada: the US is closest
