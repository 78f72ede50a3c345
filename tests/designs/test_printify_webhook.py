"""POST /hooks/printify/: signature (valid, invalid, missing, replayed) and what each product event changes."""

import hashlib
import hmac
import json

import pytest
import responses
from django.urls import reverse
from django.utils import timezone

from designs.models import Design, ProductEvent, WebhookReceipt
from designs.services import publishing as publish_service
from designs.workers import publish_run
from designs.workflow import Status
from tests.designs.publishing_support import API, SHOP, configure_printify, make_product, make_template, product_of

SECRET = "0123456789abcdef0123456789abcdef01234567"
PRODUCT = "5d39b411749d0a000f30e0f4"


@pytest.fixture(autouse=True)
def webhook_settings(settings):
    configure_printify(settings)
    settings.PRINTIFY_WEBHOOK_SECRET = SECRET


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


@pytest.fixture
def published(make_design):
    design = make_design(status=Status.PUBLISHED)
    make_product(
        design,
        make_template(),
        state="live",
        printify_id=PRODUCT,
        external={"id": "1", "handle": "https://shop/1"},
        published_at=timezone.now(),
    )
    return design


def test_a_deleted_product_moves_the_design_back_to_approved(client, published):
    response = post(client, event("product:deleted"))
    assert response.status_code == 200
    published.refresh_from_db()
    assert published.status == Status.APPROVED
    product = product_of(published)
    assert product.state == "deleted" and product.deleted_at is not None and product.printify_id == ""
    assert product.external == {}
    last = product.events.first()
    assert last.source == "webhook" and "the product was deleted in printify" in last.message.lower()
    assert published.events.first().message == last.message


def test_a_deleted_product_of_two_leaves_the_design_published(client, published):
    make_product(published, make_template(name="Mug", is_default=False), state="live", printify_id="e" * 24)
    assert post(client, event("product:deleted")).status_code == 200
    published.refresh_from_db()
    assert published.status == Status.PUBLISHED


@pytest.mark.parametrize(
    ("signature", "status"),
    [(None, 401), ("sha256=" + "0" * 64, 403), ("md5=abc", 403), ("sha256=", 403)],
)
def test_unsigned_or_wrongly_signed_requests_change_nothing(client, published, signature, status):
    assert post(client, event("product:deleted"), signature=signature).status_code == status
    published.refresh_from_db()
    assert published.status == Status.PUBLISHED
    assert not WebhookReceipt.objects.exists()


def test_a_body_signed_with_another_secret_is_refused(client, published):
    raw = json.dumps(event("product:deleted")).encode()
    wrong = "sha256=" + hmac.new(b"another-secret", raw, hashlib.sha256).hexdigest()
    response = client.post(
        reverse("designs:printify_webhook"),
        raw,
        secure=True,
        content_type="application/json",
        HTTP_X_PFY_SIGNATURE=wrong,
    )
    assert response.status_code == 403
    assert Design.objects.get(pk=published.pk).status == Status.PUBLISHED


def test_without_a_configured_secret_every_event_is_refused(client, settings, published):
    settings.PRINTIFY_WEBHOOK_SECRET = ""
    assert post(client, event("product:deleted")).status_code == 403
    assert Design.objects.get(pk=published.pk).status == Status.PUBLISHED


def test_a_replayed_event_is_applied_once(client, published):
    assert post(client, event("product:publish:started", action="create")).status_code == 200
    assert post(client, event("product:publish:started", action="create")).status_code == 200
    assert ProductEvent.objects.filter(message__contains="started publishing").count() == 1
    assert WebhookReceipt.objects.filter(provider="printify").count() == 1


