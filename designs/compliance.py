"""The compliance screen: terms the shop must not sell under (brands, characters, celebrities), matched as whole
words, ignoring case and accents, after turning unicode look-alikes into the letters they imitate.

"Disney" matches "DISNEY", "Dísney", "Ｄｉｓｎｅｙ", "Disnеy" (Cyrillic е) and "disney's", but not "Disneyland";
"Mickey Mouse" matches "mickey-mouse". The list itself (BlockedTerm, edited in the admin) is the shop's
responsibility: the seeded terms are examples, not legal advice.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# Letters from other scripts that render like Latin ones, as used to slip a name past a filter. NFKC already folds
# fullwidth and mathematical letters (Ｄ, 𝐃) and ligatures; these are the common homoglyphs it leaves alone
# (Unicode's confusables.txt has thousands; these cover Cyrillic and Greek look-alikes of a–z).
LOOKALIKES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
        "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w",
        "һ": "h", "ӏ": "l", "ɡ": "g",
        # Greek
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
        "υ": "u", "χ": "x", "ω": "w", "ς": "s",
        # Digits and signs inside words are not folded: "d1sney" is a different word (and so is "l33t").
    }
)  # fmt: skip
# Invisible characters that split a word without showing: zero-width space/joiners, word joiner, soft hyphen, BOM.
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\u00ad\ufeff"))
WORD = re.compile(r"[^\W_]+")
CHUNK = 2000  # designs read per query (SQLite bounds the ids in one IN)


def normalise(text: str) -> str:
    """Lower-case, accent-free, look-alike-free text (the form both terms and texts are compared in)."""
    text = str(text or "")
    if text.isascii():  # most texts: nothing to fold but case (the slow per-character pass is for the rest)
        return text.lower()
    text = unicodedata.normalize("NFKC", text).translate(INVISIBLE)
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(char for char in text if not unicodedata.combining(char))
    return text.translate(LOOKALIKES)


def term_key(term: str) -> str:
    """A term's words, normalised and joined by one space: how terms are stored, compared and de-duplicated."""
    return " ".join(WORD.findall(normalise(term)))


@dataclass(frozen=True)
class Hit:
    field: str  # prompt, title, description, tags
    term: str  # as the shop wrote it


class Screen:
    """Matches a fixed list of terms; build one per check (the list is short) or per bulk run."""

    def __init__(self, terms: Iterable[str]):
        self._terms: dict[str, str] = {}
        for term in terms:
            key = term_key(term)
            if key:
                self._terms.setdefault(key, term)
        # Longest first, so "mickey mouse" wins over "mickey" where both are listed.
        keys = sorted(self._terms, key=len, reverse=True)
        alternatives = "|".join(r"[\W_]+".join(map(re.escape, key.split(" "))) for key in keys)
        # Whole words: no letter or digit right before or after (a term inside another word does not match).
        self._pattern = re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])") if keys else None
        # A text can only match if it has some term's first word: a set lookup spares the regex nearly every text.
        self._first_words = frozenset(key.split(" ")[0] for key in keys)

    def __bool__(self) -> bool:
        return self._pattern is not None

    def terms_in(self, text: str) -> list[str]:
        """The listed terms found in `text`, in the shop's spelling, each once, in order of appearance."""
        if self._pattern is None or not text:
            return []
        text = normalise(text)
        if self._first_words.isdisjoint(WORD.findall(text)):
            return []
        found = []
        for match in self._pattern.finditer(text):
            term = self._terms[" ".join(WORD.findall(match.group()))]
            if term not in found:
                found.append(term)
        return found

    def hits(self, texts: dict[str, object]) -> list[Hit]:
        """Hits in each named text (a list, such as tags, is checked item by item)."""
        found = []
        for field, value in texts.items():
            items = value if isinstance(value, (list, tuple)) else [value]
            for term in dict.fromkeys(term for item in items for term in self.terms_in(str(item or ""))):
                found.append(Hit(field, term))
        return found


def describe(hits: list[Hit]) -> str:
    """'the blocked term “Disney” (in the prompt and title)' for messages; '' without hits."""
    if not hits:
        return ""
    by_term: dict[str, list[str]] = {}
    for hit in hits:
        by_term.setdefault(hit.term, []).append(hit.field)
    parts = [f"“{term}” (in the {_and(fields)})" for term, fields in by_term.items()]
    noun = "term" if len(parts) == 1 else "terms"
    return f"the blocked {noun} {_and(parts)}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# --- the shop's list (database) -----------------------------------------------------------------------------------


def active_screen() -> Screen:
    from designs.models import BlockedTerm

    return Screen(BlockedTerm.objects.filter(is_active=True).values_list("term", flat=True))


SCREENED = ("prompt", "title", "description", "tags")  # what staff typed or the LLM wrote, and the prompt


def design_texts(design) -> dict[str, object]:
    """The texts of a design that are screened."""
    return {name: getattr(design, name) for name in SCREENED}


def blocked_designs(design_ids: list[int], screen: Screen | None = None) -> dict[int, str]:
    """{design id: "it names the blocked term “X” (in the title)"} for those of these designs naming a blocked term."""
    from designs.models import Design

    screen = screen if screen is not None else active_screen()
    if not screen or not design_ids:
        return {}
    refused = {}
    for start in range(0, len(design_ids), CHUNK):
        rows = Design.objects.filter(pk__in=design_ids[start : start + CHUNK])
        for pk, prompt, title, description, tags in rows.values_list("pk", *SCREENED):
            texts = {"prompt": prompt, "title": title, "description": description, "tags": tags}
            # One pass over everything first: nearly every design is clean, and then nothing more is done.
            if not screen.terms_in("\n".join([prompt, title, description, *map(str, tags or [])])):
                continue
            refused[pk] = f"it names {describe(screen.hits(texts))}"
    return refused


def report_refused(result, refused: dict[int, str], *, waiting_in: frozenset[str]):
    """Put designs a rule held back into `result`: refused (with the reason) when they were in `waiting_in` and
    would have moved, else skipped with their status, as if the rule had not looked at them."""
    from designs.models import Design

    if not refused:
        return result
    current = dict(Design.objects.filter(pk__in=list(refused)).values_list("pk", "status"))
    for design_id, reason in refused.items():
        if current.get(design_id) in waiting_in:
            result.refused[design_id] = reason
        else:
            result.skipped[design_id] = current.get(design_id)
    return result
