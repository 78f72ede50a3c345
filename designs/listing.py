"""A listing's texts: the shop's limits (one home, from settings), cleaning typed or pasted text, and checking
title, description and tags against the limits in words a seller understands.

Pure: no database, no HTTP. The review page, the changelist, prompt files, the LLM copywriter and the product
payload all check through here, so a limit is written once.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.html import strip_tags

# The Design.title column; a configured title limit above it is capped here (settings cannot widen a column).
TITLE_COLUMN_CHARS = 200

# Opening quote -> closing quote. A line wrapped in one pair loses it ("'skull with roses'" -> skull with roses).
QUOTE_PAIRS = {'"': '"', "'": "'", "`": "`", "“": "”", "„": "“", "‘": "’", "«": "»", "»": "«", "「": "」"}


@dataclass(frozen=True)
class Limits:
    """What a shop's marketplace accepts. Defaults are Etsy's (merchandising.md "Listing limits"); a shop's come from
    its sales channel (designs/channels.py) and the shop's own overrides, several shops' combine to the strictest.

    `max_tags` 0 means the channel has no tags (eBay): none are sent, so none are refused. `name` says whose limits
    these are ("Etsy (My Etsy shop)"; empty for the listing settings' and for several shops' combined) and
    `sources` who sets each figure, as (field, who) pairs ("Etsy", "the shop's own setting"; none for the
    settings'), so that a problem says who refuses what.
    """

    title_max_chars: int = 140
    max_tags: int = 13
    tag_max_chars: int = 20
    # No marketplace limit documented: our own ceiling, far above a real description, far below a runaway one.
    description_max_chars: int = 50_000
    title_min_chars: int = 0  # 0: no minimum
    once_each: str = ""  # characters the title may hold at most once each (Etsy's % : &)
    name: str = ""
    sources: tuple[tuple[str, str], ...] = ()
    shops: tuple[str, ...] = ()  # the shops whose limits these are (several: combined to the strictest)

    @property
    def takes_tags(self) -> bool:
        return self.max_tags > 0

    def who(self, bound: str) -> str:
        """Who sets `bound` (a field name): "Etsy", "the shop's own setting", or "" (the listing settings)."""
        return dict(self.sources).get(bound, "")

    def as_json(self) -> dict:
        return {
            "title": self.title_max_chars,
            "title_min": self.title_min_chars,
            "once_each": self.once_each,
            "tags": self.max_tags,
            "tag": self.tag_max_chars,
            "description": self.description_max_chars,
            "name": self.name,
        }

    def summary(self) -> str:
        """'title 25–80 characters, 13 tags of at most 20 characters, each of % : & at most once in the title'."""
        title = (
            f"title {self.title_min_chars}–{self.title_max_chars} characters"
            if self.title_min_chars
            else f"title at most {self.title_max_chars} characters"
        )
        tags = f"{self.max_tags} tags of at most {self.tag_max_chars} characters" if self.takes_tags else "no tags"
        once = f", each of {' '.join(self.once_each)} at most once in the title" if self.once_each else ""
        return f"{title}, {tags}{once}"


def limits() -> Limits:
    """The listing settings' limits (LISTING_TITLE_MAX_CHARS, LISTING_MAX_TAGS, LISTING_TAG_MAX_CHARS, …): what a
    shop on a channel without figures of its own gets (designs/channels.py), and the checks' default."""
    return Limits(
        title_max_chars=min(settings.LISTING_TITLE_MAX_CHARS, TITLE_COLUMN_CHARS),
        max_tags=settings.LISTING_MAX_TAGS,
        tag_max_chars=settings.LISTING_TAG_MAX_CHARS,
        description_max_chars=settings.LISTING_DESCRIPTION_MAX_CHARS,
    )


# --- cleaning ---------------------------------------------------------------------------------------------------


# Characters nobody types on purpose and a marketplace should never get: C0 controls and DEL (NUL is refused by
# PostgreSQL), C1 controls, bidi embeddings, overrides and isolates (U+202A–202E, U+2066–2069, which can make a
# title read backwards) and marks, and zero-width characters (U+200B–200D, U+2060, U+FEFF), which hide inside
# words so two titles or tags that look the same differ. Tab, newline and carriage return are whitespace: each
# cleaner decides about them (one_line makes them spaces, clean_description keeps the lines). Zero-width
# joiners also join emoji sequences (👩‍🎨 becomes 👩🎨): listings do without.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
# Decoding markup can reveal more markup ("&lt;b&gt;" is "<b>"); a few rounds undo any honest double escaping.
_MARKUP_ROUNDS = 3


def strip_invisible(text: str) -> str:
    """The text without control, bidi and zero-width characters (tabs and line breaks stay)."""
    return _INVISIBLE.sub("", str(text or ""))


def strip_markup(text: str) -> str:
    """Plain text from text that may hold HTML (an LLM's title, a pasted tag): tags go, script and style elements go
    with their content, entities become characters ("Fish &amp; Chips" → "Fish & Chips"); "I <3 foxes" stays.

    Regular expressions that cannot backtrack, not html.parser, whose time grows with the square of the length on
    text like "<a<a<a…" (minutes for 200 kB): every pass is linear.
    """
    text = str(text or "")
    for _round in range(_MARKUP_ROUNDS):
        if "<" not in text and "&" not in text:
            return text
        plain = html.unescape(_TAG.sub("", _without_hidden_elements(text)))
        if plain == text:
            return text
        text = plain
    return text.replace("<", "").replace(">", "")  # still markup after every round: no brackets at all


# A tag: "<" and a letter, "/", "!" or "?", up to the next ">" — never past another "<", so each character is
# looked at a bounded number of times.
_TAG = re.compile(r"<[A-Za-z/!?][^<>]*>")
_HIDDEN_START = re.compile(r"<(script|style)\b", re.IGNORECASE)
_HIDDEN_END = {name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in ("script", "style")}


def _without_hidden_elements(text: str) -> str:
    """The text without <script>…</script> and <style>…</style>, content included (an unclosed one runs to the
    end, as in a browser)."""
    kept, position = [], 0
    while start := _HIDDEN_START.search(text, position):
        kept.append(text[position : start.start()])
        end = _HIDDEN_END[start[1].lower()].search(text, start.end())
        if end is None:
            return "".join(kept)
        position = end.end()
    kept.append(text[position:])
    return "".join(kept)


def one_line(text: str) -> str:
    """Runs of whitespace (tabs, newlines, doubled spaces) become one space; control, bidi and zero-width characters
    go; the ends are trimmed."""
    return " ".join(strip_invisible(text).split())


def unquote(text: str) -> str:
    """Drop quotes wrapping the whole text, as often as they wrap it; quotes inside the text stay.

    '"skull with roses"' -> 'skull with roses', but '"a" and "b"' keeps its quotes (they are not one pair).
    """
    while len(text) >= 2 and QUOTE_PAIRS.get(text[0]) == text[-1]:
        inner = text[1:-1]
        if text[0] in inner or text[-1] in inner:
            break
        text = inner.strip()
    return text


def clean_line(text: str) -> str:
    """A prompt-file line or a pasted line: one line, without wrapping quotes."""
    return one_line(unquote(one_line(text)))


def clean_title(text: str) -> str:
    """A title, typed, from a file name or from the LLM: one plain line, no markup, without wrapping quotes."""
    return clean_line(strip_markup(strip_invisible(text)))


def clean_description(text: str) -> str:
    """Plain text with its paragraphs kept: repeated spaces, runs of blank lines and control, bidi and zero-width
    characters go."""
    lines = [" ".join(line.split()) for line in strip_invisible(text).strip().splitlines()]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept).strip()


