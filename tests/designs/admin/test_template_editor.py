"""The template editor's form: prices below cost refused, low margins confirmed, empty and bad choices explained
in words, variants gone out of stock named and unticked."""

import time
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from designs.models import ProductTemplate, RepriceJob
from designs.workers.costs import learn_costs
from tests.designs.publishing_support import make_product, make_template
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture: static files, plain HTTP)
from tests.designs.template_support import CATALOG, editor_post, page_of
from tests.form_support import form_with, forms_of

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


@pytest.fixture
def saved_tee(as_superuser, catalog):
    """A tee template saved from the catalog editor, and its change page's URL."""
    learn_costs(6, 99)
    as_superuser.post(f"{CATALOG}?blueprint=6&provider=99", editor_post(enable_60101="on", enable_60102="on"))
    template = ProductTemplate.objects.get()
    return template, reverse("admin:designs_producttemplate_change", args=[template.pk])


def submit_editor(client, url, **changes):
    form = form_with(page_of(client.get(url)), "advanced_placeholders")
    return client.post(url, form.post_data(changes))


def test_a_huge_money_field_is_a_form_error_at_once(as_superuser, saved_tee):
    template, url = saved_tee
    before = ProductTemplate.objects.values().get(pk=template.pk)
    started = time.monotonic()
    response = submit_editor(as_superuser, url, profit="1" + "a" * 36_000 + "1", use_rule="on", basis="profit")
    assert time.monotonic() - started < 2  # it held a web thread 17.8 s
    assert "An amount of money is at most 32 characters long; this one has 36,002." in page_of(response)
    assert ProductTemplate.objects.values().get(pk=template.pk) == before
    assert 'maxlength="32"' in page_of(as_superuser.get(url))  # the browser stops typing there too


@pytest.mark.parametrize(
    ("placeholders", "error"),
    [
        ("[" * 100_000 + "]" * 100_000, "The print areas (Advanced) are nested too deeply to be print areas."),
        (
            '{"60101": {"front": {"width": "abc", "height": 4800}}}',
            "The “front” print area of variant 60101 needs a width and a height in pixels above 0.",
        ),
        ('{"60101": "front"}', "The print areas of variant 60101 must be an object: {position: {width, height}}."),
        ('["front"]', "The print areas must be an object: {variant id: {position: {width, height}}}."),
    ],
)
def test_bad_advanced_print_areas_are_a_form_error(as_superuser, saved_tee, placeholders, error):
    template, url = saved_tee
    before = ProductTemplate.objects.values().get(pk=template.pk)
    response = submit_editor(as_superuser, url, advanced_placeholders=placeholders)
    assert error in page_of(response)
    assert ProductTemplate.objects.values().get(pk=template.pk) == before


def test_a_description_template_nested_past_the_engines_depth_is_a_form_error(as_superuser, saved_tee):
    # 1,240 nested "not" fit the 5,000-character limit and ran Django's condition parser out of stack.
    template, url = saved_tee
    source = "{% if " + "not " * 1_240 + "title %}x{% endif %}"
    response = submit_editor(as_superuser, url, description_template=source)
    assert "The description template is nested too deeply to be read; write it more simply." in page_of(response)
    template.refresh_from_db()
    assert template.description_template == "{{ prompt }}"


@pytest.mark.parametrize("field", ["placeholders", "variants", "placement", "publish_parts"])
def test_json_nested_too_deeply_on_the_plain_form_is_a_form_error(as_superuser, saved_tee, field):
    template, url = saved_tee
    before = ProductTemplate.objects.values().get(pk=template.pk)
    form = form_with(page_of(as_superuser.get(f"{url}?advanced=1")), field)
    response = as_superuser.post(f"{url}?advanced=1", form.post_data({field: "[" * 100_000 + "]" * 100_000}))
    assert "This JSON is nested too deeply." in page_of(response)
    assert ProductTemplate.objects.values().get(pk=template.pk) == before


