"""Printify API v1 client: shops, catalog, uploads, products, publishing, orders, webhooks, webhook signatures.

Facts and sources: shared/reference/printify-api.md. Nothing here knows about Design or settings.

Rate limits are per account and shared by every process, so each request (and each repeat of it) first takes a
slot from the SharedRateLimiter when one is given: "global" for every call, plus "catalog" or "publish".
Every 429 slows the "global" pace for every process (the account's limit is shared with other apps, so Printify
may refuse us below the configured rate): Printify does not say which of its limits refused, the account-wide one
is the one other apps share, and slowing the publish budget (a 30-minute window, so hours to recover) for a
refusal that most likely came from the global limit would stall publishing.
Which calls are repeated after 429/502/503/504 or a lost connection is explained in integrations/http.py.

Unsure in the references, handled on purpose: Printify documents no Retry-After on 429 (we honour it when
present, for every process, else wait at least a second and for the slowed limiter); whether its windows are
fixed or rolling is unknown (our limiter's sliding log is safe for both); publishing_succeeded answers {} per the
docs but {"product_id"} in practice, so nothing reads it.

Past 400 lines as one module on purpose: one client for one API, its calls sharing the session, the rate-limit
slots and the error mapping; the HTTP mechanics shared with the other clients live in integrations/http.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
from dataclasses import dataclass
from urllib.parse import quote

import requests

from integrations.http import (
    DEFAULT_RETRY,
    DEFAULT_TIMEOUT,
    BadResponse,
    RateLimited,
    RetryPolicy,
    build_session,
    dumps,
    error_body,
    int_or_none,
    json_body,
    send,
)

SERVICE = "Printify"
PUBLISH_PARTS = ("title", "description", "images", "variants", "tags", "keyFeatures", "shipping_template")
MAX_PRODUCTS_PER_PAGE = 50
# The webhook topics about products that podsite registers and handles (printify-api.md §6).
PRODUCT_TOPICS = ("product:publish:started", "product:updated", "product:deleted")
# The order topics (printify-api.md "Orders"): each carries ids and little else, so the order is read with a GET.
ORDER_TOPICS = (
    "order:created",
    "order:updated",
    "order:sent-to-production",
    "order:shipment:created",
    "order:shipment:delivered",
)
# The shop topic: Printify's docs name it without an example body; we read the shop id from `resource.id` (type
# "shop") or from `resource.data.shop_id` (unsure which it sends; both are accepted).
SHOP_TOPICS = ("shop:disconnected",)
# Sources disagree on the largest page of orders (10 or 50): 10 works with either.
ORDERS_PER_PAGE = 10
# The v2 catalog's shipping methods (printify-api.md "Shops and catalog details"); economy is listed only in v2.
SHIPPING_METHODS = ("standard", "priority", "express", "economy")
# The v2 rows' catch-all destination: "all the countries that don't have the costs specified".
REST_OF_THE_WORLD = "REST_OF_THE_WORLD"


@dataclass(frozen=True)
class ShippingRate:
    """One row of a v2 per-method shipping answer: what one variant costs to ship to one country (or to
    REST_OF_THE_WORLD), the first item and each additional one, in cents of `currency`."""

    variant_id: int
    country: str
    first_item: int
    additional_items: int
    currency: str
    handling_days: tuple[int, int] | None = None  # (from, to) when the answer says


@dataclass(frozen=True)
class PrintifyLimits:
    """Printify's documented limits (per account); configurable because Printify may change them."""

    per_minute: int = 600
    catalog_per_minute: int = 100
    publish_limit: int = 200
    publish_window_seconds: float = 1800
    max_wait: float = 20.0  # how long one call may wait for a slot before RateLimited goes to the caller


class TTLCache:
    """A tiny in-process cache with Django's cache API subset (get/set with a timeout in seconds).

    The catalog is read-only data, so a per-process copy is fine; pass a Django cache instead to share it.
    """

    def __init__(self):
        self._items: dict[str, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, key, default=None):
        with self._lock:
            expires, value = self._items.get(key, (0.0, default))
            return value if expires > time.monotonic() else default

    def set(self, key, value, timeout):
        with self._lock:
            self._items[key] = (time.monotonic() + timeout, value)

    def clear(self):
        with self._lock:
            self._items.clear()