def parse_tags(value) -> list[str]:
    """Tags from 'fox, winter; #woodcut' or a list: cleaned, without '#', duplicates (any case) dropped."""
    if isinstance(value, (list, tuple)):
        parts = [str(part) for part in value]
    else:
        parts = str(value or "").replace(";", ",").split(",")
    tags, seen = [], set()
    for part in parts:
        tag = clean_title(part).lstrip("#").strip()
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    return tags


# --- checking ---------------------------------------------------------------------------------------------------
# Each check gives findings: fragments in words, without the shop's name ("the title is 152 characters; Etsy allows
# 140"); problems are findings as sentences with the name first ("Etsy (My Etsy shop): the title is 152 …").


def _allows(shop: Limits, bound: str, value: int, *, unit: str = "") -> str:
    who = shop.who(bound)
    return f"{who} allows {value}{unit}" if who else f"at most {value}{unit} are allowed"


def title_findings(title: str, shop: Limits) -> list[str]:
    """Everything the limits say about a title: too long, too short, characters repeated that are allowed once."""
    return _title_max(title, shop) + _title_min(title, shop) + _once_each(title, shop)


def _title_max(title: str, shop: Limits) -> list[str]:
    length = len(title)
    if length <= shop.title_max_chars:
        return []
    if shop.who("title_max_chars"):
        return [f"the title is {length} characters; {_allows(shop, 'title_max_chars', shop.title_max_chars)}"]
    return [f"the title is {length} characters long; at most {shop.title_max_chars} are allowed"]


def _title_min(title: str, shop: Limits) -> list[str]:
    length = len(title)
    if not title or length >= shop.title_min_chars:  # an empty title is refused elsewhere (no title of its own)
        return []
    who = shop.who("title_min_chars")
    if who:
        return [f"the title is {length} characters; {who} asks for at least {shop.title_min_chars}"]
    return [f"the title is {length} characters long; at least {shop.title_min_chars} are needed"]


def _once_each(title: str, shop: Limits) -> list[str]:
    repeated = [(char, title.count(char)) for char in shop.once_each if title.count(char) > 1]
    if not repeated:
        return []
    said = ", ".join(f"“{char}” {count} times" for char, count in repeated)
    each = " ".join(shop.once_each)
    who = shop.who("once_each")
    if who:
        return [f"the title has {said}; {who} allows each of {each} once"]
    return [f"the title has {said}; each of {each} may appear once"]


