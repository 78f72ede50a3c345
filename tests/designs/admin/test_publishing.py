"""Publishing in the admin: the Design actions with their confirmation pages and permissions, the product
template form's checks, filling a template from the catalog, importing one from a product, and the preview."""

import json

import pytest
import responses
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from designs.models import Design, ProductTemplate
from designs.workflow import Status
from tests.designs.publishing_support import (
    API,
    CATALOG_VARIANTS,
    SHOP,
    TEE_PLACEHOLDERS,
    TEE_VARIANTS,
    TOKEN,
    configure_printify,
    make_template,
)
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture: static files, plain HTTP)

pytestmark = pytest.mark.usefixtures("admin_settings")
CHANGELIST = reverse("admin:designs_design_changelist")


@pytest.fixture(autouse=True)
def printify_settings(settings):
    from django.core.cache import cache

    configure_printify(settings)
    cache.clear()  # the catalog cache is the Django cache (Redis at scale): start every test without it


@pytest.fixture
def as_publisher(client, publisher):
    client.force_login(publisher)
    return client


@pytest.fixture
def as_superuser(client, superuser):
    client.force_login(superuser)
    return client


def action(client, name, designs, **extra):
    data = {"action": name, ACTION_CHECKBOX_NAME: [d.pk for d in designs], **extra}
    return client.post(CHANGELIST, data, secure=True)


def test_publish_confirmation_shows_template_variants_prices_and_counts(as_publisher, make_design):
    template = make_template()
    approved = make_design(status=Status.APPROVED, title="Fox")
    failed = make_design(status=Status.PUBLISH_FAILED, title="Owl")
    in_review = make_design(status=Status.REVIEW)
    response = action(as_publisher, "publish_to_printify", [approved, failed, in_review])
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Template “{template.name}” (default)" in page
    assert "<strong>2</strong> designs will be published" in page
    assert "<strong>1</strong> will be skipped" in page
    for variant in (v for v in TEE_VARIANTS if v["is_enabled"]):
        price = f"${variant['price'] / 100:.2f}"  # money, not minor units
        assert f"<td>{variant['id']}</td><td>{variant['title']}</td><td>{price}</td>" in page
    assert "17394" not in page  # disabled variant
    assert Design.objects.get(pk=approved.pk).status == Status.APPROVED  # nothing happens before confirming


def test_confirming_publishes_with_the_chosen_template(as_publisher, make_design, django_capture_on_commit_callbacks):
    make_template()
    stickers = make_template(name="Stickers", is_default=False)
    design = make_design(status=Status.APPROVED)
    with django_capture_on_commit_callbacks() as callbacks:
        response = action(as_publisher, "publish_to_printify", [design], template=stickers.pk, post="yes")
    assert response.status_code == 302
    design.refresh_from_db()
    assert design.status == Status.PUBLISHING and design.product_template == stickers
    assert len(callbacks) == 1


def test_showing_another_template_does_not_publish(as_publisher, make_design):
    make_template()
    stickers = make_template(name="Stickers", is_default=False)
    design = make_design(status=Status.APPROVED)
    response = action(as_publisher, "publish_to_printify", [design], template=stickers.pk, show="1")
    assert "Template “Stickers”" in response.content.decode()
    assert Design.objects.get(pk=design.pk).status == Status.APPROVED


def test_an_invalid_template_is_shown_and_cannot_be_confirmed(as_publisher, make_design):
    make_template(variants=[{"id": 17390, "title": "XS", "price": None, "is_enabled": True}])
    design = make_design(status=Status.APPROVED)
    page = action(as_publisher, "publish_to_printify", [design]).content.decode()
    assert "without a valid price" in page and 'value="yes"' not in page
    response = action(as_publisher, "publish_to_printify", [design], template="", post="yes")
    assert response.status_code == 302
    assert Design.objects.get(pk=design.pk).status == Status.APPROVED


def test_reviewers_cannot_publish(client, reviewer, make_design):
    make_template()
    client.force_login(reviewer)
    design = make_design(status=Status.APPROVED)
    page = client.get(CHANGELIST, secure=True).content.decode()
    assert "publish_to_printify" not in page
    action(client, "publish_to_printify", [design], template="", post="yes")
    assert Design.objects.get(pk=design.pk).status == Status.APPROVED


def test_retry_publishing_moves_failed_designs_only(as_publisher, make_design):
    make_template()
    failed = make_design(status=Status.PUBLISH_FAILED, last_error="boom")
    approved = make_design(status=Status.APPROVED)
    action(as_publisher, "retry_publishing", [failed, approved])
    assert Design.objects.get(pk=failed.pk).status == Status.PUBLISHING
    assert Design.objects.get(pk=approved.pk).status == Status.APPROVED


