"""The product template screens: fill from the catalog (blueprint search, provider with location, the grid
editor with prices from cost), editing without JSON, costs, repricing, the JSON form under "advanced", import."""

import json
import re
from urllib.parse import urlencode

import pytest
import responses
from django.urls import reverse

from designs.models import ProductTemplate, RepriceJob, VariantCost
from designs.workers.costs import learn_costs
from tests.designs.publishing_support import (
    API,
    SHOP,
    TEE_PLACEHOLDERS,
    TEE_VARIANTS,
    TOKEN,
    configure_printify,
    make_product,
    make_template,
)
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture: static files, plain HTTP)

pytestmark = pytest.mark.usefixtures("admin_settings")
CATALOG = reverse("admin:designs_producttemplate_catalog")


@pytest.fixture(autouse=True)
def printify_settings(settings):
    from django.core.cache import cache

    configure_printify(settings)
    cache.clear()  # the catalog cache is the Django cache (Redis at scale): start every test without it


@pytest.fixture
def catalog(settings, sandbox):
    """Printify is the sandbox (its catalog has real shapes), over real sockets."""
    settings.PRINTIFY_API_BASE = f"{sandbox.url}/printify/v1"
    settings.PRINTIFY_SHOP_ID = "1"
    return sandbox


@pytest.fixture
def as_publisher(client, publisher):
    client.force_login(publisher)
    return client


@pytest.fixture
def as_superuser(client, superuser):
    client.force_login(superuser)
    return client


def page_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- fill from the catalog ---------------------------------------------------------------------------------------


def test_blueprint_search_is_by_title_brand_and_model_and_explains_empty_choices(as_superuser, catalog):
    page = page_of(as_superuser.get(CATALOG, {"q": "gildan 5000"}))
    assert "Unisex Heavy Cotton Tee — Gildan 5000" in page and "Mug 11oz" not in page
    assert 'size="16"' in page  # a list tall enough to read
    nothing = page_of(as_superuser.get(CATALOG, {"q": "zeppelin"}))
    assert "No blueprint matches “zeppelin”" in nothing
    unchosen = page_of(as_superuser.get(CATALOG, {"q": "tee", "to_provider": "1"}))
    assert "Choose a blueprint in the list first" in unchosen


def test_providers_show_their_location_and_an_empty_choice_is_explained(as_superuser, catalog):
    page = page_of(as_superuser.get(CATALOG, {"blueprint": 6}))
    assert "Printify Choice" in page and "Chicago, IL, US" in page and "Irvine, CA, US" in page
    assert "Choose a print provider first" in page_of(as_superuser.get(CATALOG, {"blueprint": 6, "to_variants": "1"}))
    # Arriving from the blueprint step (its own "Next") is not an empty choice.
    arrived = page_of(as_superuser.get(CATALOG, {"blueprint": 6, "to_provider": "1"}))
    assert "Choose a print provider first" not in arrived
    missing = as_superuser.get(CATALOG, {"blueprint": 424242})
    assert missing.status_code == 302
    assert "no blueprint 424242" in page_of(as_superuser.get(missing.url))


def editor_post(**changes) -> dict:
    data = {
        "name": "Gildan tee",
        "print_position": "front",
        "placement_mode": "fit",
        "x": "0.5",
        "y": "0.5",
        "scale": "1",
        "angle": "0",
        "use_rule": "on",
        "basis": "percent",
        "percent": "40",
        "profit": "8.00",
        "rounding": "99",
        "min_margin": "0",
        "title_template": "{{ design.title|default:design.prompt }}",
        "description_template": "{{ prompt }}",
        "tags_template": "",
        "publish_after_create": "on",
        "publish_parts": ["title", "description", "images", "variants", "tags", "keyFeatures", "shipping_template"],
    }
    data.update(changes)
    return data


WHITE_AND_BLACK_S_TO_2XL = [60101, 60102, 60103, 60104, 60105, 60111, 60112, 60113, 60114, 60115]


