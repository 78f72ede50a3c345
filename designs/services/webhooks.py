"""This site's Printify webhooks: list, register (idempotent) and delete the product and order topics we handle."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

from integrations.printify import ORDER_TOPICS, PRODUCT_TOPICS


class WebhookSetupError(ValueError):
    """The webhooks cannot be set up as asked (missing setting); nothing was sent to Printify."""


def our_url() -> str:
    if not settings.PUBLIC_BASE_URL:
        raise WebhookSetupError("PUBLIC_BASE_URL is not set: Printify needs a public address to call.")
    return f"{settings.PUBLIC_BASE_URL}{reverse('designs:printify_webhook')}"


def list_webhooks() -> list[dict]:
    from designs.clients import printify_client

    return printify_client().webhooks()


def register_webhooks() -> list[str]:
    """Register every product and order topic not yet pointing at our URL; one line per topic saying what happened."""
    from designs.clients import printify_client

    if not settings.PRINTIFY_WEBHOOK_SECRET:
        raise WebhookSetupError(
            "PRINTIFY_WEBHOOK_SECRET is not set: without it every event would be refused. "
            "Generate one with `openssl rand -hex 20`."
        )
    url = our_url()
    client = printify_client()
    registered = {hook.get("topic") for hook in client.webhooks() if hook.get("url") == url}
    lines = []
    for topic in (*PRODUCT_TOPICS, *ORDER_TOPICS):
        if topic in registered:
            lines.append(f"{topic}: already registered.")
            continue
        hook = client.create_webhook(topic, url, secret=settings.PRINTIFY_WEBHOOK_SECRET)
        lines.append(f"{topic}: registered ({hook.get('id')}).")
    return lines


def delete_webhooks() -> list[str]:
    """Delete the webhooks pointing at our URL; one line per webhook deleted."""
    from designs.clients import printify_client

    url = our_url()
    client = printify_client()
    lines = []
    for hook in client.webhooks():
        if hook.get("url") == url:
            client.delete_webhook(hook["id"], urlsplit(url).hostname)
            lines.append(f"Deleted {hook.get('topic')} ({hook['id']}).")
    return lines
