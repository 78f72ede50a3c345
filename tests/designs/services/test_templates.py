"""Product templates made from Printify's data: the catalog's print areas and a product's fields."""

from designs.services.templates import placeholders_from_catalog, template_fields_from_product


def test_catalog_placeholders_and_product_import():
    catalog = [
        {"id": 1, "placeholders": [{"position": "front", "width": 10, "height": 20}, {"position": "x", "width": 0}]}
    ]
    assert placeholders_from_catalog(catalog) == {"1": {"front": {"width": 10, "height": 20}}}
    product = {
        "id": "abc",
        "blueprint_id": 384,
        "print_provider_id": 1,
        "tags": ["Stickers", "Cute"],
        "variants": [
            {"id": 45740, "title": "2x2", "price": 400, "is_enabled": True},
            {"id": 45742, "title": "3x3", "price": 149, "is_enabled": False},
        ],
        "print_areas": [
            {"variant_ids": [45740], "placeholders": [{"position": "back", "images": []}]},
            {
                "variant_ids": [45740],
                "placeholders": [{"position": "front", "images": [{"x": 0.4, "y": 0.6, "scale": 0.8, "angle": 90}]}],
            },
        ],
    }
    assert template_fields_from_product(product) == {
        "blueprint_id": 384,
        "print_provider_id": 1,
        "variants": [{"id": 45740, "title": "2x2", "price": 400, "is_enabled": True}],
        "print_position": "front",
        "placement": {"mode": "fixed", "x": 0.4, "y": 0.6, "scale": 0.8, "angle": 90},
        "tags_template": "Stickers, Cute",
        "source_product_id": "abc",
        "safety_information": "",
    }
