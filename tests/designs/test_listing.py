"""designs/listing.py: the shop's limits from settings, cleaning typed text, checks in words, the AI disclosure;
and the product payload using them (one home for the limits)."""

import time

import pytest

from designs import listing
from designs.product_templates import build_product_payload, render_texts
from designs.services.batches import PromptFileError, parse_prompts
from tests.designs.publishing_support import make_template


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ('"skull with roses"', "skull with roses"),
        ("  'skull   with\troses'  ", "skull with roses"),
        ("“skull with roses”", "skull with roses"),
        ('«"nested"»', "nested"),
        ('"a" and "b"', '"a" and "b"'),  # two quoted parts, not one wrapped line
        ("it's a fox", "it's a fox"),
        ('"', '"'),
    ],
)
def test_clean_line_drops_wrapping_quotes_and_repeated_whitespace(typed, clean):
    assert listing.clean_line(typed) == clean


def test_tags_are_cleaned_deduplicated_and_stripped_of_hashes():
    assert listing.parse_tags(' #Fox, winter ;fox,, "woodcut" ') == ["Fox", "winter", "woodcut"]
    assert listing.parse_tags(["a", " a ", "B"]) == ["a", "B"]


# Issue 19: NUL (a 500 on PostgreSQL), bidi overrides and zero-width characters were stored and sent to Printify.
INVISIBLE = "\x00\x01\x1b\x7f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u200c\u200d\u2060\ufeff"


def test_control_bidi_and_zero_width_characters_leave_every_kind_of_text():
    assert listing.clean_title(f"Red{INVISIBLE} Fox\u202e Tee") == "Red Fox Tee"
    assert listing.parse_tags([f"fo{INVISIBLE}x", "\u200b", "owl\x00"]) == ["fox", "owl"]
    assert listing.parse_tags("fox,\u2066winter\u2069") == ["fox", "winter"]
    # Descriptions are the one multi-line text: their line breaks stay, the rest goes.
    assert listing.clean_description(f"A fox.{INVISIBLE}\n\n\tIn the snow\x00.") == "A fox.\n\nIn the snow."
    assert listing.clean_line(f"a red{INVISIBLE} fox") == "a red fox"  # prompts too


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("<script>alert(1)</script>Red Fox Tee", "Red Fox Tee"),
        ("<b>Red</b> <i>Fox</i> Tee<br/>", "Red Fox Tee"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;Fox", "Fox"),  # escaped markup is markup too
        ("Fish &amp; Chips", "Fish & Chips"),
        ("I <3 foxes & owls", "I <3 foxes & owls"),  # not markup
        ("<style>b{}</style><img src=x onerror=alert(1)>Owl", "Owl"),
    ],
)
def test_markup_leaves_titles_and_tags(typed, clean):
    assert listing.clean_title(typed) == clean
    assert listing.parse_tags([typed]) == [clean]


@pytest.mark.parametrize("text", ["<a" * 100_000, "<!--" * 50_000, "</" * 100_000, "&lt;b&gt;" * 20_000])
def test_markup_is_stripped_in_linear_time(text):
    # html.parser takes minutes on 200 kB of "<a<a<a…"; an LLM answer or a pasted tag list can be that long.
    started = time.monotonic()
    listing.clean_title(text)
    listing.parse_tags(text)
    assert time.monotonic() - started < 0.5


def test_description_keeps_paragraphs_but_not_runs_of_blank_lines():
    assert listing.clean_description("  One  line.\n\n\n\nTwo   \n") == "One line.\n\nTwo"


def test_limits_come_from_settings_and_problems_are_in_words(settings):
    settings.LISTING_TITLE_MAX_CHARS = 10
    settings.LISTING_MAX_TAGS = 2
    settings.LISTING_TAG_MAX_CHARS = 5
    problems = listing.copy_problems(title="x" * 11, tags=["ok", "toolong", "c"], description="fine")
    assert problems == {
        "title": ["The title is 11 characters long; at most 10 are allowed."],
        "tags": ["3 tags; at most 2 are allowed.", "Tags may be at most 5 characters long: “toolong” (7)."],
    }
    assert listing.copy_problems(title="x" * 10, tags=["a", "b"]) == {}


def test_a_minimum_and_characters_allowed_once_are_checked_in_words():
    shop = listing.Limits(title_min_chars=10, once_each="%:&")
    assert listing.title_problems("Red fox", shop) == ["The title is 7 characters long; at least 10 are needed."]
    assert listing.title_problems("", shop) == []  # no title at all is refused elsewhere (no title of its own)
    assert listing.title_problems("Fox & Hen: 100% cotton & wool: soft", shop) == [
        "The title has “:” 2 times, “&” 2 times; each of % : & may appear once."
    ]
    assert listing.title_problems("Fox & Hen: 100% cotton", shop) == []
    named = listing.Limits(
        title_min_chars=25, once_each="&", name="TikTok Shop (Tok)", sources=(("title_min_chars", "TikTok Shop"),)
    )
    assert listing.copy_findings(title="Red fox", shop=named) == {
        "title": [
            "TikTok Shop (Tok): the title is 7 characters; TikTok Shop asks for at least 25",
        ]
    }


