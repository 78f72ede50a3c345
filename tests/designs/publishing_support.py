"""Helpers for the publishing tests: real PNG designs, product templates shaped like the catalog, and a
`responses`-backed Printify that keeps the products it created (so resume and adoption can be checked)."""

from __future__ import annotations

import io
import itertools
import json
import re

import responses
from django.core.files.base import ContentFile
from PIL import Image

API = "https://api.printify.com/v1"
SHOP = "77"
TOKEN = "pfy-token-do-not-leak-123456"

# The catalog's variants.json answer for blueprint 3 / provider 3 (two of its variants).
CATALOG_VARIANTS = {
    "id": 3,
    "title": "The Dream Junction",
    "variants": [
        {
            "id": 17390,
            "title": "Heather Grey / XS",
            "placeholders": [{"position": "front", "width": 3153, "height": 3995}],
        },
        {
            "id": 17393,
            "title": "Heather Grey / L",
            "placeholders": [{"position": "front", "width": 4500, "height": 5700}],
        },
    ],
}

# Blueprint 3 / provider 3 (printify-api.md §6): XS variants 3153×3995, L and XL 4500×5700.
TEE_VARIANTS = [
    {"id": 17390, "title": "Heather Grey / XS", "price": 2499, "is_enabled": True},
    {"id": 17426, "title": "Solid Black / XS", "price": 2499, "is_enabled": True},
    {"id": 17393, "title": "Heather Grey / L", "price": 2699, "is_enabled": True},
    {"id": 17394, "title": "Heather Grey / XL", "price": 2699, "is_enabled": False},
]
TEE_PLACEHOLDERS = {
    "17390": {"front": {"width": 3153, "height": 3995}, "back": {"width": 3153, "height": 3995}},
    "17426": {"front": {"width": 3153, "height": 3995}, "back": {"width": 3153, "height": 3995}},
    "17393": {"front": {"width": 4500, "height": 5700}, "back": {"width": 4500, "height": 5700}},
    "17394": {"front": {"width": 4500, "height": 5700}},
}


def configure_printify(settings) -> None:
    settings.PRINTIFY_API_TOKEN = TOKEN
    settings.PRINTIFY_SHOP_ID = SHOP
    settings.PRINTIFY_API_BASE = API
    settings.PUBLIC_BASE_URL = ""
    # Unit tests check payloads, not pacing: keep the shared limiter (Redis state outlives tests) out of the way.
    settings.PRINTIFY_RATE_PER_MINUTE = 1_000_000
    settings.PRINTIFY_PUBLISH_LIMIT = 1_000_000
    # These tests publish tiny images to check Printify requests; the print-quality gate has its own tests
    # (tests/designs/test_print_gate.py), so it lets everything through here.
    settings.MIN_PRINT_DPI = 0


def make_template(**fields):
    from designs.models import ProductTemplate

    values = {
        "name": "Kids tee",
        "blueprint_id": 3,
        "print_provider_id": 3,
        "variants": [dict(v) for v in TEE_VARIANTS],
        "print_position": "front",
        "placement": {"mode": "fixed", "x": 0.5, "y": 0.5, "scale": 1.0, "angle": 0},
        "placeholders": TEE_PLACEHOLDERS,
        "title_template": "{{ title|truncatechars:40 }}",
        "prompt_is_title": True,  # these tests publish designs under their prompts; tests of the title rule say False
        "description_template": "<p>{{ prompt }}</p>",
        "tags_template": "kids, {{ style }}",
        "is_default": True,
        "review_mockups": False,  # straight to the store; the mockup review tests ask for it
    }
    values.update(fields)
    return ProductTemplate.objects.create(**values)


def tee_template(**fields):
    """An unsaved tee template (the model's default text templates) for pure checks, texts and payloads."""
    from designs.models import ProductTemplate

    values = {
        "name": "Tee",
        "blueprint_id": 3,
        "print_provider_id": 3,
        "variants": [dict(v) for v in TEE_VARIANTS],
        "placement": {"mode": "fixed", "x": 0.5, "y": 0.5, "scale": 1.0, "angle": 0},
        "placeholders": TEE_PLACEHOLDERS,
        "prompt_is_title": True,  # these tests render titles from prompts; the title rule's tests say False
    }
    values.update(fields)
    return ProductTemplate(**values)


