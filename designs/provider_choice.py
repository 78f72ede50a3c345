"""Choosing who prints a blueprint: Printify's providers of it side by side (where they print, how large their print
areas are, which colours and sizes they offer, what one item costs and what shipping it costs to the shop's main
country), with the cheapest and the nearest marked.

Pure: no database, no HTTP. services/provider_comparison.py reads the catalog and the cached costs and hands the
plain answers over; the admin's provider step shows the result.

The rules, each in one place:
- print areas: per position, the smallest and the largest over the provider's variants (they grow with the garment
  size). The smallest is the largest print every size gets; the largest is what a design must fill to print at 300
  DPI on every size (Printify's print areas are pixels at 300 DPI), so both are shown;
- a "common size" is the size most providers offer (every one, usually), M before the others: the base cost is
  that size's, so costs compare like with like;
- shipping to a country reads the rows for that country, else REST_OF_THE_WORLD (said so: `fallback`), for the
  common size's variants (the cheapest row), else for any variant;
- cheapest: the lowest base cost plus standard shipping of the first item, among providers where both are known and
  in one currency; nearest: the providers whose country is closest to the shop's (capitals' coordinates, so every
  provider in the shop's own country is nearest).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from designs.variant_grid import SIZE_ORDER, options_of
from integrations.printify import REST_OF_THE_WORLD, ShippingRate

PRINT_DPI = 300
# The size whose cost stands for a blueprint's, when every provider offers it (a tee's M); else the next one here.
PREFERRED_SIZES = ("M", "L", "S", "XL", "11oz")
SHIPPING_METHODS_COMPARED = ("standard", "economy")

# Approximate coordinates (the capital, or a central city) and names of the countries Printify's providers print in
# and shops commonly sell from: enough to tell which provider is nearest, never a shipping distance.
COUNTRIES: dict[str, tuple[str, float, float]] = {
    "US": ("United States", 39.8, -98.6),
    "CA": ("Canada", 45.4, -75.7),
    "MX": ("Mexico", 19.4, -99.1),
    "BR": ("Brazil", -15.8, -47.9),
    "AR": ("Argentina", -34.6, -58.4),
    "GB": ("United Kingdom", 51.5, -0.1),
    "IE": ("Ireland", 53.3, -6.3),
    "FR": ("France", 48.9, 2.4),
    "BE": ("Belgium", 50.8, 4.4),
    "NL": ("Netherlands", 52.4, 4.9),
    "LU": ("Luxembourg", 49.6, 6.1),
    "DE": ("Germany", 51.2, 10.4),
    "AT": ("Austria", 48.2, 16.4),
    "CH": ("Switzerland", 46.9, 7.4),
    "IT": ("Italy", 41.9, 12.5),
    "ES": ("Spain", 40.4, -3.7),
    "PT": ("Portugal", 38.7, -9.1),
    "DK": ("Denmark", 55.7, 12.6),
    "SE": ("Sweden", 59.3, 18.1),
    "NO": ("Norway", 59.9, 10.8),
    "FI": ("Finland", 60.2, 24.9),
    "PL": ("Poland", 52.2, 21.0),
    "CZ": ("Czechia", 50.1, 14.4),
    "SK": ("Slovakia", 48.1, 17.1),
    "HU": ("Hungary", 47.5, 19.0),
    "RO": ("Romania", 44.4, 26.1),
    "BG": ("Bulgaria", 42.7, 23.3),
    "GR": ("Greece", 38.0, 23.7),
    "LT": ("Lithuania", 54.7, 25.3),
    "LV": ("Latvia", 56.9, 24.1),
    "EE": ("Estonia", 59.4, 24.8),
    "UA": ("Ukraine", 50.5, 30.5),
    "TR": ("Türkiye", 39.9, 32.9),
    "IL": ("Israel", 31.8, 35.2),
    "AE": ("United Arab Emirates", 24.5, 54.4),
    "IN": ("India", 28.6, 77.2),
    "CN": ("China", 39.9, 116.4),
    "HK": ("Hong Kong", 22.3, 114.2),
    "JP": ("Japan", 35.7, 139.7),
    "KR": ("South Korea", 37.6, 127.0),
    "SG": ("Singapore", 1.3, 103.8),
    "AU": ("Australia", -35.3, 149.1),
    "NZ": ("New Zealand", -41.3, 174.8),
    "ZA": ("South Africa", -25.7, 28.2),
}


# Names read with "the" in a sentence ("ships to the United States").
WITH_THE = {"US", "GB", "NL", "AE"}


def country_name(code: str) -> str:
    return COUNTRIES[code][0] if code in COUNTRIES else code


def country_phrase(code: str) -> str:
    """The country as a sentence names it: "the United States", "Germany"."""
    return f"the {country_name(code)}" if code in WITH_THE else country_name(code)


def distance_km(one: str, other: str) -> float | None:
    """Great-circle distance between two countries' points; 0 within a country; None when either is unknown."""
    if one == other and one:
        return 0.0
    if one not in COUNTRIES or other not in COUNTRIES:
        return None
    (_, lat1, lon1), (_, lat2, lon2) = COUNTRIES[one], COUNTRIES[other]
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    cosine = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return 6371.0 * math.acos(max(-1.0, min(1.0, cosine)))


