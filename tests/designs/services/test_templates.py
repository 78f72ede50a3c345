"""Product templates from the catalog or copied from a product (against the sandbox's Printify), and the one
default."""

import pytest

from designs.models import ProductTemplate
from designs.services.templates import (
    from_catalog,
    import_from_product,
    placeholders_from_catalog,
    save_edited,
    save_template,
    template_fields_from_product,
)
from designs.variant_costs import costs_for
from designs.workflow import Status
from integrations.sandbox import catalog
from tests.designs.publishing_support import make_product, make_template, png_bytes

pytestmark = pytest.mark.django_db

OUT_OF_STOCK = [v["id"] for v in catalog.VARIANTS[(3, 3)] if not v["is_available"]]


@pytest.fixture
def printify(settings, sandbox):
    from django.core.cache import cache

    settings.PRINTIFY_API_BASE = f"{sandbox.url}/printify/v1"
    settings.PRINTIFY_API_TOKEN = "templates-token"
    settings.PRINTIFY_SHOP_ID = "1"
    settings.PRINTIFY_RATE_PER_MINUTE = 1_000_000
    cache.clear()
    return sandbox


def defaults():
    return list(ProductTemplate.objects.filter(is_default=True).values_list("name", flat=True))


def test_there_is_always_exactly_one_default():
    first = save_template(ProductTemplate(name="Tee", blueprint_id=3, print_provider_id=3, is_default=False))
    assert first.is_default  # the first one becomes it
    save_template(ProductTemplate(name="Mug", blueprint_id=68, print_provider_id=1, is_default=False))
    assert defaults() == ["Tee"]
    save_template(ProductTemplate(name="Sticker", blueprint_id=384, print_provider_id=1, is_default=True))
    assert defaults() == ["Sticker"]


def test_a_template_from_the_catalog_holds_the_whole_matrix_with_nothing_ticked(printify):
    template = from_catalog(3, 3)

    assert template.pk is None  # the editor saves it
    assert (template.name, template.blueprint_id, template.print_provider_id) == ("Kids Regular Fit Tee", 3, 3)
    assert template.provider_title == "The Dream Junction"
    assert [v["id"] for v in template.variants] == [v["id"] for v in catalog.VARIANTS[(3, 3)]]
    assert not any(v["is_enabled"] for v in template.variants)
    assert [v["id"] for v in template.variants if not v["available"]] == OUT_OF_STOCK
    assert template.placeholders["17390"]["front"] == {"width": 3153, "height": 3995}
    assert template.print_position == "front" and template.is_default  # the first template


def test_a_template_copied_from_a_product_keeps_its_prices_and_learns_its_costs(printify):
    from designs.clients import printify_client

    client = printify_client()
    upload = client.upload_image("fox.png", contents=png_bytes())
    placed = {"id": upload["id"], "x": 0.4, "y": 0.5, "scale": 0.8, "angle": 0}
    product = client.create_product(
        {
            "title": "Fox",
            "description": "A fox",
            "blueprint_id": 3,
            "print_provider_id": 3,
            "tags": ["fox", "kids"],
            "variants": [{"id": 17390, "price": 2500, "is_enabled": True}],
            "print_areas": [
                {
                    "variant_ids": [17390],
                    "placeholders": [{"position": "front", "images": [placed]}],
                }
            ],
        }
    )

    outcome = import_from_product(name="Fox tee", product_id=product["id"])
    assert outcome.problems == []
    template = ProductTemplate.objects.get(pk=outcome.template.pk)
    enabled = [v for v in template.variants if v["is_enabled"]]
    assert enabled == [{**enabled[0], "id": 17390, "price": 2500, "price_overridden": True}]
    assert len(template.variants) == len(catalog.VARIANTS[(3, 3)])  # the rest of the matrix, unticked
    assert template.placement == {"mode": "fixed", "x": 0.4, "y": 0.5, "scale": 0.8, "angle": 0}
    assert template.tags_template.startswith("fox, kids")  # then the tags Printify adds from the blueprint
    costs = costs_for(3, 3)
    assert costs.cost(17390) == 980 and costs.source == f"Printify product {product['id']}"

    again = import_from_product(name="Fox tee", product_id=product["id"])
    assert again.template is None and again.problems == ["A template named “Fox tee” exists already."]


def test_saving_new_prices_says_how_many_products_carry_old_ones(make_design):
    tee = make_template()
    for n in range(2):
        make_product(make_design(status=Status.PUBLISHED), tee, printify_id=f"{n:024d}")
    before = {int(v["id"]): v["price"] for v in tee.variants if v["is_enabled"]}

    tee.name = "Kids tee (renamed)"
    assert save_edited(tee, prices_before=before) == 0
    tee.variants = [{**v, "price": v["price"] + 100} for v in tee.variants]
    assert save_edited(tee, prices_before=before) == 2
    assert ProductTemplate.objects.get(pk=tee.pk).name == "Kids tee (renamed)"


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
