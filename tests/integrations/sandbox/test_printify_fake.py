"""The Printify half of the sandbox, through real HTTP on a free loopback port."""

import base64
import hashlib
import hmac
import io
import json
import time

import pytest
import requests
from PIL import Image

from integrations.printify import variant_options

TOKEN = "pfy-test-token-789"
SECRET = "whsec-test-0123456789abcdef"
PRODUCT_VARIANT_FIELDS = set("id sku cost price title grams is_enabled is_default is_available options".split())


def png(colour="red", size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


class Printify:
    def __init__(self, sandbox, token=TOKEN):
        self.base = f"{sandbox.url}/printify/v1"
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}", "User-Agent": "podsite-tests"})

    def call(self, method, path, **kwargs):
        return self.session.request(method, f"{self.base}/{path}", timeout=5, **kwargs)

    def ok(self, method, path, **kwargs):
        response = self.call(method, path, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def upload(self, data: bytes, name="design.png") -> dict:
        return self.ok(
            "POST", "uploads/images.json", json={"file_name": name, "contents": base64.b64encode(data).decode()}
        )

    def create(self, payload) -> requests.Response:
        return self.call("POST", "shops/1/products.json", json=payload)


@pytest.fixture
def printify(sandbox):
    return Printify(sandbox)


def sticker_payload(image_id, variants=(45740, 45742), **changes) -> dict:
    payload = {
        "title": "Fox sticker",
        "description": "A red fox",
        "blueprint_id": 384,
        "print_provider_id": 1,
        "variants": [{"id": variant, "price": 400} for variant in variants],
        "print_areas": [
            {
                "variant_ids": list(variants),
                "placeholders": [
                    {"position": "front", "images": [{"id": image_id, "x": 0.5, "y": 0.5, "scale": 1, "angle": 0}]}
                ],
            }
        ],
    }
    payload.update(changes)
    return payload


def tee_payload(image_id, variants, **changes) -> dict:
    """Gildan 5000 (blueprint 6) from provider 99, the design on the front of every variant."""
    payload = sticker_payload(image_id, variants, title="Fox tee", blueprint_id=6, print_provider_id=99)
    payload.update(changes)
    return payload


def assert_error(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "error" and body["code"] == code and body["errors"]["code"] == code
    return body["errors"]["reason"]


# --- auth, headers, catalog ------------------------------------------------------------------------------------


def test_bearer_and_user_agent_are_required_and_every_answer_has_a_correlation_id(sandbox, printify):
    url = f"{printify.base}/shops.json"
    missing_token = requests.get(url, headers={"User-Agent": "x"}, timeout=5)
    assert missing_token.status_code == 401 and missing_token.json()["error"] == "Unauthenticated"
    assert requests.get(url, headers={"Authorization": TOKEN, "User-Agent": "x"}, timeout=5).status_code == 401
    assert (
        requests.get(url, headers={"Authorization": f"Bearer {TOKEN}", "User-Agent": ""}, timeout=5).status_code == 401
    )

    sandbox.configure(printify_token=TOKEN)
    assert Printify(sandbox, token="other").call("GET", "shops.json").status_code == 401
    answers = [printify.call("GET", "shops.json"), printify.call("GET", "nope.json"), missing_token]
    assert [a.status_code for a in answers] == [200, 404, 401]
    ids = [a.headers["x-pfy-correlation-id"] for a in answers]
    assert all(ids) and len(set(ids)) == 3

    sandbox.configure(printify_unauthorized=True)
    assert printify.call("GET", "shops.json").status_code == 401


def test_shop_and_catalog_hold_the_reference_ids_and_placeholder_sizes(sandbox, printify):
    assert printify.ok("GET", "shops.json") == [
        {"id": 1, "title": "Sandbox Etsy shop", "sales_channel": "etsy"},
        {"id": 2, "title": "Sandbox Shopify shop", "sales_channel": "shopify"},
        {"id": 3, "title": "Sandbox API shop", "sales_channel": "custom_integration"},
        {"id": 4, "title": "Old eBay shop", "sales_channel": "disconnected"},
    ]
    assert {bp["id"] for bp in printify.ok("GET", "catalog/blueprints.json")} >= {3, 6, 68, 384}
    assert printify.ok("GET", "catalog/blueprints/384.json")["title"] == "Square Stickers"
    assert printify.ok("GET", "catalog/blueprints/6.json")["model"] == "5000"
    assert printify.ok("GET", "catalog/blueprints/3/print_providers.json") == [{"id": 3, "title": "The Dream Junction"}]

    stickers = printify.ok("GET", "catalog/blueprints/384/print_providers/1/variants.json")
    assert (stickers["id"], stickers["title"]) == (1, "SPOKE Custom Products")
    assert [v["id"] for v in stickers["variants"]] == [45740, 45742, 45744, 45746]

    tees = {v["id"]: v for v in printify.ok("GET", "catalog/blueprints/3/print_providers/3/variants.json")["variants"]}
    assert tees[17390]["options"] == {"color": "Heather Grey", "size": "XS"}
    assert tees[17426]["options"] == {"color": "Solid Black", "size": "XS"}
    for variant in tees.values():
        sizes = {(p["width"], p["height"]) for p in variant["placeholders"]}
        assert sizes == ({(3153, 3995)} if variant["options"]["size"] == "XS" else {(4500, 5700)})
        assert {p["position"] for p in variant["placeholders"]} == {"front", "back"}
        assert "cost" not in variant and "is_available" not in variant
    assert printify.call("GET", "catalog/blueprints/999.json").status_code == 404
    assert printify.call("GET", "catalog/blueprints/384/print_providers/3/variants.json").status_code == 404


def test_catalog_offers_every_kind_of_product_in_the_real_shapes(printify):
    blueprints = printify.ok("GET", "catalog/blueprints.json")
    assert len(blueprints) >= 6
    titles = " ".join(bp["title"].lower() for bp in blueprints)
    for kind in ("tee", "hooded", "mug", "poster", "sticker", "tote"):
        assert kind in titles
    providers = {p["id"]: p for p in printify.ok("GET", "catalog/print_providers.json")}
    for provider in providers.values():
        assert set(provider["location"]) == {"address1", "address2", "city", "country", "region", "zip"}
    for blueprint in blueprints:
        assert set(blueprint) == {"id", "title", "description", "brand", "model", "images"}
        offered = printify.ok("GET", f"catalog/blueprints/{blueprint['id']}/print_providers.json")
        assert offered and all(set(p) == {"id", "title"} and p["id"] in providers for p in offered)
        for provider in offered:
            path = f"catalog/blueprints/{blueprint['id']}/print_providers/{provider['id']}/variants.json"
            answer = printify.ok("GET", f"{path}?show-out-of-stock=1")
            assert (answer["id"], answer["title"]) == (provider["id"], provider["title"])
            for variant in answer["variants"]:
                assert set(variant) == {"id", "title", "options", "placeholders", "decoration_methods"}
                assert variant["title"] == " / ".join(variant["options"].values())
                assert "size" in variant["options"] and all(isinstance(v, str) for v in variant["options"].values())
                for placeholder in variant["placeholders"]:
                    assert set(placeholder) == {"position", "decoration_method", "width", "height"}
                    assert placeholder["width"] >= 600 and placeholder["height"] >= 600  # 2 in at 300 DPI
    tee = printify.ok("GET", "catalog/blueprints/6/print_providers/99/variants.json")["variants"][0]
    assert {(p["position"], p["width"], p["height"]) for p in tee["placeholders"]} == {
        ("front", 4500, 5400),
        ("back", 4500, 5400),
    }
    assert {b["id"] for b in printify.ok("GET", "catalog/print_providers/99.json")["blueprints"]} >= {6}
    assert printify.call("GET", "catalog/print_providers/12345.json").status_code == 404


def test_out_of_stock_variants_are_listed_only_when_asked(printify):
    path = "catalog/blueprints/6/print_providers/99/variants.json"
    in_stock = {v["id"] for v in printify.ok("GET", path)["variants"]}
    everything = {v["id"] for v in printify.ok("GET", f"{path}?show-out-of-stock=1")["variants"]}
    assert in_stock < everything
    assert {v["id"] for v in printify.ok("GET", f"{path}?show-out-of-stock=0")["variants"]} == in_stock


def test_shipping_profiles_cover_every_variant_in_cents(printify):
    path = "catalog/blueprints/6/print_providers/99"
    shipping = printify.ok("GET", f"{path}/shipping.json")
    assert set(shipping["handling_time"]) == {"value", "unit"} and shipping["handling_time"]["value"] > 0
    everything = {v["id"] for v in printify.ok("GET", f"{path}/variants.json?show-out-of-stock=1")["variants"]}
    assert {country for p in shipping["profiles"] for country in p["countries"]} == {"US", "REST_OF_THE_WORLD"}
    for profile in shipping["profiles"]:
        assert set(profile["variant_ids"]) == everything
        for cost in (profile["first_item"], profile["additional_items"]):
            assert isinstance(cost["cost"], int) and cost["currency"] == "USD"
        assert profile["first_item"]["cost"] > profile["additional_items"]["cost"]
    assert printify.call("GET", "catalog/blueprints/384/print_providers/99/shipping.json").status_code == 404


def test_blueprints_have_pictures_the_sandbox_draws_and_serves_itself(sandbox, printify):
    for blueprint in printify.ok("GET", "catalog/blueprints.json"):
        assert blueprint["images"] and blueprint["brand"] and blueprint["model"]
        for url in blueprint["images"]:
            assert url.startswith(f"{sandbox.url}/_sandbox/blueprints/{blueprint['id']}/")  # never Printify's CDN
            picture = requests.get(url, timeout=5)
            assert picture.status_code == 200 and picture.headers["Content-Type"] == "image/png"
            with Image.open(io.BytesIO(picture.content)) as image:
                assert image.size == (400, 400)
    assert printify.ok("GET", "catalog/blueprints/6.json")["images"] == [
        f"{sandbox.url}/_sandbox/blueprints/6/0.png",
        f"{sandbox.url}/_sandbox/blueprints/6/1.png",
    ]
    assert requests.get(f"{sandbox.url}/_sandbox/blueprints/6/7.png", timeout=5).status_code == 404
    assert requests.get(f"{sandbox.url}/_sandbox/blueprints/4242/0.png", timeout=5).status_code == 404


def test_the_tee_is_made_in_four_countries_at_different_costs(printify):
    providers = {p["id"]: p for p in printify.ok("GET", "catalog/print_providers.json")}
    offered = [p["id"] for p in printify.ok("GET", "catalog/blueprints/6/print_providers.json")]
    assert {providers[p]["location"]["country"] for p in offered} == {"US", "DE", "CA", "LV"}


def v2(printify, path) -> requests.Response:
    return printify.session.get(f"{printify.base.removesuffix('/v1')}/v2/{path}", timeout=5)


def test_v2_shipping_lists_methods_and_a_row_per_variant_and_country(sandbox, printify):
    methods = v2(printify, "catalog/blueprints/6/print_providers/99/shipping.json").json()
    assert [(m["id"], m["attributes"]["name"]) for m in methods["data"]] == [("1", "standard"), ("4", "economy")]
    rows = v2(printify, "catalog/blueprints/6/print_providers/99/shipping/standard.json").json()["data"]
    everything = {
        v["id"]
        for v in printify.ok("GET", "catalog/blueprints/6/print_providers/99/variants.json?show-out-of-stock=1")[
            "variants"
        ]
    }
    assert {(row["attributes"]["variantId"], row["attributes"]["country"]["code"]) for row in rows} == {
        (variant, country) for variant in everything for country in ("US", "REST_OF_THE_WORLD")
    }
    row = rows[0]
    assert row["type"] == "variant_shipping_standard_us" and row["id"] == str(row["attributes"]["variantId"])
    assert set(row["attributes"]) == {
        "shippingType",
        "country",
        "variantId",
        "shippingPlanId",
        "handlingTime",
        "shippingCost",
    }
    assert row["attributes"]["shippingCost"] == {
        "firstItem": {"amount": 475, "currency": "USD"},
        "additionalItems": {"amount": 240, "currency": "USD"},
    }
    # Riga ships everywhere at one catch-all rate; Toronto offers no economy method (a 404: a guess).
    riga = v2(printify, "catalog/blueprints/6/print_providers/90013/shipping/economy.json").json()["data"]
    assert {row["attributes"]["country"]["code"] for row in riga} == {"REST_OF_THE_WORLD"}
    assert v2(printify, "catalog/blueprints/6/print_providers/90012/shipping/economy.json").status_code == 404
    assert v2(printify, "catalog/blueprints/6/print_providers/90012/shipping/teleport.json").status_code == 404
    assert v2(printify, "catalog/blueprints/384/print_providers/99/shipping.json").status_code == 404
    assert printify.call("GET", "v2/catalog/blueprints/6/print_providers/99/shipping.json").status_code == 404
    routes = sandbox.state()["printify"]["requests_by_route"]
    assert routes["GET /v2/catalog/blueprints/{blueprint}/print_providers/{provider}/shipping/{method}.json"] == 4


def test_v2_calls_count_against_the_catalog_limit(sandbox, printify):
    sandbox.configure(printify_catalog_limit=2)
    assert printify.call("GET", "catalog/blueprints.json").status_code == 200
    assert v2(printify, "catalog/blueprints/6/print_providers/99/shipping/standard.json").status_code == 200
    assert v2(printify, "catalog/blueprints/6/print_providers/99/shipping/economy.json").status_code == 429


# --- uploads ---------------------------------------------------------------------------------------------------


def test_uploads_are_content_addressed(printify):
    first = printify.upload(png("red"), name="a.png")
    assert set(first) == {"id", "file_name", "height", "width", "size", "mime_type", "preview_url", "upload_time"}
    assert (first["width"], first["height"], first["mime_type"]) == (64, 48, "image/png")
    assert first["size"] == len(png("red"))
    assert printify.upload(png("red"), name="other-name.png")["id"] == first["id"]
    assert printify.upload(png("blue"))["id"] != first["id"]
    assert printify.ok("GET", f"uploads/{first['id']}.json") == first
    assert requests.get(first["preview_url"], timeout=5).content == png("red")


def test_upload_by_url_fetches_loopback_only_and_says_10300_when_it_cannot(sandbox, printify):
    stored = printify.upload(png("green"))
    by_url = printify.ok("POST", "uploads/images.json", json={"file_name": "g.png", "url": stored["preview_url"]})
    assert by_url["id"] == stored["id"]
    assert sandbox.state()["printify"]["uploads_fetched"] == 1

    for url in ("http://203.0.113.9/design.png", f"{sandbox.url}/_sandbox/uploads/{'0' * 24}", "file:///etc/passwd"):
        response = printify.call("POST", "uploads/images.json", json={"file_name": "x.png", "url": url})
        assert_error(response, 400, 10300)
        assert response.json()["message"] == "Operation failed."
    assert sandbox.state()["printify"]["uploads_fetched"] == 1


def test_upload_refuses_non_images_and_bad_base64(printify):
    not_image = base64.b64encode(b"%PDF-1.4 not a picture").decode()
    reason = assert_error(
        printify.call("POST", "uploads/images.json", json={"file_name": "x.png", "contents": not_image}), 400, 8201
    )
    assert reason == "error.file.wrong.format"
    assert_error(
        printify.call("POST", "uploads/images.json", json={"file_name": "x.png", "contents": "@@@"}), 400, 8150
    )
    assert_error(printify.call("POST", "uploads/images.json", json={"file_name": "x.png"}), 400, 8150)


def test_upload_list_is_a_laravel_page(printify):
    ids = [printify.upload(png((n, n, n)))["id"] for n in range(12)]
    page = printify.ok("GET", "uploads.json?limit=5&page=1")
    assert [item["id"] for item in page["data"]] == ids[::-1][:5]  # newest first
    assert (page["current_page"], page["last_page"], page["total"], page["per_page"]) == (1, 3, 12, 5)
    assert (page["from"], page["to"], page["next_page_url"], page["prev_page_url"]) == (1, 5, "/?page=2", None)
    assert page["first_page_url"] == "/?page=1" and page["last_page_url"] == "/?page=3"
    last = printify.ok("GET", "uploads.json?limit=5&page=3")
    assert (len(last["data"]), last["from"], last["to"], last["next_page_url"]) == (2, 11, 12, None)
    assert printify.ok("GET", "uploads.json")["per_page"] == 10
    assert printify.call("GET", "uploads.json?limit=101").status_code == 400


# --- products --------------------------------------------------------------------------------------------------


def test_create_returns_the_whole_variant_matrix(sandbox, printify):
    image = printify.upload(png())
    product = printify.create(sticker_payload(image["id"])).json()
    assert len(product["id"]) == 24
    variants = {v["id"]: v for v in product["variants"]}
    assert set(variants) == {45740, 45742, 45744, 45746}
    assert [variants[v]["is_enabled"] for v in (45740, 45742, 45744, 45746)] == [True, True, False, False]
    assert variants[45740]["price"] == 400 and variants[45740]["cost"] == 134
    assert variants[45746]["price"] == variants[45746]["cost"] == 216  # extras priced at cost
    covered = {v for area in product["print_areas"] for v in area["variant_ids"]}
    assert covered == set(variants)  # variant_ids rewritten to cover every variant
    assert product["is_locked"] is False and "external" not in product
    assert [(mockup["position"], mockup["variant_ids"]) for mockup in product["images"]] == [("front", [45740, 45742])]
    summary = sandbox.state()["printify"]["products"]
    assert summary == [
        {
            "id": product["id"],
            "title": "Fox sticker",
            "blueprint_id": 384,
            "print_provider_id": 1,
            "enabled_variants": 2,
            "prices": {"45740": 400, "45742": 400},
            "images": [image["id"]],
            "is_locked": False,
            "external": None,
            "publish_count": 0,
        }
    ]


def test_product_variants_name_their_option_values_by_id(printify):
    image_id = printify.upload(png())["id"]
    path = "catalog/blueprints/6/print_providers/99/variants.json?show-out-of-stock=1"
    catalog = {variant["id"]: variant for variant in printify.ok("GET", path)["variants"]}
    product = printify.create(tee_payload(image_id, (60101, 60111, 60126))).json()

    assert [(option["name"], option["type"]) for option in product["options"]] == [
        ("Colors", "color"),
        ("Sizes", "size"),
    ]
    values = {
        value["id"]: (option["type"], value["title"]) for option in product["options"] for value in option["values"]
    }
    assert len(values) == sum(len(option["values"]) for option in product["options"])  # ids are unique
    assert {variant["id"] for variant in product["variants"]} == set(catalog)
    for variant in product["variants"]:
        assert set(variant) == PRODUCT_VARIANT_FIELDS
        assert all(isinstance(value_id, int) and value_id in values for value_id in variant["options"])
        assert [values[value_id][0] for value_id in variant["options"]] == ["color", "size"]  # one per option, in order
        assert dict(values[value_id] for value_id in variant["options"]) == catalog[variant["id"]]["options"]
        assert variant["title"] == " / ".join(values[value_id][1] for value_id in variant["options"])
    assert variant_options(product) == {variant_id: variant["options"] for variant_id, variant in catalog.items()}
    available = {variant["id"]: variant["is_available"] for variant in product["variants"]}
    assert (available[60101], available[60126]) == (True, False)  # out of stock: on the product, not available

    stickers = printify.create(sticker_payload(image_id)).json()  # the ids of Printify's own sticker example
    assert [[value["id"] for value in option["values"]] for option in stickers["options"]] == [
        [2017, 2018, 2019, 2020],
        [2114],
    ]
    assert {variant["id"]: variant["options"] for variant in stickers["variants"]}[45740] == [2017, 2114]


def test_mockups_are_pngs_of_the_design_on_each_colour(sandbox, printify):
    image_id = printify.upload(png("red", size=(400, 400)))["id"]
    product = printify.create(tee_payload(image_id, (60101, 60102, 60111))).json()  # White S and M, Black S
    mockups = product["images"]
    assert [(m["position"], m["variant_ids"], m["is_default"]) for m in mockups] == [
        ("front", [60101, 60102], True),
        ("front", [60111], False),
    ]
    assert printify.ok("GET", f"shops/1/products/{product['id']}.json")["images"] == mockups
    for mockup, colour in zip(mockups, [(255, 255, 255), (0, 0, 0)], strict=True):
        assert mockup["src"].startswith(f"{sandbox.url}/_sandbox/mockups/{product['id']}/")
        answer = requests.get(mockup["src"], timeout=5)
        assert answer.status_code == 200 and answer.headers["Content-Type"] == "image/png"
        picture = Image.open(io.BytesIO(answer.content))
        assert picture.format == "PNG"
        picture = picture.convert("RGB")
        assert picture.getpixel((5, 5)) == colour  # the garment
        assert picture.getpixel((picture.width // 2, picture.height // 2)) == (255, 0, 0)  # the design, centred

    updated = printify.ok(
        "PUT",
        f"shops/1/products/{product['id']}.json",
        json={"variants": [{"id": 60111, "price": 2500, "is_enabled": False}]},
    )
    assert [m["variant_ids"] for m in updated["images"]] == [[60101, 60102]]
    nothing_at_the_back = mockups[0]["src"].replace("/front.png", "/back.png")
    assert requests.get(nothing_at_the_back, timeout=5).status_code == 404
    printify.ok("DELETE", f"shops/1/products/{product['id']}.json")
    assert requests.get(mockups[0]["src"], timeout=5).status_code == 404


def test_created_products_tell_each_colours_hex_codes_and_heathers_have_two(printify):
    """As Printify does (printify-api.md, "Colours"): the catalog names colours, a created product's
    options[].values[].colors carries their codes."""
    image_id = printify.upload(png())["id"]
    product = printify.create(tee_payload(image_id, (60101, 60111))).json()
    [colours] = [option for option in product["options"] if option["type"] == "color"]
    codes = {value["title"]: value["colors"] for value in colours["values"]}
    assert codes["White"] == ["#FFFFFF"] and codes["Black"] == ["#000000"]
    assert all(isinstance(hexes, list) and hexes for hexes in codes.values())
    kids = printify.create(sticker_payload(image_id, (17390, 17426), blueprint_id=3, print_provider_id=3)).json()
    heather = next(v for o in kids["options"] for v in o["values"] if v["title"] == "Heather Grey")
    assert len(heather["colors"]) == 2


def test_a_design_and_a_logo_at_two_positions_are_one_print_area_with_two_placeholders(sandbox, printify):
    design_id = printify.upload(png("red", size=(400, 400)))["id"]
    logo_id = printify.upload(png("blue", size=(200, 100)), name="logo.png")["id"]
    placed = {"x": 0.5, "y": 0.5, "scale": 1, "angle": 0}
    payload = tee_payload(design_id, (60101,))
    payload["print_areas"][0]["placeholders"].append(
        {"position": "back", "images": [{"id": logo_id, **placed, "y": 0.1, "scale": 0.2}]}
    )
    product = printify.create(payload).json()
    [area] = product["print_areas"]
    assert [(p["position"], [i["id"] for i in p["images"]]) for p in area["placeholders"]] == [
        ("front", [design_id]),
        ("back", [logo_id]),
    ]
    assert [m["position"] for m in product["images"]] == ["front", "back"]
    back = Image.open(io.BytesIO(requests.get(product["images"][1]["src"], timeout=5).content)).convert("RGB")
    assert (0, 0, 255) in {back.getpixel((x, y)) for x in range(back.width) for y in range(back.height // 4)}


def test_create_validation_8150(printify):
    image_id = printify.upload(png())["id"]
    no_price = sticker_payload(image_id)
    del no_price["variants"][1]["price"]
    assert (
        assert_error(printify.create(no_price), 400, 8150)
        == "variants.1.price: The variants.1.price field is required."
    )
    float_price = sticker_payload(image_id)
    float_price["variants"][0]["price"] = 4.5
    assert "must be an integer" in assert_error(printify.create(float_price), 400, 8150)
    no_areas = sticker_payload(image_id)
    del no_areas["print_areas"]
    assert assert_error(printify.create(no_areas), 400, 8150) == "print_areas: The print areas field is required."
    assert_error(printify.create(sticker_payload("f" * 24)), 400, 8150)  # an image that was never uploaded
    assert_error(printify.create(sticker_payload(image_id, blueprint_id=3)), 400, 8150)  # provider 1 ≠ blueprint 3
    assert printify.ok("GET", "shops/1/products.json")["total"] == 0


def test_create_8251_when_print_areas_miss_an_enabled_variant(printify):
    image_id = printify.upload(png())["id"]
    payload = sticker_payload(image_id, variants=(45740, 45742, 45744))
    payload["print_areas"][0]["variant_ids"] = [45740, 45742]
    reason = assert_error(printify.create(payload), 400, 8251)
    assert "45744" in reason


def test_forced_create_errors_apply_once(sandbox, printify):
    image_id = printify.upload(png())["id"]
    sandbox.configure(printify_next_create_errors=[8203, 8254])
    assert assert_error(printify.create(sticker_payload(image_id)), 400, 8203) == "Image has low quality"
    assert_error(printify.create(sticker_payload(image_id)), 400, 8254)
    assert printify.create(sticker_payload(image_id)).status_code == 200


def test_product_list_get_and_delete(printify):
    image_id = printify.upload(png())["id"]
    ids = [printify.create(sticker_payload(image_id, title=f"Sticker {n}")).json()["id"] for n in range(3)]
    page = printify.ok("GET", "shops/1/products.json?limit=2")
    assert [p["id"] for p in page["data"]] == [ids[2], ids[1]] and page["total"] == 3
    assert page["data"][0]["variants"]  # lists carry whole products
    assert printify.call("GET", "shops/1/products.json?limit=51").status_code == 400
    assert printify.ok("GET", f"shops/1/products/{ids[0]}.json")["title"] == "Sticker 0"

    assert printify.ok("DELETE", f"shops/1/products/{ids[0]}.json") == {}
    assert printify.call("GET", f"shops/1/products/{ids[0]}.json").status_code == 404
    malformed = printify.call("GET", "shops/1/products/not-an-id.json")
    assert malformed.status_code == 422 and malformed.json() == {"error": "Invalid product ID format."}
    assert printify.call("GET", "shops/99/products.json").status_code == 403  # not a shop of this account
    assert printify.ok("GET", "shops/2/products.json")["data"] == []  # the account's other shop has its own
    other_shop = printify.call("GET", f"shops/2/products/{ids[1]}.json")
    assert other_shop.status_code == 400 and other_shop.json()["code"] == 8104  # as a reconnected store's old ids


def test_update_merges_variants_and_ignores_blueprint_changes(printify):
    image_id = printify.upload(png())["id"]
    product = printify.create(sticker_payload(image_id)).json()
    path = f"shops/1/products/{product['id']}.json"

    updated = printify.ok(
        "PUT", path, json={"title": "Renamed", "blueprint_id": 3, "variants": [{"id": 45742, "price": 650}]}
    )
    prices = {v["id"]: (v["price"], v["is_enabled"]) for v in updated["variants"]}
    assert prices[45740] == (400, True)  # left out: unchanged, still enabled
    assert prices[45742] == (650, True)
    assert (updated["title"], updated["blueprint_id"]) == ("Renamed", 384)

    assert_error(printify.call("PUT", path, json={"variants": [{"id": 45742}]}), 400, 8150)
    # print_areas sent on update must cover every enabled variant (the stored ones were rewritten to cover all)
    narrow = sticker_payload(image_id, variants=(45740,))["print_areas"]
    assert_error(printify.call("PUT", path, json={"print_areas": narrow}), 400, 8251)
    assert printify.ok("GET", path)["title"] == "Renamed"  # refused updates changed nothing


# --- publishing --------------------------------------------------------------------------------------------------


def wait_until(predicate, timeout=3.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    pytest.fail(f"condition not met within {timeout} s")


def test_publish_locks_then_a_connected_shop_sets_external(sandbox, printify):
    product_id = printify.create(sticker_payload(printify.upload(png())["id"])).json()["id"]
    path = f"shops/1/products/{product_id}"
    assert printify.ok("POST", f"{path}/publish.json", json={"title": True, "images": False}) == {}
    assert printify.ok("GET", f"{path}.json")["is_locked"] is True
    assert_error(printify.call("PUT", f"{path}.json", json={"title": "x"}), 400, 8252)  # locked: no edits

    product = wait_until(lambda: (p := printify.ok("GET", f"{path}.json")) and not p["is_locked"] and p)
    assert set(product["external"]) >= {"id", "handle"}
    assert sandbox.state()["printify"]["publishes"] == 1

    assert printify.ok("POST", f"{path}/unpublish.json") == {}
    assert "external" not in printify.ok("GET", f"{path}.json")


def test_a_price_below_cost_is_accepted_on_create_but_refused_at_publish(sandbox, printify):
    cheap = sticker_payload(printify.upload(png())["id"], variants=(45740,))
    cheap["variants"][0]["price"] = 100  # the 2x2" sticker costs 134
    product_id = printify.create(cheap).json()["id"]
    refused = printify.call("POST", f"shops/1/products/{product_id}/publish.json", json={})
    assert_error(refused, 400, 8150)
    assert "lower than the cost" in refused.text and "45740" in refused.text
    assert printify.ok("GET", f"shops/1/products/{product_id}.json")["is_locked"] is False


def test_publish_to_a_disconnected_shop_is_8254_and_leaves_the_product_unlocked(sandbox, printify):
    sandbox.configure(printify_sales_channel="disconnected")
    product_id = printify.create(sticker_payload(printify.upload(png())["id"])).json()["id"]
    assert_error(printify.call("POST", f"shops/1/products/{product_id}/publish.json", json={}), 400, 8254)
    assert printify.ok("GET", f"shops/1/products/{product_id}.json")["is_locked"] is False
    assert printify.ok("GET", "shops.json")[0]["sales_channel"] == "disconnected"


def test_api_shop_stays_locked_until_publishing_succeeded_or_failed(sandbox, printify):
    sandbox.configure(printify_publish_delay=None)
    image_id = printify.upload(png())["id"]
    first, second = (printify.create(sticker_payload(image_id)).json()["id"] for _ in range(2))
    for product_id in (first, second):
        printify.ok("POST", f"shops/1/products/{product_id}/publish.json", json={})
    time.sleep(0.2)
    assert printify.ok("GET", f"shops/1/products/{first}.json")["is_locked"] is True

    external = {"id": "etsy-123", "handle": "https://shop.example/listing/123"}
    answer = printify.ok("POST", f"shops/1/products/{first}/publishing_succeeded.json", json={"external": external})
    assert answer == {"product_id": first}
    product = printify.ok("GET", f"shops/1/products/{first}.json")
    assert (product["is_locked"], product["external"]) == (False, external)

    printify.ok("POST", f"shops/1/products/{second}/publishing_failed.json", json={"reason": "Etsy said no"})
    product = printify.ok("GET", f"shops/1/products/{second}.json")
    assert product["is_locked"] is False and "external" not in product


# --- webhooks ----------------------------------------------------------------------------------------------------


def test_webhook_create_list_delete_needs_host(printify, webhook_receiver):
    hook = printify.ok(
        "POST",
        "shops/1/webhooks.json",
        json={"topic": "product:publish:started", "url": f"{webhook_receiver.url}/h", "secret": SECRET},
    )
    assert set(hook) == {"id", "topic", "url", "shop_id"} and hook["shop_id"] == "1"
    assert printify.ok("GET", "shops/1/webhooks.json") == [hook]
    assert_error(
        printify.call("POST", "shops/1/webhooks.json", json={"topic": "product:exploded", "url": "http://127.0.0.1/"}),
        400,
        8150,
    )

    assert_error(printify.call("DELETE", f"shops/1/webhooks/{hook['id']}.json"), 400, 8150)
    assert printify.ok("DELETE", f"shops/1/webhooks/{hook['id']}.json?host=127.0.0.1") == {"id": hook["id"]}
    assert printify.ok("GET", "shops/1/webhooks.json") == []


def test_events_are_delivered_with_a_valid_signature_and_retried(printify, webhook_receiver):
    for topic in ("product:publish:started", "product:updated", "product:deleted"):
        printify.ok(
            "POST",
            "shops/1/webhooks.json",
            json={"topic": topic, "url": f"{webhook_receiver.url}/printify", "secret": SECRET},
        )
    webhook_receiver.answers = [503, 500]  # the first delivery fails twice, then succeeds
    product_id = printify.create(sticker_payload(printify.upload(png())["id"])).json()["id"]
    printify.ok("POST", f"shops/1/products/{product_id}/publish.json", json={"tags": False})

    deliveries = webhook_receiver.wait_for(3)
    assert [d["status"] for d in deliveries] == [503, 500, 200]
    assert len({d["body"] for d in deliveries}) == 1  # a retry resends the same event
    delivery = deliveries[-1]
    expected = "sha256=" + hmac.new(SECRET.encode(), delivery["body"], hashlib.sha256).hexdigest()
    assert delivery["headers"]["X-Pfy-Signature"] == expected
    event = json.loads(delivery["body"])
    assert event["type"] == "product:publish:started"
    assert event["resource"]["id"] == product_id and event["resource"]["type"] == "product"
    assert event["resource"]["data"]["action"] == "create"
    assert event["resource"]["data"]["publish_details"]["tags"] is False

    time.sleep(0.2)  # let the publish finish so the product can be edited
    printify.ok("PUT", f"shops/1/products/{product_id}.json", json={"title": "New title"})
    printify.ok("DELETE", f"shops/1/products/{product_id}.json")
    types = [json.loads(d["body"])["type"] for d in webhook_receiver.wait_for(5)[3:]]
    # Each delivery runs on its own thread, and Printify documents no ordering either: compare as a set.
    assert sorted(types) == ["product:deleted", "product:updated"]


def test_failed_deliveries_stop_after_three_retries(sandbox, printify, webhook_receiver):
    printify.ok(
        "POST",
        "shops/1/webhooks.json",
        json={"topic": "product:deleted", "url": f"{webhook_receiver.url}/x", "secret": SECRET},
    )
    webhook_receiver.answers = [500] * 10
    product_id = printify.create(sticker_payload(printify.upload(png())["id"])).json()["id"]
    printify.ok("DELETE", f"shops/1/products/{product_id}.json")
    assert len(webhook_receiver.wait_for(4)) == 4
    wait_until(lambda: sandbox.state()["webhook_deliveries"]["counts"].get("failed"))
    assert len(webhook_receiver.received) == 4


# --- limits and faults -------------------------------------------------------------------------------------------


def test_global_catalog_and_publish_limits_answer_429(sandbox, printify):
    sandbox.configure(printify_catalog_limit=2)
    catalog = [printify.call("GET", "catalog/blueprints.json").status_code for _ in range(3)]
    assert catalog == [200, 200, 429]
    assert printify.call("GET", "shops.json").status_code == 200  # other endpoints are not in that bucket

    sandbox.configure(printify_publish_limit=1)
    product_id = printify.create(sticker_payload(printify.upload(png())["id"])).json()["id"]
    publish = f"shops/1/products/{product_id}/publish.json"
    assert [printify.call("POST", publish, json={}).status_code for _ in range(2)] == [200, 429]

    sandbox.configure(printify_rate_limit=sandbox.state()["printify"]["requests"] - 1)
    limited = printify.call("GET", "shops.json")
    assert limited.status_code == 429 and limited.headers["X-RateLimit-Limit"]
    assert sandbox.state()["printify"]["rate_limited"] == 3


def test_injected_faults_and_per_route_counts(sandbox, printify):
    sandbox.configure(next_http_errors=[500, 429])
    assert [printify.call("GET", "shops.json").status_code for _ in range(3)] == [500, 429, 200]
    state = sandbox.state()["printify"]
    assert state["requests_by_route"] == {"GET /shops.json": 3}
    assert (state["requests"], state["errors"], state["rate_limited"]) == (3, 2, 1)


# --- orders ------------------------------------------------------------------------------------------------------


def published_sticker(printify) -> str:
    product_id = printify.create(sticker_payload(printify.upload(png())["id"])).json()["id"]
    printify.ok("POST", f"shops/1/products/{product_id}/publish.json", json={})
    wait_until(lambda: printify.ok("GET", f"shops/1/products/{product_id}.json").get("external"))
    return product_id


def place(sandbox, **asked) -> requests.Response:
    return requests.post(f"{sandbox.url}/_sandbox/orders", json=asked, timeout=5)


def test_orders_need_a_published_product_and_sane_counts(sandbox, printify):
    assert place(sandbox, count=3).status_code == 400
    assert "publish some designs first" in place(sandbox, count=3).json()["error"]
    assert place(sandbox, count=0).status_code == 400


def test_orders_are_listed_newest_first_ten_a_page_and_read_one_by_one(sandbox, printify):
    product_id = published_sticker(printify)
    assert place(sandbox, count=23, days=30, seed=7, webhooks=False).json() == {"placed": 23, "events": 0}
    pages = [printify.ok("GET", "shops/1/orders.json", params={"page": page}) for page in (1, 2, 3)]
    assert [len(page["data"]) for page in pages] == [10, 10, 3]
    assert (pages[0]["last_page"], pages[0]["total"], pages[0]["per_page"]) == (3, 23, 10)
    listed = [order for page in pages for order in page["data"]]
    assert [order["created_at"] for order in listed] == sorted((o["created_at"] for o in listed), reverse=True)
    assert_error(printify.call("GET", "shops/1/orders.json", params={"limit": 11}), 400, 8150)
    first = listed[0]
    assert printify.ok("GET", f"shops/1/orders/{first['id']}.json") == first
    assert {line["product_id"] for order in listed for line in order["line_items"]} == {product_id}
    assert {"first_name", "last_name", "email", "phone", "address1", "city", "zip", "country"} <= set(
        first["address_to"]
    )
    assert isinstance(first["metadata"]["order_type"], str) and isinstance(first["line_items"][0]["cost"], int)
    assert printify.call("GET", "shops/1/orders/nope.json").status_code == 404


def test_placed_orders_send_signed_order_webhooks(sandbox, printify, webhook_receiver):
    published_sticker(printify)
    printify.ok(
        "POST", "shops/1/webhooks.json", json={"topic": "order:created", "url": webhook_receiver.url, "secret": SECRET}
    )
    answer = place(sandbox, count=5, seed=3).json()
    assert answer["placed"] == 5
    created = [json.loads(d["body"]) for d in webhook_receiver.wait_for(5)]
    assert {event["type"] for event in created} == {"order:created"}
    assert {event["resource"]["type"] for event in created} == {"order"}
    state = sandbox.state()["printify"]
    assert state["orders"] == 5
    lines = [line for order in sandbox.printify.orders.values() for line in order["line_items"]]
    assert (state["order_lines"], state["order_units"]) == (len(lines), sum(line["quantity"] for line in lines))
