"""The product template screens: the JSON form under "advanced" and import from a product (the catalog and the
editor: test_template_catalog.py, test_template_editor.py)."""

import json

import pytest
import responses
from django.urls import reverse

from designs.models import ProductTemplate
from tests.designs.publishing_support import (
    API,
    SHOP,
    TEE_PLACEHOLDERS,
    TEE_VARIANTS,
    TOKEN,
    configure_printify,
)
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture: static files, plain HTTP)

pytestmark = pytest.mark.usefixtures("admin_settings")
CATALOG = reverse("admin:designs_producttemplate_catalog")


@pytest.fixture(autouse=True)
def printify_settings(settings):
    from django.core.cache import cache

    configure_printify(settings)
    cache.clear()  # the catalog cache is the Django cache (Redis at scale): start every test without it


def test_template_form_refuses_unpriced_or_uncovered_variants(as_superuser):
    url = reverse("admin:designs_producttemplate_add")
    base = {
        "name": "Tee",
        "blueprint_id": 3,
        "print_provider_id": 3,
        "print_position": "back",
        "placement": json.dumps({"mode": "fixed", "x": 0.5, "y": 0.5, "scale": 1, "angle": 0}),
        "placeholders": json.dumps(TEE_PLACEHOLDERS),
        "title_template": "{{ prompt }}",
        "description_template": "{{ prompt }}",
        "tags_template": "",
        "publish_after_create": "on",
        "publish_parts": "{}",
    }
    variants = [dict(v, is_enabled=True) for v in TEE_VARIANTS]
    variants[0]["price"] = None
    response = as_superuser.post(url, {**base, "variants": json.dumps(variants)}, secure=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enabled variants without a valid price: 17390" in page
    assert "does not cover these enabled variants" in page and "17394" in page
    assert not ProductTemplate.objects.exists()

    variants[0]["price"] = 2499
    fine = [v for v in variants if v["id"] != 17394]
    response = as_superuser.post(url, {**base, "variants": json.dumps(fine)}, secure=True)
    assert response.status_code == 302
    assert ProductTemplate.objects.get().variants == fine


def test_import_from_an_existing_product(as_superuser):
    product_id = "5d39b411749d0a000f30e0f4"
    product = {
        "id": product_id,
        "blueprint_id": 384,
        "print_provider_id": 1,
        "tags": ["Stickers"],
        "variants": [
            {"id": 45740, "title": '2" × 2"', "price": 400, "is_enabled": True},
            {"id": 45742, "title": '3" × 3"', "price": 149, "is_enabled": False},
        ],
        "print_areas": [
            {
                "variant_ids": [45740, 45742],
                "placeholders": [{"position": "front", "images": [{"x": 0.5, "y": 0.5, "scale": 0.9, "angle": 0}]}],
            }
        ],
    }
    catalog = {"variants": [{"id": 45740, "placeholders": [{"position": "front", "width": 600, "height": 600}]}]}
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/shops/{SHOP}/products/{product_id}.json", json=product)
        rsps.get(f"{API}/catalog/blueprints/384/print_providers/1/variants.json", json=catalog)
        rsps.get(f"{API}/catalog/blueprints/384.json", json={"id": 384, "title": "Square Stickers"})
        response = as_superuser.post(
            reverse("admin:designs_producttemplate_import"),
            {"name": "Stickers", "product_id": product_id},
            secure=True,
        )
    assert response.status_code == 302
    template = ProductTemplate.objects.get(name="Stickers")
    assert template.variants == [
        {"id": 45740, "title": '2" × 2"', "price": 400, "is_enabled": True, "options": {}, "price_overridden": True}
    ]
    assert template.blueprint_title == "Square Stickers"
    assert template.placement["scale"] == 0.9 and template.source_product_id == product_id


def test_import_reports_printify_errors_without_the_token(as_superuser):
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/shops/{SHOP}/products/{'e' * 24}.json", status=404, json={"error": "Not found"})
        response = as_superuser.post(
            reverse("admin:designs_producttemplate_import"), {"name": "X", "product_id": "e" * 24}, secure=True
        )
    page = response.content.decode()
    assert "Could not read the product from Printify" in page and TOKEN not in page
