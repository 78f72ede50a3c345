"""PrintifyClient: every call's URL/method/headers/payload, error bodies, retries, rate limiting, signatures."""

import base64
import hashlib
import hmac
import json
import logging
import uuid

import pytest
import requests
import responses
from responses import matchers

from integrations.http import (
    RATE_LIMITED_MIN_WAIT,
    USER_AGENT,
    AuthError,
    BadResponse,
    IntegrationTimeout,
    NotFound,
    RateLimited,
    Rejected,
    ServerError,
)
from integrations.models import RateLimitHit
from integrations.printify import (
    PUBLISH_PARTS,
    PrintifyClient,
    PrintifyLimits,
    ShippingRate,
    catalog_cache,
    shipping_rates_from,
    variant_options,
    verify_webhook_signature,
)
from integrations.ratelimit import SharedRateLimiter

TOKEN = "pfy-token-SECRET-abcdef0123456789"
API = "https://api.printify.com/v1"
SHOP = f"{API}/shops/5432"
JSON_UTF8 = "application/json;charset=utf-8"


@pytest.fixture(autouse=True)
def empty_catalog_cache():
    catalog_cache.clear()
    yield
    catalog_cache.clear()


@pytest.fixture
def client(fast_retry):
    return PrintifyClient(TOKEN, 5432, retry=fast_retry)


def auth():
    return matchers.header_matcher({"Authorization": f"Bearer {TOKEN}", "User-Agent": USER_AGENT})


def sends_json(payload):
    return [auth(), matchers.header_matcher({"Content-Type": JSON_UTF8}), matchers.json_params_matcher(payload)]


# --- each call -------------------------------------------------------------------------------------------------


@responses.activate
def test_shops(client):
    responses.get(f"{API}/shops.json", match=[auth()], json=[{"id": 5432, "title": "Shop", "sales_channel": "x"}])
    assert client.shops() == [{"id": 5432, "title": "Shop", "sales_channel": "x"}]
    assert "Content-Type" not in responses.calls[0].request.headers  # a GET has no body


@responses.activate
def test_catalog_calls(client):
    responses.get(f"{API}/catalog/blueprints.json", match=[auth()], json=[{"id": 384}])
    responses.get(f"{API}/catalog/blueprints/384.json", match=[auth()], json={"id": 384, "title": "Square Stickers"})
    responses.get(f"{API}/catalog/blueprints/384/print_providers.json", match=[auth()], json=[{"id": 1}])
    responses.get(
        f"{API}/catalog/blueprints/384/print_providers/1/variants.json",
        match=[auth()],
        json={"id": 1, "title": "SPOKE", "variants": [{"id": 45740}]},
    )
    shipping = {"handling_time": {"value": 2, "unit": "day"}, "profiles": []}
    responses.get(f"{API}/catalog/blueprints/384/print_providers/1/shipping.json", match=[auth()], json=shipping)
    assert client.blueprints() == [{"id": 384}]
    assert client.blueprint(384)["title"] == "Square Stickers"
    assert client.print_providers(384) == [{"id": 1}]
    assert client.variants(384, 1)["variants"] == [{"id": 45740}]
    assert client.shipping(384, 1) == shipping


V2 = "https://api.printify.com/v2"


def v2_row(variant_id, country, first, additional, *, method="standard", currency="USD"):
    """One row as Printify's catalog v2 reference shows it (JSON:API; see shipping_rates_from)."""
    return {
        "type": f"variant_shipping_{method}_{country.lower()}",
        "id": str(variant_id),
        "attributes": {
            "shippingType": method,
            "country": {"code": country},
            "variantId": variant_id,
            "shippingPlanId": "65a7c0825b50fcd56a018e02",
            "handlingTime": {"from": 4, "to": 8},
            "shippingCost": {
                "firstItem": {"amount": first, "currency": currency},
                "additionalItems": {"amount": additional, "currency": currency},
            },
        },
    }


@responses.activate
def test_every_print_provider_with_its_location(client):
    providers = [{"id": 29, "title": "Monster Digital", "location": {"city": "Irvine", "country": "US"}}]
    responses.get(f"{API}/catalog/print_providers.json", match=[auth()], json=providers)
    assert client.all_print_providers() == providers
    assert client.all_print_providers() == providers  # cached: the list is the same for every account
    assert len(responses.calls) == 1