def test_unpublish_asks_first_then_queues_the_published_ones(
    as_publisher, make_design, django_capture_on_commit_callbacks
):
    published = make_design(status=Status.PUBLISHED, printify_product_id="a" * 24)
    approved = make_design(status=Status.APPROVED)
    page = action(as_publisher, "unpublish_products", [published, approved]).content.decode()
    assert "<strong>1</strong> of the selected designs is published" in page
    assert "a" * 24 in page and "Unpublish and delete the Printify product" in page
    with django_capture_on_commit_callbacks() as callbacks:
        response = action(as_publisher, "unpublish_products", [published, approved], post="yes", mode="delete")
    assert response.status_code == 302
    assert len(callbacks) == 1  # one unpublish task, for the published design


def test_preview_shows_exactly_the_payload(as_publisher, make_design):
    make_template()
    design = make_design(status=Status.APPROVED, title="Winter fox", tags=["fox"])
    response = action(as_publisher, "preview_printify_payload", [design])
    assert response.status_code == 302
    page = as_publisher.get(response.url, secure=True).content.decode()
    assert "Winter fox" in page
    assert f"podsite-{design.pk}-17390" in page
    assert "&quot;price&quot;: 2499" in page
    assert TOKEN not in page


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


def test_fill_from_catalog_blueprint_then_provider_then_prices(as_superuser):
    url = reverse("admin:designs_producttemplate_catalog")
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/catalog/blueprints.json", json=[{"id": 3, "title": "Kids Regular Fit Tee", "brand": "Delta"}])
        rsps.get(f"{API}/catalog/blueprints/3.json", json={"id": 3, "title": "Kids Regular Fit Tee"})
        rsps.get(f"{API}/catalog/blueprints/3/print_providers.json", json=[{"id": 3, "title": "The Dream Junction"}])
        rsps.get(f"{API}/catalog/blueprints/3/print_providers/3/variants.json", json=CATALOG_VARIANTS)
        assert "Kids Regular Fit Tee" in as_superuser.get(url, secure=True).content.decode()
        assert "The Dream Junction" in as_superuser.get(url, {"blueprint": 3}, secure=True).content.decode()
        step3 = f"{url}?blueprint=3&provider=3"
        assert "Heather Grey / L" in as_superuser.get(step3, secure=True).content.decode()
        response = as_superuser.post(
            step3,
            {
                "name": "Kids tee",
                "print_position": "front",
                "placement_mode": "fit",
                "price": 2500,
                "enable_17390": "on",
                "enable_17393": "on",
                "price_17393": 2800,
            },
            secure=True,
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert len(rsps.calls) == 4  # the variants were read once: the client's catalog cache served the rest
    template = ProductTemplate.objects.get(name="Kids tee")
    assert template.variants == [
        {"id": 17390, "title": "Heather Grey / XS", "price": 2500, "is_enabled": True},
        {"id": 17393, "title": "Heather Grey / L", "price": 2800, "is_enabled": True},
    ]
    assert template.placeholders["17393"] == {"front": {"width": 4500, "height": 5700}}
    assert template.placement["mode"] == "fit"


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
        response = as_superuser.post(
            reverse("admin:designs_producttemplate_import"),
            {"name": "Stickers", "product_id": product_id},
            secure=True,
        )
    assert response.status_code == 302
    template = ProductTemplate.objects.get(name="Stickers")
    assert template.variants == [{"id": 45740, "title": '2" × 2"', "price": 400, "is_enabled": True}]
    assert template.placement["scale"] == 0.9 and template.source_product_id == product_id


def test_import_reports_printify_errors_without_the_token(as_superuser):
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/shops/{SHOP}/products/{'e' * 24}.json", status=404, json={"error": "Not found"})
        response = as_superuser.post(
            reverse("admin:designs_producttemplate_import"), {"name": "X", "product_id": "e" * 24}, secure=True
        )
    page = response.content.decode()
    assert "Could not read the product from Printify" in page and TOKEN not in page


def test_template_pages_need_permissions(as_publisher):
    # Publishers may look at templates but not create them from the catalog.
    assert as_publisher.get(reverse("admin:designs_producttemplate_catalog"), secure=True).status_code == 403
    assert as_publisher.get(reverse("admin:designs_producttemplate_import"), secure=True).status_code == 403
