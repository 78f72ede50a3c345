"""A template's variants as a seller sees them: colours × sizes, each cell with its cost, shipping, price and margin.

Pure (no database, no HTTP): the editor view passes the template's variants, the cached costs and the price rule.
Variants come from the catalog with their options ({"color": "Black", "size": "XL"}); templates made before that
carry only a title ("Black / XL"), which is read the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from designs.pricing import PriceRule, margin, variant_price

# The order sellers read sizes in; sizes not listed keep the catalog's order after these.
SIZE_ORDER = ["XXS", "XS", "S", "M", "L", "XL", "2XL", "XXL", "3XL", "4XL", "5XL", "6XL"]


def options_of(variant: dict) -> dict[str, str]:
    """{"color": …, "size": …} of a variant: from its options, else from its title ("Colour / Size")."""
    options = variant.get("options")
    if isinstance(options, dict) and options:
        return {str(k): str(v) for k, v in options.items()}
    parts = [part.strip() for part in str(variant.get("title") or "").split("/")]
    if len(parts) >= 2:
        return {"color": parts[0], "size": parts[1]}
    return {"size": parts[0]} if parts and parts[0] else {}


@dataclass
class Cell:
    variant: dict
    colour: str
    size: str
    enabled: bool
    available: bool
    cost: int | None
    shipping: int | None
    rule_price: int | None
    price: int | None
    overridden: bool

    @property
    def id(self) -> int:
        return int(self.variant["id"])

    @property
    def margin(self):
        return margin(self.price, self.cost)


@dataclass
class Grid:
    colours: list[str]
    sizes: list[str]
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)

    def rows(self) -> list[tuple[str, list[Cell | None]]]:
        return [(colour, [self.cells.get((colour, size)) for size in self.sizes]) for colour in self.colours]

    def all_cells(self) -> list[Cell]:
        return [cell for _, cells in self.rows() for cell in cells if cell is not None]


def build_grid(variants: list[dict], costs, rule: PriceRule | None, *, use_rule: bool = True) -> Grid:
    """The grid of these variants. `costs` answers cost(id) and shipping(id); with a rule, a variant without its
    own (overridden) price is priced by the rule."""
    colours: list[str] = []
    sizes: list[str] = []
    cells: dict[tuple[str, str], Cell] = {}
    for variant in variants:
        options = options_of(variant)
        colour = options.get("color") or options.get("colour") or "—"
        size = size_of(variant)
        colours.append(colour) if colour not in colours else None
        sizes.append(size) if size not in sizes else None
        cost = costs.cost(variant["id"]) if costs else None
        rule_price = rule.price(cost, size) if rule and use_rule else None
        overridden = bool(variant.get("price_overridden"))
        price = variant_price(variant, cost, rule if use_rule else None, size)
        cells[(colour, size)] = Cell(
            variant=variant,
            colour=colour,
            size=size,
            enabled=bool(variant.get("is_enabled", False)),
            available=variant.get("available", True) is not False,
            cost=cost,
            shipping=costs.shipping(variant["id"]) if costs else None,
            rule_price=rule_price,
            price=price,
            overridden=overridden and rule_price is not None and price != rule_price,
        )
    seen = list(sizes)
    sizes.sort(key=lambda size: (SIZE_ORDER.index(size) if size in SIZE_ORDER else len(SIZE_ORDER), seen.index(size)))
    return Grid(colours=colours, sizes=sizes, cells=cells)


def size_of(variant: dict) -> str:
    """The size a price rule's size steps are keyed by ("—" when the variant has none), as the grid reads it."""
    return options_of(variant).get("size") or "—"


def positions_of(placeholders: dict) -> list[str]:
    """The print positions the variants offer, front first (what a seller means nine times out of ten)."""
    found = sorted({position for spots in (placeholders or {}).values() for position in spots})
    return sorted(found, key=lambda position: (position != "front", position))