@responses.activate
def test_v2_shipping_per_method_reads_rows_per_variant_and_country(client):
    rows = [v2_row(60101, "US", 475, 240), v2_row(60101, "REST_OF_THE_WORLD", 1000, 400, currency="USD")]
    responses.get(
        f"{V2}/catalog/blueprints/6/print_providers/99/shipping/standard.json",
        match=[auth()],
        json={"data": rows, "links": {}},
    )
    responses.get(
        f"{V2}/catalog/blueprints/6/print_providers/99/shipping/economy.json",
        match=[auth()],
        json={"data": [v2_row(60101, "US", 399, 219, method="economy")]},
    )
    standard = client.shipping_rates(6, 99, "standard")
    assert standard == [
        ShippingRate(60101, "US", 475, 240, "USD", (4, 8)),
        ShippingRate(60101, "REST_OF_THE_WORLD", 1000, 400, "USD", (4, 8)),
    ]
    assert [rate.first_item for rate in client.shipping_rates(6, 99, "economy")] == [399]
    assert client.shipping_rates(6, 99, "standard") == standard  # cached like the rest of the catalog
    assert len(responses.calls) == 2
    with pytest.raises(ValueError, match="Unknown shipping method"):
        client.shipping_rates(6, 99, "teleport")


@responses.activate
def test_v2_lives_beside_v1_wherever_v1_is(fast_retry):
    sandbox = PrintifyClient(TOKEN, 1, "http://127.0.0.1:9/printify/v1/", retry=fast_retry)
    assert sandbox.v2_base_url == "http://127.0.0.1:9/printify/v2"
    assert PrintifyClient(TOKEN, 1, "https://x.test/v1", v2_base_url="https://y.test/v2/").v2_base_url == (
        "https://y.test/v2"
    )
    responses.get(f"{V2}/catalog/blueprints/6/print_providers/5/shipping/economy.json", status=404, json={})
    with pytest.raises(NotFound):  # a method the provider does not offer (a guess: see shipping_rates)
        PrintifyClient(TOKEN, 1, retry=fast_retry).shipping_rates(6, 5, "economy")


def test_v2_shipping_rows_that_lack_a_number_are_left_out_never_guessed():
    flat = {  # one Go client reads the rows flat and in snake_case: accepted too
        "variant_id": 7,
        "country": "gb",
        "shipping_cost": {"first_item": {"amount": 500, "currency": "GBP"}, "additional_items": {"amount": 300}},
    }
    no_amount = v2_row(8, "US", 1, 1)
    del no_amount["attributes"]["shippingCost"]["additionalItems"]["amount"]
    no_country = v2_row(9, "US", 1, 1)
    no_country["attributes"]["country"] = {}
    assert shipping_rates_from({"data": [flat, no_amount, no_country, "junk"]}) == [
        ShippingRate(7, "GB", 500, 300, "GBP", None)
    ]
    with pytest.raises(BadResponse, match="without a data list"):
        shipping_rates_from({"errors": []})


@responses.activate
def test_variants_with_the_out_of_stock_ones_are_a_separate_catalog_answer(client):
    url = f"{API}/catalog/blueprints/6/print_providers/99/variants.json"
    responses.get(url, match=[matchers.query_param_matcher({})], json={"id": 99, "variants": [{"id": 1}]})
    everything = {"id": 99, "variants": [{"id": 1}, {"id": 2}]}
    responses.get(url, match=[matchers.query_param_matcher({"show-out-of-stock": "1"})], json=everything)
    for _ in range(2):  # each answer is cached under its own key
        assert client.variants(6, 99)["variants"] == [{"id": 1}]
        assert client.variants(6, 99, show_out_of_stock=True) == everything
    assert len(responses.calls) == 2


@responses.activate
def test_variants_are_cached_across_clients(client, fast_retry):
    url = f"{API}/catalog/blueprints/6/print_providers/99/variants.json"
    responses.get(url, json={"id": 99, "variants": [{"id": 1}]})
    first = client.variants(6, 99)
    second = PrintifyClient("another-token-xyz", 1, retry=fast_retry).variants(6, 99)
    assert first == second == {"id": 99, "variants": [{"id": 1}]}
    assert len(responses.calls) == 1


@responses.activate
def test_variants_cache_expires(fast_retry):
    url = f"{API}/catalog/blueprints/6/print_providers/99/variants.json"
    responses.get(url, json={"id": 99, "variants": []})
    client = PrintifyClient(TOKEN, 1, retry=fast_retry, catalog_ttl=-1)  # already expired when stored
    client.variants(6, 99)
    client.variants(6, 99)
    assert len(responses.calls) == 2