def test_product_updated_reads_the_product_instead_of_trusting_the_body(
    client, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        assert post(client, event("product:updated")).status_code == 200
    assert len(callbacks) == 1  # a refresh task, after commit

    from designs.workers.printify_events import refresh_product

    with responses.RequestsMock() as rsps:
        rsps.get(
            f"{API}/shops/{SHOP}/products/{PRODUCT}.json",
            json={"id": PRODUCT, "external": {"id": "9", "handle": "https://shop/9"}, "images": [{"src": "https://m"}]},
        )
        assert refresh_product(product_of(published).pk) is True
    product = product_of(published)
    assert product.external == {"id": "9", "handle": "https://shop/9"}
    assert product.mockups == ["https://m"]


def test_unknown_products_other_shops_and_other_topics_are_acknowledged_and_ignored(client, published):
    assert post(client, event("product:deleted", product_id="f" * 24, event_id="e1")).status_code == 200
    other_shop = event("product:deleted", event_id="e2")
    other_shop["resource"]["data"]["shop_id"] = 999
    assert post(client, other_shop).status_code == 200
    assert post(client, event("order:created", event_id="e3")).status_code == 200
    published.refresh_from_db()
    assert published.status == Status.PUBLISHED


def test_malformed_bodies_get_a_400(client):
    raw = b"not json"
    signature = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    response = client.post(
        reverse("designs:printify_webhook"),
        raw,
        secure=True,
        content_type="application/json",
        HTTP_X_PFY_SIGNATURE=signature,
    )
    assert response.status_code == 400
    assert post(client, {"type": "product:deleted"}).status_code == 400  # no event id


def test_only_post_is_accepted(client):
    assert client.get(reverse("designs:printify_webhook"), secure=True).status_code == 405


# --- manage.py printify_webhooks, and real deliveries from the sandbox ----------------------------------------


def webhooks_command(*args) -> str:
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("printify_webhooks", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_register_list_and_delete_against_the_sandbox(settings, sandbox, db):
    settings.PRINTIFY_API_BASE = f"{sandbox.url}/printify/v1"
    settings.PRINTIFY_SHOP_ID = "1"
    settings.PUBLIC_BASE_URL = "https://pod.example.com"
    assert "3 webhook(s)" not in webhooks_command("--list")
    webhooks_command("--register")
    again = webhooks_command("--register")  # idempotent
    assert again.count("already registered") == 3
    hooks = sandbox.state()["printify"]["webhooks"]
    assert sorted(h["topic"] for h in hooks) == ["product:deleted", "product:publish:started", "product:updated"]
    assert {h["url"] for h in hooks} == {"https://pod.example.com/hooks/printify/"}
    assert "3 webhook(s)." in webhooks_command("--list")
    assert "3 webhook(s) deleted." in webhooks_command("--delete")
    assert sandbox.state()["printify"]["webhooks"] == []


def test_register_refuses_without_a_public_url_or_a_secret(settings, db):
    from django.core.management import CommandError

    settings.PUBLIC_BASE_URL = ""
    with responses.RequestsMock():  # refused before any request to Printify
        with pytest.raises(CommandError, match="PUBLIC_BASE_URL is not set"):
            webhooks_command("--register")
        settings.PUBLIC_BASE_URL = "https://pod.example.com"
        settings.PRINTIFY_WEBHOOK_SECRET = ""
        with pytest.raises(CommandError, match="PRINTIFY_WEBHOOK_SECRET is not set"):
            webhooks_command("--register")


def test_events_signed_by_the_sandbox_update_the_design(settings, sandbox, webhook_receiver, client, make_design):
    """Register with the sandbox, publish, delete in Printify: the sandbox's real signed deliveries (caught by a
    local receiver, then handed to our view byte for byte) move the design."""
    from designs.clients import printify_client
    from designs.workflow import Source
    from tests.designs.publishing_support import attach_image, make_template

    settings.PRINTIFY_API_BASE = f"{sandbox.url}/printify/v1"
    settings.PRINTIFY_SHOP_ID = "1"
    settings.PUBLIC_BASE_URL = webhook_receiver.url
    webhooks_command("--register")
    settings.PUBLIC_BASE_URL = ""  # media is not public here: upload the contents
    make_template()
    design = attach_image(make_design(status=Status.APPROVED))
    publish_service.request_publish([design], actor=None, source=Source.ADMIN)
    outcome = publish_run.run_publish(product_of(design).pk)
    design.refresh_from_db()
    assert outcome == "published", design.last_error
    printify_client().delete_product(product_of(design).printify_id)

    deliveries = webhook_receiver.wait_for(2)
    for delivery in deliveries:
        assert delivery["path"] == "/hooks/printify/"
        response = client.post(
            delivery["path"],
            delivery["body"],
            content_type="application/json",
            secure=True,
            HTTP_X_PFY_SIGNATURE=delivery["headers"]["X-Pfy-Signature"],
        )
        assert response.status_code == 200, response.content
    design.refresh_from_db()
    product = product_of(design)
    assert product.events.filter(message__contains="started publishing").exists()
    assert design.status == Status.APPROVED
    assert product.deleted_at is not None and product.printify_id == "" and product.state == "deleted"


def signed_post(client, raw: bytes):
    signature = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    return client.post(
        reverse("designs:printify_webhook"),
        raw,
        secure=True,
        content_type="application/json",
        HTTP_X_PFY_SIGNATURE=signature,
    )


@pytest.mark.parametrize(
    "raw",
    [
        # Deeper than Python's JSON parser goes: a RecursionError, a 500, before.
        b'{"id": "e-1", "type": "product:deleted", "resource": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        # Parsed, but deeper than any Printify event (four levels): before, the product was deleted.
        json.dumps({"id": "e-2", "type": "product:deleted", "resource": {"id": PRODUCT, "data": "deep"}})
        .replace('"deep"', "[" * 50 + "]" * 50)
        .encode(),
    ],
)
def test_a_signed_but_deeply_nested_body_is_refused_and_nothing_is_stored(client, published, raw):
    events = ProductEvent.objects.count()
    response = signed_post(client, raw)
    assert (response.status_code, response.content.decode()) == (
        400,
        "The body is nested too deeply for a Printify event (at most 20 levels).",
    )
    assert not WebhookReceipt.objects.exists() and ProductEvent.objects.count() == events
    published.refresh_from_db()
    assert published.status == Status.PUBLISHED
