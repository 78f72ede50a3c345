"""Filling a product template from the Printify catalog (the sandbox's): blueprint cards and search, the providers
compared side by side, the editor page (preview, save, costs, repricing) and who may use it."""

import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from designs.models import ProductTemplate, RepriceJob
from designs.shops import Shop
from designs.workers.costs import learn_costs
from tests.designs.publishing_support import make_product, make_template
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture: static files, plain HTTP)
from tests.designs.template_support import CATALOG, WHITE_AND_BLACK_S_TO_2XL, editor_post, page_of
from tests.form_support import as_dict, form_with, forms_of

pytestmark = pytest.mark.usefixtures("admin_settings", "printify_settings")


def test_blueprints_are_cards_with_pictures_brand_and_model_found_by_words(as_superuser, catalog):
    page = page_of(as_superuser.get(CATALOG, {"q": "gildan 5000"}))
    assert "Unisex Heavy Cotton Tee" in page and "Gildan 5000" in page and "Mug 11oz" not in page
    # The catalog's own picture (the sandbox serves it, as Printify's CDN would): an <img>, never fetched by us.
    assert f'<img src="{catalog.url}/_sandbox/blueprints/6/0.png"' in page
    assert "1 blueprint matching “gildan 5000”. Click one to compare who prints it." in page
    nothing = page_of(as_superuser.get(CATALOG, {"q": "zeppelin"}))
    assert "No blueprint matches “zeppelin”" in nothing

    # Clicking a card is choosing it: the browser sends the card's button and the search it came from.
    cards = form_with(page, "blueprint", method="get")
    chosen = as_superuser.get(CATALOG, as_dict(cards.data(press="6")))
    compared = page_of(chosen)
    assert "2. Print provider" in compared and "Unisex Heavy Cotton Tee" in compared
    assert f'{CATALOG}?q=gildan%205000">Choose another blueprint' in compared