def size_order(sizes) -> list[str]:
    """Sizes as sellers read them (variant_grid.SIZE_ORDER), the others in the order first seen."""
    seen = list(dict.fromkeys(sizes))
    return sorted(seen, key=lambda size: (SIZE_ORDER.index(size) if size in SIZE_ORDER else 99, seen.index(size)))


def sizes_text(sizes: list[str]) -> str:
    """ "S–3XL" when the sizes run without a gap in SIZE_ORDER, else "S, M, XL"; "one size" for none."""
    if not sizes:
        return "one size"
    if len(sizes) > 2 and all(size in SIZE_ORDER for size in sizes):
        # XXL and 2XL are one size by two names: a run from XL to 3XL needs only one of them.
        alias = "2XL" if "XXL" in sizes and "2XL" not in sizes else "XXL"
        run = [size for size in SIZE_ORDER if size != alias]
        places = [run.index(size) for size in sizes]
        if places == list(range(places[0], places[0] + len(places))):
            return f"{sizes[0]}–{sizes[-1]}"
    return ", ".join(sizes)


# --- one provider ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    width: int
    height: int
    sizes: tuple[str, ...]  # the garment sizes with this print area

    @property
    def pixels(self) -> str:
        return f"{self.width:,} × {self.height:,}"

    @property
    def inches(self) -> str:
        return f"{self.width / PRINT_DPI:.1f} × {self.height / PRINT_DPI:.1f} in"

    @property
    def sizes_text(self) -> str:
        return sizes_text(list(self.sizes)) if self.sizes != ("—",) else ""


@dataclass(frozen=True)
class PrintArea:
    position: str
    smallest: Area
    largest: Area

    @property
    def varies(self) -> bool:
        return (self.smallest.width, self.smallest.height) != (self.largest.width, self.largest.height)


def print_areas(variants: list[dict]) -> list[PrintArea]:
    """Per position (front first), the smallest and the largest print area over these catalog variants."""
    found: dict[str, dict[tuple[int, int], list[str]]] = {}
    for variant in variants:
        size = options_of(variant).get("size") or "—"
        for spot in variant.get("placeholders") or []:
            width, height = spot.get("width"), spot.get("height")
            if not (isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0):
                continue
            sizes = found.setdefault(str(spot.get("position") or "front"), {}).setdefault((width, height), [])
            sizes.append(size) if size not in sizes else None
    areas = []
    for position in sorted(found, key=lambda position: (position != "front", position)):
        by_area = sorted(found[position].items(), key=lambda item: (item[0][0] * item[0][1], item[0]))
        (small, small_sizes), (large, large_sizes) = by_area[0], by_area[-1]
        areas.append(
            PrintArea(
                position=position,
                smallest=Area(*small, tuple(size_order(small_sizes))),
                largest=Area(*large, tuple(size_order(large_sizes))),
            )
        )
    return areas


