"""What we ask the LLM for a listing, and how its answer is checked: pure (no database, no HTTP).

The answer must be one JSON object {"title", "description", "tags"} within the shops' limits (the strictest of
the shops the copy goes to: minimum and maximum title, tags, characters allowed once) and free of blocked
terms; problems are listed in words, both for the one retry (sent back to the LLM) and for the design's
"copy failed" note.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from designs import listing
from designs.compliance import Screen, describe

ANSWER_MAX_CHARS = 20_000  # far above a good answer; a runaway one is refused before json.loads
ANSWER_MAX_TOKENS = 800  # what one answer may use (the copywriter asks for no more)
PROMPT_TOKENS_ESTIMATE = 600  # the rules above plus a prompt, before any design has been written
_FENCE = re.compile(r"^```(?:json)?\s*(?P<body>.*?)\s*```$", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class Copy:
    title: str
    description: str
    tags: list[str]


def build_messages(*, prompt: str, style: str, product_type: str, shop: listing.Limits) -> list[dict]:
    """The system rules and the design, as chat messages (the word JSON is there: OpenAI's JSON mode needs it).
    The limits are the strictest of the shops the copy goes to (designs/channels.py), said as figures."""
    rules = (
        "You write product listings for a print-on-demand shop. Answer with one JSON object and nothing else: "
        '{"title": string, "description": string, "tags": [string, ...]}.\n'
        f"- title: {_title_rule(shop)}; what a buyer would search for about the design; "
        "never the product type, brand or model (no tee, mug, poster…): the same title goes on every product made "
        "of the design, and each product adds its own words. No quotes, no ALL CAPS, no emoji.\n"
        "- description: two to four short sentences of plain text (no HTML, no markdown) about the design and "
        "the product.\n"
        f"- tags: {_tags_rule(shop)}\n"
        "- Never name brands, trademarked characters, celebrities or other artists. Do not mention AI or prompts."
    )
    design = (
        f"Design prompt: {listing.one_line(prompt)}\n"
        f"Style: {listing.one_line(style) or 'not given'}\n"
        f"Product: {listing.one_line(product_type) or 'print-on-demand product'}"
    )
    return [{"role": "system", "content": rules}, {"role": "user", "content": design}]


def _title_rule(shop: listing.Limits) -> str:
    if shop.title_min_chars:
        rule = f"between {shop.title_min_chars} and {shop.title_max_chars} characters"
    else:
        rule = f"at most {shop.title_max_chars} characters"
    if shop.once_each:
        rule += f"; use each of the characters {' '.join(shop.once_each)} at most once"
    return rule


def _tags_rule(shop: listing.Limits) -> str:
    if not shop.takes_tags:
        return "an empty list: the shop's sales channel has no tags."
    return (
        f"at most {shop.max_tags} tags, each at most {shop.tag_max_chars} characters, lower case, no duplicates, "
        "no '#'."
    )


def retry_messages(messages: list[dict], answer: str, problems: list[str]) -> list[dict]:
    """The conversation once more, with the refused answer and what was wrong with it."""
    return [
        *messages,
        {"role": "assistant", "content": answer[:ANSWER_MAX_CHARS]},
        {
            "role": "user",
            "content": "Your answer cannot be used: "
            + " ".join(problems)
            + " Answer again with the corrected JSON object only.",
        },
    ]


# Words of template names and blueprint titles that say nothing about which product it is.
_NOT_PRODUCT_WORDS = frozenset(
    "the and with for from unisex heavy cotton classic premium regular fit kids kid youth women womens men mens adult "
    "soft style size print printed".split()
)


def product_words(names) -> frozenset[str]:
    """The words that name a product (tee, mug, gildan…), from the shop's template names and blueprint titles: a
    title holding one would go on the other products of the design too ("… Gildan 5000 Tee" on the mug)."""
    words = set()
    for name in names:
        words.update(word for word in re.findall(r"[^\W\d_]{3,}", str(name).casefold()))
    return frozenset(words - _NOT_PRODUCT_WORDS)


def read_answer(
    content: str, *, shop: listing.Limits, screen: Screen, product_words: frozenset[str] = frozenset()
) -> tuple[Copy | None, list[str]]:
    """(the copy, []) when the answer is usable, else (None, problems in words). A title naming a product (one of
    `product_words`) is a problem: the title is shared by every product of the design."""
    text = content.strip()
    if len(text) > ANSWER_MAX_CHARS:
        return None, [f"The answer is {len(text):,} characters long; a listing needs far less."]
    fenced = _FENCE.match(text)  # many models wrap JSON in a Markdown code block even when told not to
    if fenced:
        text = fenced["body"]
    try:
        data = json.loads(text)
    except ValueError:
        return None, ["The answer is not JSON."]
    if not isinstance(data, dict):
        return None, ["The answer must be a JSON object with title, description and tags."]
    problems = []
    title, description, tags = data.get("title"), data.get("description"), data.get("tags")
    if not isinstance(title, str) or not listing.one_line(title):
        problems.append("The title must be a non-empty string.")
    if not isinstance(description, str) or not description.strip():
        problems.append("The description must be a non-empty string.")
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        problems.append("The tags must be a list of strings.")
    if problems:
        return None, problems
    copy = Copy(
        title=listing.clean_title(title),
        description=listing.clean_description(description),
        tags=listing.parse_tags(tags),
    )
    for field_problems in listing.copy_problems(
        title=copy.title, description=copy.description, tags=copy.tags, shop=shop
    ).values():
        problems += field_problems
    named = sorted(set(re.findall(r"[^\W\d_]{3,}", copy.title.casefold())) & product_words)
    if named:
        problems.append(
            f"The title names the product ({', '.join(named)}); leave product words out of the title: it goes on "
            "every product of the design and each adds its own."
        )
    hits = screen.hits({"title": copy.title, "description": copy.description, "tags": copy.tags})
    if hits:
        problems.append(f"The answer uses {describe(hits)}; leave it out.")
    return (None, problems) if problems else (copy, [])


def token_cost(prompt_tokens: int, completion_tokens: int) -> Decimal:
    """Dollars these tokens cost at LLM_COST_PER_MILLION_INPUT_TOKENS / _OUTPUT_TOKENS."""
    per_input = Decimal(str(settings.LLM_COST_PER_MILLION_INPUT_TOKENS))
    per_output = Decimal(str(settings.LLM_COST_PER_MILLION_OUTPUT_TOKENS))
    return (prompt_tokens * per_input + completion_tokens * per_output) / Decimal(1_000_000)