def test_a_tee_at_cost_plus_40_with_99_endings_and_a_2xl_step_without_json(as_superuser, catalog):
    learn_costs(6, 99)  # what the worker does when the editor asks for the costs
    url = f"{CATALOG}?blueprint=6&provider=99"
    page = page_of(as_superuser.get(url))
    assert "Unisex Heavy Cotton Tee" in page and "Printify Choice" in page
    assert 'name="enable_60126"' in page and "out of stock" in page  # shown, not selectable
    assert page.index('<option value="front"') < page.index('<option value="back"')  # front first
    ticked = {f"enable_{vid}": "on" for vid in WHITE_AND_BLACK_S_TO_2XL}
    steps = {"step_4": "2.00"}  # sizes S, M, L, XL, 2XL, 3XL: the fifth is 2XL

    preview = page_of(as_superuser.post(url, editor_post(**ticked, **steps, preview="1")))
    assert "Nothing is saved" in preview and not ProductTemplate.objects.exists()
    assert "$14.99" in preview and "$19.99" in preview  # 10.29 + 40 % → 14.41 → 14.99; 12.79 + 40 % + 2.00 → 19.99

    response = as_superuser.post(url, editor_post(**ticked, **steps, price_60101="15,50"))
    assert response.status_code == 302, response.content.decode()[-3000:]
    template = ProductTemplate.objects.get()
    enabled = {v["id"]: v for v in template.variants if v["is_enabled"]}
    assert sorted(enabled) == WHITE_AND_BLACK_S_TO_2XL
    assert enabled[60102]["price"] == 1499 and enabled[60105]["price"] == 1999 and enabled[60115]["price"] == 1999
    assert enabled[60101]["price"] == 1550 and enabled[60101]["price_overridden"] is True  # money typed, cents stored
    assert template.price_rule["percent"] == "40" and template.price_rule["size_steps"] == {"2XL": 200}
    assert template.placement["mode"] == "fit" and template.print_position == "front"
    assert template.is_default  # the first template becomes the default
    assert (template.blueprint_title, template.provider_title) == ("Unisex Heavy Cotton Tee", "Printify Choice")

    listing = page_of(as_superuser.get(reverse("admin:designs_producttemplate_changelist")))
    assert "Unisex Heavy Cotton Tee" in listing and "Printify Choice" in listing and "$14.99–$19.99" in listing


def test_the_editor_sets_safety_information_and_print_preparation(as_superuser, catalog):
    learn_costs(6, 99)
    url = f"{CATALOG}?blueprint=6&provider=99"
    page = page_of(as_superuser.get(url))
    assert "Product safety information (GPSR)" in page and "Needs a transparent background" in page
    ticked = {f"enable_{vid}": "on" for vid in WHITE_AND_BLACK_S_TO_2XL}
    safety = "Made by Printify Choice, EU contact: example@shop.test"
    post = editor_post(**ticked, safety_information=safety, prepare_print_files="on", needs_transparency="on")
    assert as_superuser.post(url, post).status_code == 302
    template = ProductTemplate.objects.get()
    assert (template.safety_information, template.prepare_print_files, template.needs_transparency) == (
        safety,
        True,
        True,
    )
    change = page_of(as_superuser.get(reverse("admin:designs_producttemplate_change", args=[template.pk])))
    assert safety in change and 'id="id_needs_transparency" checked' in change


def test_the_editor_asks_whether_to_review_mockups_ticked_for_a_new_template(as_superuser, catalog):
    learn_costs(6, 99)
    url = f"{CATALOG}?blueprint=6&provider=99"
    page = page_of(as_superuser.get(url))
    assert "Review mockups before going live" in page and 'id="id_review_mockups" checked' in page
    ticked = {f"enable_{vid}": "on" for vid in WHITE_AND_BLACK_S_TO_2XL}
    assert as_superuser.post(url, editor_post(**ticked, review_mockups="on")).status_code == 302
    template = ProductTemplate.objects.get()
    assert template.review_mockups is True
    editor = reverse("admin:designs_producttemplate_change", args=[template.pk])
    assert 'id="id_review_mockups" checked' in page_of(as_superuser.get(editor))
    assert as_superuser.post(editor, editor_post(**ticked, name="Gildan tee")).status_code == 302  # unticked
    template.refresh_from_db()
    assert template.review_mockups is False


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


def test_without_known_costs_the_rule_cannot_price_and_says_so(as_superuser, catalog):
    url = f"{CATALOG}?blueprint=6&provider=99"
    page = page_of(as_superuser.get(url))
    assert "Costs are being looked up in Printify" in page
    assert "its cost is not known yet" in page_of(as_superuser.post(url, editor_post(enable_60101="on")))
    assert as_superuser.post(url, editor_post(enable_60101="on", price_60101="24.99")).status_code == 302


def test_costs_come_from_a_draft_product_that_is_deleted_and_shipping_from_shipping_json(catalog, db):
    assert learn_costs(6, 99).endswith("a draft product (made and deleted to read the costs)")
    cost = VariantCost.objects.get(blueprint_id=6, print_provider_id=99, variant_id=60105)
    assert (cost.cost, cost.shipping) == (1279, 475)
    state = catalog.state()["printify"]
    assert state["products"] == [] and state["products_created"] == 1 and state["products_deleted"] == 1


