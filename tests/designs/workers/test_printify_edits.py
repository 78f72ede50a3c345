"""Editing a product on Printify (prices, listing copy): one PUT, a live product published again with only the
changed parts, and which refusals are worth another try. Printify's HTTP through `responses`."""

import json

import pytest
import responses

from designs.product_templates import PUBLISH_PARTS
from designs.workers.printify_edits import edit_product, only_parts, try_later, with_prices
from designs.workflow import Status
from integrations.http import IntegrationError
from tests.designs.publishing_support import API, SHOP, make_product, make_template

pytestmark = pytest.mark.django_db

PRODUCT = "5d39b411749d0a000f30e0f4"
PUT = f"{API}/shops/{SHOP}/products/{PRODUCT}.json"
PUBLISH = f"{API}/shops/{SHOP}/products/{PRODUCT}/publish.json"


@pytest.fixture
def client():
    """The real client, retrying without waiting (Printify unreachable must not cost a test seconds)."""
    from integrations.http import RetryPolicy
    from integrations.printify import PrintifyClient
    from tests.designs.publishing_support import TOKEN

    return PrintifyClient(TOKEN, SHOP, API, retry=RetryPolicy(attempts=2, base=0, cap=0, sleep=lambda seconds: None))


def product(make_design, state):
    return make_product(make_design(status=Status.PUBLISHED), make_template(), state=state, printify_id=PRODUCT)


def test_only_the_named_parts_are_published():
    assert only_parts(["title", "tags"]) == {part: part in ("title", "tags") for part in PUBLISH_PARTS}


def test_a_live_product_is_published_again_with_only_the_changed_parts(make_design, client):
    live = product(make_design, "live")
    with responses.RequestsMock() as rsps:
        rsps.put(PUT, json={"id": PRODUCT})
        rsps.post(PUBLISH, json={})
        edit_product(client, live, {"title": "Fox"}, ["title"])
        assert json.loads(rsps.calls[0].request.body) == {"title": "Fox"}
        sent = json.loads(rsps.calls[1].request.body)
    assert [part for part, chosen in sent.items() if chosen] == ["title"]


@pytest.mark.parametrize(("state", "parts"), [("on_printify", ["title"]), ("live", [])])
def test_a_product_off_the_store_or_without_parts_is_only_updated(make_design, client, state, parts):
    with responses.RequestsMock() as rsps:  # a publish request would fail the test
        rsps.put(PUT, json={"id": PRODUCT})
        edit_product(client, product(make_design, state), {"title": "Fox"}, parts)


def refusal(client, status, body) -> IntegrationError:
    with responses.RequestsMock() as rsps:
        rsps.put(PUT, status=status, json=body)
        with pytest.raises(IntegrationError) as raised:
            client.update_product(PRODUCT, {"title": "Fox"})
    return raised.value


@pytest.mark.parametrize(
    ("status", "body", "later"),
    [
        (400, {"code": 8252, "message": "Product is disabled for editing"}, True),
        (400, {"code": 8999, "message": "Locked products cannot be updated"}, True),
        (400, {"code": 8150, "message": "Validation failed"}, False),
        (404, {"message": "Not found"}, False),
        (503, {"message": "Unavailable"}, True),
    ],
)
def test_a_locked_product_or_an_unreachable_printify_is_tried_later(client, status, body, later):
    assert try_later(refusal(client, status, body)) is later


def test_the_snapshot_records_the_prices_printify_took():
    snapshot = {"name": "Kids tee", "variants": [{"id": 1, "price": 2500}, {"id": 2, "price": 2600}]}
    assert with_prices(snapshot, {2: 2900}) == {
        "name": "Kids tee",
        "variants": [{"id": 1, "price": 2500}, {"id": 2, "price": 2900}],
    }
    assert snapshot["variants"][1]["price"] == 2600  # the original is left as it was