@responses.activate
def test_variants_can_use_a_django_cache(fast_retry):
    from django.core.cache import cache

    base = f"https://printify-{uuid.uuid4().hex}.test/v1"  # a fresh key: a Redis cache outlives test runs
    responses.get(f"{base}/catalog/blueprints/6/print_providers/99/variants.json", json={"id": 99, "variants": []})
    for _ in range(2):
        PrintifyClient(TOKEN, 1, base, retry=fast_retry, cache=cache).variants(6, 99)
    assert len(responses.calls) == 1
    assert catalog_cache.get(f"printify-catalog:{base}/catalog/blueprints/6/print_providers/99/variants.json") is None


@responses.activate
def test_upload_by_url(client):
    answer = {"id": "5941187eb8e7e37b3f0e62e5", "file_name": "a.png", "width": 10, "height": 10}
    responses.post(
        f"{API}/uploads/images.json",
        match=sends_json({"file_name": "a.png", "url": "https://shop.example/media/a.png"}),
        json=answer,
    )
    assert client.upload_image("a.png", url="https://shop.example/media/a.png") == answer


@responses.activate
def test_upload_by_contents_sends_base64(client):
    responses.post(
        f"{API}/uploads/images.json",
        match=sends_json({"file_name": "a.png", "contents": base64.b64encode(b"PNGDATA").decode()}),
        json={"id": "u1"},
    )
    assert client.upload_image("a.png", contents=b"PNGDATA") == {"id": "u1"}


@pytest.mark.parametrize("kwargs", [{}, {"url": "https://x/a.png", "contents": b"x"}])
def test_upload_needs_exactly_one_source(client, kwargs):
    with pytest.raises(ValueError, match="exactly one"):
        client.upload_image("a.png", **kwargs)


@responses.activate
def test_upload_is_repeated_after_a_gateway_error(client):
    """Uploads are content-addressed (same bytes, same id), so repeating one cannot make a second upload."""
    responses.post(f"{API}/uploads/images.json", status=502)
    responses.post(f"{API}/uploads/images.json", json={"id": "u1"})
    assert client.upload_image("a.png", contents=b"x")["id"] == "u1"
    assert len(responses.calls) == 2


@responses.activate
def test_get_upload(client):
    responses.get(f"{API}/uploads/u1.json", match=[auth()], json={"id": "u1"})
    assert client.get_upload("u1") == {"id": "u1"}


PRODUCT = {
    "title": "Fox",
    "description": "A fox",
    "blueprint_id": 384,
    "print_provider_id": 1,
    "variants": [{"id": 45740, "price": 400}],
    "print_areas": [
        {"variant_ids": [45740], "placeholders": [{"position": "front", "images": [{"id": "u1", "x": 0.5}]}]}
    ],
}


@responses.activate
def test_create_product(client):
    responses.post(f"{SHOP}/products.json", match=sends_json(PRODUCT), json={"id": "p1", **PRODUCT})
    assert client.create_product(PRODUCT)["id"] == "p1"


@pytest.mark.parametrize("failure", [{"status": 503}, {"status": 429}, {"body": requests.ReadTimeout("slow")}])
@responses.activate
def test_create_product_is_never_repeated(client, sleeps, failure):
    responses.post(f"{SHOP}/products.json", **failure)
    with pytest.raises((ServerError, RateLimited, IntegrationTimeout)):
        client.create_product(PRODUCT)
    assert len(responses.calls) == 1 and sleeps.waits == []


@responses.activate
def test_get_update_delete_product(client):
    responses.get(f"{SHOP}/products/p1.json", match=[auth()], json={"id": "p1"})
    responses.put(f"{SHOP}/products/p1.json", match=sends_json({"title": "New"}), json={"id": "p1", "title": "New"})
    responses.delete(f"{SHOP}/products/p1.json", match=[auth()], json={})
    assert client.get_product("p1") == {"id": "p1"}
    assert client.update_product("p1", {"title": "New"})["title"] == "New"
    assert client.delete_product("p1") is None


@responses.activate
def test_list_products_paginates(client):
    envelope = {"current_page": 2, "data": [{"id": "p1"}], "last_page": 3, "next_page_url": "/?page=3", "total": 101}
    responses.get(
        f"{SHOP}/products.json",
        match=[auth(), matchers.query_param_matcher({"page": "2", "limit": "50"})],
        json=envelope,
    )
    assert client.list_products(page=2) == envelope


