"""The colour × size grid the template editor shows: sizes in the order sellers read them, each cell priced by the
rule unless the seller set its own price, with cost, shipping and margin."""

from decimal import Decimal

import pytest

from designs.models import VariantCost
from designs.pricing import PriceRule
from designs.variant_costs import Costs
from designs.variant_grid import build_grid, options_of, positions_of


def costs(cost: dict[int, int], shipping: dict[int, int] | None = None) -> Costs:
    """Cached costs as variant_costs.costs_for returns them (unsaved rows: the grid reads no database)."""
    shipping = shipping or {}
    rows = {
        variant_id: VariantCost(variant_id=variant_id, cost=cost.get(variant_id), shipping=shipping.get(variant_id))
        for variant_id in set(cost) | set(shipping)
    }
    return Costs(by_variant=rows, learned_at=None, source="", failure="")


def variant(variant_id, colour, size, **fields):
    return {"id": variant_id, "options": {"color": colour, "size": size}, "is_enabled": True, **fields}


@pytest.mark.parametrize(
    ("given", "options"),
    [
        ({"options": {"color": "Black", "size": "XL"}, "title": "ignored"}, {"color": "Black", "size": "XL"}),
        ({"title": "Heather Grey / 2XL"}, {"color": "Heather Grey", "size": "2XL"}),  # made before options
        ({"title": "11oz"}, {"size": "11oz"}),
        ({"title": ""}, {}),
    ],
)
def test_options_come_from_the_variant_else_from_its_title(given, options):
    assert options_of(given) == options


def test_sizes_are_in_the_order_sellers_read_them_and_unknown_sizes_keep_theirs():
    variants = [
        variant(1, "Black", "XL"),
        variant(2, "Black", "S"),
        variant(3, "White", "One size"),
        variant(4, "White", "2XL"),
        variant(5, "Black", "Kids"),
    ]
    grid = build_grid(variants, None, None)

    assert grid.colours == ["Black", "White"]
    assert grid.sizes == ["S", "XL", "2XL", "One size", "Kids"]
    rows = {colour: [cell.id if cell else None for cell in cells] for colour, cells in grid.rows()}
    assert rows == {"Black": [2, 1, None, None, 5], "White": [None, None, 4, 3, None]}
    assert sorted(cell.id for cell in grid.all_cells()) == [1, 2, 3, 4, 5]


def test_the_rule_prices_each_cell_from_its_cost_unless_the_seller_set_a_price():
    rule = PriceRule(basis="profit", profit=1000, rounding="none", size_steps={"2XL": 200})
    variants = [
        variant(1, "Black", "M", price=1),
        variant(2, "Black", "2XL", price=1),
        variant(3, "White", "M", price=3500, price_overridden=True),
        variant(4, "White", "2XL", price=2100),  # cost unknown: its own price stays
    ]
    grid = build_grid(variants, costs({1: 1100, 2: 1300, 3: 1100}, {1: 475}), rule)
    cells = {cell.id: cell for cell in grid.all_cells()}

    assert (cells[1].rule_price, cells[1].price, cells[1].overridden) == (2100, 2100, False)
    assert cells[2].price == 2500  # + the 2XL step
    assert (cells[3].rule_price, cells[3].price, cells[3].overridden) == (2100, 3500, True)
    assert (cells[4].rule_price, cells[4].price, cells[4].cost) == (None, 2100, None)
    assert cells[1].margin == (1000, Decimal("47.6")) and cells[4].margin is None
    assert (cells[1].shipping, cells[2].shipping) == (475, None)


def test_without_the_rule_every_cell_keeps_its_own_price():
    rule = PriceRule(basis="profit", profit=1000, rounding="none")
    grid = build_grid([variant(1, "Black", "M", price=1999)], costs({1: 1100}), rule, use_rule=False)
    [cell] = grid.all_cells()
    assert (cell.price, cell.rule_price, cell.overridden) == (1999, None, False)


def test_unavailable_and_disabled_variants_say_so():
    grid = build_grid([variant(1, "Black", "M", available=False, is_enabled=False)], None, None)
    [cell] = grid.all_cells()
    assert (cell.available, cell.enabled) == (False, False)


def test_print_positions_front_first():
    placeholders = {"1": {"back": {}, "front": {}}, "2": {"sleeve_left": {}, "front": {}}}
    assert positions_of(placeholders) == ["front", "back", "sleeve_left"]
    assert positions_of({}) == [] and positions_of(None) == []
