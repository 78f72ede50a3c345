"""Product template checks, text rendering, placement and the payload (pure functions, real models)."""

import pytest

from designs.models import Batch, ProductTemplate
from designs.product_templates import (
    TemplateInvalid,
    build_product_payload,
    check_template,
    fit_scale,
    placeholders_from_catalog,
    product_matches_design,
    render_texts,
    template_fields_from_product,
    template_problems,
)
from tests.designs.publishing_support import TEE_PLACEHOLDERS, TEE_VARIANTS


def tee(**fields) -> ProductTemplate:
    values = {
        "name": "Tee",
        "blueprint_id": 3,
        "print_provider_id": 3,
        "variants": [dict(v) for v in TEE_VARIANTS],
        "placement": {"mode": "fixed", "x": 0.5, "y": 0.5, "scale": 1.0, "angle": 0},
        "placeholders": TEE_PLACEHOLDERS,
    }
    values.update(fields)
    return ProductTemplate(**values)


def test_a_complete_template_has_no_problems():
    assert template_problems(tee()) == []
    check_template(tee())


@pytest.mark.parametrize("price", [None, "2499", 24.99, True, 0, -5])
def test_enabled_variants_need_a_whole_positive_price(price):
    variants = [dict(v) for v in TEE_VARIANTS]
    variants[1]["price"] = price
    [problem] = template_problems(tee(variants=variants))
    assert "17426 (Solid Black / XS)" in problem and "whole numbers" in problem


def test_a_disabled_variant_may_have_no_price():
    variants = [dict(v) for v in TEE_VARIANTS]
    variants[3]["price"] = None  # 17394 is disabled
    assert template_problems(tee(variants=variants)) == []


def test_the_print_area_must_cover_every_enabled_variant():
    # 17394 has no back placeholder; enabling it with print position "back" cannot be covered (Printify 8251).
    variants = [dict(v, is_enabled=True) for v in TEE_VARIANTS]
    [problem] = template_problems(tee(variants=variants, print_position="back"))
    assert "“back” print area does not cover" in problem and "17394" in problem


def test_other_problems_are_each_named():
    problems = template_problems(
        tee(
            variants=[dict(v, is_enabled=False) for v in TEE_VARIANTS],
            placement={"mode": "stretch", "scale": 0, "angle": 1.5},
            title_template="{% if %}",
            publish_parts={"colour": True},
        )
    )
    text = " ".join(problems)
    for expected in ("No variant is enabled", "“fixed” or “fit”", "scale must be above 0", "whole degrees"):
        assert expected in text
    assert "title template has a syntax error" in text and "Unknown publish parts: colour" in text
    with pytest.raises(TemplateInvalid, match="cannot be used"):
        check_template(tee(variants=[]))


def test_fit_placement_needs_the_catalog_sizes():
    [problem] = template_problems(tee(placeholders={}, placement={"mode": "fit"}))
    assert "placeholder sizes" in problem


def test_fit_scale_keeps_the_whole_image_inside_the_placeholder():
    assert fit_scale((1000, 1000), (4500, 5700)) == 1.0  # square in a tall area: width limits
    assert fit_scale((1000, 2000), (1000, 1000)) == 0.5  # tall in a square: height limits
    assert fit_scale((3000, 1000), (4500, 5700)) == 1.0


def test_texts_render_over_the_design_and_escape_only_the_html_description(make_design):
    batch = Batch.objects.create(name="Winter")
    design = make_design(prompt='fox & "hare" <3', style="woodcut", batch=batch)
    template = tee(
        title_template="{{ prompt|upper }} – {{ batch }}",
        description_template="<p>{{ design.prompt }}</p>",
        tags_template="animals, {{ style }}, , animals",
    )
    texts = render_texts(template, design)
    assert texts.title == 'FOX & "HARE" <3 – Winter'
    assert texts.description == "<p>fox &amp; &quot;hare&quot; &lt;3</p>"
    assert texts.tags == ["animals", "woodcut"]


def test_text_templates_cannot_include_project_files(make_design):
    [problem] = template_problems(tee(description_template='{% include "admin/base.html" %}'))
    assert problem == "The description template includes another template; only tags and filters are allowed."


def test_payload_marks_each_variant_with_the_design_and_matches_it_back(make_design):
    design = make_design(prompt="owl")
    payload = build_product_payload(tee(), design, "upl-1", (100, 100))
    skus = [v["sku"] for v in payload["variants"]]
    assert skus == [f"podsite-{design.pk}-{vid}" for vid in (17390, 17426, 17393)]
    assert product_matches_design(payload, design.pk)
    assert not product_matches_design(payload, design.pk + 1)
    assert not product_matches_design({"variants": [{"sku": None}]}, design.pk)


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
    }
