"""Printify public API v1 (/v1/…) for one account's four shops (SHOPS: an Etsy, a Shopify, an API and a disconnected
one), and v2's catalog shipping (/v2/…), on loopback — see printify-api.md §8.

Where the reference is silent the sandbox has to pick a behaviour; each such place says "guess" in a comment
(error texts for unknown ids, the 429 body, the locked-product code, delete ?host= matching, …).

One job, one file (past 500 lines on purpose): one fake account whose routes share the same in-memory state and
limits (shops, catalog, uploads, products, publishing, orders, webhooks: a product, order or webhook belongs to one
shop, another shop's product answers 8104); the catalog's data lives in catalog.py, mockup painting in images.py.
"""

from __future__ import annotations

import base64
import binascii
import collections
import copy
import functools
import hashlib
import hmac
import io
import json
import random
import re
import secrets
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image

from . import catalog, images
from .base import (
    FakeService,
    FaultDice,
    Request,
    Response,
    SandboxConfig,
    WebhookSender,
    fetch_loopback,
    json_response,
)

SHOP_ID = 1  # the first shop: its channel is config.printify_sales_channel ("disconnected" makes publish fail)
# Several shops of one account, as GET /v1/shops.json lists them (id, title, sales_channel only).
SHOPS = {
    SHOP_ID: "Sandbox Etsy shop",
    2: ("Sandbox Shopify shop", "shopify"),
    3: ("Sandbox API shop", "custom_integration"),
    4: ("Old eBay shop", "disconnected"),
}
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
PRODUCT_TOPICS = ("product:created", "product:updated", "product:deleted", "product:publish:started")
TOPICS = (
    "shop:disconnected",
    *PRODUCT_TOPICS,
    "order:created",
    "order:updated",
    "order:sent-to-production",
    "order:shipment:created",
    "order:shipment:delivered",
    "personalization-preview-task:processed",
)
PUBLISH_PARTS = ("title", "description", "images", "variants", "tags", "keyFeatures", "shipping_template")
FORCED_ERRORS = {  # printify_next_create_errors: code -> reason (texts from printify-api.md §1)
    8150: "print_areas: The print areas field is required.",
    8203: "Image has low quality",
    8251: "print_areas do not cover all variants",
    8254: "Shop is not connected to a sales channel",
}


class Answer(Exception):
    """Stop handling and send this error response."""

    def __init__(self, status: int, body: dict):
        super().__init__(status)
        self.response = json_response(status, body)


class Problem(Answer):
    """A Printify error answer: {"status":"error","code":…,"message":…,"errors":{"reason":…,"code":…}}."""

    def __init__(self, code: int, reason: str, *, message: str = "Validation failed."):
        super().__init__(
            400, {"status": "error", "code": code, "message": message, "errors": {"reason": reason, "code": code}}
        )


class NotFound(Answer):
    def __init__(self):
        super().__init__(404, {"error": "Not found", "request_id": _request_id()})


# (method, path pattern, handler name, rate bucket beyond the global one); v2 paths start with "v2/" (the server
# hands /printify/v2/… over as such), the rest are v1's.
ROUTES = [
    ("GET", r"shops\.json", "shops", None),
    ("GET", r"catalog/blueprints\.json", "blueprints", "catalog"),
    ("GET", r"catalog/blueprints/(?P<blueprint>\d+)\.json", "blueprint", "catalog"),
    ("GET", r"catalog/blueprints/(?P<blueprint>\d+)/print_providers\.json", "blueprint_providers", "catalog"),
    (
        "GET",
        r"catalog/blueprints/(?P<blueprint>\d+)/print_providers/(?P<provider>\d+)/variants\.json",
        "variants",
        "catalog",
    ),
    (
        "GET",
        r"catalog/blueprints/(?P<blueprint>\d+)/print_providers/(?P<provider>\d+)/shipping\.json",
        "shipping",
        "catalog",
    ),
    (
        "GET",
        r"v2/catalog/blueprints/(?P<blueprint>\d+)/print_providers/(?P<provider>\d+)/shipping\.json",
        "shipping_methods",
        "catalog",  # v2 catalog calls count against the catalog's limit (printify-api.md)
    ),
    (
        "GET",
        r"v2/catalog/blueprints/(?P<blueprint>\d+)/print_providers/(?P<provider>\d+)/shipping/(?P<method>\w+)\.json",
        "shipping_method",
        "catalog",
    ),
    ("GET", r"catalog/print_providers\.json", "providers", "catalog"),
    ("GET", r"catalog/print_providers/(?P<provider>\d+)\.json", "provider", "catalog"),
    ("POST", r"uploads/images\.json", "upload", None),
    ("GET", r"uploads\.json", "uploads", None),
    ("GET", r"uploads/(?P<upload>\w+)\.json", "get_upload", None),
    ("POST", r"uploads/(?P<upload>\w+)/archive\.json", "archive_upload", None),
    ("GET", r"shops/(?P<shop>\d+)/products\.json", "products", None),
    ("POST", r"shops/(?P<shop>\d+)/products\.json", "create_product", None),
    ("GET", r"shops/(?P<shop>\d+)/products/(?P<product>[^/]+)\.json", "get_product", None),
    ("PUT", r"shops/(?P<shop>\d+)/products/(?P<product>[^/]+)\.json", "update_product", None),
    ("DELETE", r"shops/(?P<shop>\d+)/products/(?P<product>[^/]+)\.json", "delete_product", None),
    ("POST", r"shops/(?P<shop>\d+)/products/(?P<product>[^/]+)/publish\.json", "publish", "publish"),
    ("POST", r"shops/(?P<shop>\d+)/products/(?P<product>[^/]+)/publishing_succeeded\.json", "succeeded", None),
    ("POST", r"shops/(?P<shop>\d+)/products/(?P<product>[^/]+)/publishing_failed\.json", "failed", None),
    ("POST", r"shops/(?P<shop>\d+)/products/(?P<product>[^/]+)/unpublish\.json", "unpublish", None),
    ("GET", r"shops/(?P<shop>\d+)/orders\.json", "orders", None),
    ("GET", r"shops/(?P<shop>\d+)/orders/(?P<order>[^/]+)\.json", "get_order", None),
    ("GET", r"shops/(?P<shop>\d+)/webhooks\.json", "webhooks", None),
    ("POST", r"shops/(?P<shop>\d+)/webhooks\.json", "create_webhook", None),
    ("PUT", r"shops/(?P<shop>\d+)/webhooks/(?P<webhook>[^/]+)\.json", "update_webhook", None),
    ("DELETE", r"shops/(?P<shop>\d+)/webhooks/(?P<webhook>[^/]+)\.json", "delete_webhook", None),
]
ROUTES = [(method, re.compile(pattern), name, bucket) for method, pattern, name, bucket in ROUTES]