@responses.activate
def test_list_products_without_data_is_a_bad_response(client):
    responses.get(f"{SHOP}/products.json", json={"current_page": 1})
    with pytest.raises(BadResponse):
        client.list_products()


@pytest.mark.parametrize(("page", "limit"), [(0, 10), (1, 0), (1, 51)])
def test_list_products_validates_paging(client, page, limit):
    with pytest.raises(ValueError):
        client.list_products(page=page, limit=limit)


@responses.activate
def test_publish_sends_every_part_by_default(client):
    responses.post(f"{SHOP}/products/p1/publish.json", match=sends_json(dict.fromkeys(PUBLISH_PARTS, True)), json={})
    assert client.publish("p1") is None


@responses.activate
def test_publish_with_part_flags(client):
    expected = {**dict.fromkeys(PUBLISH_PARTS, True), "images": False, "shipping_template": False}
    responses.post(f"{SHOP}/products/p1/publish.json", match=sends_json(expected), body="")
    client.publish("p1", {"images": False, "shipping_template": False})


def test_publish_refuses_unknown_parts(client):
    with pytest.raises(ValueError, match="Unknown publish parts: colour"):
        client.publish("p1", {"colour": True})


@responses.activate
def test_publish_is_repeated_after_a_gateway_error(client):
    responses.post(f"{SHOP}/products/p1/publish.json", status=503)
    responses.post(f"{SHOP}/products/p1/publish.json", json={})
    client.publish("p1")
    assert len(responses.calls) == 2


@responses.activate
def test_publishing_results_and_unpublish(client):
    external = {"id": "etsy-1", "handle": "https://shop.example/p/1"}
    responses.post(f"{SHOP}/products/p1/publishing_succeeded.json", match=sends_json({"external": external}), json={})
    responses.post(f"{SHOP}/products/p1/publishing_failed.json", match=sends_json({"reason": "no stock"}), json={})
    responses.post(f"{SHOP}/products/p1/unpublish.json", match=[auth()], json={})
    client.publishing_succeeded("p1", external)
    client.publishing_failed("p1", "no stock")
    client.unpublish("p1")
    assert [call.request.method for call in responses.calls] == ["POST", "POST", "POST"]
    assert responses.calls[2].request.body is None


@responses.activate
def test_webhooks(client):
    responses.get(f"{SHOP}/webhooks.json", match=[auth()], json=[{"id": "w1"}])
    responses.post(
        f"{SHOP}/webhooks.json",
        match=sends_json({"topic": "product:publish:started", "url": "https://s.example/h", "secret": "whsec"}),
        json={"id": "w2", "topic": "product:publish:started"},
    )
    responses.delete(
        f"{SHOP}/webhooks/w2.json",
        match=[auth(), matchers.query_param_matcher({"host": "s.example"})],
        json={"id": "w2"},
    )
    assert client.webhooks() == [{"id": "w1"}]
    assert client.create_webhook("product:publish:started", "https://s.example/h", secret="whsec")["id"] == "w2"
    assert client.delete_webhook("w2", "s.example") == {"id": "w2"}


@responses.activate
def test_create_webhook_without_secret_and_not_repeated(client):
    responses.post(
        f"{SHOP}/webhooks.json", match=sends_json({"topic": "product:deleted", "url": "https://x/h"}), status=503
    )
    with pytest.raises(ServerError):
        client.create_webhook("product:deleted", "https://x/h")
    assert len(responses.calls) == 1


@responses.activate
def test_ids_cannot_escape_the_path(client):
    responses.get(f"{SHOP}/products/..%2F..%2Fshops.json", json={})
    client.get_product("../../shops")
    assert responses.calls[0].request.url == f"{SHOP}/products/..%2F..%2Fshops.json"