catalog_cache = TTLCache()  # shared by every client in the process: the catalog is the same for every account


class PrintifyClient:
    def __init__(
        self,
        token: str,
        shop_id: str | int,
        base_url: str = "https://api.printify.com/v1",
        *,
        limiter=None,
        session: requests.Session | None = None,
        timeout=DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        limits: PrintifyLimits = PrintifyLimits(),
        cache=None,
        catalog_ttl: float = 3600,
        limiter_prefix: str = "printify",
        v2_base_url: str | None = None,
    ):
        if not token:
            raise ValueError("PrintifyClient needs an API token")
        self._token = token
        self.shop_id = str(shop_id)
        self.base_url = base_url.rstrip("/")
        # v2 (JSON:API, catalog shipping only) lives beside v1: …/v1 → …/v2 unless told otherwise.
        self.v2_base_url = (v2_base_url or re.sub(r"/v1$", "/v2", self.base_url)).rstrip("/")
        self.limiter = limiter
        self.session = session or build_session()
        self.timeout = timeout
        self.retry = retry
        self.limits = limits
        self.cache = cache if cache is not None else catalog_cache
        self.catalog_ttl = catalog_ttl
        self.limiter_prefix = limiter_prefix

    def __repr__(self) -> str:
        return f"PrintifyClient({self.base_url!r}, shop_id={self.shop_id!r})"

    # --- shops and catalog -------------------------------------------------------------------------------------

    def shops(self) -> list:
        return self._call("GET", "/shops.json", what="the shop list", expect=list)

    def blueprints(self) -> list:
        return self._catalog("/catalog/blueprints.json", what="the blueprint list", expect=list)

    def blueprint(self, blueprint_id: int) -> dict:
        return self._catalog(f"/catalog/blueprints/{_id(blueprint_id)}.json", what="the blueprint", expect=dict)

    def print_providers(self, blueprint_id: int) -> list:
        path = f"/catalog/blueprints/{_id(blueprint_id)}/print_providers.json"
        return self._catalog(path, what="the print providers", expect=list)

    def variants(self, blueprint_id: int, provider_id: int, *, show_out_of_stock: bool = False) -> dict:
        """{id, title, variants: [{id, title, options: {"color": …, "size": …}, placeholders: [{position, width,
        height, …}]}]}: the provider's variants, only those in stock unless show_out_of_stock (nothing in the
        answer tells which are out of stock). Option values are titles here, ids on products."""
        path = f"/catalog/blueprints/{_id(blueprint_id)}/print_providers/{_id(provider_id)}/variants.json"
        if show_out_of_stock:
            path += "?show-out-of-stock=1"
        return self._catalog(path, what="the variants", expect=dict)

    def shipping(self, blueprint_id: int, provider_id: int) -> dict:
        """{handling_time: {value, unit}, profiles: [{variant_ids, first_item: {cost, currency}, additional_items,
        countries}]}: costs in cents; countries are codes or "REST_OF_THE_WORLD"."""
        path = f"/catalog/blueprints/{_id(blueprint_id)}/print_providers/{_id(provider_id)}/shipping.json"
        return self._catalog(path, what="the shipping rates", expect=dict)

    def all_print_providers(self) -> list:
        """GET /v1/catalog/print_providers.json: [{id, title, location: {address1, city, region, country, zip, …}}]
        for every provider (the per-blueprint list has no location). `location` is a return address; only its
        city, region and country are read, and a provider without one is shown as such."""
        return self._catalog("/catalog/print_providers.json", what="the print provider list", expect=list)

    def shipping_rates(self, blueprint_id: int, provider_id: int, method: str) -> list[ShippingRate]:
        """GET /v2/catalog/blueprints/{b}/print_providers/{p}/shipping/{method}.json: one rate per variant and
        country (REST_OF_THE_WORLD for every country not listed). Counts against the catalog's 100 a minute like
        v1's catalog (printify-api.md). A provider that does not offer the method is expected to answer 404
        (NotFound) or an empty list: the reference does not say which, so callers treat both as "not offered".
        Rows whose numbers are missing are left out, never guessed (shipping_rates_from)."""
        if method not in SHIPPING_METHODS:
            raise ValueError(f"Unknown shipping method {method!r}: one of {', '.join(SHIPPING_METHODS)}")
        path = f"/catalog/blueprints/{_id(blueprint_id)}/print_providers/{_id(provider_id)}/shipping/{method}.json"
        answer = self._catalog(path, what=f"the {method} shipping rates", expect=dict, base=self.v2_base_url)
        return shipping_rates_from(answer)

    def _catalog(self, path: str, *, what: str, expect, base: str | None = None):
        base = base or self.base_url
        key = f"printify-catalog:{base}{path}"
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        value = self._call("GET", path, what=what, expect=expect, extra_bucket="catalog", base=base)
        self.cache.set(key, value, self.catalog_ttl)
        return value

    # --- uploads -----------------------------------------------------------------------------------------------

    def upload_image(self, file_name: str, *, url: str | None = None, contents: bytes | None = None) -> dict:
        """Upload by URL (Printify fetches it; it must be public) or by contents. Safe to repeat: uploads are
        content-addressed, identical bytes give the same id. Printify advises URLs above 5 MB."""
        if (url is None) == (contents is None):
            raise ValueError("upload_image needs exactly one of url= or contents=")
        payload = {"file_name": file_name}
        if url is not None:
            payload["url"] = url
        else:
            payload["contents"] = base64.b64encode(contents).decode("ascii")
        return self._call("POST", "/uploads/images.json", what="the image upload", payload=payload, safe=True)

    def get_upload(self, upload_id: str) -> dict:
        return self._call("GET", f"/uploads/{_id(upload_id)}.json", what="the upload")

    # --- products ----------------------------------------------------------------------------------------------

    def create_product(self, payload: dict) -> dict:
        """NOT repeated: Printify has no idempotency key, a repeat after a lost answer makes a duplicate."""
        return self._call("POST", self._shop("/products.json"), what="the product", payload=payload, safe=False)

    def get_product(self, product_id: str) -> dict:
        return self._call("GET", self._shop(f"/products/{_id(product_id)}.json"), what="the product")

    def list_products(self, page: int = 1, limit: int = MAX_PRODUCTS_PER_PAGE) -> dict:
        """One page of the Laravel envelope (current_page, data, last_page, next_page_url, total, …)."""
        if not 1 <= limit <= MAX_PRODUCTS_PER_PAGE or page < 1:
            raise ValueError(f"page must be ≥ 1 and limit between 1 and {MAX_PRODUCTS_PER_PAGE}")
        answer = self._call(
            "GET", self._shop("/products.json"), what="the product list", params={"page": page, "limit": limit}
        )
        if not isinstance(answer.get("data"), list):
            raise BadResponse("Printify sent a product list without a data list", service=SERVICE)
        return answer

    def update_product(self, product_id: str, payload: dict) -> dict:
        path = self._shop(f"/products/{_id(product_id)}.json")
        return self._call("PUT", path, what="the product update", payload=payload, safe=True)

    def delete_product(self, product_id: str) -> None:
        self._call("DELETE", self._shop(f"/products/{_id(product_id)}.json"), what="the product", safe=True)

    def publish(self, product_id: str, parts: dict | None = None) -> None:
        """Publish all parts by default; parts={"images": False, …} leaves those alone in the sales channel."""
        body = dict.fromkeys(PUBLISH_PARTS, True)
        if parts:
            unknown = set(parts) - set(PUBLISH_PARTS)
            if unknown:
                raise ValueError(f"Unknown publish parts: {', '.join(sorted(unknown))}")
            body.update({name: bool(value) for name, value in parts.items()})
        path = self._shop(f"/products/{_id(product_id)}/publish.json")
        self._call("POST", path, what="the publish request", payload=body, safe=True, extra_bucket="publish")

    def publishing_succeeded(self, product_id: str, external: dict) -> None:
        """API shops only: unlock the product and record where it was published ({"id", "handle"})."""
        path = self._shop(f"/products/{_id(product_id)}/publishing_succeeded.json")
        self._call("POST", path, what="the publishing result", payload={"external": external}, safe=True)

    def publishing_failed(self, product_id: str, reason: str) -> None:
        path = self._shop(f"/products/{_id(product_id)}/publishing_failed.json")
        self._call("POST", path, what="the publishing result", payload={"reason": reason}, safe=True)

    def unpublish(self, product_id: str) -> None:
        self._call("POST", self._shop(f"/products/{_id(product_id)}/unpublish.json"), what="the unpublish", safe=True)

    # --- orders ------------------------------------------------------------------------------------------------

    def list_orders(self, shop_id: str | int, page: int = 1) -> dict:
        """One page (ORDERS_PER_PAGE orders, newest first) of the Laravel envelope: current_page, last_page, data…

        There is no "updated since" filter, and new orders shift the pages while someone reads them."""
        if page < 1:
            raise ValueError("page must be ≥ 1")
        path = f"/shops/{_id(shop_id)}/orders.json"
        answer = self._call("GET", path, what="the order list", params={"page": page, "limit": ORDERS_PER_PAGE})
        if not isinstance(answer.get("data"), list):
            raise BadResponse("Printify sent an order list without a data list", service=SERVICE)
        return answer

    def get_order(self, shop_id: str | int, order_id: str) -> dict:
        return self._call("GET", f"/shops/{_id(shop_id)}/orders/{_id(order_id)}.json", what="the order")

    # --- webhooks ----------------------------------------------------------------------------------------------

    def webhooks(self) -> list:
        return self._call("GET", self._shop("/webhooks.json"), what="the webhook list", expect=list)

    def create_webhook(self, topic: str, url: str, secret: str | None = None) -> dict:
        payload = {"topic": topic, "url": url}
        if secret:
            payload["secret"] = secret
        return self._call("POST", self._shop("/webhooks.json"), what="the webhook", payload=payload, safe=False)

    def delete_webhook(self, webhook_id: str, host: str) -> dict:
        path = self._shop(f"/webhooks/{_id(webhook_id)}.json")
        return self._call("DELETE", path, what="the webhook", params={"host": host}, safe=True)

    # --- plumbing ----------------------------------------------------------------------------------------------

    def _shop(self, path: str) -> str:
        return f"/shops/{_id(self.shop_id)}{path}"

    def _call(
        self,
        method: str,
        path: str,
        *,
        what: str,
        payload=None,
        params=None,
        safe: bool | None = None,
        expect=dict,
        extra_bucket: str | None = None,
        base: str | None = None,
    ):
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        kwargs = {}
        if payload is not None:
            headers["Content-Type"] = "application/json;charset=utf-8"
            kwargs["data"] = dumps(payload)
        response = send(
            self.session,
            method,
            (base or self.base_url) + path,
            service=SERVICE,
            what=what,
            safe_to_repeat=(method == "GET") if safe is None else safe,
            retry=self.retry,
            timeout=self.timeout,
            secrets=(self._token,),
            error_details=printify_error_details,
            pacer=_AccountPacer(self, extra_bucket) if self.limiter else None,
            headers=headers,
            params=params,
            **kwargs,
        )
        if method != "GET" and not response.content.strip():
            return {}  # some writes answer with an empty body
        return json_body(response, service=SERVICE, what=what, expect=expect)

    def _take_slots(self, extra_bucket: str | None) -> int:
        """Slots for one request; returns the global bucket's slowdown count at the grant."""
        limits = self.limits
        slowdowns = self.limiter.acquire(self._global_bucket, limits.per_minute, 60, max_wait=limits.max_wait)
        if extra_bucket == "catalog":
            bucket, limit, window = "catalog", limits.catalog_per_minute, 60
        elif extra_bucket == "publish":
            bucket, limit, window = "publish", limits.publish_limit, limits.publish_window_seconds
        else:
            return slowdowns
        self.limiter.acquire(f"{self.limiter_prefix}:{bucket}", limit, window, max_wait=limits.max_wait)
        return slowdowns

    def _slow_down(self, slowdowns_at_grant: int, retry_after: float | None) -> None:
        self.limiter.slow_down(
            self._global_bucket,
            self.limits.per_minute,
            60,
            slowdowns_at_grant=slowdowns_at_grant,
            retry_after=retry_after,
        )

    @property
    def _global_bucket(self) -> str:
        return f"{self.limiter_prefix}:global"


