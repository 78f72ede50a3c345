"""Contract: the real PrintifyClient against the running sandbox, over real sockets."""

import io
import json
import time

import pytest
import requests
from PIL import Image

from integrations.http import AuthError, NotFound, RateLimited, Rejected, RetryPolicy
from integrations.printify import PrintifyClient, PrintifyLimits, TTLCache, variant_options, verify_webhook_signature
from integrations.ratelimit import SharedRateLimiter

TOKEN = "pfy-contract-token"
SECRET = "contract-webhook-secret"
FAST_RETRY = RetryPolicy(attempts=3, base=0.001, cap=0.005)


def make_client(sandbox, token=TOKEN, **kwargs) -> PrintifyClient:
    kwargs.setdefault("cache", TTLCache())  # a fresh catalog cache: each test's sandbox counts its own calls
    return PrintifyClient(token, 1, f"{sandbox.url}/printify/v1", retry=FAST_RETRY, timeout=(2, 5), **kwargs)


@pytest.fixture
def client(sandbox):
    sandbox.configure(printify_token=TOKEN)
    return make_client(sandbox)


def png_bytes(size=(300, 300)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, format="PNG")
    return out.getvalue()


def sticker(client, image_id, variant_ids=(45740, 45742, 45744)) -> dict:
    """A create payload built the way a caller would: from the catalog the client reads."""
    variants = [v["id"] for v in client.variants(384, 1)["variants"] if v["id"] in variant_ids]
    return {
        "title": "Heron sticker",
        "description": "<p>A heron at dawn</p>",
        "blueprint_id": 384,
        "print_provider_id": 1,
        "variants": [{"id": variant, "price": 450, "is_enabled": True} for variant in variants],
        "print_areas": [
            {
                "variant_ids": variants,
                "placeholders": [
                    {"position": "front", "images": [{"id": image_id, "x": 0.5, "y": 0.5, "scale": 1, "angle": 0}]}
                ],
            }
        ],
    }


