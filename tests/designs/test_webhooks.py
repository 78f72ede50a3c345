"""The webhook receivers: RunPod's (a token per design) and Printify's (signed, size-capped, replay-safe).

Real database, real Pillow, real files in the temp MEDIA_ROOT; RunPod's HTTP answered by `responses`.
"""

import hashlib
import hmac
import json

import pytest
from django.urls import reverse

from designs.models import Design, ProductEvent, WebhookReceipt
from designs.workflow import Status
from tests.designs.webhook_support import PRODUCT, SECRET, event, post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("runpod_settings", "webhook_settings")]


def test_runpod_webhook_checks_the_token_and_wakes_the_pump(make_design, runpod):
    from django.test import Client
    from django_q.brokers import get_broker

    design = make_design(status=Status.GENERATING, runpod_job_id="job-h")
    web = Client(enforce_csrf_checks=True)
    url = f"/hooks/runpod/{design.pk}/{design.webhook_token}/"
    broker = get_broker()
    before = broker.queue_size()
    body = json.dumps({"id": "job-h", "status": "COMPLETED", "output": {"images": []}})
    assert (
        web.post(
            f"/hooks/runpod/{design.pk}/wrong-token/", body, content_type="application/json", secure=True
        ).status_code
        == 404
    )
    assert (
        web.post(
            f"/hooks/runpod/{design.pk + 1}/{design.webhook_token}/", body, content_type="application/json", secure=True
        ).status_code
        == 404
    )
    assert web.get(url, secure=True).status_code == 405
    assert broker.queue_size() == before
    response = web.post(url, body, content_type="application/json", secure=True)
    assert response.status_code == 200
    assert broker.queue_size() == before + 1
    # The body is not trusted: nothing changed until the pump asks /status.
    design.refresh_from_db()
    assert design.status == Status.GENERATING


# --- Printify ---------------------------------------------------------------------------------------------------


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
