"""This site's Printify webhooks against the sandbox's Printify: registered once per topic at our address, and
deleting leaves other sites' webhooks alone."""

import pytest
import responses

from designs.services.webhooks import WebhookSetupError, delete_webhooks, list_webhooks, our_url, register_webhooks

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_settings")]

OURS = "https://pod.example.com/hooks/printify/"


@pytest.fixture
def printify(settings, sandbox):
    settings.PRINTIFY_API_BASE = f"{sandbox.url}/printify/v1"
    settings.PRINTIFY_SHOP_ID = "1"
    settings.PUBLIC_BASE_URL = "https://pod.example.com"
    return sandbox


def hooks(sandbox):
    return sorted((hook["topic"], hook["url"]) for hook in sandbox.state()["printify"]["webhooks"])


def test_each_product_and_order_topic_is_registered_once_at_our_address(printify):
    from designs.clients import printify_client

    printify_client().create_webhook("product:deleted", "https://other.example.com/hook", secret="x")

    lines = register_webhooks()
    assert [line.split(": ")[:2] for line in lines] == [
        ["Shop 1", topic]
        for topic in [
            "shop:disconnected",
            "product:publish:started",
            "product:updated",
            "product:deleted",
            "order:created",
            "order:updated",
            "order:sent-to-production",
            "order:shipment:created",
            "order:shipment:delivered",
        ]
    ]
    assert all("registered (" in line for line in lines)  # the other site's hook does not count as ours
    again = register_webhooks()
    assert len(again) == 9 and all(line.endswith(": already registered.") for line in again)
    assert len([hook for hook in list_webhooks() if hook["url"] == OURS and hook["shop"] == "Shop 1"]) == 9


def test_deleting_removes_only_ours(printify):
    from designs.clients import printify_client

    register_webhooks()
    printify_client().create_webhook("product:deleted", "https://other.example.com/hook", secret="x")

    lines = delete_webhooks()

    assert len(lines) == 9 and sum(line.startswith("Shop 1: deleted order:") for line in lines) == 5
    assert hooks(printify) == [("product:deleted", "https://other.example.com/hook")]


def test_nothing_is_sent_without_a_public_address_or_a_secret(settings):
    settings.PUBLIC_BASE_URL = ""
    with responses.RequestsMock():  # any request would fail the test
        with pytest.raises(WebhookSetupError, match="PUBLIC_BASE_URL is not set"):
            our_url()
        with pytest.raises(WebhookSetupError, match="PUBLIC_BASE_URL is not set"):
            delete_webhooks()
        settings.PUBLIC_BASE_URL = "https://pod.example.com"
        settings.PRINTIFY_WEBHOOK_SECRET = ""
        with pytest.raises(WebhookSetupError, match="PRINTIFY_WEBHOOK_SECRET is not set"):
            register_webhooks()
    assert our_url() == OURS