# --- error bodies ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "error_class", "message", "code"),
    [
        (
            400,
            {
                "status": "error",
                "code": 8251,
                "message": "Validation failed.",
                "errors": {"reason": "print areas do not cover all variants", "code": 8251},
            },
            Rejected,
            "Printify refused the product (8251): print areas do not cover all variants",
            8251,
        ),
        (
            400,
            {
                "status": "error",
                "code": 8150,
                "message": "Validation failed.",
                "errors": {"reason": '{"variants.0.price":["The variants.0.price field is required."]}', "code": 8150},
            },
            Rejected,
            "Printify refused the product (8150): variants.0.price: The variants.0.price field is required.",
            8150,
        ),
        (
            400,
            {
                "status": "error",
                "code": 10300,
                "message": "Operation failed.",
                "errors": {"reason": '["cURL error 6"]'},
            },
            Rejected,
            "Printify refused the product (10300): cURL error 6",
            10300,
        ),
        (
            400,
            {"status": "error", "code": 8203, "message": "Validation failed.", "errors": {"code": 8203}},
            Rejected,
            "Printify refused the product (8203): Validation failed.",
            8203,
        ),
        (
            422,
            {"error": "Invalid product ID format."},
            Rejected,
            "Printify refused the product (HTTP 422): Invalid product ID format.",
            None,
        ),
        (
            401,
            {"error": "Unauthenticated", "request_id": "1@x"},
            AuthError,
            "Printify refused our credentials (HTTP 401): Unauthenticated",
            None,
        ),
        (404, {"error": "Not found"}, NotFound, "Printify could not find the product (HTTP 404): Not found", None),
        (500, "<html>", ServerError, "Printify had a server error (HTTP 500)", None),
    ],
)
@responses.activate
def test_error_bodies_become_typed_errors(client, status, body, error_class, message, code):
    kwargs = {"json": body} if isinstance(body, dict) else {"body": body}
    responses.post(f"{SHOP}/products.json", status=status, **kwargs)
    with pytest.raises(error_class) as caught:
        client.create_product(PRODUCT)
    assert str(caught.value) == message
    assert caught.value.service == "Printify" and caught.value.status == status
    if error_class is Rejected:
        assert caught.value.code == code


@responses.activate
def test_publish_on_a_disconnected_shop(client):
    body = {"status": "error", "code": 8254, "message": "Shop is not connected to a sales channel", "errors": {}}
    responses.post(f"{SHOP}/products/p1/publish.json", status=400, json=body)
    with pytest.raises(Rejected) as caught:
        client.publish("p1")
    assert str(caught.value) == "Printify refused the publish request (8254): Shop is not connected to a sales channel"
    assert caught.value.reason == "Shop is not connected to a sales channel"
    assert len(responses.calls) == 1  # 4xx is never retried (Printify's 5 % error budget)


@responses.activate
def test_token_never_in_errors_or_logs(client, caplog):
    caplog.set_level(logging.DEBUG)
    responses.get(f"{API}/shops.json", status=503, json={"error": f"token {TOKEN} overloaded"})
    responses.get(f"{API}/shops.json", status=401, json={"error": f"Unauthenticated: Bearer {TOKEN}"})
    with pytest.raises(AuthError) as caught:
        client.shops()
    for text in (str(caught.value), repr(caught.value), repr(client)):
        assert TOKEN not in text
    assert caplog.records
    assert all(TOKEN not in record.getMessage() for record in caplog.records)


@responses.activate
def test_non_json_success_is_a_bad_response(client):
    responses.get(f"{API}/shops.json", body="<html>maintenance</html>")
    with pytest.raises(BadResponse, match="Printify sent an answer about the shop list that is not JSON"):
        client.shops()


# --- rate limiting through the shared limiter ------------------------------------------------------------------


LIMITS = PrintifyLimits(per_minute=5, catalog_per_minute=2, publish_limit=1, publish_window_seconds=1800, max_wait=0)


@pytest.fixture
def limited_client(db, fast_retry):
    prefix = f"printify-test-{uuid.uuid4().hex[:8]}"
    limiter = SharedRateLimiter()  # the database backend: the same code path on SQLite and PostgreSQL
    return PrintifyClient(TOKEN, 5432, retry=fast_retry, limiter=limiter, limits=LIMITS, limiter_prefix=prefix)


@pytest.fixture
def other_process_client(limited_client, fast_retry):
    """Another process on the same account: its own limiter instance on the same shared buckets."""
    return PrintifyClient(
        TOKEN,
        5432,
        retry=fast_retry,
        limiter=SharedRateLimiter(),
        limits=LIMITS,
        limiter_prefix=limited_client.limiter_prefix,
    )


def hits(client, bucket):
    return RateLimitHit.objects.filter(bucket_id=f"{client.limiter_prefix}:{bucket}").count()


