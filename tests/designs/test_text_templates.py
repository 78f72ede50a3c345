"""The safe text-template engine: only plain values, only the allowed tags and filters, capped sources and values,
checked when a template is saved (through the product template checks and texts that use it)."""

import time

import pytest
from django.template import TemplateSyntaxError

from designs.models import Batch, ProductTemplate
from designs.product_templates import (
    TemplateInvalid,
    TextsInvalid,
    build_product_payload,
    render_texts,
    template_problems,
    text_problems,
)
from designs.shops import Shop
from designs.text_templates import TEMPLATE_VALUE_MAX_CHARS
from tests.designs.publishing_support import tee_template


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
    leaky = tee_template(title_template=model_reaches)
    leaky.shop = Shop.objects.create(printify_id="31", title="My Etsy", channel="etsy")  # its limits: read already

    with django_assert_num_queries(0):
        texts = render_texts(leaky, design)
    assert texts.title == "owl"  # the template printed nothing, so the prompt stands in
    sent = " ".join([texts.title, texts.description, *texts.tags])
    assert user.password not in sent and design.webhook_token not in sent

    [problem] = template_problems(leaky)
    for name in ("design.created_by.password", "design.webhook_token", "design.batch.designs.all", "design.clear"):
        assert name in problem
    assert "which it cannot read" in problem and "design.prompt" in problem  # and says what it can use
    [problem] = template_problems(tee_template(description_template="{{ title|default:design.created_by.email }}"))
    assert problem.startswith("The description template uses “created_by”, which it cannot read.")


def test_templates_written_for_the_model_keep_working(make_design):
    design = make_design(prompt="fox in snow", style="woodcut", batch=Batch.objects.create(name="Winter"))
    defaults = ProductTemplate()  # the model's default title and description templates
    template = tee_template(
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
    [problem] = template_problems(tee_template(description_template=source))
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
    [problem] = template_problems(tee_template(title_template=source))
    assert problem.startswith("The title template uses the filters ") and "may only use capfirst, cut," in problem
    # The engine itself does not know them either, whoever skips the check.
    with pytest.raises(TemplateSyntaxError, match="Invalid filter"):
        render_texts(tee_template(title_template=source), make_design())


def test_template_sources_are_capped(make_design):
    problems = template_problems(
        tee_template(title_template="x" * 501, description_template="x" * 5_001, tags_template="x" * 500)
    )
    assert problems == [
        "The title template is 501 characters long; at most 500 are allowed.",
        "The description template is 5,001 characters long; at most 5,000 are allowed.",
    ]
    with pytest.raises(TemplateInvalid, match="at most 500 are allowed"):
        render_texts(tee_template(title_template="x" * 501), make_design())


def test_huge_output_is_capped_or_refused_quickly(make_design):
    design = make_design(prompt="& " * 5_000)  # templates see the first 5,000 characters
    template = tee_template(title_template="{{ prompt }}" * 41, description_template="{{ prompt }}" * 416)
    started = time.monotonic()
    texts = render_texts(template, design)
    assert len(texts.title) == 140 and texts.title.endswith("…")
    [problem] = text_problems(texts)
    # 416 × 5,000 characters, each "& " escaped to "&amp; ", less the final space stripped.
    assert problem.startswith("The description is 6,239,999 characters long; at most 50,000 are sent.")
    with pytest.raises(TextsInvalid, match="at most 50,000 are sent"):
        build_product_payload(template, design, "upl-1", (100, 100))
    assert time.monotonic() - started < 1


def test_a_whole_mapping_prints_from_the_capped_plain_values_and_is_refused_when_saved(make_design):
    # Issue 19: {{ design }} printed every value repr-escaped, past the per-value cap: 8.4 million characters.
    design = make_design(prompt="\\" * 100_000)  # repr() doubles each backslash
    template = tee_template(title_template="{{ design }}" * 41, description_template="{{ design }}" * 416)
    started = time.monotonic()
    texts = render_texts(template, design)
    assert time.monotonic() - started < 2
    assert len(texts.description) <= 416 * TEMPLATE_VALUE_MAX_CHARS + 200  # each print within the cap (+ disclosure)
    assert "prompt" not in texts.description and "&#x27;" not in texts.description  # plain values, not a repr

    for source in (
        "{{ design }}",
        "{% firstof template %}",
        "{{ design|upper }}",
        "{% filter title %}{{ design }}{% endfilter %}",
    ):
        [problem] = template_problems(tee_template(description_template=source))
        assert problem.startswith("The description template prints ") and "as a whole" in problem
        assert "design.title" in problem  # and says what it can print


def test_a_title_template_may_add_product_words_to_every_title(make_design):
    template = tee_template(title_template="{{ title|upper }} — Unisex Tee", prompt_is_title=False)
    assert template_problems(template) == []
    assert render_texts(template, make_design(title="Night owl")).title == "NIGHT OWL — Unisex Tee"
