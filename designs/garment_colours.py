"""The hex codes of a blueprint's colours, for the contrast check (designs/contrast.py).

The catalog names colours only (`options: {color, size}`); a created product's `options[].values[].colors` carries
their hex codes, a list (heathers have two: printify-api.md, "Colours"). Every product answer we read anyway — the
draft or product the costs are learned from (workers/costs.py), an imported product, a product we create — is
read for them here and cached per blueprint and provider (GarmentColour). A colour never seen on a product falls
back to FALLBACK, marked approximate wherever it is shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from designs.models import GarmentColour

HEX = re.compile(r"^#?([0-9A-Fa-f]{6})$")
MAX_HEXES = 4  # a colour value with more codes than this is not a garment colour we understand
MAX_NAME_CHARS = 100

# Approximate garment colours by name, for colours no product has told us the codes of. Our own estimates of how
# the common blank colours look (Gildan/Bella+Canvas style names), not Printify's figures: every use says
# "approximate". Heathers are given two codes, as Printify gives them.
FALLBACK = {
    "white": ("#FFFFFF",),
    "black": ("#1A1A1A",),
    "solid black": ("#111111",),
    "navy": ("#1F2A44",),
    "red": ("#C62A32",),
    "cardinal red": ("#8C1D2F",),
    "maroon": ("#5B1F2B",),
    "royal": ("#2D4FA0",),
    "royal blue": ("#2D4FA0",),
    "light blue": ("#A7C4E0",),
    "carolina blue": ("#7BAFD4",),
    "sapphire": ("#0F7DB3",),
    "forest green": ("#23412E",),
    "military green": ("#5B5D3F",),
    "kelly green": ("#1F8A4C",),
    "irish green": ("#1F9E58",),
    "orange": ("#F2682A",),
    "gold": ("#F2B233",),
    "yellow": ("#F6E04B",),
    "daisy": ("#F7D94C",),
    "purple": ("#4B2E83",),
    "pink": ("#F4B6C7",),
    "light pink": ("#F6CAD4",),
    "heliconia": ("#E0458B",),
    "brown": ("#4E3629",),
    "dark chocolate": ("#3B2A24",),
    "sand": ("#D8CBB1",),
    "natural": ("#EDE6D6",),
    "ash": ("#D6D6D4",),
    "ice grey": ("#D3D4D0",),
    "charcoal": ("#4A4A4C",),
    "sport grey": ("#A8A9AD", "#C4C5C7"),
    "heather grey": ("#B8B9BB", "#D2D3D5"),
    "athletic heather": ("#B4B5B7", "#CFD0D2"),
    "dark heather": ("#3F4144", "#55585C"),
    "dark grey heather": ("#3F4144", "#55585C"),
    "heather navy": ("#2C3550", "#3E4866"),
    "heather red": ("#B23A44", "#C9525B"),
}


@dataclass(frozen=True)
class Swatch:
    name: str
    hexes: tuple[str, ...]
    approximate: bool  # from FALLBACK, not from a Printify product

    @property
    def css(self) -> str:
        """One CSS colour for a swatch on a page (a heather's codes mixed)."""
        channels = [[int(code[i : i + 2], 16) for i in (1, 3, 5)] for code in self.hexes]
        mixed = [round(sum(c[i] for c in channels) / len(channels)) for i in range(3)]
        return "#{:02X}{:02X}{:02X}".format(*mixed)


def colours_from_product(product: dict) -> dict[str, list[str]]:
    """{colour name: [#RRGGBB, …]} from a Printify product answer's options (values that carry `colors`)."""
    found: dict[str, list[str]] = {}
    for option in product.get("options") or []:
        if not isinstance(option, dict):
            continue
        for value in option.get("values") or []:
            if not isinstance(value, dict) or not isinstance(value.get("colors"), list):
                continue
            name = str(value.get("title") or "").strip()[:MAX_NAME_CHARS]
            hexes = [f"#{match[1].upper()}" for code in value["colors"] if (match := HEX.match(str(code)))]
            if name and hexes and len(hexes) <= MAX_HEXES:
                found[name] = hexes
    return found


def learn(blueprint_id: int, provider_id: int, product: dict, source: str) -> int:
    """Cache the colours a product answer carries; returns how many were new or changed."""
    found = colours_from_product(product)
    if not found:
        return 0
    known = {
        row.name: row for row in GarmentColour.objects.filter(blueprint_id=blueprint_id, print_provider_id=provider_id)
    }
    changed = 0
    now = timezone.now()
    with transaction.atomic():
        for name, hexes in found.items():
            row = known.get(name)
            if row is not None and row.hexes == hexes:
                continue
            GarmentColour.objects.update_or_create(
                blueprint_id=blueprint_id,
                print_provider_id=provider_id,
                name=name,
                defaults={"hexes": hexes, "source": source[:200], "learned_at": now},
            )
            changed += 1
    return changed


def swatches(blueprint_id: int, provider_id: int, names) -> dict[str, Swatch | None]:
    """{name: its Swatch} for these colour names: learned codes first, else FALLBACK (approximate), else None."""
    names = list(dict.fromkeys(names))
    learned = dict(
        GarmentColour.objects.filter(
            blueprint_id=blueprint_id, print_provider_id=provider_id, name__in=names
        ).values_list("name", "hexes")
    )
    found: dict[str, Swatch | None] = {}
    for name in names:
        if learned.get(name):
            found[name] = Swatch(name, tuple(learned[name]), approximate=False)
        else:
            guess = fallback(name)
            found[name] = Swatch(name, guess, approximate=True) if guess else None
    return found


def fallback(name: str) -> tuple[str, ...] | None:
    """The approximate codes of a colour name: the name itself in FALLBACK, else its longest known ending
    ("Heather Cardinal Red" → "cardinal red"), else None."""
    words = name.lower().replace("-", " ").split()
    for start in range(len(words)):
        guess = FALLBACK.get(" ".join(words[start:]))
        if guess:
            return guess
    return None