@responses.activate
def test_every_call_takes_a_global_slot_and_catalog_or_publish_their_own(limited_client):
    responses.get(f"{API}/shops.json", json=[])
    responses.get(f"{API}/catalog/blueprints.json", json=[])
    responses.post(f"{SHOP}/products/p1/publish.json", json={})
    limited_client.shops()
    limited_client.blueprints()
    limited_client.publish("p1")
    assert (hits(limited_client, "global"), hits(limited_client, "catalog"), hits(limited_client, "publish")) == (
        3,
        1,
        1,
    )


@responses.activate
def test_each_repeat_takes_a_slot_too(limited_client):
    responses.get(f"{API}/shops.json", status=503)
    responses.get(f"{API}/shops.json", json=[])
    limited_client.shops()
    assert hits(limited_client, "global") == 2


@responses.activate
def test_publish_budget_exhausted_means_no_request(limited_client):
    responses.post(f"{SHOP}/products/p1/publish.json", json={})
    limited_client.publish("p1")
    with pytest.raises(RateLimited) as caught:
        limited_client.publish("p1")
    assert len(responses.calls) == 1
    assert caught.value.retry_after > 1700  # the publish window is 30 minutes
    assert "Printify allows 1 requests per 1800 s" in str(caught.value)


@responses.activate
def test_v2_shipping_takes_a_catalog_slot_too(limited_client):
    responses.get(f"{V2}/catalog/blueprints/6/print_providers/99/shipping/standard.json", json={"data": []})
    responses.get(f"{API}/catalog/print_providers.json", json=[])
    limited_client.shipping_rates(6, 99, "standard")
    limited_client.all_print_providers()
    assert (hits(limited_client, "global"), hits(limited_client, "catalog")) == (2, 2)


@responses.activate
def test_catalog_budget_is_separate_from_the_global_one(limited_client):
    for blueprint in (1, 2, 3):
        responses.get(f"{API}/catalog/blueprints/{blueprint}.json", json={"id": blueprint})
    limited_client.blueprint(1)
    limited_client.blueprint(2)
    with pytest.raises(RateLimited, match="allows 2 requests per 60 s"):
        limited_client.blueprint(3)
    assert len(responses.calls) == 2


# --- product shapes --------------------------------------------------------------------------------------------


def test_variant_options_resolves_option_value_ids_into_titles():
    """The sticker product of Printify's own example: variants refer to option values by id."""
    product = {
        "options": [
            {"name": "Size", "type": "size", "values": [{"id": 2017, "title": '2x2"'}, {"id": 2018, "title": '3x3"'}]},
            {"name": "Type", "type": "surface", "values": [{"id": "2114", "title": "White"}]},  # an id as text
        ],
        "variants": [
            {"id": 45740, "options": [2017, 2114]},
            {"id": 45742, "options": [2018, 2114, 9999]},  # 9999 is not among the product's options
            {"id": 45744},
        ],
    }
    assert variant_options(product) == {
        45740: {"size": '2x2"', "surface": "White"},
        45742: {"size": '3x3"', "surface": "White"},
        45744: {},
    }
    assert variant_options({}) == {}


@responses.activate
def test_a_429_slows_the_account_and_the_repeat_waits_a_second_then_for_the_slower_limiter(
    limited_client, other_process_client, sleeps
):
    responses.get(f"{API}/shops.json", status=429)  # no Retry-After, like Printify
    responses.get(f"{API}/shops.json", json=[])
    with pytest.raises(RateLimited) as caught:
        limited_client.shops()
    # not repeated at once: a second (and jitter) first, then the limiter, now at half of the 1 request sent,
    # has no slot for a minute, which goes to the caller (max_wait=0 here)
    assert len(responses.calls) == 1
    assert sleeps.waits and sleeps.waits[0] >= RATE_LIMITED_MIN_WAIT
    assert str(caught.value).startswith("Holding back: Printify allows 5 requests per 60 s")
    assert "slowed to 1 after it refused us" in str(caught.value)
    # every other process holds back too, without sending anything
    global_bucket = f"{limited_client.limiter_prefix}:global"
    assert other_process_client.limiter.limit_now(global_bucket, 5, 60) == pytest.approx(1, rel=0.01)
    with pytest.raises(RateLimited, match="slowed to 1"):
        other_process_client.shops()
    assert len(responses.calls) == 1