def product_of(design, template=None):
    """The design's product (of `template`, or its only one), read fresh from the database."""
    from designs.models import Product

    products = Product.objects.filter(design=design)
    return products.get(template=template) if template is not None else products.get()


def make_product(design, template=None, **fields):
    """A product row as a finished run leaves it (e.g. live with a Printify id), for unpublish and webhook tests."""
    from designs.models import Product
    from designs.product_templates import sku_prefix, template_snapshot

    values = {"state": "live", "template_name": template.name if template else "", "sku_prefix": sku_prefix(design.pk)}
    if template is not None:
        values.update(template=template, template_snapshot=template_snapshot(template))
        values["sku_prefix"] = sku_prefix(design.pk, template.pk)
    return Product.objects.create(design=design, **{**values, **fields})


def png_bytes(size=(64, 80), color=(200, 40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def attach_image(design, size=(64, 80)):
    design.image.save("original.png", ContentFile(png_bytes(size)), save=False)
    design.image_width, design.image_height = size
    design.save()
    return design


def mockup_images(product_id: str, variant_ids: list[int]) -> list[dict]:
    """Mockups as Printify lists them on a product: front and back per variant group, the first one the default."""
    return (
        [
            {
                "src": f"https://images-api.printify.com/mockup/{product_id}/{variant_ids[0]}/{position}.jpg",
                "variant_ids": variant_ids,
                "position": position,
                "is_default": position == "front",
            }
            for position in ("back", "front")
        ]
        if variant_ids
        else []
    )


class FakePrintify:
    """Printify answers for the calls publishing makes, with products kept in memory between calls."""

    def __init__(self, rsps: responses.RequestsMock):
        self.rsps = rsps
        self.products: dict[str, dict] = {}
        self.uploads: list[dict] = []
        self.created: list[dict] = []
        self.published: list[tuple[str, dict]] = []
        self.deleted: list[str] = []
        self.updated: list[tuple[str, dict]] = []  # (product id, PUT body)
        self.ids = (f"{n:024x}" for n in itertools.count(0xA0000))
        # operation -> answers to give before the normal one: (status, body, headers) or an exception to raise
        self.failures: dict[str, list] = {}
        self.options: list[dict] | None = None  # the options (with colour codes) a created product answers with
        shop = re.escape(f"{API}/shops/{SHOP}")
        rsps.add_callback(responses.POST, f"{API}/uploads/images.json", callback=self._upload)
        rsps.add_callback(responses.POST, f"{API}/shops/{SHOP}/products.json", callback=self._create)
        rsps.add_callback(responses.GET, re.compile(rf"{shop}/products\.json(\?.*)?$"), callback=self._list)
        rsps.add_callback(responses.GET, re.compile(rf"{shop}/products/(\w+)\.json$"), callback=self._get)
        rsps.add_callback(responses.PUT, re.compile(rf"{shop}/products/(\w+)\.json$"), callback=self._update)
        rsps.add_callback(responses.POST, re.compile(rf"{shop}/products/(\w+)/publish\.json$"), callback=self._publish)
        rsps.add_callback(responses.DELETE, re.compile(rf"{shop}/products/(\w+)\.json$"), callback=self._delete)

    def fail(self, operation: str, status: int = 400, body: dict | None = None, *, headers=None, times: int = 1):
        """The next `times` calls of `operation` (upload, create, list, get, update, publish, delete) fail so."""
        self.failures.setdefault(operation, []).extend([(status, body or {}, headers or {})] * times)

    @staticmethod
    def _json(status, body, headers=None):
        headers = {"Content-Type": "application/json", "x-pfy-correlation-id": "test", **(headers or {})}
        return status, headers, json.dumps(body)

    def _failure(self, operation: str):
        queued = self.failures.get(operation)
        if not queued:
            return None
        status, body, headers = queued.pop(0)
        return self._json(status, body, headers)

    def _upload(self, request):
        if failure := self._failure("upload"):
            return failure
        body = json.loads(request.body)
        self.uploads.append(body)
        return self._json(200, {"id": f"upload{len(self.uploads):018d}", "file_name": body["file_name"]})

    def _create(self, request):
        if failure := self._failure("create"):
            return failure
        body = json.loads(request.body)
        product_id = next(self.ids)
        product = {**body, "id": product_id, "is_locked": False, "images": [], "shop_id": int(SHOP)}
        if self.options is not None:
            product["options"] = self.options
        # Printify renders mockups on create; a GET returns them (the create answer's list is not relied on).
        variant_ids = [v["id"] for v in body.get("variants", []) if v.get("is_enabled", True)]
        self.products[product_id] = {**product, "images": mockup_images(product_id, variant_ids)}
        self.created.append(body)
        return self._json(200, product)

    def add_product(self, product: dict) -> str:
        """A product that already exists in the shop (made by an earlier, crashed run)."""
        product_id = next(self.ids)
        self.products[product_id] = {"id": product_id, "is_locked": False, "images": [], **product}
        return product_id

    def _list(self, request):
        if failure := self._failure("list"):
            return failure
        page = int(request.params.get("page", 1))
        limit = int(request.params.get("limit", 10))
        newest_first = list(reversed(self.products.values()))
        data = newest_first[(page - 1) * limit : page * limit]
        more = page * limit < len(newest_first)
        return self._json(
            200,
            {
                "current_page": page,
                "data": data,
                "per_page": limit,
                "total": len(newest_first),
                "next_page_url": f"/?page={page + 1}" if more else None,
            },
        )

    def _get(self, request):
        if failure := self._failure("get"):
            return failure
        product_id = request.url.rsplit("/", 1)[-1].removesuffix(".json")
        if product_id not in self.products:
            return self._json(404, {"error": "Not found"})
        return self._json(200, self.products[product_id])

    def _update(self, request):
        """PUT: texts replaced, variants merged by id (printify-api.md §4, as measured)."""
        if failure := self._failure("update"):
            return failure
        product_id = request.url.rsplit("/", 1)[-1].removesuffix(".json")
        if product_id not in self.products:
            return self._json(404, {"error": "Not found"})
        body = json.loads(request.body)
        self.updated.append((product_id, body))
        product = self.products[product_id]
        product.update({name: body[name] for name in ("title", "description", "tags") if name in body})
        changes = {v["id"]: v for v in body.get("variants") or []}
        product["variants"] = [{**v, **changes.get(v["id"], {})} for v in product.get("variants") or []]
        return self._json(200, product)

    def _publish(self, request):
        if failure := self._failure("publish"):
            return failure
        product_id = request.url.rsplit("/", 2)[-2]
        if product_id not in self.products:
            return self._json(404, {"error": "Not found"})
        self.products[product_id]["is_locked"] = True
        self.published.append((product_id, json.loads(request.body)))
        return self._json(200, {})

    def _delete(self, request):
        if failure := self._failure("delete"):
            return failure
        product_id = request.url.rsplit("/", 1)[-1].removesuffix(".json")
        if self.products.pop(product_id, None) is None:
            return self._json(404, {"error": "Not found"})
        self.deleted.append(product_id)
        return self._json(200, {})

    def calls(self, method: str, fragment: str) -> list:
        return [c for c in self.rsps.calls if c.request.method == method and fragment in c.request.url]


def clear_limiter(bucket: str = "printify:global") -> None:
    """Forget a shared limiter bucket's log and pace: time has passed (or an earlier test's hits must not count;
    Redis outlives the test database)."""
    from django.conf import settings

    if settings.REDIS_URL:
        import redis

        key = f"podsite:ratelimit:{bucket}"
        redis.Redis.from_url(settings.REDIS_URL).delete(key, f"{key}:pace")
    else:
        from integrations.models import RateLimitBucket

        RateLimitBucket.objects.filter(name=bucket).delete()


def reload(design):
    design.refresh_from_db()
    return design