def test_a_publish_refusal_checks_the_own_title_and_tags_and_the_product_title():
    etsy = listing.Limits(
        title_max_chars=20,
        title_min_chars=12,
        once_each="&",
        max_tags=1,
        name="Etsy (Mine)",
        sources=(("title_max_chars", "Etsy"), ("max_tags", "Etsy"), ("once_each", "Etsy"), ("title_min_chars", "Etsy")),
    )
    # The design's own title fits; the template's words are cut to fit (never refused for them), and they count
    # towards the minimum.
    assert listing.publish_refusal(own_title="Fox", product_title="Fox — Unisex Tee", tags=["fox"], shop=etsy) == ""
    assert listing.publish_refusal(own_title="Fox", product_title="Fox", tags=[], shop=etsy) == (
        "Etsy (Mine): the title is 3 characters; Etsy asks for at least 12"
    )
    assert listing.publish_refusal(
        own_title="Fox & Hen & Owl forever", product_title="Fox & Hen & Owl fore…", tags=["a", "b"], shop=etsy
    ) == (
        "Etsy (Mine): the title is 23 characters; Etsy allows 20; and the title has “&” 2 times; Etsy allows each "
        "of & once; and 2 tags; Etsy allows 1"
    )


def test_default_limits_are_etsys():
    shop = listing.limits()
    assert (shop.title_max_chars, shop.max_tags, shop.tag_max_chars) == (140, 13, 20)


def test_a_title_limit_above_the_column_is_capped(settings):
    settings.LISTING_TITLE_MAX_CHARS = 5000
    assert listing.limits().title_max_chars == listing.TITLE_COLUMN_CHARS


def test_the_payload_uses_the_shops_limits(db, make_design, settings):
    settings.LISTING_TITLE_MAX_CHARS = 20
    settings.LISTING_MAX_TAGS = 2
    design = make_design(title="A very long title that goes on and on", tags=["one", "two", "three"])
    texts = render_texts(make_template(), design)
    assert len(texts.title) == 20 and texts.title.endswith("…")
    assert texts.tags == ["one", "two"] and texts.dropped_tags == ["three"]


def test_disclosure_is_appended_once_and_escaped(db, make_design, settings):
    template = make_template()
    design = make_design(description="A fox.")
    assert "AI" not in render_texts(template, design).description
    settings.LISTING_AI_DISCLOSURE = "Designed with the help of AI <tools>"
    description = render_texts(template, design).description
    assert description.endswith("<p>Designed with the help of AI &lt;tools&gt;</p>")
    assert listing.with_disclosure(description) == description  # never twice


def test_the_payload_sends_no_control_characters_or_markup_even_from_stored_texts(db, make_design):
    # Designs saved before the cleaners knew better, and a title that is the prompt. (A C0 control other than NUL:
    # PostgreSQL never stores NUL, and the cleaners take it out before anything is saved.)
    stored = make_design(
        title="<script>alert(1)</script>Fox\x07\u202e Tee",
        description="A fox\x07.\u200b\nSecond line",
        tags=["<b>fox</b>", "owl\u200d"],
    )
    template = make_template()  # its title template prints the prompt
    payload = build_product_payload(template, stored, "upl-1", (100, 100))
    assert (payload["title"], payload["tags"]) == ("Fox Tee", ["fox", "owl"])
    assert payload["description"].startswith("A fox.<br>Second line")
    prompted = make_design(prompt="a fox\u202e in <b>snow</b>")
    assert build_product_payload(template, prompted, "upl-1", (100, 100))["title"] == "a fox in snow"


def test_safety_information_is_sent_only_when_the_template_has_it(db, make_design):
    design = make_design(title="Fox", description="A fox.")
    assert "safety_information" not in build_product_payload(make_template(), design, "upload-1")
    with_gpsr = make_template(
        name="EU tee", is_default=False, safety_information="Keep away from fire. Made in the EU."
    )
    payload = build_product_payload(with_gpsr, design, "upload-1")
    assert payload["safety_information"] == "Keep away from fire. Made in the EU."


def test_prompt_file_lines_are_cleaned_before_they_become_prompts():
    rows = parse_prompts('"skull with roses"\n   a   fox\tin snow  \n# comment\n“quoted”\n')
    assert [row.prompt for row in rows] == ["skull with roses", "a fox in snow", "quoted"]


def test_csv_titles_and_tags_are_cleaned_and_checked_against_the_limits():
    rows = parse_prompts('prompt,title,tags\n"""fox""","  ""Fox tee"" ","#fox; winter"\n', csv_format=True)
    assert (rows[0].prompt, rows[0].title, rows[0].tags) == ("fox", "Fox tee", ["fox", "winter"])
    long_title = "x" * 141
    with pytest.raises(PromptFileError) as error:
        parse_prompts(f"prompt,title,tags\nfox,{long_title},a tag far longer than twenty\n", csv_format=True)
    assert error.value.errors == [
        "line 2: the title is 141 characters long; at most 140 are allowed",
        "line 2: tags may be at most 20 characters long: “a tag far longer than twenty” (28)",
    ]
