"""Product template checks, text rendering, placement and the payload (pure functions, real models)."""

import time

import pytest
from django.template import TemplateSyntaxError

from designs.models import Batch, Design, ProductTemplate
from designs.product_templates import (
    ProductTexts,
    TemplateInvalid,
    TextsInvalid,
    build_product_payload,
    check_template,
    check_texts,
    fit_scale,
    lacks_own_title,
    placeholders_from_catalog,
    product_matches,
    render_texts,
    sku_prefix,
    template_fields_from_product,
    template_problems,
    text_problems,
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
        "prompt_is_title": True,  # these tests render titles from prompts; the title rule's tests say False
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
    for expected in ("No variant is enabled", "“fixed”, “fit” or “fill”", "scale must be above 0", "whole degrees"):
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


def test_templates_read_plain_values_only_and_name_what_they_cannot_read(
    make_design, make_user, django_assert_num_queries
):
    # Issue 10: a template printed design.created_by.password (a password hash) into the preview and the title.
    user = make_user("maker")
    design = make_design(prompt="owl", created_by=user, batch=Batch.objects.create(name="Winter"))
    model_reaches = (
        "{{ design.created_by.password }}{{ design.webhook_token }}{{ design.batch.designs.all }}"
        "{{ design.product_template }}{{ design.clear }}"
    )
    leaky = tee(title_template=model_reaches)

    with django_assert_num_queries(0):
        texts = render_texts(leaky, design)
    assert texts.title == "owl"  # the template printed nothing, so the prompt stands in
    sent = " ".join([texts.title, texts.description, *texts.tags])
    assert user.password not in sent and design.webhook_token not in sent

    [problem] = template_problems(leaky)
    for name in ("design.created_by.password", "design.webhook_token", "design.batch.designs.all", "design.clear"):
        assert name in problem
    assert "which it cannot read" in problem and "design.prompt" in problem  # and says what it can use
    [problem] = template_problems(tee(description_template="{{ title|default:design.created_by.email }}"))
    assert problem.startswith("The description template uses “created_by”, which it cannot read.")


def test_templates_written_for_the_model_keep_working(make_design):
    design = make_design(prompt="fox in snow", style="woodcut", batch=Batch.objects.create(name="Winter"))
    defaults = ProductTemplate()  # the model's default title and description templates
    template = tee(
        title_template=defaults.title_template + " #{{ design.pk }}",
        description_template=defaults.description_template,
        tags_template="{% if style %}{{ style|title }},{% endif %}{% firstof batch prompt %},{{ template.name }}",
    )
    assert template_problems(template) == []
    texts = render_texts(template, design)
    assert (texts.title, texts.description, texts.tags) == (
        f"fox in snow #{design.pk}",
        "fox in snow",
        ["Woodcut", "Winter", "Tee"],
    )


@pytest.mark.parametrize(
    "source, named",
    [
        ("{% for a in prompt %}{% for b in prompt %}{{ a }}{{ b }}{% endfor %}{% endfor %}", "{% for %}"),
        ("{% lorem 100000 w %}", "{% lorem %}"),
        ("{% debug %}", "{% debug %}"),
        ('{% include "admin/base.html" %}', "{% include %}"),
        ("{% load static %}", "{% load %}"),
        ("{% autoescape off %}{{ prompt }}{% endautoescape %}", "{% autoescape %}"),
        ("{% with x=prompt %}{{ x }}{% endwith %}", "{% with %}"),
    ],
)
def test_loops_and_tags_outside_the_allowed_few_are_refused_quickly(source, named):
    started = time.monotonic()
    [problem] = template_problems(tee(description_template=source))
    assert problem == (
        f"The description template uses {named}; product templates may only use the tags if, firstof, filter, "
        "comment, spaceless (no loops, includes or other tags)."
    )
    assert time.monotonic() - started < 0.5


@pytest.mark.parametrize(
    "source",
    [
        '{{ prompt|ljust:"1000000" }}',
        '{{ prompt|center:"1000000" }}',
        '{{ id|stringformat:"01000000d" }}',
        "{{ prompt|join:prompt }}",
        "{{ prompt|add:prompt }}",
        "{{ prompt|safe }}",
        "{% filter upper|ljust:1000000 %}{{ prompt }}{% endfilter %}",
    ],
)
def test_filters_that_can_blow_up_or_unescape_are_refused(make_design, source):
    [problem] = template_problems(tee(title_template=source))
    assert problem.startswith("The title template uses the filters ") and "may only use capfirst, cut," in problem
    # The engine itself does not know them either, whoever skips the check.
    with pytest.raises(TemplateSyntaxError, match="Invalid filter"):
        render_texts(tee(title_template=source), make_design())


def test_template_sources_are_capped(make_design):
    problems = template_problems(
        tee(title_template="x" * 501, description_template="x" * 5_001, tags_template="x" * 500)
    )
    assert problems == [
        "The title template is 501 characters long; at most 500 are allowed.",
        "The description template is 5,001 characters long; at most 5,000 are allowed.",
    ]
    with pytest.raises(TemplateInvalid, match="at most 500 are allowed"):
        render_texts(tee(title_template="x" * 501), make_design())


def test_huge_output_is_capped_or_refused_quickly(make_design):
    design = make_design(prompt="& " * 5_000)  # templates see the first 5,000 characters
    template = tee(title_template="{{ prompt }}" * 41, description_template="{{ prompt }}" * 416)
    started = time.monotonic()
    texts = render_texts(template, design)
    assert len(texts.title) == 140 and texts.title.endswith("…")
    [problem] = text_problems(texts)
    # 416 × 5,000 characters, each "& " escaped to "&amp; ", less the final space stripped.
    assert problem.startswith("The description is 6,239,999 characters long; at most 50,000 are sent.")
    with pytest.raises(TextsInvalid, match="at most 50,000 are sent"):
        build_product_payload(template, design, "upl-1", (100, 100))
    assert time.monotonic() - started < 1


def test_a_design_without_a_title_of_its_own_is_refused_unless_the_template_means_the_prompt(make_design):
    # Issue 19: the raw prompt, or an imported file's name, went live as the product title.
    prompted = make_design(prompt="a red fox in a snowy forest, woodcut print, two colours")
    imported = make_design(prompt="")
    strict = tee(prompt_is_title=False)
    for design in (prompted, imported):
        assert lacks_own_title(strict, design)
        with pytest.raises(TextsInvalid, match="it has no title of its own .*write its listing copy or type a title"):
            check_texts(strict, design)
    assert not lacks_own_title(tee(), prompted)  # the template says the prompt is the title
    assert lacks_own_title(tee(), imported)  # …but an imported design has no prompt either
    titled = make_design(prompt="", title="Fox & <Hare>")
    assert check_texts(strict, titled).title == "Fox & <Hare>"


def test_an_imported_design_without_prompt_or_description_still_gets_both_texts(make_design):
    # Issue 10: sent with an empty description, Printify refused it (8150).
    titled = make_design(prompt="", title="Fox & <Hare>")
    payload = build_product_payload(tee(), titled, "upl-1", (100, 100))  # the model's default text templates
    assert (payload["title"], payload["description"]) == ("Fox & <Hare>", "Fox &amp; &lt;Hare&gt;, printed on demand.")
    texts = render_texts(tee(description_template="<p>{{ design.description }}</p>"), titled)
    assert texts.description == "Fox &amp; &lt;Hare&gt;, printed on demand."  # markup around nothing is empty

    prompted = make_design(prompt="owl at night")
    assert render_texts(tee(title_template="{{ design.title }}"), prompted).title == "owl at night"


def test_empty_required_texts_are_refused_before_any_request():
    assert text_problems(ProductTexts(title="", description="<p> &nbsp;</p>", tags=[])) == [
        "The product has no title: give the design a title or a prompt.",
        "The product has no description: give the design a description.",
    ]
    unsaved = Design(prompt="")  # not even an id to name it by
    with pytest.raises(TextsInvalid, match="^The product cannot be sent to Printify: it has no title of its own"):
        check_texts(tee(), unsaved)
    # The admin preview shows a ValueError from the payload as a problem.
    with pytest.raises(ValueError, match="has no title of its own"):
        build_product_payload(tee(), unsaved, "upl-1", (100, 100))


def test_design_text_is_escaped_the_same_directly_and_through_the_template(make_design):
    # Issue 10: the design's own description went out unescaped while template output was escaped.
    text = "<script>alert(1)</script> Tom & Jerry\nsecond line"
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt; Tom &amp; Jerry<br>second line"
    direct = build_product_payload(tee(), make_design(description=text), "upl-1", (100, 100))
    assert direct["description"] == escaped
    through = tee(description_template="<p>{{ design.prompt|linebreaksbr }}</p>")
    assert (
        build_product_payload(through, make_design(prompt=text), "upl-1", (100, 100))["description"]
        == f"<p>{escaped}</p>"
    )


def test_title_and_tags_keep_to_etsy_listing_limits(make_design):
    long_tag = "a tag longer than twenty"
    design = make_design(title="word " * 40, tags=["fox", *[f"tag {n}" for n in range(14)], long_tag, " fox "])
    texts = render_texts(tee(), design)
    assert len(texts.title) == 140 and texts.title.startswith("word word") and texts.title.endswith("…")
    assert texts.tags == ["fox", *[f"tag {n}" for n in range(12)]]
    assert texts.dropped_tags == ["tag 12", "tag 13", long_tag]


def test_payload_marks_each_variant_with_the_design_and_template_and_matches_it_back(make_design):
    design = make_design(prompt="owl")
    template = tee()
    template.pk = 7
    payload = build_product_payload(template, design, "upl-1", (100, 100))
    skus = [v["sku"] for v in payload["variants"]]
    assert skus == [f"podsite-{design.pk}-t7-{vid}" for vid in (17390, 17426, 17393)]
    assert product_matches(payload, sku_prefix(design.pk, 7))
    assert not product_matches(payload, sku_prefix(design.pk, 8))  # the same design's product of another template
    assert not product_matches(payload, sku_prefix(design.pk + 1, 7))
    assert not product_matches(payload, sku_prefix(design.pk))  # the marker of products made before templates
    assert not product_matches({"variants": [{"sku": None}]}, sku_prefix(design.pk, 7))
    legacy = build_product_payload(template, design, "upl-1", (100, 100), sku=sku_prefix(design.pk))
    assert product_matches(legacy, sku_prefix(design.pk)) and not product_matches(legacy, sku_prefix(design.pk, 7))


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