class _AccountPacer:
    """One call's pacing (an http.Pacer): slots before each attempt, and each 429 slows the account's pace."""

    def __init__(self, client: PrintifyClient, extra_bucket: str | None):
        self.client = client
        self.extra_bucket = extra_bucket
        self.slowdowns_at_grant = 0

    def before_attempt(self) -> None:
        self.slowdowns_at_grant = self.client._take_slots(self.extra_bucket)

    def rate_limited(self, error: RateLimited) -> None:
        self.client._slow_down(self.slowdowns_at_grant, error.retry_after)


def _id(value) -> str:
    text = str(value)
    if not text:
        raise ValueError("an id must not be empty")
    return quote(text, safe="")


def shipping_rates_from(answer: dict) -> list[ShippingRate]:
    """The rows of a v2 per-method shipping answer (JSON:API):

        {"data": [{"type": "variant_shipping_standard_us", "id": "23494", "attributes": {"shippingType": "standard",
          "country": {"code": "US"}, "variantId": 23494, "shippingPlanId": "…", "handlingTime": {"from": 4, "to": 8},
          "shippingCost": {"firstItem": {"amount": 399, "currency": "USD"},
                           "additionalItems": {"amount": 219, "currency": "USD"}}}}]}

    Unsure: that shape is Printify's HTML reference (developers.printify.com, catalog v2) as quoted by third-party
    clients (ARau87/printify-mcp's design notes; two TypeScript clients read the same attribute names); no live
    answer was seen here. One Go client reads the same fields flat and in snake_case without "attributes", so a
    row without "attributes" is read as the attributes themselves, and snake_case names are accepted too. A row
    missing its variant, country or either amount is left out: a rate is never guessed."""
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, list):
        raise BadResponse("Printify sent shipping rates without a data list", service=SERVICE)
    rates = []
    for row in data:
        if not isinstance(row, dict):
            continue
        attributes = row.get("attributes") if isinstance(row.get("attributes"), dict) else row
        country = _either(attributes, "country")
        code = country.get("code") if isinstance(country, dict) else country
        cost = _either(attributes, "shippingCost", "shipping_cost")
        cost = cost if isinstance(cost, dict) else {}
        first = _either(cost, "firstItem", "first_item")
        additional = _either(cost, "additionalItems", "additional_items")
        variant_id = int_or_none(_either(attributes, "variantId", "variant_id"))
        first_amount = int_or_none(first.get("amount")) if isinstance(first, dict) else None
        additional_amount = int_or_none(additional.get("amount")) if isinstance(additional, dict) else None
        if variant_id is None or not isinstance(code, str) or not code or None in (first_amount, additional_amount):
            continue
        handling = _either(attributes, "handlingTime", "handling_time")
        days = None
        if isinstance(handling, dict):
            low, high = int_or_none(handling.get("from")), int_or_none(handling.get("to"))
            days = (low, high) if low is not None and high is not None else None
        rates.append(
            ShippingRate(
                variant_id=variant_id,
                country=code.upper() if code != REST_OF_THE_WORLD else code,
                first_item=first_amount,
                additional_items=additional_amount,
                currency=str(first.get("currency") or ""),
                handling_days=days,
            )
        )
    return rates


