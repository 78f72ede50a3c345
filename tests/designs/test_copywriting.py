"""designs/copywriting.py: the messages sent to the LLM and the checks on its answer."""

import json

import pytest

from designs.compliance import Screen
from designs.copywriting import build_messages, product_words, read_answer, retry_messages
from designs.listing import Limits

SHOP = Limits()
SCREEN = Screen(["Disney"])
GOOD = {"title": "Red Fox Woodcut", "description": "A red fox.\n\nPrinted on demand.", "tags": ["fox", "woodcut"]}


def read(content):
    return read_answer(content, shop=SHOP, screen=SCREEN)


def test_a_good_answer_is_cleaned_and_kept():
    copy, problems = read(json.dumps({**GOOD, "title": '  "Red  Fox Woodcut" ', "tags": ["fox", "#Fox", " woodcut"]}))
    assert problems == []
    assert (copy.title, copy.tags) == ("Red Fox Woodcut", ["fox", "woodcut"])


def test_json_in_a_markdown_fence_is_accepted():
    copy, problems = read("```json\n" + json.dumps(GOOD) + "\n```")
    assert problems == [] and copy.title == GOOD["title"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("Sure! Title: Red fox", "The answer is not JSON."),
        (json.dumps(["a"]), "The answer must be a JSON object with title, description and tags."),
        (json.dumps({"name": "x", "keywords": "a, b"}), "The title must be a non-empty string."),
        (json.dumps({**GOOD, "tags": "fox, woodcut"}), "The tags must be a list of strings."),
        (json.dumps({**GOOD, "title": "x" * 141}), "The title is 141 characters long; at most 140 are allowed."),
        (json.dumps({**GOOD, "tags": [f"tag{n}" for n in range(14)]}), "14 tags; at most 13 are allowed."),
        (
            json.dumps({**GOOD, "title": "Disney fox"}),
            "The answer uses the blocked term “Disney” (in the title); leave it out.",
        ),
        ("x" * 30_000, "The answer is 30,000 characters long; a listing needs far less."),
    ],
)
def test_unusable_answers_are_described(content, problem):
    copy, problems = read(content)
    assert copy is None and problem in problems


def test_the_messages_carry_the_design_the_limits_and_the_word_json():
    messages = build_messages(prompt="a  red fox\nin snow", style="woodcut", product_type="Kids tee", shop=SHOP)
    system, user = messages[0]["content"], messages[1]["content"]
    assert "JSON" in system and "at most 140 characters" in system and "at most 13 tags" in system
    assert user == "Design prompt: a red fox in snow\nStyle: woodcut\nProduct: Kids tee"


def test_the_retry_sends_the_answer_back_with_its_problems():
    first = build_messages(prompt="fox", style="", product_type="", shop=SHOP)
    messages = retry_messages(first, "not json", ["The answer is not JSON."])
    assert messages[-2] == {"role": "assistant", "content": "not json"}
    assert messages[-1]["content"].startswith("Your answer cannot be used: The answer is not JSON.")


def test_the_rules_ask_for_a_product_neutral_title():
    # Issue 19: "… Gildan 5000 Tee" went on the mug too.
    system = build_messages(prompt="fox", style="", product_type="Gildan tee", shop=SHOP)[0]["content"]
    assert "never the product type, brand or model" in system and "the product type last" not in system


def test_a_title_naming_a_product_of_any_template_is_refused():
    words = product_words(["Gildan tee", "Unisex Heavy Cotton Tee", "Mug 11oz", "Mug 11oz"])
    assert words == {"gildan", "tee", "mug"}
    named = json.dumps({**GOOD, "title": "Snowy Fox Woodcut Gildan 5000 Tee"})
    copy, problems = read_answer(named, shop=SHOP, screen=Screen([]), product_words=words)
    assert copy is None
    assert problems == [
        "The title names the product (gildan, tee); leave product words out of the title: it goes on every product "
        "of the design and each adds its own."
    ]
    neutral, problems = read_answer(json.dumps(GOOD), shop=SHOP, screen=Screen([]), product_words=words)
    assert neutral is not None and problems == []
    teeth = json.dumps({**GOOD, "title": "Shark Teeth Woodcut"})  # whole words only
    assert read_answer(teeth, shop=SHOP, screen=Screen([]), product_words=words)[0] is not None


def test_the_prompt_says_the_minimum_the_characters_allowed_once_and_a_channel_without_tags():
    strict = Limits(title_min_chars=25, title_max_chars=80, once_each="%:&", max_tags=0)
    rules = build_messages(prompt="fox", style="", product_type="", shop=strict)[0]["content"]
    assert "- title: between 25 and 80 characters; use each of the characters % : & at most once;" in rules
    assert "- tags: an empty list: the shop's sales channel has no tags." in rules
    # Its answer is checked the same way: too short a title is refused, tags are not (none are sent).
    answer = json.dumps({"title": "Red fox", "description": "A fox.", "tags": ["x" * 40] * 2})
    copy, problems = read_answer(answer, shop=strict, screen=Screen([]))
    assert copy is None and problems == ["The title is 7 characters long; at least 25 are needed."]