@dataclass(frozen=True)
class Shipping:
    """One method's rate to the shop's country for one item and each additional one, or why there is none."""

    method: str
    offered: bool = True
    first_item: int | None = None
    additional_items: int | None = None
    currency: str = ""
    fallback: bool = False  # the country has no rate of its own: Printify's REST_OF_THE_WORLD rate
    handling_days: tuple[int, int] | None = None
    problem: str = ""  # the rates could not be read (words)
    note: str = ""  # why there is no rate: "not offered", "no rate to Canada"

    @property
    def known(self) -> bool:
        return self.first_item is not None


def shipping_to(method: str, rates: list[ShippingRate] | None, country: str, variant_ids: set[int]) -> Shipping:
    """The method's rate to `country` for the cheapest of `variant_ids` (any variant when none of them has a row);
    REST_OF_THE_WORLD when the country has no row. `rates` None: the provider does not offer the method."""
    if rates is None:
        return Shipping(method, offered=False, note="not offered")
    for wanted, fallback in ((country, False), (REST_OF_THE_WORLD, True)):
        rows = [rate for rate in rates if rate.country == wanted]
        chosen = [rate for rate in rows if rate.variant_id in variant_ids] or rows
        if chosen:
            best = min(chosen, key=lambda rate: (rate.first_item, rate.additional_items))
            return Shipping(
                method,
                first_item=best.first_item,
                additional_items=best.additional_items,
                currency=best.currency,
                fallback=fallback,
                handling_days=best.handling_days,
            )
    # Rates for other countries only, and no catch-all: it does not ship there by this method.
    return Shipping(method, offered=False, note=f"no rate to {country_phrase(country)}")


@dataclass(frozen=True)
class Cost:
    """What Printify charges for the common size (the cheapest colour; `highest` when colours differ), with the
    figures' age; `missing` says why there is no figure."""

    cents: int | None = None
    highest: int | None = None
    currency: str = ""
    learned: str = ""  # "3 hours ago"
    stale: bool = False
    missing: str = ""


@dataclass
class Provider:
    id: int
    title: str
    location: str  # "Cologne, North Rhine-Westphalia, Germany", or "location not given"
    country: str  # ISO code, "" when not given
    colours: list[str] = field(default_factory=list)
    sizes: list[str] = field(default_factory=list)
    areas: list[PrintArea] = field(default_factory=list)
    variant_ids_by_size: dict[str, set[int]] = field(default_factory=dict)
    cost: Cost = field(default_factory=Cost)
    shipping: dict[str, Shipping] = field(default_factory=dict)
    problem: str = ""  # the provider's variants could not be read (words)
    distance: float | None = None
    cheapest: bool = False
    nearest: bool = False

    @property
    def delivered(self) -> int | None:
        """Base cost plus standard shipping of one item, when both are known in one currency."""
        standard = self.shipping.get("standard")
        if self.cost.cents is None or standard is None or not standard.known:
            return None
        if standard.currency and self.cost.currency and standard.currency != self.cost.currency:
            return None
        return self.cost.cents + standard.first_item

    @property
    def sizes_text(self) -> str:
        return sizes_text(self.sizes)

    @property
    def delivered_missing(self) -> str:
        """Why there is no delivered price (words), "" when there is one."""
        standard = self.shipping.get("standard")
        if self.delivered is not None:
            return ""
        if self.cost.cents is None:
            return "cost not known"
        if standard is None or not standard.known:
            return "no standard shipping"
        return f"shipping is in {standard.currency}, the cost in {self.cost.currency}"

    @property
    def shipping_columns(self) -> list[Shipping]:
        """The compared methods' shipping in the table's order (a method not read: not offered)."""
        return [self.shipping.get(method) or Shipping(method, offered=False) for method in SHIPPING_METHODS_COMPARED]

    @property
    def area_groups(self) -> list[tuple[str, PrintArea]]:
        """Positions with the same print areas shown once: ("Front, back", area)."""
        groups: list[tuple[list[str], PrintArea]] = []
        for area in self.areas:
            same = next((g for g in groups if (g[1].smallest, g[1].largest) == (area.smallest, area.largest)), None)
            if same:
                same[0].append(area.position)
            else:
                groups.append(([area.position], area))
        return [(", ".join(p.replace("_", " ") for p in names).capitalize(), area) for names, area in groups]


