"""Colour hex codes read from Printify product answers, cached per blueprint and provider, with an approximate
table for colours no product has told us yet."""

import pytest

from designs import garment_colours
from designs.garment_colours import Swatch, colours_from_product, fallback, learn, swatches
from designs.models import GarmentColour

PRODUCT = {
    "options": [
        {
            "name": "Colors",
            "type": "color",
            "values": [
                {"id": 521, "title": "White", "colors": ["#ffffff"]},
                {"id": 1147, "title": "Heather Grey", "colors": ["#C9C9C9", "#B0B0B2"]},
                {"id": 9, "title": "Broken", "colors": ["not a colour"]},
                {"id": 10, "title": "", "colors": ["#000000"]},
                "junk",
            ],
        },
        {"name": "Sizes", "type": "size", "values": [{"id": 14, "title": "S"}]},
    ]
}


def test_hex_codes_are_read_from_a_product_answer_and_heathers_keep_both():
    assert colours_from_product(PRODUCT) == {"White": ["#FFFFFF"], "Heather Grey": ["#C9C9C9", "#B0B0B2"]}
    assert colours_from_product({}) == {}
    assert colours_from_product({"options": "nonsense"}) == {}


@pytest.mark.django_db
def test_learning_writes_new_and_changed_colours_only():
    assert learn(6, 99, PRODUCT, "a draft product") == 2
    assert learn(6, 99, PRODUCT, "a draft product") == 0  # nothing new
    changed = {"options": [{"values": [{"title": "White", "colors": ["#FDFDFD"]}]}]}
    assert learn(6, 99, changed, "Printify product abc") == 1
    white = GarmentColour.objects.get(blueprint_id=6, print_provider_id=99, name="White")
    assert (white.hexes, white.source) == (["#FDFDFD"], "Printify product abc")
    assert not GarmentColour.objects.filter(blueprint_id=6, print_provider_id=3).exists()  # per blueprint/provider


@pytest.mark.django_db
def test_swatches_prefer_learned_codes_then_the_approximate_table():
    learn(6, 99, PRODUCT, "a draft product")
    found = swatches(6, 99, ["White", "Navy", "Heather Cardinal Red", "Galaxy Swirl"])
    assert found["White"] == Swatch("White", ("#FFFFFF",), approximate=False)
    assert found["Navy"].approximate and found["Navy"].hexes == garment_colours.FALLBACK["navy"]
    assert found["Heather Cardinal Red"].hexes == garment_colours.FALLBACK["cardinal red"]  # its known ending
    assert found["Galaxy Swirl"] is None


def test_the_fallback_reads_names_case_and_dash_insensitively():
    assert fallback("SPORT-GREY") == garment_colours.FALLBACK["sport grey"]
    assert fallback("Vintage Black") == garment_colours.FALLBACK["black"]
    assert fallback("") is None


def test_a_heather_swatch_shows_as_its_codes_mixed():
    assert Swatch("Heather", ("#000000", "#FFFFFF"), approximate=True).css == "#808080"
    assert Swatch("Navy", ("#1F2A44",), approximate=False).css == "#1F2A44"