def test_a_template_editor_saves_prices_but_only_a_publisher_reprices_live_products(
    client, as_superuser, saved_tee, make_user, make_design
):
    # Issue 19: a template editor set the markup to 1,000 % and every live product went to $127.
    template, url = saved_tee
    make_product(make_design(status="published"), template, printify_id="a" * 24)
    editor = make_user("template-editor", perms=["view_producttemplate", "change_producttemplate"])
    client.force_login(editor)
    response = submit_editor(client, url, percent="1000")
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.price_rule["percent"] == "1000"  # the template's prices are saved
    page = page_of(client.get(url))
    assert "keeps its old prices until a Publisher updates them" in page
    assert 'id="pod-reprice"' not in page  # no button it may not press
    reprice = reverse("admin:designs_producttemplate_reprice", args=[template.pk])
    assert client.post(reprice).status_code == 403
    assert not RepriceJob.objects.exists()

    client.force_login(make_user("pub", groups=["Publishers"]))
    page = page_of(client.get(url))
    assert 'id="pod-reprice"' in page
    assert client.post(reprice).status_code == 302
    assert RepriceJob.objects.get().total == 1


def test_the_editor_says_whether_the_prompt_is_the_title(as_superuser):
    # Issue 19: designs without a title of their own are refused for publishing unless the template says so.

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


def test_the_editor_says_the_title_template_applies_to_every_design_title():
    from designs.admin.template_editor import TemplateEditorForm

    help_text = str(TemplateEditorForm.base_fields["title_template"].help_text)
    assert "Applied to every design's title: {{ title }} is the design's own title" in help_text
    assert "“{{ title }} — Unisex Tee” adds the product words" in help_text


# --- the placement preview's data --------------------------------------------------------------------------------


def preview_of(page: str) -> dict:
    import json
    import re
    from html import unescape

    return json.loads(unescape(re.search(r'id="pod-placement-data" type="application/json">(.*?)</script>', page)[1]))


def test_the_preview_offers_the_newest_approved_designs_the_print_area_sizes_and_the_colours(
    as_superuser, make_design, settings
):
    from tests.designs.contrast_support import colour_tee, transparent_design
    from tests.designs.print_support import approved_design

    tee = colour_tee(
        blueprint_images=[
            "https://images.printify.com/api/catalog/tee.jpg",
            "javascript:alert(1)",
            "http://plain.example/tee.jpg",
        ]
    )
    older = approved_design(make_design, (4500, 5400), title="Older owl")
    newer = transparent_design(make_design, title="Black wreath")
    make_design(status="review", title="Not approved yet")
    url = reverse("admin:designs_producttemplate_change", args=[tee.pk])
    data = preview_of(page_of(as_superuser.get(url)))

    assert [d["id"] for d in data["designs"]] == [newer.pk, older.pk]  # the newest decision first
    owl = data["designs"][1]
    assert owl == {
        "id": older.pk,
        "label": f"#{older.pk} Older owl",
        "url": older.preview_file.url,  # its preview (at most 1600 px), through the media URL, never the original
        "width": 4500,
        "height": 5400,
        "file": "original",
        "vanishes_on": [],  # opaque: prints as its own rectangle
    }
    assert data["designs"][0]["vanishes_on"] == ["Black", "Navy"]  # black art on a transparent background
    assert data["areas"]["front"] == [
        {"size": [4800, 5700], "variants": [3, 6, 9, 12, 15], "sizes": "L"},  # the biggest area first
        {"size": [4500, 5400], "variants": [1, 2, 4, 5, 7, 8, 10, 11, 13, 14], "sizes": "S, M"},
    ]
    assert data["pictures"] == [  # web addresses only
        "https://images.printify.com/api/catalog/tee.jpg",
        "http://plain.example/tee.jpg",
    ]
    assert [(c["name"], c["approximate"]) for c in data["colours"]][:2] == [("White", True), ("Black", True)]
    assert data["dpi"] == {"print": 300, "min": settings.MIN_PRINT_DPI, "target": settings.TARGET_PRINT_DPI}

    # ?design= puts a chosen design first (from the design's page, say).
    chosen = preview_of(page_of(as_superuser.get(f"{url}?design={older.pk}")))
    assert [d["id"] for d in chosen["designs"]] == [older.pk, newer.pk]


def test_the_js_dpi_formula_is_the_print_quality_one(make_design):
    """The page works the DPI out in the browser with print_quality's formula: the figures it is given make the
    same number (fit on the worst print area size)."""
    from designs.print_quality import effective_dpi
    from tests.designs.contrast_support import colour_tee

    tee = colour_tee()
    report = effective_dpi((4500, 5400), tee)
    worst = report.worst
    assert worst.placeholder == (4800, 5700)  # the L area, the biggest, which the page draws first
    scale = min(1.0, (4500 / 5400) / (4800 / 5700))
    assert report.dpi == int(300 * 4500 / (4800 * round(scale, 4)))