@responses.activate
def test_a_429_on_a_call_that_is_never_repeated_slows_the_account_too(limited_client, other_process_client):
    responses.post(f"{SHOP}/products.json", status=429)
    with pytest.raises(RateLimited, match="Printify is rate limiting us"):
        limited_client.create_product({"title": "t"})
    global_bucket = f"{limited_client.limiter_prefix}:global"
    assert other_process_client.limiter.limit_now(global_bucket, 5, 60) == pytest.approx(1, rel=0.01)


@responses.activate
def test_retry_after_holds_every_client_of_the_account_back(limited_client, other_process_client):
    responses.post(f"{SHOP}/products/p1/publish.json", status=429, headers={"Retry-After": "120"})
    with pytest.raises(RateLimited, match="try again in 120 s"):
        limited_client.publish("p1")  # longer than max_retry_after: not slept through, the caller comes back
    with pytest.raises(RateLimited) as caught:
        other_process_client.shops()
    assert len(responses.calls) == 1  # the other client sent nothing
    assert 119 <= caught.value.retry_after <= 120.1


# --- webhook signatures ----------------------------------------------------------------------------------------

SECRET = "0123456789abcdef0123456789abcdef01234567"
BODY = json.dumps({"id": "e1", "type": "product:publish:started", "resource": {"id": "p1"}}).encode()
SIGNATURE = "sha256=" + hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()


def test_valid_signature():
    assert verify_webhook_signature(SECRET, BODY, SIGNATURE)
    assert verify_webhook_signature(SECRET, BODY, SIGNATURE.upper().replace("SHA256=", "sha256="))


@pytest.mark.parametrize(
    ("secret", "body", "header"),
    [
        ("wrong-secret", BODY, SIGNATURE),
        (SECRET, BODY + b" ", SIGNATURE),
        (SECRET, BODY, None),
        (SECRET, BODY, ""),
        (SECRET, BODY, SIGNATURE.replace("sha256=", "sha1=")),
        (SECRET, BODY, SIGNATURE.removeprefix("sha256=")),
        (SECRET, BODY, "sha256="),
        ("", BODY, "sha256=" + hmac.new(b"", BODY, hashlib.sha256).hexdigest()),  # no secret configured: refuse
    ],
)
def test_invalid_signatures(secret, body, header):
    assert not verify_webhook_signature(secret, body, header)


# --- orders ----------------------------------------------------------------------------------------------------


@responses.activate
def test_list_orders_asks_for_pages_of_ten_of_the_named_shop(client):
    envelope = {"current_page": 3, "data": [{"id": "o1"}], "last_page": 7, "total": 62}
    responses.get(
        f"{API}/shops/777/orders.json",
        match=[auth(), matchers.query_param_matcher({"page": "3", "limit": "10"})],
        json=envelope,
    )
    assert client.list_orders(777, page=3) == envelope


@responses.activate
def test_list_orders_without_data_is_a_bad_response(client):
    responses.get(f"{SHOP}/orders.json", json={"current_page": 1})
    with pytest.raises(BadResponse):
        client.list_orders(5432)


def test_list_orders_refuses_page_zero(client):
    with pytest.raises(ValueError):
        client.list_orders(5432, page=0)


@responses.activate
def test_get_order_reads_one_order_and_quotes_its_id(client):
    responses.get(
        f"{SHOP}/orders/5a96f649b2439217d070f507.json", match=[auth()], json={"id": "5a96f649b2439217d070f507"}
    )
    responses.get(f"{SHOP}/orders/a%2Fb.json", json={"id": "a/b"})
    assert client.get_order(5432, "5a96f649b2439217d070f507") == {"id": "5a96f649b2439217d070f507"}
    assert client.get_order("5432", "a/b") == {"id": "a/b"}


@responses.activate
def test_order_calls_take_a_global_slot_each(limited_client):
    responses.get(f"{SHOP}/orders.json", json={"data": []})
    responses.get(f"{SHOP}/orders/o1.json", json={"id": "o1"})
    limited_client.list_orders(5432)
    limited_client.get_order(5432, "o1")
    assert (hits(limited_client, "global"), hits(limited_client, "catalog"), hits(limited_client, "publish")) == (
        2,
        0,
        0,
    )


def test_order_topics_are_the_five_printify_documents():
    from integrations.printify import ORDER_TOPICS, PRODUCT_TOPICS

    assert len(ORDER_TOPICS) == 5 and all(topic.startswith("order:") for topic in ORDER_TOPICS)
    assert not set(ORDER_TOPICS) & set(PRODUCT_TOPICS)