def tags_findings(tags: list[str], shop: Limits) -> list[str]:
    if not shop.takes_tags:
        return []  # the channel has no tags: none are sent, so none can be refused
    findings = []
    if len(tags) > shop.max_tags:
        findings.append(f"{len(tags)} tags; {_allows(shop, 'max_tags', shop.max_tags)}")
    long = [tag for tag in tags if len(tag) > shop.tag_max_chars]
    if long:
        names = ", ".join(f"“{tag}” ({len(tag)})" for tag in long[:5])
        who = shop.who("tag_max_chars")
        findings.append(
            f"tags too long: {names}; {who} allows {shop.tag_max_chars} characters per tag"
            if who
            else f"tags may be at most {shop.tag_max_chars} characters long: {names}"
        )
    return findings


def description_findings(description: str, shop: Limits) -> list[str]:
    if len(description) > shop.description_max_chars:
        return [
            f"the description is {len(description):,} characters long; at most {shop.description_max_chars:,} "
            "are allowed"
        ]
    return []


def _said(findings: list[str], shop: Limits) -> list[str]:
    """Findings as sentences, each naming whose limits refuse it (when they are a shop's)."""
    sentences = []
    for finding in findings:
        text = f"{shop.name}: {finding}" if shop.name else finding
        sentences.append(text[:1].upper() + text[1:] + ".")
    return sentences


def title_problems(title: str, shop: Limits | None = None) -> list[str]:
    shop = shop or limits()
    return _said(title_findings(title, shop), shop)


def tags_problems(tags: list[str], shop: Limits | None = None) -> list[str]:
    shop = shop or limits()
    return _said(tags_findings(tags, shop), shop)


def description_problems(description: str, shop: Limits | None = None) -> list[str]:
    shop = shop or limits()
    return _said(description_findings(description, shop), shop)


def copy_findings(*, title=None, description=None, tags=None, shop: Limits | None = None) -> dict[str, list[str]]:
    """{field: [findings]} for the fields given (None: not checked), each prefixed with the shop's name when the
    limits are a shop's; empty when everything fits."""
    shop = shop or limits()
    found = {
        "title": title_findings(title, shop) if title is not None else [],
        "description": description_findings(description, shop) if description is not None else [],
        "tags": tags_findings(tags, shop) if tags is not None else [],
    }
    prefix = f"{shop.name}: " if shop.name else ""
    return {name: [prefix + finding for finding in findings] for name, findings in found.items() if findings}


def copy_problems(*, title=None, description=None, tags=None, shop: Limits | None = None) -> dict[str, list[str]]:
    """{field: [problems as sentences]} for the fields given (None: not checked); empty when everything fits."""
    shop = shop or limits()
    found = {
        "title": title_problems(title, shop) if title is not None else [],
        "description": description_problems(description, shop) if description is not None else [],
        "tags": tags_problems(tags, shop) if tags is not None else [],
    }
    return {name: problems for name, problems in found.items() if problems}


def publish_refusal(*, own_title: str, product_title: str, tags: list[str], shop: Limits) -> str:
    """Why a shop's limits refuse a product, as one reason ("Etsy (My Etsy shop): the title is 152 characters; Etsy
    allows 140; and 14 tags; Etsy allows 13"); "" when it fits.

    The design's own title must fit the maximum (words a title template adds are cut to fit, as ever); the product
    title, with the template's words, must reach the minimum and repeat no character allowed once; the design's
    own tags must fit (a template's tags that do not are left out, as ever).
    """
    findings = (
        _title_max(own_title, shop)
        + _title_min(product_title, shop)
        + _once_each(product_title, shop)
        + tags_findings(tags, shop)
    )
    if not findings:
        return ""
    said = "; and ".join(findings)
    return f"{shop.name}: {said}" if shop.name else said


# --- the AI disclosure ------------------------------------------------------------------------------------------


def with_disclosure(description_html: str) -> str:
    """The description with the shop's AI disclosure (LISTING_AI_DISCLOSURE) as its last paragraph, once.

    Etsy asks sellers to disclose AI-made designs; wording and placement are the shop's choice (merchandising.md,
    which is unsure of Etsy's current rules), so the text is a setting and empty turns it off.
    """
    line = one_line(settings.LISTING_AI_DISCLOSURE)
    if not line:
        return description_html
    if line.casefold() in html.unescape(strip_tags(description_html)).casefold():
        return description_html
    return f"{description_html}<p>{html.escape(line)}</p>" if description_html else f"<p>{html.escape(line)}</p>"


def describe_change(before, updates: dict) -> str:
    """'title “Fox” → “Winter fox”; tags a, b → a, c.' — a copy edit in words, for the design's history."""
    parts = []
    for name, value in updates.items():
        old = getattr(before, name)
        if name == "tags":
            parts.append(f"tags {', '.join(old) or '(none)'} → {', '.join(value) or '(none)'}")
        elif name == "title":
            parts.append(f"title “{old}” → “{value}”")
        else:
            parts.append(f"description ({len(old)} → {len(value)} characters)")
    return "; ".join(parts) + "."