def test_the_provider_step_compares_where_they_print_print_areas_colours_sizes_costs_and_shipping(
    as_superuser, catalog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as on_get:
        page = page_of(as_superuser.get(CATALOG, {"blueprint": 6}))
    assert on_get == []  # opening the comparison queues nothing, makes no draft product
    rows = re.findall(r'<tr class="pod-provider-row[^"]*" data-provider="(\d+)"', page)
    assert rows == ["99", "29", "90011", "90012", "90013"]
    assert "Chicago, IL, United States" in page and "Cologne, North Rhine-Westphalia, Germany" in page
    assert "3,461 × 3,955" in page and "up to 4,200 × 4,800" in page  # Monster Digital's grow with the size
    assert "4,500 × 5,400" in page and "(15.0 × 18.0 in)" in page
    assert "S–3XL" in page and "Sport Grey" in page
    assert "Standard shipping" in page and "to the United States" in page
    assert "$11.49" in page and "rest-of-world rate" in page and 'id="pod-fallback-note"' in page
    assert "not offered" in page  # Toronto has no economy shipping
    assert page.count("pod-badge-nearest") >= 2 and "Cheapest</span>" not in page  # no costs known yet
    assert "Costs not known yet for Printify Choice, Monster Digital" in page

    # The costs button is a POST; each provider whose costs are missing is looked up on a worker.
    ask = form_with(page, "country")
    with django_capture_on_commit_callbacks() as on_post:
        answered = as_superuser.post(ask.action, ask.post_data())
    shop = Shop.objects.get(is_default=True)  # the install's PRINTIFY_SHOP_ID shop
    assert answered.status_code == 302 and answered.url == f"{CATALOG}?blueprint=6&country=US&shop={shop.pk}"
    assert len(on_post) == 5
    assert as_superuser.get(ask.action).status_code == 405
    for provider in (99, 29, 90011, 90012, 90013):
        learn_costs(6, provider)  # what the workers do

    page = page_of(as_superuser.get(CATALOG, {"blueprint": 6}))
    assert "Cost of one M" in page and "$10.29" in page and "learned just now" in page
    cheapest = re.search(r'<tr class="pod-provider-row pod-is-cheapest[^"]*" data-provider="(\d+)"', page)
    assert cheapest[1] == "99" and "<strong>$15.04</strong>" in page  # 10.29 + 4.75 standard to the US
    assert "Costs not known yet" not in page

    assert "the main country of your shop “Shop 1”" in page  # the install's PRINTIFY_SHOP_ID shop, in the US

    # To Germany: Cologne is nearest and cheapest; the order can follow either.
    germany = page_of(as_superuser.get(CATALOG, {"blueprint": 6, "country": "DE", "sort": "cheapest"}))
    rows = re.findall(r'<tr class="pod-provider-row([^"]*)" data-provider="(\d+)"', germany)
    assert rows[0] == (" pod-is-cheapest pod-is-nearest", "90011")
    assert "to Germany" in germany and "prints in Germany itself" in germany
    assert "your shop “Shop 1” ships mainly to US" in germany

    # A shop in Germany compares to Germany without being asked.
    Shop.objects.filter(is_default=True).update(country="DE")
    assert "prints in Germany itself" in page_of(as_superuser.get(CATALOG, {"blueprint": 6}))


def test_the_template_s_shop_is_chosen_at_the_provider_step_and_comes_along_to_the_editor(as_superuser, catalog):
    page = page_of(as_superuser.get(CATALOG, {"blueprint": 6}))
    assert 'id="pod-shop"' not in page  # one shop: nothing to choose
    canada = Shop.objects.create(printify_id="2", title="Maple Etsy", channel="etsy", country="CA")
    Shop.objects.create(printify_id="4", title="Gone", channel="disconnected", country="FR")
    page = page_of(as_superuser.get(CATALOG, {"blueprint": 6}))
    chooser = form_with(page, "shop", method="get")
    assert list(chooser.options("shop")) == ["Shop 1 (Other channel, US)", "Maple Etsy (Etsy, CA)"]
    for_canada = page_of(as_superuser.get(CATALOG, as_dict(chooser.data({"shop": str(canada.pk)}))))
    assert "to Canada" in for_canada and "the main country of your shop “Maple Etsy”" in for_canada
    chosen = form_with(for_canada, "to_variants", method="get")
    editor = page_of(as_superuser.get(CATALOG, as_dict(chosen.data({"provider": "90012"}, press="to_variants"))))
    assert "Maple Leaf Prints" in editor
    assert re.search(rf'<option value="{canada.pk}" selected>', editor), "the editor has the shop chosen"


def test_choosing_no_provider_is_explained_and_a_missing_blueprint_too(as_superuser, catalog):
    page = page_of(as_superuser.get(CATALOG, {"blueprint": 6}))
    chosen = form_with(page, "to_variants", method="get")
    assert "Choose a print provider first" in page_of(
        as_superuser.get(CATALOG, as_dict(chosen.data(press="to_variants")))
    )
    # Arriving from the blueprint step is not an empty choice.
    assert "Choose a print provider first" not in page
    missing = as_superuser.get(CATALOG, {"blueprint": 424242})
    assert missing.status_code == 302
    assert "no blueprint 424242" in page_of(as_superuser.get(missing.url))


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


def test_without_known_costs_the_rule_cannot_price_and_says_so(as_superuser, catalog):
    url = f"{CATALOG}?blueprint=6&provider=99"
    page = page_of(as_superuser.get(url))
    assert "Printify's costs are not known yet" in page
    assert "its cost is not known yet" in page_of(as_superuser.post(url, editor_post(enable_60101="on")))
    assert as_superuser.post(url, editor_post(enable_60101="on", price_60101="24.99")).status_code == 302


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


def test_template_pages_need_permissions(as_publisher):
    # Publishers may look at templates but not create them from the catalog.
    assert as_publisher.get(reverse("admin:designs_producttemplate_catalog"), secure=True).status_code == 403
    assert as_publisher.get(reverse("admin:designs_producttemplate_import"), secure=True).status_code == 403


def test_opening_the_editor_queues_nothing_its_button_asks_for_the_costs(
    as_superuser, catalog, django_capture_on_commit_callbacks
):
    url = f"{CATALOG}?blueprint=6&provider=99"
    with django_capture_on_commit_callbacks() as on_get:
        page = page_of(as_superuser.get(url))
    assert on_get == []  # a GET has no side effect: no worker is woken
    lookup = form_with(page, "next")
    with django_capture_on_commit_callbacks() as on_post:
        response = as_superuser.post(lookup.action, as_dict(lookup.data()))
    assert response.status_code == 302 and response.url == url
    assert len(on_post) == 1  # learn_costs(6, 99) on a worker
    assert not as_superuser.get(lookup.action).status_code == 200  # the button's URL acts on POST only


def test_a_second_template_of_one_name_is_refused_by_the_editor(as_superuser, catalog):
    learn_costs(6, 99)
    make_template(name="Tee")
    url = f"{CATALOG}?blueprint=6&provider=99"
    page = page_of(as_superuser.post(url, editor_post(name="Tee", enable_60101="on")))
    assert "A template named “Tee” exists already." in page
    assert ProductTemplate.objects.filter(name="Tee").count() == 1


def test_costs_arriving_after_the_save_price_the_page_and_the_products_alike(
    as_superuser, catalog, make_design, django_capture_on_commit_callbacks
):
    # Issue 19: saved while Printify's costs were being looked up, with 24.37 typed; once the costs arrived the page
    # showed every variant "by the rule" while products went on being made at 24.37 until someone pressed Save.
    from designs.models import Product
    from designs.pricing import parse_money
    from designs.services.publishing import request_publish

    url = f"{CATALOG}?blueprint=6&provider=99"
    page = page_of(as_superuser.get(url))
    assert "Printify's costs are not known yet" in page
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