def catalog_facts(provider: Provider, variants: list[dict]) -> Provider:
    """Colours, sizes and print areas of the provider's in-stock catalog variants."""
    colours, sizes = [], []
    by_size: dict[str, set[int]] = {}
    for variant in variants:
        options = options_of(variant)
        colour, size = options.get("color") or options.get("colour"), options.get("size") or "—"
        colours.append(colour) if colour and colour not in colours else None
        sizes.append(size)
        by_size.setdefault(size, set()).add(int(variant["id"]))
    provider.colours = colours
    provider.sizes = size_order(sizes) if sizes != ["—"] * len(sizes) else []
    provider.variant_ids_by_size = by_size
    provider.areas = print_areas(variants)
    return provider


def location_text(location) -> tuple[str, str]:
    """("City, Region, Country", ISO code) from a provider's `location` (a return address); the text is
    "location not given" (and the code "") when Printify gives none."""
    location = location if isinstance(location, dict) else {}
    code = str(location.get("country") or "").strip().upper()
    parts = [location.get("city"), location.get("region"), country_name(code)]
    return ", ".join(str(part) for part in parts if part) or "location not given", code


# --- all of them -------------------------------------------------------------------------------------------------


def common_size(providers: list[Provider]) -> str:
    """The size most providers offer (M first, then PREFERRED_SIZES, then the sizes' order); "" for none."""
    counts: dict[str, int] = {}
    order: list[str] = []
    for provider in providers:
        for size in provider.variant_ids_by_size:
            counts[size] = counts.get(size, 0) + 1
        order += provider.sizes or list(provider.variant_ids_by_size)
    if not counts:
        return ""
    order = size_order(order)
    most = max(counts.values())
    candidates = [size for size in order if counts.get(size) == most]
    preferred = [size for size in PREFERRED_SIZES if size in candidates]
    return (preferred or candidates)[0]


@dataclass
class Comparison:
    blueprint_id: int
    country: str
    size: str  # the common size whose cost and shipping are compared
    providers: list[Provider]
    methods: tuple[str, ...] = SHIPPING_METHODS_COMPARED
    blueprint: object = None  # what the page heads the comparison with (services/catalog_choice.Blueprint)
    shop: object = None  # the shop (designs/shops.Shop) the template is made for, whose country is the default
    shops: list = field(default_factory=list)  # the shops it could be made for instead

    @property
    def country_name(self) -> str:
        return country_name(self.country)

    @property
    def country_phrase(self) -> str:
        return country_phrase(self.country)

    @property
    def fallback_used(self) -> bool:
        return any(shipping.fallback for provider in self.providers for shipping in provider.shipping.values())

    @property
    def costs_missing(self) -> list[Provider]:
        return [provider for provider in self.providers if provider.cost.cents is None and not provider.problem]

    @property
    def costs_stale(self) -> list[Provider]:
        return [provider for provider in self.providers if provider.cost.cents is not None and provider.cost.stale]

    @property
    def cheapest(self) -> list[Provider]:
        return [provider for provider in self.providers if provider.cheapest]

    @property
    def nearest(self) -> list[Provider]:
        return [provider for provider in self.providers if provider.nearest]

    def sorted_by(self, key: str) -> list[Provider]:
        """Printify's order, or the cheapest delivered first, or the nearest first (unknowns last, in order)."""
        if key == "cheapest":
            return sorted(self.providers, key=lambda p: (p.delivered is None, p.delivered or 0))
        if key == "nearest":
            return sorted(self.providers, key=lambda p: (p.distance is None, p.distance or 0))
        return list(self.providers)


def mark(comparison: Comparison) -> Comparison:
    """Distances to the shop's country, and the cheapest and nearest marks (every provider that ties)."""
    for provider in comparison.providers:
        provider.distance = distance_km(provider.country, comparison.country) if provider.country else None
    delivered = [p.delivered for p in comparison.providers if p.delivered is not None]
    distances = [p.distance for p in comparison.providers if p.distance is not None]
    for provider in comparison.providers:
        provider.cheapest = bool(delivered) and provider.delivered == min(delivered)
        provider.nearest = bool(distances) and provider.distance is not None and provider.distance <= min(distances)
    return comparison
