"""manage.py printify_webhooks: register (idempotent), list and delete this site's webhooks."""

import pytest
import responses

pytestmark = pytest.mark.usefixtures("webhook_settings")


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
    assert again.count("already registered") == 9
    hooks = sandbox.state()["printify"]["webhooks"]
    assert sorted(h["topic"] for h in hooks) == [
        "order:created",
        "order:sent-to-production",
        "order:shipment:created",
        "order:shipment:delivered",
        "order:updated",
        "product:deleted",
        "product:publish:started",
        "product:updated",
        "shop:disconnected",
    ]
    assert {h["url"] for h in hooks} == {"https://pod.example.com/hooks/printify/"}
    assert "9 webhook(s)." in webhooks_command("--list")
    assert "9 webhook(s) deleted." in webhooks_command("--delete")
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
