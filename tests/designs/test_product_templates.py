"""Product template checks, the texts a design gets, placement and the payload (pure functions, real models)."""

import pytest

from designs.models import Batch, Design
from designs.product_templates import (
    ProductTexts,
    TemplateInvalid,
    TextsInvalid,
    build_product_payload,
    check_template,
    check_texts,
    lacks_own_title,
    placement_scale,
    product_matches,
    render_texts,
    sku_prefix,
    template_from_snapshot,
    template_problems,
    template_snapshot,
    text_problems,
)
from designs.shops import SalesChannel, Shop
from tests.designs.publishing_support import TEE_VARIANTS, tee_template


def test_a_complete_template_has_no_problems():
    assert template_problems(tee_template()) == []
    check_template(tee_template())


@pytest.mark.parametrize("price", [None, "2499", 24.99, True, 0, -5])
def test_enabled_variants_need_a_whole_positive_price(price):
    variants = [dict(v) for v in TEE_VARIANTS]
    variants[1]["price"] = price
    [problem] = template_problems(tee_template(variants=variants))
    assert "17426 (Solid Black / XS)" in problem and "whole numbers" in problem


def test_a_disabled_variant_may_have_no_price():
    variants = [dict(v) for v in TEE_VARIANTS]
    variants[3]["price"] = None  # 17394 is disabled
    assert template_problems(tee_template(variants=variants)) == []


def test_the_print_area_must_cover_every_enabled_variant():
    # 17394 has no back placeholder; enabling it with print position "back" cannot be covered (Printify 8251).
    variants = [dict(v, is_enabled=True) for v in TEE_VARIANTS]
    [problem] = template_problems(tee_template(variants=variants, print_position="back"))
    assert "“back” print area does not cover" in problem and "17394" in problem