def _either(mapping: dict, *names: str):
    return next((mapping[name] for name in names if name in mapping), None)


def variant_options(product: dict) -> dict[int, dict[str, str]]:
    """{variant id: {option type: value title}} for a product, e.g. {17390: {"color": "Heather Grey", "size": "XS"}}:
    the same keys and titles as the catalog's variants.json. A product's variants name their option values by id
    (variants[].options = [ids]); the product's options[].values[] give each id its title. Value ids are unique
    within a product in every example we have; an id the product does not list is left out, not guessed. Ids are
    compared as text: the examples show numbers, but PrintiPy types the option values' ids as strings."""
    titles = {
        str(value["id"]): (option.get("type") or option.get("name"), value.get("title"))
        for option in product.get("options") or []
        for value in option.get("values") or []
        if isinstance(value, dict) and "id" in value
    }
    return {
        variant["id"]: dict(titles[str(value)] for value in variant.get("options") or [] if str(value) in titles)
        for variant in product.get("variants") or []
    }


def printify_error_details(response: requests.Response) -> tuple[int | str | None, str | None]:
    """(code, reason) from {"status":"error","code","message","errors":{"reason","code"}} or {"error": …}.

    errors.reason may itself be a JSON string (printify-api.md §1); Laravel-style {"field": ["msg"]} errors are
    flattened to "field: msg".
    """
    body = error_body(response)
    errors = body.get("errors")
    code = body.get("code")
    reason = None
    if isinstance(errors, dict):
        code = code if code is not None else errors.get("code")
        reason = _readable(errors["reason"]) if "reason" in errors else _readable(errors)
    elif errors:
        reason = _readable(errors)
    if not reason:
        message = body.get("message") or body.get("error")
        reason = _readable(message) if message else None
    return code, reason