def _template(pattern: re.Pattern) -> str:
    """A route as people write it, for per-endpoint counts: "shops/{shop}/products/{product}.json"."""
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern.pattern).replace("\\.", ".")


class PrintifyFake(FakeService):
    def __init__(self, config: SandboxConfig, dice: FaultDice, webhooks: WebhookSender, base_url: str):
        super().__init__(config, dice, webhooks, base_url)
        self._files = tempfile.TemporaryDirectory(prefix="podsite-sandbox-uploads-")
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.uploads: dict[str, dict] = {}  # content-addressed: id = hash of the bytes
            self.products: dict[str, dict] = {}  # insertion order = creation order
            self.hooks: dict[str, dict] = {}
            self.orders: dict[str, dict] = {}
            self.disconnected_shops: set[int] = set()  # shops disconnected while running (disconnect_shop)
            self.counts = collections.Counter()
            self.by_route = collections.Counter()
            self.limiter.clear()
            for path in Path(self._files.name).iterdir():
                path.unlink()

    def close(self) -> None:
        self._files.cleanup()

    # --- HTTP entry point --------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        response = self._answer(request)
        response.headers["x-pfy-correlation-id"] = uuid.uuid4().hex
        with self._lock:
            if response.status >= 400:
                self.counts["errors"] += 1
            if response.status == 429:
                self.counts["rate_limited"] += 1
        return response

    def _answer(self, request: Request) -> Response:
        route = _route(request.method, request.path)
        with self._lock:
            self.counts["requests"] += 1
            self.by_route[f"{request.method} /{_template(route[0]) if route else request.path}"] += 1
        fault = self.dice.http_fault()
        if fault == 429:
            return _too_many(self.config.printify_rate_limit)
        if fault:
            return json_response(fault, {"error": "Server Error"})  # guess: 5xx bodies are undocumented
        if not self._authorized(request):
            return json_response(401, {"error": "Unauthenticated", "request_id": _request_id()})
        if route is None:
            return NotFound().response
        pattern, name, bucket, params = route
        now = time.monotonic()
        config = self.config
        if self.limiter.acquire("global", config.printify_rate_limit, config.printify_rate_window, now) is not None:
            return _too_many(config.printify_rate_limit)
        limits = {
            "catalog": (config.printify_catalog_limit, config.printify_catalog_window),
            "publish": (config.printify_publish_limit, config.printify_publish_window),
        }
        if bucket and self.limiter.acquire(bucket, *limits[bucket], now) is not None:
            return _too_many(limits[bucket][0])
        if "shop" in params:
            request.shop_id = int(params.pop("shop"))
            if request.shop_id not in SHOPS:  # another account's shop
                return json_response(
                    403, {"error": "This action is unauthorized.", "request_id": _request_id()}
                )  # guess
        try:
            return getattr(self, f"_op_{name}")(request, **params)
        except Answer as answer:
            return answer.response

    def _authorized(self, request: Request) -> bool:
        if self.config.printify_unauthorized or not request.headers.get("User-Agent", "").strip():
            return False
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer ") or not header[7:].strip():
            return False
        token = self.config.printify_token
        return hmac.compare_digest(header[7:].strip(), token) if token else True

    # --- shops and catalog -------------------------------------------------------------------------
    def _op_shops(self, request):
        return json_response(
            200, [{"id": shop, "title": self._shop(shop)[0], "sales_channel": self._shop(shop)[1]} for shop in SHOPS]
        )

    def _shop(self, shop_id: int) -> tuple[str, str]:
        """(title, sales channel) of a shop."""
        title, channel = (SHOPS[shop_id], self.config.printify_sales_channel) if shop_id == SHOP_ID else SHOPS[shop_id]
        return title, "disconnected" if shop_id in self.disconnected_shops else channel

    def disconnect_shop(self, shop_id: int) -> int:
        """The seller disconnects a store in Printify: it is listed as disconnected and shop:disconnected is sent."""
        if shop_id not in SHOPS:
            raise KeyError(shop_id)
        with self._lock:
            self.disconnected_shops.add(shop_id)
        # The body is undocumented (printify-api.md §5 names the topic only): a guess in the shape of the others.
        event = {
            "id": str(uuid.uuid4()),
            "type": "shop:disconnected",
            "created_at": _timestamp(),
            "resource": {"id": shop_id, "type": "shop", "data": {"shop_id": shop_id}},
        }
        self._send_event("shop:disconnected", event)
        return shop_id

    def _op_blueprints(self, request):
        fields = ("id", "title", "description", "brand", "model", "images")
        return json_response(
            200, [self._pictured({key: bp[key] for key in fields}) for bp in catalog.BLUEPRINTS.values()]
        )

    def _op_blueprint(self, request, blueprint):
        return json_response(200, self._pictured(_blueprint(int(blueprint))))

    def _pictured(self, blueprint: dict) -> dict:
        """A blueprint with its pictures as absolute URLs on the sandbox (real ones are CDN URLs)."""
        return {**blueprint, "images": [f"{self.base_url}{path}" for path in blueprint["images"]]}

    def blueprint_picture(self, blueprint_id: int, number: int) -> bytes | None:
        """The PNG behind one of a blueprint's `images` (drawn, not fetched); None for an unknown one."""
        kind, colours = catalog.PICTURES.get(blueprint_id, ("", []))
        if not 0 <= number < len(colours):
            return None
        return _blueprint_picture(kind, colours[number], number)

    def _op_blueprint_providers(self, request, blueprint):
        _blueprint(int(blueprint))
        return json_response(200, catalog.providers_for(int(blueprint)))

    def _op_variants(self, request, blueprint, provider):
        variants = catalog.variants_for(int(blueprint), int(provider))
        if variants is None:
            raise NotFound
        if request.query.get("show-out-of-stock") != "1":  # in-stock variants only, unless asked (D)
            variants = [variant for variant in variants if variant["is_available"]]
        provider = catalog.PROVIDERS[int(provider)]
        body = {
            "id": provider["id"],
            "title": provider["title"],
            "variants": list(map(catalog.public_variant, variants)),
        }
        return json_response(200, body)

    def _op_shipping(self, request, blueprint, provider):
        shipping = catalog.shipping_for(int(blueprint), int(provider))
        if shipping is None:
            raise NotFound
        return json_response(200, shipping)

    def _op_shipping_methods(self, request, blueprint, provider):
        methods = catalog.shipping_methods_of(int(blueprint), int(provider))
        if methods is None:
            raise NotFound
        path = f"{self.base_url}/printify/v2/catalog/blueprints/{blueprint}/print_providers/{provider}/shipping"
        return json_response(
            200,
            {
                "data": [
                    {
                        "type": "shipping_method",
                        "id": str(catalog.SHIPPING_METHOD_IDS[name]),
                        "attributes": {"name": name},
                    }
                    for name in methods
                ],
                "links": {name: f"{path}/{name}.json" for name in methods},
            },
        )

    def _op_shipping_method(self, request, blueprint, provider, method):
        # guess: a method the provider does not offer (or an unknown one) answers 404; the reference does not say
        rows = catalog.shipping_by_method(int(blueprint), int(provider), method)
        if rows is None:
            raise NotFound
        return json_response(200, {"data": rows})

    def _op_providers(self, request):
        return json_response(200, list(catalog.PROVIDERS.values()))

    def _op_provider(self, request, provider):
        if int(provider) not in catalog.PROVIDERS:
            raise NotFound
        blueprints = [self._pictured(blueprint) for blueprint in catalog.blueprints_of(int(provider))]
        return json_response(200, {**catalog.PROVIDERS[int(provider)], "blueprints": blueprints})

    # --- uploads -----------------------------------------------------------------------------------
    def _op_upload(self, request):
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("file_name"), str) or not body["file_name"]:
            raise Problem(8150, "file_name: The file name field is required.")
        with self._lock:
            self.counts["upload_requests"] += 1
        if isinstance(body.get("url"), str):
            try:
                # Real Printify fetches from the internet; the sandbox only ever fetches from this machine.
                data = fetch_loopback(body["url"], max_bytes=MAX_UPLOAD_BYTES)
            except (OSError, ValueError) as exc:
                raise Problem(10300, f"Could not fetch the image: {exc}", message="Operation failed.") from None
            with self._lock:
                self.counts["uploads_fetched"] += 1
        elif isinstance(body.get("contents"), str):
            try:
                data = base64.b64decode(body["contents"], validate=True)
            except (binascii.Error, ValueError):
                raise Problem(8150, "contents: The contents must be a valid base64 string.") from None  # guess
        else:
            raise Problem(8150, "url: The url field is required when contents is not present.")
        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height, mime = image.width, image.height, Image.MIME.get(image.format, "image/png")
        except Exception:  # noqa: BLE001 (any decoder error means "not an image we take")
            raise Problem(8201, "error.file.wrong.format", message="Upload failed.") from None
        upload_id = hashlib.sha256(data).hexdigest()[:24]  # same bytes, same id, whatever the file name (M)
        with self._lock:
            if upload_id not in self.uploads:
                (Path(self._files.name) / upload_id).write_bytes(data)
                self.uploads[upload_id] = {
                    "id": upload_id,
                    "file_name": body["file_name"],
                    "height": height,
                    "width": width,
                    "size": len(data),
                    "mime_type": mime,
                    "preview_url": f"{self.base_url}/_sandbox/uploads/{upload_id}",
                    "upload_time": _timestamp(with_zone=False),
                }
            return json_response(200, self.uploads[upload_id])

    def upload_bytes(self, upload_id: str) -> bytes | None:
        """Bytes behind an upload's preview_url (ids are hex, so they cannot point outside the folder)."""
        if not re.fullmatch(r"[0-9a-f]{24}", upload_id):
            return None
        path = Path(self._files.name) / upload_id
        return path.read_bytes() if path.exists() else None

    def _op_get_upload(self, request, upload):
        with self._lock:
            if upload not in self.uploads:
                raise NotFound
            return json_response(200, self.uploads[upload])

    def _op_uploads(self, request):
        with self._lock:
            items = list(reversed(self.uploads.values()))
        return json_response(200, _paginate(items, request.query, default_limit=10, max_limit=100))

    def _op_archive_upload(self, request, upload):
        with self._lock:
            if self.uploads.pop(upload, None) is None:
                raise NotFound
        return json_response(200, {})

    # --- products ----------------------------------------------------------------------------------
    def _op_products(self, request):
        with self._lock:
            shop = request.shop_id
            items = [self._settled(p) for p in reversed(self.products.values()) if p.get("shop_id", SHOP_ID) == shop]
        return json_response(200, _paginate(items, request.query, default_limit=10, max_limit=50))

    def _op_create_product(self, request):
        body = _object(request)
        forced = self.dice.pop("printify_next_create_errors")
        if forced:
            raise Problem(forced, FORCED_ERRORS[forced])
        for name in ("title", "blueprint_id", "print_provider_id", "variants", "print_areas"):
            if body.get(name) in (None, "", []):
                raise Problem(8150, f"{name}: The {name.replace('_', ' ')} field is required.")
        blueprint_id, provider_id = body["blueprint_id"], body["print_provider_id"]
        catalog_variants = catalog.variants_for(blueprint_id, provider_id) if _ints(blueprint_id, provider_id) else None
        if catalog_variants is None:
            raise Problem(8150, "print_provider_id: The selected print provider is not available for the blueprint.")
        known = {variant["id"]: variant for variant in catalog_variants}
        chosen = _check_variants(body["variants"], known)
        with self._lock:
            print_areas = self._check_print_areas(body["print_areas"], known)
        now = _timestamp()
        product = {
            "id": secrets.token_hex(12),
            "title": body["title"],
            "description": body.get("description", ""),
            "tags": [*body.get("tags", []), *catalog.BLUEPRINTS[blueprint_id]["tags"]],
            "options": _options(catalog_variants),
            "variants": [_product_variant(variant, chosen.get(variant["id"])) for variant in catalog_variants],
            "images": [],
            "created_at": now,
            "updated_at": now,
            "visible": bool(body.get("visible", True)),
            "is_locked": False,
            "blueprint_id": blueprint_id,
            "user_id": 1,
            "shop_id": request.shop_id,
            "print_provider_id": provider_id,
            "print_areas": print_areas,
            "print_details": body.get("print_details", {}),
            "sales_channel_properties": [],
            "is_printify_express_enabled": bool(body.get("is_printify_express_enabled", False)),
        }
        if body.get("safety_information"):  # optional on create (printify-api.md §4); kept as sent (guess)
            product["safety_information"] = str(body["safety_information"])
        _cover_everything(product)
        _check_coverage(product)
        product["images"] = self._mockups(product)
        with self._lock:
            self.products[product["id"]] = product
            self.counts["products_created"] += 1
            answer = copy.deepcopy(product)
        self._notify("product:created", product["id"], {"shop_id": request.shop_id})
        return json_response(200, answer)

    def _check_print_areas(self, print_areas, known: dict) -> list[dict]:
        if not isinstance(print_areas, list):
            raise Problem(8150, "print_areas: The print areas must be an array.")
        positions = {placeholder["position"] for variant in known.values() for placeholder in variant["placeholders"]}
        checked = []
        for number, area in enumerate(print_areas):
            where = f"print_areas.{number}"
            if not isinstance(area, dict) or not isinstance(area.get("variant_ids"), list):
                raise Problem(8150, f"{where}.variant_ids: The variant ids field is required.")
            if any(variant_id not in known for variant_id in area["variant_ids"]):
                raise Problem(8150, f"{where}.variant_ids: The selected variant ids are invalid.")  # guess
            placeholders = area.get("placeholders")
            if not isinstance(placeholders, list) or not placeholders:
                raise Problem(8150, f"{where}.placeholders: The placeholders field is required.")
            used = []
            for index, placeholder in enumerate(placeholders):
                spot = f"{where}.placeholders.{index}"
                if not isinstance(placeholder, dict) or placeholder.get("position") not in positions:
                    raise Problem(8150, f"{spot}.position: The selected position is invalid.")  # guess
                used.append({"position": placeholder["position"], "images": self._check_images(placeholder, spot)})
            unused = sorted(positions - {placeholder["position"] for placeholder in used})
            used += [{"position": position, "images": []} for position in unused]  # as the real answer lists them
            checked.append({"variant_ids": list(area["variant_ids"]), "placeholders": used, "background": "#ffffff"})
        return checked

    def _check_images(self, placeholder: dict, spot: str) -> list[dict]:
        images = placeholder.get("images")
        if not isinstance(images, list) or not images:
            raise Problem(8150, f"{spot}.images: The images field is required.")
        checked = []
        for index, image in enumerate(images):
            if not isinstance(image, dict) or image.get("id") not in self.uploads:
                raise Problem(8150, f"{spot}.images.{index}.id: The image was not found.")  # guess
            if not all(isinstance(image.get(key, 0), (int, float)) for key in ("x", "y", "scale", "angle")):
                raise Problem(8150, f"{spot}.images.{index}: x, y, scale and angle must be numbers.")
            upload = self.uploads[image["id"]]
            checked.append(
                {
                    "id": image["id"],
                    "name": upload["file_name"],
                    "type": upload["mime_type"],
                    "height": upload["height"],
                    "width": upload["width"],
                    "x": image.get("x", 0.5),
                    "y": image.get("y", 0.5),
                    "scale": image.get("scale", 1),
                    "angle": image.get("angle", 0),
                }
            )
        return checked

    def _mockups(self, product: dict) -> list[dict]:
        """Read-only mockups, one per placed print position and look (the variant's options but its size) of the
        enabled variants; the sandbox paints each on request (mockup()). Real ones are photos per variant and
        camera at https://images.printify.com/mockup/{product}/{variant}/{camera}/….jpg."""
        options = {variant["id"]: variant["options"] for variant in _catalog_variants(product)}
        enabled = [variant["id"] for variant in product["variants"] if variant["is_enabled"]]
        mockups = []
        for area in product["print_areas"]:
            looks: dict[tuple, list[int]] = {}
            for variant_id in enabled:
                if variant_id in area["variant_ids"]:
                    look = tuple(value for option, value in options[variant_id].items() if option != "size")
                    looks.setdefault(look, []).append(variant_id)
            for position in (placeholder["position"] for placeholder in area["placeholders"] if placeholder["images"]):
                for variant_ids in looks.values():
                    src = f"{self.base_url}/_sandbox/mockups/{product['id']}/{variant_ids[0]}/{position}.png"
                    mockups.append(
                        {"src": src, "variant_ids": variant_ids, "position": position, "is_default": not mockups}
                    )
        return mockups

    def mockup(self, product_id: str, variant_id: int, position: str) -> bytes | None:
        """The PNG behind a mockup's src: the images placed at `position`, on the variant's colour; None when the
        product has no such variant or nothing is placed there."""
        with self._lock:
            product = self.products.get(product_id)
            variants = _catalog_variants(product) if product else []
            variant = next((variant for variant in variants if variant["id"] == variant_id), None)
            if variant is None:
                return None
            placed = [
                image
                for area in product["print_areas"]
                if variant_id in area["variant_ids"]
                for placeholder in area["placeholders"]
                if placeholder["position"] == position
                for image in placeholder["images"]
            ]
            sizes = [(p["width"], p["height"]) for p in variant["placeholders"] if p["position"] == position]
        if not placed or not sizes:
            return None
        placements = [(self.upload_bytes(image["id"]), image) for image in placed]
        return images.render_mockup(catalog.colour_of(variant), sizes[0], placements)

    def _op_get_product(self, request, product):
        with self._lock:
            return json_response(200, self._settled(self._product(product, request)))

    def _op_update_product(self, request, product):
        body = _object(request)
        with self._lock:
            current = self._product(product, request)
            self._settle(current)
            if current["is_locked"]:
                # guess: code and text are not in the reference; Printify refuses edits while publishing
                raise Problem(8252, "Product is disabled for editing while it is being published.")
            updated = copy.deepcopy(current)
            for name in ("title", "description", "tags", "visible"):
                if name in body:
                    updated[name] = body[name]
            known = {variant["id"]: variant for variant in _catalog_variants(updated)}
            if "variants" in body:  # merged by id: a variant left out keeps its settings (M)
                changes = _check_variants(body["variants"], known)
                for variant in updated["variants"]:
                    change = changes.get(variant["id"])
                    if change:
                        variant["price"] = change["price"]
                        variant["is_enabled"] = bool(change.get("is_enabled", variant["is_enabled"]))
            if "print_areas" in body:
                updated["print_areas"] = self._check_print_areas(body["print_areas"], known)
                _cover_everything(updated)
            _check_coverage(updated)
            # blueprint_id / print_provider_id changes are accepted and ignored, as measured (M)
            updated["images"] = self._mockups(updated)
            updated["updated_at"] = _timestamp()
            self.products[product] = updated
            answer = copy.deepcopy(updated)
        self._notify("product:updated", product, {"shop_id": request.shop_id})
        return json_response(200, answer)

    def _op_delete_product(self, request, product):
        with self._lock:
            self._product(product, request)
            del self.products[product]
            self.counts["products_deleted"] += 1
        self._notify("product:deleted", product, {"shop_id": request.shop_id})
        return json_response(200, {})

    def _product(self, product_id: str, request: Request) -> dict:
        if not re.fullmatch(r"[0-9a-f]{24}", product_id):
            raise Answer(422, {"error": "Invalid product ID format."})  # as measured (M)
        if product_id not in self.products:
            raise NotFound
        if self.products[product_id].get("shop_id", SHOP_ID) != request.shop_id:
            # What a reconnected store's old ids get (printify-api.md §1 and "Shop id changes").
            raise Problem(8104, "Product belongs to another shop")
        return self.products[product_id]

    # --- publishing --------------------------------------------------------------------------------
    def _op_publish(self, request, product):
        parts = request.json() or {}
        if not isinstance(parts, dict):
            raise Problem(8150, "The publish body must be an object of part: true/false.")
        with self._lock:
            current = self._product(product, request)
            self._settle(current)
            self.counts["publish_requests"] += 1
            if self._shop(request.shop_id)[1] == "disconnected":
                raise Problem(8254, "Shop is not connected to a sales channel", message="Operation failed.")
            # Printify accepts a price below cost on create but refuses to publish it (reference §7, M citing
            # Printify's help). The code and words of that refusal are not documented: a guess.
            cheap = [v["id"] for v in current["variants"] if v["is_enabled"] and v["price"] < v["cost"]]
            if cheap:
                ids = ", ".join(map(str, cheap))
                raise Problem(8150, f"variants: the price is lower than the cost for variant(s) {ids}")
            action = "update" if current.get("external") else "create"
            current["is_locked"] = True
            current["publish_count"] = current.get("publish_count", 0) + 1
            delay = self.config.printify_publish_delay
            current["_publish_done_at"] = None if delay is None else time.monotonic() + delay
            self.counts["publishes"] += 1
        details = {
            ("key_features" if part == "keyFeatures" else part): bool(parts.get(part, True)) for part in PUBLISH_PARTS
        }
        self._notify(
            "product:publish:started",
            product,
            {"shop_id": request.shop_id, "publish_details": details, "action": action},
        )
        return json_response(200, {})

    def _settle(self, product: dict) -> None:
        """A connected shop finishes publishing on its own after printify_publish_delay seconds."""
        done_at = product.get("_publish_done_at")
        if product["is_locked"] and done_at is not None and time.monotonic() >= done_at:
            listing = str(int(hashlib.sha256(product["id"].encode()).hexdigest()[:10], 16))
            product["external"] = {
                "id": listing,
                "handle": f"https://sandbox-shop.invalid/listing/{listing}",  # .invalid never resolves
                "shipping_template_id": None,
                "type": 4,
            }
            product["is_locked"] = False
            product["_publish_done_at"] = None

    def _settled(self, product: dict) -> dict:
        """A copy of the product as a client sees it now (private bookkeeping keys removed)."""
        self._settle(product)
        return {
            key: copy.deepcopy(value)
            for key, value in product.items()
            if not key.startswith("_") and key != "publish_count"
        }

    def _op_succeeded(self, request, product):
        body = _object(request)
        external = body.get("external")
        if not isinstance(external, dict) or not external.get("id") or not external.get("handle"):
            raise Problem(8150, "external: The external field must have an id and a handle.")
        with self._lock:
            current = self._product(product, request)
            current.update(
                is_locked=False,
                external={"id": str(external["id"]), "handle": external["handle"]},
                _publish_done_at=None,
            )
        return json_response(200, {"product_id": product})  # D documents {}; M measured this

    def _op_failed(self, request, product):
        body = _object(request)
        if not isinstance(body.get("reason"), str) or not body["reason"]:
            raise Problem(8150, "reason: The reason field is required.")
        with self._lock:
            self._product(product, request).update(is_locked=False, _publish_done_at=None)
            self.counts["publishes_failed"] += 1
        return json_response(200, {})

    def _op_unpublish(self, request, product):
        with self._lock:
            current = self._product(product, request)
            self._settle(current)
            current.pop("external", None)
            self.counts["unpublishes"] += 1
        return json_response(200, {})

    # --- orders ------------------------------------------------------------------------------------
    def _op_orders(self, request):
        with self._lock:
            mine = [order for order in self.orders.values() if order.get("_shop", SHOP_ID) == request.shop_id]
            items = sorted(mine, key=lambda order: (order["created_at"], order["id"]), reverse=True)
            items = [_public_order(order) for order in items]
        return json_response(200, _paginate(items, request.query, default_limit=10, max_limit=10))

    def _op_get_order(self, request, order):
        with self._lock:
            if order not in self.orders or self.orders[order].get("_shop", SHOP_ID) != request.shop_id:
                raise NotFound
            return json_response(200, _public_order(self.orders[order]))

    def place_orders(self, count: int, days: float = 30, seed: int | None = None, send_webhooks: bool = True) -> dict:
        """Orders from customers against the published products, spread over the last `days`, as Printify keeps
        them (customer fields included: podsite must not keep them). Their webhooks go out as Printify's do: with
        replays, a second event for the same change, updates before the creation now and then, and cancellations."""
        rng = random.Random(seed)
        with self._lock:
            for product in self.products.values():
                self._settle(product)
            published = [product for product in self.products.values() if product.get("external")]
            if not published:
                raise ValueError("No published product in the sandbox: publish some designs first.")
            now = datetime.now(UTC)
            placed, events = [], []
            for _ in range(count):
                order = _new_order(rng, published, now - timedelta(seconds=rng.uniform(0, days * 86400)))
                self.orders[order["id"]] = order
                placed.append(order["id"])
                events += _order_events(rng, order)
            self.counts["orders_placed"] += count
        if send_webhooks:
            rng.shuffle(events[: len(events) // 10])  # a few early ones arrive out of order
            for topic, event in events:
                self._send_event(topic, event)
        return {"placed": len(placed), "events": len(events) if send_webhooks else 0, "ids": placed}

    def _send_event(self, topic: str, event: dict) -> None:
        body = json.dumps(event).encode()
        with self._lock:
            shop = str((event["resource"].get("data") or {}).get("shop_id", SHOP_ID))
            hooks = [hook for hook in self.hooks.values() if hook["topic"] == topic and hook["shop_id"] == shop]
        for hook in hooks:
            headers = {}
            if hook["secret"]:
                digest = hmac.new(hook["secret"].encode(), body, hashlib.sha256).hexdigest()
                headers["X-Pfy-Signature"] = f"sha256={digest}"
            self.webhooks.send(hook["url"], body, headers, attempts=4, label=f"{topic} {event['resource']['id']}")

    # --- webhooks ----------------------------------------------------------------------------------
    def _op_webhooks(self, request):
        with self._lock:
            shop = str(request.shop_id)
            return json_response(200, [_public_hook(hook) for hook in self.hooks.values() if hook["shop_id"] == shop])

    def _op_create_webhook(self, request):
        body = _object(request)
        if body.get("topic") not in TOPICS:
            raise Problem(8150, "topic: The selected topic is invalid.")
        if not isinstance(body.get("url"), str) or not urlsplit(body["url"]).hostname:
            raise Problem(8150, "url: The url field must be a valid URL.")
        hook = {
            "id": secrets.token_hex(12),
            "topic": body["topic"],
            "url": body["url"],
            "shop_id": str(request.shop_id),
            "secret": str(body.get("secret") or ""),
        }
        with self._lock:
            self.hooks[hook["id"]] = hook
        return json_response(200, _public_hook(hook))

    def _op_update_webhook(self, request, webhook):
        body = _object(request)
        with self._lock:
            if webhook not in self.hooks:
                raise NotFound
            if isinstance(body.get("url"), str):
                self.hooks[webhook]["url"] = body["url"]  # the topic cannot change
            return json_response(200, _public_hook(self.hooks[webhook]))

    def _op_delete_webhook(self, request, webhook):
        host = request.query.get("host")
        if not host:
            raise Problem(8150, "host: The host field is required.")
        with self._lock:
            hook = self.hooks.get(webhook)
            if hook is None:
                raise NotFound
            if urlsplit(hook["url"]).hostname != host:
                raise Problem(8150, "host: The host does not match the webhook URL.")  # guess
            del self.hooks[webhook]
        return json_response(200, {"id": webhook})

    def _notify(self, topic: str, product_id: str, data: dict) -> None:
        """POST the event to every webhook of this topic, signed X-Pfy-Signature: sha256=<hex HMAC of the body>."""
        event = {
            "id": str(uuid.uuid4()),
            "type": topic,
            "created_at": _timestamp(),
            "resource": {"id": product_id, "type": "product", "data": data},
        }
        self._send_event(topic, event)

    # --- state -------------------------------------------------------------------------------------
    def state(self) -> dict:
        with self._lock:
            products = []
            for product in self.products.values():
                self._settle(product)
                enabled = [variant for variant in product["variants"] if variant["is_enabled"]]
                products.append(
                    {
                        "id": product["id"],
                        "title": product["title"],
                        "blueprint_id": product["blueprint_id"],
                        "print_provider_id": product["print_provider_id"],
                        "enabled_variants": len(enabled),
                        "prices": {str(variant["id"]): variant["price"] for variant in enabled},
                        "images": sorted(
                            {
                                image["id"]
                                for area in product["print_areas"]
                                for placeholder in area["placeholders"]
                                for image in placeholder["images"]
                            }
                        ),
                        "is_locked": product["is_locked"],
                        "external": product.get("external"),
                        "publish_count": product.get("publish_count", 0),
                    }
                )
            return {
                "requests": self.counts["requests"],
                "errors": self.counts["errors"],
                "rate_limited": self.counts["rate_limited"],
                "requests_by_route": dict(self.by_route),
                "uploads": len(self.uploads),
                "upload_requests": self.counts["upload_requests"],
                "uploads_fetched": self.counts["uploads_fetched"],  # by URL, as Printify would
                "products": products,
                "products_created": self.counts["products_created"],
                "products_deleted": self.counts["products_deleted"],
                "publishes": self.counts["publishes"],
                "publish_requests": self.counts["publish_requests"],
                "publishes_failed": self.counts["publishes_failed"],
                "unpublishes": self.counts["unpublishes"],
                "webhooks": [_public_hook(hook) for hook in self.hooks.values()],
                "orders": len(self.orders),
                # What a counting client must end up with (every line once, however often it read the order).
                "order_lines": sum(len(order["line_items"]) for order in self.orders.values()),
                "order_units": sum(line["quantity"] for order in self.orders.values() for line in order["line_items"]),
                "orders_by_status": dict(collections.Counter(order["status"] for order in self.orders.values())),
            }


# Customers of the sandbox shop: invented, and exactly what podsite must never store (it keeps the country only).
_CUSTOMERS = [
    ("Ada", "Lovelace", "GB", "12 Analytical Row", "London"),
    ("Grace", "Hopper", "US", "1 Cobol Court", "Arlington"),
    ("Alan", "Turing", "GB", "8 Enigma Lane", "Wilmslow"),
    ("Hedy", "Lamarr", "AT", "3 Frequenzgasse", "Wien"),
    ("Katherine", "Johnson", "US", "7 Orbit Drive", "Hampton"),
    ("Emmy", "Noether", "DE", "5 Ringstraße", "Erlangen"),
]
# How orders move on (guess: the documented statuses, in the order a normal order goes through them).
_PATH = ("pending", "sending-to-production", "in-production", "fulfilled")


def _new_order(rng: random.Random, published: list[dict], created: datetime) -> dict:
    """An order in one shop (a customer buys in one store): of that shop's published products."""
    first, last, country, street, city = rng.choice(_CUSTOMERS)
    shop = rng.choice(sorted({product.get("shop_id", SHOP_ID) for product in published}))
    published = [product for product in published if product.get("shop_id", SHOP_ID) == shop]
    lines = []
    for product in rng.sample(published, k=min(len(published), 1 if rng.random() < 0.8 else 2)):
        variant = rng.choice([variant for variant in product["variants"] if variant["is_enabled"]])
        lines.append(
            {
                "product_id": product["id"],
                "variant_id": variant["id"],
                "quantity": 1 if rng.random() < 0.85 else 2,
                "print_provider_id": product["print_provider_id"],
                "cost": variant["cost"],
                "shipping_cost": 475,
                "status": "pending",
                "sent_to_production_at": None,
                "fulfilled_at": None,
                "metadata": {
                    "title": product["title"],
                    "price": variant["price"],
                    "variant_label": variant["title"],
                    "sku": variant["sku"],
                    "country": "United States",  # the print provider's
                },
            }
        )
    age_days = (datetime.now(UTC) - created).total_seconds() / 86400
    status = _PATH[min(len(_PATH) - 1, int(age_days / 2))]  # older orders are further along
    roll = rng.random()
    status = "canceled" if roll < 0.04 else status
    is_reprint, order_type = roll > 0.98, "sample" if 0.95 < roll <= 0.98 else "external"
    number = rng.randrange(1000, 999999)
    order = {
        "id": secrets.token_hex(12),
        "address_to": {
            "first_name": first,
            "last_name": last,
            "email": f"{first.lower()}.{last.lower()}@example.com",
            "phone": f"+1 555 01{rng.randrange(10, 99)}",
            "country": country,
            "region": "",
            "address1": street,
            "address2": "",
            "city": city,
            "zip": f"{rng.randrange(10000, 99999)}",
        },
        "line_items": lines,
        "metadata": {
            "order_type": order_type,
            "shop_order_id": number,
            "shop_order_label": f"#{number}",
            "shop_fulfilled_at": None,
            **({"is_reprint": True} if is_reprint else {}),
        },
        "total_price": sum(line["metadata"]["price"] * line["quantity"] for line in lines),
        "total_shipping": sum(line["shipping_cost"] for line in lines),
        "total_tax": rng.choice([0, 0, 0, 120]),
        "status": status,
        "shipping_method": 1,
        "is_printify_express": False,
        "shipments": [],
        "created_at": created.strftime("%Y-%m-%d %H:%M:%S+00:00"),
        "sent_to_production_at": None,
        "fulfilled_at": None,
        **({"reprinted_order_ids": [secrets.token_hex(12)]} if is_reprint else {}),
        "_shop": shop,  # bookkeeping: the shop it was placed in (never answered)
    }
    for line in lines:
        line["status"] = status
    return order


def _public_order(order: dict) -> dict:
    return {key: copy.deepcopy(value) for key, value in order.items() if not key.startswith("_")}


def _order_events(rng: random.Random, order: dict) -> list[tuple[str, dict]]:
    """The webhooks of one order: created, then an update to where it is now; 1 in 10 replayed, 1 in 10 sent twice
    under two event ids (guess: Printify documents neither, but says to de-duplicate on the event id)."""
    events = [("order:created", {})]
    if order["status"] != "pending":
        events.append(("order:updated", {"status": order["status"]}))
    made = []
    for topic, data in events:
        event = {
            "id": str(uuid.uuid4()),
            "type": topic,
            "created_at": _timestamp(),
            "resource": {"id": order["id"], "type": "order", "data": {"shop_id": order["_shop"], **data}},
        }
        made.append((topic, event))
        if rng.random() < 0.1:
            made.append((topic, event))  # a replay: the same event id
        if rng.random() < 0.1:
            made.append((topic, {**event, "id": str(uuid.uuid4())}))  # the same change, another event id
    if len(made) > 1 and rng.random() < 0.1:
        made.reverse()  # the update before the creation
    return made


@functools.lru_cache(maxsize=32)
def _blueprint_picture(kind: str, colour: str, view: int) -> bytes:
    return images.render_blueprint_picture(kind, colour, view)


def _route(method: str, path: str):
    for route_method, pattern, name, bucket in ROUTES:
        match = pattern.fullmatch(path)
        if match and route_method == method:
            return pattern, name, bucket, match.groupdict()
    return None


def _object(request: Request) -> dict:
    body = request.json()
    if not isinstance(body, dict):
        raise Problem(8150, "The request body must be a JSON object.")
    return body


def _ints(*values) -> bool:
    return all(isinstance(value, int) and not isinstance(value, bool) for value in values)


def _blueprint(blueprint_id: int) -> dict:
    if blueprint_id not in catalog.BLUEPRINTS:
        raise NotFound
    return catalog.BLUEPRINTS[blueprint_id]


def _catalog_variants(product: dict) -> list[dict]:
    return catalog.variants_for(product["blueprint_id"], product["print_provider_id"])


def _check_variants(variants, known: dict) -> dict:
    """{variant id: entry} for a variants list; every entry needs a known id and an integer price in cents."""
    if not isinstance(variants, list):
        raise Problem(8150, "variants: The variants must be an array.")
    chosen = {}
    for number, entry in enumerate(variants):
        if not isinstance(entry, dict) or entry.get("id") not in known:
            raise Problem(8150, f"variants.{number}.id: The selected variants.{number}.id is invalid.")  # guess
        if "price" not in entry or entry["price"] is None:
            raise Problem(8150, f"variants.{number}.price: The variants.{number}.price field is required.")
        if not _ints(entry["price"]) or entry["price"] < 0:
            raise Problem(8150, f"variants.{number}.price: The variants.{number}.price must be an integer.")
        chosen[entry["id"]] = entry
    return chosen


def _product_variant(variant: dict, entry: dict | None) -> dict:
    """One row of the whole matrix: chosen variants as sent, the rest disabled and priced at cost (M). `options`
    holds the ids of the variant's values in the product's `options`, in the same order."""
    return {
        "id": variant["id"],
        "sku": (entry or {}).get("sku") or f"SBX-{variant['id']}",
        "cost": variant["cost"],
        "price": entry["price"] if entry else variant["cost"],
        "title": variant["title"],
        "grams": variant["grams"],
        "is_enabled": bool(entry.get("is_enabled", True)) if entry else False,
        "is_default": bool(entry.get("is_default", False)) if entry else False,
        "is_available": variant["is_available"],
        "options": [catalog.option_value(option, title)["id"] for option, title in variant["options"].items()],
    }


def _options(variants: list[dict]) -> list[dict]:
    """The product's options: one per catalog option (colour, size, …), listing every value its variants use."""
    return [
        {
            "name": catalog.OPTION_NAMES[option],
            "type": option,
            "values": [
                catalog.option_value(option, title)
                for title in dict.fromkeys(variant["options"][option] for variant in variants)
            ],
        }
        for option in variants[0]["options"]
    ]


def _check_coverage(product: dict) -> None:
    """8251 unless every enabled variant is in some print area that carries an image."""
    covered = {
        variant_id
        for area in product["print_areas"]
        if any(placeholder["images"] for placeholder in area["placeholders"])
        for variant_id in area["variant_ids"]
    }
    missing = [v["id"] for v in product["variants"] if v["is_enabled"] and v["id"] not in covered]
    if missing:
        raise Problem(8251, f"print_areas do not cover all variants (missing {', '.join(map(str, missing))})")


def _cover_everything(product: dict) -> None:
    """The real answer rewrites variant_ids so the print areas list every variant (M): disabled ones go to
    the first area. Enabled variants are never added, so _check_coverage still sees the caller's mistake."""
    listed = {variant_id for area in product["print_areas"] for variant_id in area["variant_ids"]}
    extra = [v["id"] for v in product["variants"] if not v["is_enabled"] and v["id"] not in listed]
    if product["print_areas"]:
        product["print_areas"][0]["variant_ids"] += extra


def _paginate(items: list, query: dict, *, default_limit: int, max_limit: int) -> dict:
    """Laravel's envelope, as Printify lists answer."""
    try:
        limit = int(query.get("limit", default_limit))
        page = int(query.get("page", 1))
    except ValueError:
        raise Problem(8150, "limit and page must be whole numbers.") from None
    if not 1 <= limit <= max_limit:
        raise Problem(8150, f"limit: The limit may not be greater than {max_limit}.")  # guess: real may clamp
    page = max(page, 1)
    total = len(items)
    last = max(1, -(-total // limit))
    chunk = items[(page - 1) * limit : page * limit]
    first_index = (page - 1) * limit + 1 if chunk else None
    return {
        "current_page": page,
        "data": chunk,
        "first_page_url": "/?page=1",
        "from": first_index,
        "last_page": last,
        "last_page_url": f"/?page={last}",
        "next_page_url": f"/?page={page + 1}" if page < last else None,
        "path": "/",
        "per_page": limit,
        "prev_page_url": f"/?page={page - 1}" if page > 1 else None,
        "to": first_index + len(chunk) - 1 if chunk else None,
        "total": total,
    }


def _public_hook(hook: dict) -> dict:
    return {key: hook[key] for key in ("id", "topic", "url", "shop_id")}


def _too_many(limit: int) -> Response:
    # guess: the 429 body is undocumented; Laravel's default text. X-RateLimit-Limit was seen live (M).
    return json_response(
        429, {"status": "error", "code": 429, "message": "Too Many Attempts."}, {"X-RateLimit-Limit": str(limit)}
    )


def _request_id() -> str:
    return f"{int(time.time())}@{uuid.uuid4().hex[:16]}"


def _timestamp(*, with_zone: bool = True) -> str:
    text = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return text + "+00:00" if with_zone else text
