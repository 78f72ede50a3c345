"""This site's Printify webhooks, in every connected shop: list, register (idempotent) and delete the shop, product
and order topics we handle."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

from designs.shops import selling_shops
from integrations.printify import ORDER_TOPICS, PRODUCT_TOPICS, SHOP_TOPICS


class WebhookSetupError(ValueError):
    """The webhooks cannot be set up as asked (missing setting); nothing was sent to Printify."""


def our_url() -> str:
    if not settings.PUBLIC_BASE_URL:
        raise WebhookSetupError("PUBLIC_BASE_URL is not set: Printify needs a public address to call.")
    return f"{settings.PUBLIC_BASE_URL}{reverse('designs:printify_webhook')}"


def list_webhooks() -> list[dict]:
    """Every shop's webhooks, each with the title of its shop."""
    from designs.clients import printify_client

    hooks = []
    for shop in selling_shops():
        hooks += [{**hook, "shop": shop.title} for hook in printify_client(shop.printify_id).webhooks()]
    return hooks


def register_webhooks() -> list[str]:
    """Register, in every connected shop, each topic not yet pointing at our URL; one line per shop and topic."""
    from designs.clients import printify_client

    if not settings.PRINTIFY_WEBHOOK_SECRET:
        raise WebhookSetupError(
            "PRINTIFY_WEBHOOK_SECRET is not set: without it every event would be refused. "
            "Generate one with `openssl rand -hex 20`."
        )
    url = our_url()
    lines = []
    for shop in selling_shops():
        client = printify_client(shop.printify_id)
        registered = {hook.get("topic") for hook in client.webhooks() if hook.get("url") == url}
        for topic in (*SHOP_TOPICS, *PRODUCT_TOPICS, *ORDER_TOPICS):
            if topic in registered:
                lines.append(f"{shop.title}: {topic}: already registered.")
                continue
            hook = client.create_webhook(topic, url, secret=settings.PRINTIFY_WEBHOOK_SECRET)
            lines.append(f"{shop.title}: {topic}: registered ({hook.get('id')}).")
    return lines


def delete_webhooks() -> list[str]:
    """Delete, in every connected shop, the webhooks pointing at our URL; one line per webhook deleted."""
    from designs.clients import printify_client

    url = our_url()
    lines = []
    for shop in selling_shops():
        client = printify_client(shop.printify_id)
        for hook in client.webhooks():
            if hook.get("url") == url:
                client.delete_webhook(hook["id"], urlsplit(url).hostname)
                lines.append(f"{shop.title}: deleted {hook.get('topic')} ({hook['id']}).")
    return lines