def _readable(value) -> str:
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in "{[":
            try:
                return _readable(json.loads(stripped))
            except ValueError:
                pass
        return stripped
    if isinstance(value, dict):
        parts = []
        for key, item in value.items():
            if key == "code":
                continue
            text = _readable(item)
            parts.append(text if key == "reason" else f"{key}: {text}")
        return "; ".join(part for part in parts if part)
    if isinstance(value, list):
        return "; ".join(_readable(item) for item in value if item is not None)
    return "" if value is None else str(value)


def verify_webhook_signature(secret: str, raw_body: bytes, header: str | None) -> bool:
    """True when X-Pfy-Signature is "sha256=<hex HMAC-SHA256(secret, raw body)>" (constant-time compare).

    The header arrives from anyone: whatever is not exactly that shape (non-ASCII bytes included) is simply false.
    """
    if not secret or not isinstance(header, str) or not isinstance(raw_body, bytes):
        return False
    given = re.fullmatch(r"sha256=(?P<digest>[0-9a-f]{64})", header.strip(), re.ASCII | re.IGNORECASE)
    if not given:
        return False
    expected = hmac.new(secret.encode("utf-8"), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode("ascii"), given["digest"].lower().encode("ascii"))


# Printify's events nest four levels (event → resource → data → values); an attacker holding the secret (or a
# replayed body) must not reach Python's recursion limit, which the JSON parser and repr() both hit near 1,000.
WEBHOOK_MAX_DEPTH = 20


class WebhookBodyInvalid(ValueError):
    """A signed webhook body that is not an event; the message is the answer's text."""


def read_webhook_event(raw_body: bytes) -> dict:
    """The event object of a verified webhook body, or WebhookBodyInvalid saying why not."""
    too_deep = WebhookBodyInvalid(
        f"The body is nested too deeply for a Printify event (at most {WEBHOOK_MAX_DEPTH} levels)."
    )
    try:
        event = json.loads(raw_body)
    except RecursionError:
        raise too_deep from None
    except ValueError:
        raise WebhookBodyInvalid("The body is not JSON.") from None
    if not isinstance(event, dict):
        raise WebhookBodyInvalid("The body is not a JSON object.")
    if _nested_deeper_than(event, WEBHOOK_MAX_DEPTH):
        raise too_deep
    return event


def _nested_deeper_than(value, limit: int) -> bool:
    """Whether objects and lists nest more than `limit` levels (walked with a stack, not recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def mockup_urls(product: dict) -> list[str]:
    """The mockup image URLs of a product answer (`images[].src`), the default one first."""
    images = [image for image in product.get("images") or [] if isinstance(image, dict) and image.get("src")]
    return [str(image["src"]) for image in sorted(images, key=lambda image: not image.get("is_default"))]
