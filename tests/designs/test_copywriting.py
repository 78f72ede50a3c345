"""designs/copywriting.py: the messages sent to the LLM and the checks on its answer."""

import json

import pytest

from designs.compliance import Screen
from designs.copywriting import build_messages, read_answer, retry_messages
from designs.listing import Limits

SHOP = Limits()
SCREEN = Screen(["Disney"])
GOOD = {"title": "Red Fox Woodcut Tee", "description": "A red fox.\n\nPrinted on demand.", "tags": ["fox", "woodcut"]}


def read(content):
    return read_answer(content, shop=SHOP, screen=SCREEN)


def test_a_good_answer_is_cleaned_and_kept():
    copy, problems = read(
        json.dumps({**GOOD, "title": '  "Red  Fox Woodcut Tee" ', "tags": ["fox", "#Fox", " woodcut"]})
    )
    assert problems == []
    assert (copy.title, copy.tags) == ("Red Fox Woodcut Tee", ["fox", "woodcut"])


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