def test_editing_prices_offers_to_reprice_the_published_products(as_superuser, catalog, make_design):
    learn_costs(6, 99)
    url = f"{CATALOG}?blueprint=6&provider=99"
    as_superuser.post(url, editor_post(enable_60101="on", enable_60102="on"))
    template = ProductTemplate.objects.get()
    design = make_design(status="published")
    make_product(design, template, printify_id="a" * 24)
    change = reverse("admin:designs_producttemplate_change", args=[template.pk])
    assert "Every published product of this template has its prices" in page_of(as_superuser.get(change))

    response = as_superuser.post(change, editor_post(enable_60101="on", enable_60102="on", percent="60"))
    assert response.status_code == 302
    page = page_of(as_superuser.get(change))
    assert "still carries the old prices" in page and "Update prices of its 1 published product" in page
    as_superuser.post(reverse("admin:designs_producttemplate_reprice", args=[template.pk]))
    assert RepriceJob.objects.get().total == 1


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


def test_template_pages_need_permissions(as_publisher):
    # Publishers may look at templates but not create them from the catalog.
    assert as_publisher.get(reverse("admin:designs_producttemplate_catalog"), secure=True).status_code == 403
    assert as_publisher.get(reverse("admin:designs_producttemplate_import"), secure=True).status_code == 403


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


def test_the_editor_says_whether_the_prompt_is_the_title(as_superuser):
    # Issue 19: designs without a title of their own are refused for publishing unless the template says so.
    from tests.system.test_full_flow import forms_of

    template = make_template(prompt_is_title=False)
    editor = reverse("admin:designs_producttemplate_change", args=[template.pk])
    page = page_of(as_superuser.get(editor))
    assert "The prompt is the title" in page and "refused for publishing until their listing copy" in page
    [form] = [form for form in forms_of(page) if form.has("prompt_is_title")]
    sent = urlencode(form.data({"prompt_is_title": "on"}))
    response = as_superuser.post(editor, sent, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302, response.content.decode()[-2000:]
    template.refresh_from_db()
    assert template.prompt_is_title is True
    assert 'id="id_prompt_is_title" checked' in page_of(as_superuser.get(editor))


def test_costs_arriving_after_the_save_price_the_page_and_the_products_alike(
    as_superuser, catalog, make_design, django_capture_on_commit_callbacks
):
    # Issue 19: saved while Printify's costs were being looked up, with 24.37 typed; once the costs arrived the page
    # showed every variant "by the rule" while products went on being made at 24.37 until someone pressed Save.
    from designs.models import Product
    from designs.pricing import parse_money
    from designs.services.publishing import request_publish
    from tests.system.test_full_flow import forms_of

    url = f"{CATALOG}?blueprint=6&provider=99"
    page = page_of(as_superuser.get(url))
    assert "Costs are being looked up in Printify" in page
    [form] = [form for form in forms_of(page) if form.has("placement_mode")]
    typed = {"name": "Gildan tee", "enable_60101": "on", "enable_60102": "on", "price_60101": "24.37"}
    typed["price_60102"] = "24.37"
    saved = as_superuser.post(url, urlencode(form.data(typed)), content_type="application/x-www-form-urlencoded")
    assert saved.status_code == 302, saved.content.decode()[-2000:]
    template = ProductTemplate.objects.get()

    learn_costs(6, 99)  # the worker's lookup ends after the save

    editor = page_of(as_superuser.get(reverse("admin:designs_producttemplate_change", args=[template.pk])))
    shown = {}
    for variant_id in (60101, 60102):
        field = re.search(
            rf'<input type="text" name="price_{variant_id}" value="([^"]*)"[^>]*placeholder="([^"]*)"', editor
        )
        assert field[1] == "", "by the rule, not a typed price"
        shown[variant_id] = parse_money(field[2])
    assert shown == {60101: 1499, 60102: 1499}  # cost 10.29 + 40 %, ending in .99
    listing = page_of(as_superuser.get(reverse("admin:designs_producttemplate_changelist")))
    assert "$14.99" in listing and "$24.37" not in listing

    design = make_design(status="approved", title="Snowy fox")
    with django_capture_on_commit_callbacks():
        request_publish([design], actor=None, source="admin", templates=[template])
    snapshot = Product.objects.get(design=design).template_snapshot
    sent = {v["id"]: v["price"] for v in snapshot["variants"] if v["is_enabled"]}
    assert sent == shown
