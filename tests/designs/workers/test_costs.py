"""Learning variant costs against the sandbox's Printify: from one of our products, else from a draft made and
deleted at once; shipping and stock with them; one lookup at a time, and a failure kept for the editor."""

import pytest
from django.core.cache import cache

from designs import leases
from designs.models import VariantCost
from designs.variant_costs import costs_for, save_costs
from designs.workers.costs import DRAFT_TITLE, LEASE_SECONDS, learn_costs
from designs.workflow import Status
from integrations.sandbox import catalog
from tests.designs.publishing_support import make_product, make_template, png_bytes

pytestmark = pytest.mark.django_db

TEE = catalog.VARIANTS[(3, 3)]


@pytest.fixture
def printify(settings, sandbox):
    settings.PRINTIFY_API_BASE = f"{sandbox.url}/printify/v1"
    settings.PRINTIFY_API_TOKEN = "costs-token"
    settings.PRINTIFY_SHOP_ID = "1"
    settings.PRINTIFY_RATE_PER_MINUTE = 1_000_000
    settings.SHIPPING_COUNTRY = "US"
    settings.COST_MAX_AGE_HOURS = 24
    cache.clear()
    yield sandbox
    cache.clear()


def sandbox_products(sandbox):
    return sandbox.state()["printify"]["products"]


def test_one_of_our_products_is_read_instead_of_making_a_draft(printify, make_design):
    from designs.clients import printify_client

    client = printify_client()
    upload = client.upload_image("fox.png", contents=png_bytes())
    placed = {"id": upload["id"], "x": 0.5, "y": 0.5, "scale": 1, "angle": 0}
    made = client.create_product(
        {
            "title": "Fox",
            "description": "A fox",
            "blueprint_id": 3,
            "print_provider_id": 3,
            "variants": [{"id": 17390, "price": 2500, "is_enabled": True}],
            "print_areas": [{"variant_ids": [17390], "placeholders": [{"position": "front", "images": [placed]}]}],
        }
    )
    make_product(make_design(status=Status.PUBLISHED), make_template(), printify_id=made["id"])

    assert learn_costs(3, 3) == f"{len(TEE)} costs from Printify product {made['id']}"
    assert [p["title"] for p in sandbox_products(printify)] == ["Fox"]  # no draft
    assert DRAFT_TITLE not in str(sandbox_products(printify))


def test_stock_is_written_onto_the_templates(printify):
    tee = make_template()
    learn_costs(3, 3)
    tee.refresh_from_db()
    in_stock = {v["id"] for v in TEE if v["is_available"]}
    assert {v["id"]: v["available"] for v in tee.variants} == {v["id"]: v["id"] in in_stock for v in tee.variants}


def test_fresh_costs_are_not_looked_up_again_unless_forced(printify):
    save_costs(3, 3, {17390: 1}, {}, "earlier")
    assert learn_costs(3, 3) == "fresh"
    assert costs_for(3, 3).cost(17390) == 1
    assert learn_costs(3, 3, force=True).endswith("a draft product (made and deleted to read the costs)")
    assert costs_for(3, 3).cost(17390) == 980


def test_a_second_lookup_of_the_same_blueprint_and_provider_waits_its_turn(printify):
    leases.acquire("costs:3:3", LEASE_SECONDS)
    assert learn_costs(3, 3) == "busy"
    assert sandbox_products(printify) == [] and costs_for(3, 3).by_variant == {}


def test_a_failed_lookup_is_recorded_for_the_editor(printify):
    printify.configure(printify_unauthorized=True)
    assert learn_costs(3, 3) == "failed"
    assert costs_for(3, 3).failure.startswith("Printify could not tell the costs: ")


def test_costs_come_from_a_draft_product_that_is_deleted_and_shipping_from_shipping_json(printify):
    assert learn_costs(6, 99).endswith("a draft product (made and deleted to read the costs)")
    cost = VariantCost.objects.get(blueprint_id=6, print_provider_id=99, variant_id=60105)
    assert (cost.cost, cost.shipping) == (1279, 475)
    learned = costs_for(6, 99)
    matrix = catalog.VARIANTS[(6, 99)]
    assert {v["id"]: learned.cost(v["id"]) for v in matrix} == {v["id"]: v["cost"] for v in matrix}  # every variant
    state = printify.state()["printify"]
    assert state["products"] == [] and state["products_created"] == 1 and state["products_deleted"] == 1


def test_the_draft_product_tells_the_colour_codes_and_templates_get_the_blueprints_pictures(printify):
    """The catalog names colours only; the draft the costs come from carries their hex codes (heathers two), over
    real sockets from the sandbox. A template made before pictures were kept gets its blueprint's now."""
    from designs.models import GarmentColour

    tee = make_template()
    assert tee.blueprint_images == []
    learn_costs(3, 3)
    codes = dict(GarmentColour.objects.filter(blueprint_id=3, print_provider_id=3).values_list("name", "hexes"))
    assert codes["Heather Grey"] == catalog.OPTION_VALUES["color"]["Heather Grey"]["colors"]
    assert len(codes["Heather Grey"]) == 2
    assert codes["Solid Black"] == ["#111111"]
    tee.refresh_from_db()
    assert tee.blueprint_images == [f"{printify.url}{path}" for path in catalog.BLUEPRINTS[3]["images"]]
