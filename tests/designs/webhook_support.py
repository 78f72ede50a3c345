"""Printify webhook deliveries as Printify sends them: signed events about one published product."""

import hashlib
import hmac
import json

from django.urls import reverse

from tests.designs.publishing_support import SHOP

SECRET = "0123456789abcdef0123456789abcdef01234567"
PRODUCT = "5d39b411749d0a000f30e0f4"


def event(topic, product_id=PRODUCT, event_id="653b6be8-2ff7-4ab5-a7a6-6889a8b3bbf5", **data):
    return {
        "id": event_id,
        "type": topic,
        "created_at": "2026-11-28 10:00:00+00:00",
        "resource": {"id": product_id, "type": "product", "data": {"shop_id": int(SHOP), **data}},
    }


def post(client, body, signature="valid"):
    raw = json.dumps(body).encode()
    headers = {}
    if signature == "valid":
        headers["HTTP_X_PFY_SIGNATURE"] = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    elif signature:
        headers["HTTP_X_PFY_SIGNATURE"] = signature
    return client.post(
        reverse("designs:printify_webhook"), raw, content_type="application/json", secure=True, **headers
    )
