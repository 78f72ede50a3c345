"""manage.py refresh_shops against the sandbox's Printify."""

import io

import pytest
from django.core.management import CommandError, call_command

from designs.shops import Shop

pytestmark = pytest.mark.django_db


def test_it_prints_a_line_per_shop(settings, sandbox):
    settings.PRINTIFY_API_TOKEN = "sandbox-token"
    settings.PRINTIFY_API_BASE = f"{sandbox.url}/printify/v1"
    out = io.StringIO()
    call_command("refresh_shops", stdout=out)
    assert "Sandbox Shopify shop: new (Shopify)." in out.getvalue()
    assert Shop.objects.filter(printify_id__in=["1", "2", "3", "4"]).count() == 4


def test_printify_refusing_the_token_is_a_clear_error(settings, sandbox):
    settings.PRINTIFY_API_TOKEN = "sandbox-token"
    settings.PRINTIFY_API_BASE = f"{sandbox.url}/printify/v1"
    sandbox.configure(printify_unauthorized=True)
    with pytest.raises(CommandError, match="401") as caught:
        call_command("refresh_shops", stdout=io.StringIO())
    assert "sandbox-token" not in str(caught.value)