def test_other_problems_are_each_named():
    problems = template_problems(
        tee_template(
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
        check_template(tee_template(variants=[]))


def test_fit_placement_needs_the_catalog_sizes():
    [problem] = template_problems(tee_template(placeholders={}, placement={"mode": "fit"}))
    assert "placeholder sizes" in problem


def test_placement_scale_fits_fills_or_keeps_the_templates_own():
    fit, fill = {"mode": "fit"}, {"mode": "fill"}
    assert placement_scale((1000, 1000), (4500, 5700), fit) == 1.0  # square in a tall area: width limits
    assert placement_scale((1000, 2000), (1000, 1000), fit) == 0.5  # tall in a square: height limits
    assert placement_scale((3000, 1000), (4500, 5700), fit) == 1.0
    assert placement_scale((1000, 1000), (4500, 5700), fill) == 1.2667  # grows until the height is covered
    assert placement_scale((1000, 2000), (1000, 1000), fill) == 1.0
    assert placement_scale((1000, 2000), (1000, 1000), {"mode": "fixed", "scale": 0.8}) == 0.8
    with pytest.raises(ValueError, match="no size"):
        placement_scale((0, 10), (10, 10), fit)


def test_texts_render_over_the_design_and_escape_only_the_html_description(make_design):
    batch = Batch.objects.create(name="Winter")
    design = make_design(prompt='fox & "hare" <3', style="woodcut", batch=batch)
    template = tee_template(
        title_template="{{ prompt|upper }} – {{ batch }}",
        description_template="<p>{{ design.prompt }}</p>",
        tags_template="animals, {{ style }}, , animals",
    )
    texts = render_texts(template, design)
    assert texts.title == 'FOX & "HARE" <3 – Winter'
    assert texts.description == "<p>fox &amp; &quot;hare&quot; &lt;3</p>"
    assert texts.tags == ["animals", "woodcut"]


def test_an_imported_design_without_prompt_or_description_still_gets_both_texts(make_design):
    # Issue 10: sent with an empty description, Printify refused it (8150).
    titled = make_design(prompt="", title="Fox & Hare <3")
    payload = build_product_payload(tee_template(), titled, "upl-1", (100, 100))  # the model's default text templates
    assert (payload["title"], payload["description"]) == ("Fox & Hare <3", "Fox &amp; Hare &lt;3, printed on demand.")
    texts = render_texts(tee_template(description_template="<p>{{ design.description }}</p>"), titled)
    assert texts.description == "Fox &amp; Hare &lt;3, printed on demand."  # markup around nothing is empty

    prompted = make_design(prompt="owl at night")
    assert render_texts(tee_template(title_template="{{ design.title }}"), prompted).title == "owl at night"


def test_a_design_without_a_title_of_its_own_is_refused_unless_the_template_means_the_prompt(make_design):
    # Issue 19: the raw prompt, or an imported file's name, went live as the product title.
    prompted = make_design(prompt="a red fox in a snowy forest, woodcut print, two colours")
    imported = make_design(prompt="")
    strict = tee_template(prompt_is_title=False)
    for design in (prompted, imported):
        assert lacks_own_title(strict, design)
        with pytest.raises(TextsInvalid, match="it has no title of its own .*write its listing copy or type a title"):
            check_texts(strict, design)
    assert not lacks_own_title(tee_template(), prompted)  # the template says the prompt is the title
    assert lacks_own_title(tee_template(), imported)  # …but an imported design has no prompt either
    titled = make_design(prompt="", title="Fox & Hare")
    assert check_texts(strict, titled).title == "Fox & Hare"


def test_empty_required_texts_are_refused_before_any_request():
    assert text_problems(ProductTexts(title="", description="<p> &nbsp;</p>", tags=[])) == [
        "The product has no title: give the design a title or a prompt.",
        "The product has no description: give the design a description.",
    ]
    unsaved = Design(prompt="")  # not even an id to name it by
    with pytest.raises(TextsInvalid, match="^The product cannot be sent to Printify: it has no title of its own"):
        check_texts(tee_template(), unsaved)
    # The admin preview shows a ValueError from the payload as a problem.
    with pytest.raises(ValueError, match="has no title of its own"):
        build_product_payload(tee_template(), unsaved, "upl-1", (100, 100))


def test_design_text_is_escaped_the_same_directly_and_through_the_template(make_design):
    # Issue 10: the design's own description went out unescaped while template output was escaped.
    text = "<script>alert(1)</script> Tom & Jerry\nsecond line"
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt; Tom &amp; Jerry<br>second line"
    direct = build_product_payload(tee_template(), make_design(description=text), "upl-1", (100, 100))
    assert direct["description"] == escaped
    through = tee_template(description_template="<p>{{ design.prompt|linebreaksbr }}</p>")
    assert (
        build_product_payload(through, make_design(prompt=text), "upl-1", (100, 100))["description"]
        == f"<p>{escaped}</p>"
    )


def test_title_and_tags_keep_to_etsy_listing_limits(make_design):
    long_tag = "a tag longer than twenty"
    design = make_design(title="word " * 40, tags=["fox", *[f"tag {n}" for n in range(14)], long_tag, " fox "])
    texts = render_texts(tee_template(), design)
    assert len(texts.title) == 140 and texts.title.startswith("word word") and texts.title.endswith("…")
    assert texts.tags == ["fox", *[f"tag {n}" for n in range(12)]]
    assert texts.dropped_tags == ["tag 12", "tag 13", long_tag]


def test_texts_keep_to_the_limits_of_the_templates_shop_and_its_snapshot_remembers_the_shop(make_design):
    ebay = Shop.objects.create(printify_id="ebay-1", title="My eBay", channel=SalesChannel.EBAY)
    template = tee_template(title_template="{{ title }} — Unisex Heavy Cotton Tee", shop=ebay)
    design = make_design(title="Winter fox " * 7, tags=["fox", "winter"])  # 77 characters of its own

    texts = render_texts(template, design)

    # eBay takes 80 characters and no tags: the template's words are cut, the tags stay home.
    assert len(texts.title) == 80 and texts.title.endswith("…")
    assert texts.tags == [] and texts.dropped_tags == ["fox", "winter"]
    assert check_texts(template, design).title == texts.title
    again = template_from_snapshot(template_snapshot(template))
    assert again.shop_id == ebay.pk and render_texts(again, design).title == texts.title


def test_copy_the_templates_shop_refuses_is_refused_before_any_request(make_design):
    etsy = Shop.objects.create(printify_id="etsy-1", title="My Etsy shop", channel=SalesChannel.ETSY)
    design = make_design(title="Fish & Chips & Peas")
    with pytest.raises(TextsInvalid) as refused:
        check_texts(tee_template(shop=etsy), design)
    assert refused.value.problems == ["Etsy (My Etsy shop): the title has “&” 2 times; Etsy allows each of % : & once."]


def test_payload_marks_each_variant_with_the_design_and_template_and_matches_it_back(make_design):
    design = make_design(prompt="owl")
    template = tee_template()
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


def test_the_title_template_dresses_every_design_title_with_its_product_words(make_design):
    # Issue 19: a design with a title of its own skipped the title template, so a template could not add "Tee" and
    # the LLM's titles named the product ("… Gildan 5000 Tee", on the mug too).
    titled = make_design(title="Red Fox Woodcut", prompt="a red fox in a snowy forest")
    prompted = make_design(prompt="owl at night")
    tee = tee_template(title_template="{{ title }} — Unisex Tee")
    assert render_texts(tee, titled).title == "Red Fox Woodcut — Unisex Tee"
    assert render_texts(tee, prompted).title == "owl at night — Unisex Tee"  # the template says the prompt is the title
    strict = tee_template(title_template="{{ title }} — Unisex Tee", prompt_is_title=False)
    assert check_texts(strict, titled).title == "Red Fox Woodcut — Unisex Tee"
    assert lacks_own_title(strict, prompted)  # {{ title }} is not its prompt there: refused, as before

    default = tee_template()  # the model's default title template
    assert default.title_template == "{{ title }}"
    assert (render_texts(default, titled).title, render_texts(default, prompted).title) == (
        "Red Fox Woodcut",
        "owl at night",
    )