def wait_for(predicate, timeout=3.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    pytest.fail(f"condition not met within {timeout} s")


def test_upload_create_publish_get_flow(sandbox, client):
    assert client.shops()[0]["id"] == 1
    assert {bp["id"] for bp in client.blueprints()} >= {384}
    assert client.print_providers(384) == [{"id": 1, "title": "SPOKE Custom Products"}]

    upload = client.upload_image("heron.png", contents=png_bytes())
    assert (upload["width"], upload["height"]) == (300, 300)
    assert client.upload_image("again.png", url=upload["preview_url"])["id"] == upload["id"]
    assert client.get_upload(upload["id"]) == upload

    product = client.create_product(sticker(client, upload["id"]))
    enabled = sorted(v["id"] for v in product["variants"] if v["is_enabled"])
    assert enabled == [45740, 45742, 45744]
    assert len(product["variants"]) == 4  # the whole matrix comes back

    client.publish(product["id"], {"title": True, "description": True, "images": True, "variants": True})
    assert client.get_product(product["id"])["is_locked"] is True
    published = wait_for(lambda: (p := client.get_product(product["id"])) and not p["is_locked"] and p)
    assert published["external"]["id"] and published["external"]["handle"]

    listing = client.list_products(page=1, limit=50)
    assert [p["id"] for p in listing["data"]] == [product["id"]] and listing["total"] == 1

    state = sandbox.state()["printify"]
    assert (state["uploads"], state["publishes"], state["products_created"]) == (1, 1, 1)
    assert client.variants(384, 1)["variants"]  # read again: served from the client's catalog cache
    routes = sandbox.state()["printify"]["requests_by_route"]
    assert routes["GET /catalog/blueprints/{blueprint}/print_providers/{provider}/variants.json"] == 1

    client.unpublish(product["id"])
    assert "external" not in client.get_product(product["id"])
    client.delete_product(product["id"])
    assert client.list_products()["total"] == 0


def test_v2_shipping_and_provider_locations_through_the_client(sandbox, client):
    """The provider comparison's reads: v2 per-method shipping rows and the provider list with locations."""
    locations = {p["id"]: p["location"]["country"] for p in client.all_print_providers()}
    assert [locations[p["id"]] for p in client.print_providers(6)] == ["US", "US", "DE", "CA", "LV"]
    standard = client.shipping_rates(6, 90011, "standard")
    in_stock = {v["id"] for v in client.variants(6, 90011)["variants"]}
    assert {rate.variant_id for rate in standard} >= in_stock
    assert {rate.country for rate in standard} == {"DE", "REST_OF_THE_WORLD"}
    assert all(rate.currency == "USD" and rate.first_item > rate.additional_items for rate in standard)
    with pytest.raises(NotFound):
        client.shipping_rates(6, 90012, "economy")  # Toronto ships standard only
    routes = sandbox.state()["printify"]["requests_by_route"]
    assert routes["GET /v2/catalog/blueprints/{blueprint}/print_providers/{provider}/shipping/{method}.json"] == 2


def test_catalog_and_product_shapes_line_up_through_the_client(sandbox, client):
    """What a template built from the catalog needs: the catalog's option titles match the product's option ids,
    shipping covers the variants, and the mockups are PNGs a browser can load from the sandbox."""
    assert len(client.blueprints()) >= 6
    assert client.print_providers(6)[:2] == [
        {"id": 99, "title": "Printify Choice"},
        {"id": 29, "title": "Monster Digital"},
    ]
    assert {provider["id"] for provider in client.print_providers(6)} == {99, 29, 90011, 90012, 90013}
    catalog = {variant["id"]: variant for variant in client.variants(6, 29)["variants"]}
    assert set(catalog) < {variant["id"] for variant in client.variants(6, 29, show_out_of_stock=True)["variants"]}
    shipping = client.shipping(6, 29)
    assert all(set(catalog) <= set(profile["variant_ids"]) for profile in shipping["profiles"])
    # Provider 29's print areas grow with the garment size (printify-api.md §6): one print area per size.
    sizes = {
        variant_id: (v["placeholders"][0]["width"], v["placeholders"][0]["height"]) for variant_id, v in catalog.items()
    }
    assert len(set(sizes.values())) == 3

    image_id = client.upload_image("h.png", contents=png_bytes())["id"]
    groups: dict[tuple, list[int]] = {}
    for variant_id, size in sizes.items():
        groups.setdefault(size, []).append(variant_id)
    placed = [{"position": "front", "images": [{"id": image_id, "x": 0.5, "y": 0.5, "scale": 1, "angle": 0}]}]
    product = client.create_product(
        {
            "title": "Heron tee",
            "blueprint_id": 6,
            "print_provider_id": 29,
            "variants": [{"id": variant_id, "price": 2500} for variant_id in catalog],
            "print_areas": [{"variant_ids": ids, "placeholders": placed} for ids in groups.values()],
        }
    )
    options = variant_options(client.get_product(product["id"]))
    assert {variant_id: options[variant_id] for variant_id in catalog} == {
        variant_id: variant["options"] for variant_id, variant in catalog.items()
    }
    colours = {variant["options"]["color"] for variant in catalog.values()}
    assert len(product["images"]) == len(colours) * len(groups)  # per print area, one mockup per colour
    for mockup in product["images"]:
        answer = requests.get(mockup["src"], timeout=5)
        assert answer.headers["Content-Type"] == "image/png"
        assert Image.open(io.BytesIO(answer.content)).size == (800, 800)


def test_update_product(client):
    product = client.create_product(sticker(client, client.upload_image("h.png", contents=png_bytes())["id"]))
    updated = client.update_product(product["id"], {"title": "Renamed", "variants": [{"id": 45742, "price": 999}]})
    assert updated["title"] == "Renamed"
    assert {v["id"]: v["price"] for v in updated["variants"]}[45742] == 999


def test_validation_errors_keep_code_and_reason(sandbox, client):
    image_id = client.upload_image("h.png", contents=png_bytes())["id"]
    payload = sticker(client, image_id)
    payload["print_areas"][0]["variant_ids"] = [45740]
    with pytest.raises(Rejected) as caught:
        client.create_product(payload)
    assert caught.value.code == 8251
    assert "8251" in str(caught.value) and "cover" in str(caught.value)

    sandbox.configure(printify_next_create_errors=[8203])
    with pytest.raises(Rejected) as caught:
        client.create_product(sticker(client, image_id))
    assert caught.value.code == 8203 and "low quality" in str(caught.value)
    assert sandbox.state()["printify"]["requests_by_route"]["POST /shops/{shop}/products.json"] == 2  # never repeated


def test_publish_to_a_disconnected_shop_is_rejected_8254(sandbox, client):
    product = client.create_product(sticker(client, client.upload_image("h.png", contents=png_bytes())["id"]))
    sandbox.configure(printify_sales_channel="disconnected")
    with pytest.raises(Rejected) as caught:
        client.publish(product["id"])
    assert caught.value.code == 8254
    assert client.get_product(product["id"])["is_locked"] is False


def test_api_shop_publishing_succeeded_and_failed(sandbox, client):
    sandbox.configure(printify_publish_delay=None)
    image_id = client.upload_image("h.png", contents=png_bytes())["id"]
    ok, bad = client.create_product(sticker(client, image_id)), client.create_product(sticker(client, image_id))
    client.publish(ok["id"])
    client.publish(bad["id"])
    client.publishing_succeeded(ok["id"], {"id": "listing-1", "handle": "https://shop.example/l/1"})
    client.publishing_failed(bad["id"], "the channel refused the listing")
    assert client.get_product(ok["id"])["external"]["id"] == "listing-1"
    assert client.get_product(bad["id"])["is_locked"] is False


def test_webhook_signature_verifies_with_the_client_helper(client, webhook_receiver):
    hook = client.create_webhook("product:publish:started", f"{webhook_receiver.url}/printify", secret=SECRET)
    assert [h["id"] for h in client.webhooks()] == [hook["id"]]
    product = client.create_product(sticker(client, client.upload_image("h.png", contents=png_bytes())["id"]))
    client.publish(product["id"])

    (delivery,) = webhook_receiver.wait_for(1)
    signature = delivery["headers"]["X-Pfy-Signature"]
    assert verify_webhook_signature(SECRET, delivery["body"], signature)
    assert not verify_webhook_signature("another-secret", delivery["body"], signature)
    assert not verify_webhook_signature(SECRET, delivery["body"] + b" ", signature)
    assert json.loads(delivery["body"])["resource"]["id"] == product["id"]

    client.delete_webhook(hook["id"], host="127.0.0.1")
    assert client.webhooks() == []


def test_wrong_token_is_an_auth_error_without_the_token(sandbox, client):
    with pytest.raises(AuthError) as caught:
        make_client(sandbox, token="pfy-wrong-token").shops()
    assert "pfy-wrong-token" not in str(caught.value) and TOKEN not in str(caught.value)


def test_injected_429_is_retried_and_counted(sandbox, client):
    sandbox.configure(next_http_errors=[429, 502])
    assert client.shops()[0]["id"] == 1
    state = sandbox.state()["printify"]
    assert (state["requests"], state["rate_limited"]) == (3, 1)


def test_shared_limiter_paces_publishes_before_the_sandbox_must_refuse(db, sandbox):
    sandbox.configure(printify_token=TOKEN, printify_publish_limit=2, printify_publish_window=30)
    limits = PrintifyLimits(publish_limit=2, publish_window_seconds=30, max_wait=0)
    client = make_client(sandbox, limiter=SharedRateLimiter(), limits=limits, limiter_prefix="contract-test")
    image_id = client.upload_image("h.png", contents=png_bytes())["id"]
    products = [client.create_product(sticker(client, image_id)) for _ in range(3)]
    client.publish(products[0]["id"])
    client.publish(products[1]["id"])
    with pytest.raises(RateLimited) as caught:
        client.publish(products[2]["id"])
    assert caught.value.retry_after and caught.value.retry_after > 0
    state = sandbox.state()["printify"]
    assert (state["publish_requests"], state["rate_limited"]) == (2, 0)  # our limiter held the third one back
