"""manage.py sandbox_orders: orders placed in the sandbox's Printify; refused outside sandbox mode."""

import io

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_orders_are_placed_against_published_products(settings, sandbox):
    settings.POD_SANDBOX, settings.SANDBOX_URL = True, sandbox.url
    with sandbox.printify._lock:
        sandbox.printify.products["p1"] = {
            "id": "p1",
            "title": "Fox tee",
            "print_provider_id": 99,
            "is_locked": False,
            "external": {"id": "1", "handle": "https://shop/1"},
            "variants": [{"id": 1, "cost": 900, "price": 2400, "title": "M", "sku": "S-1", "is_enabled": True}],
        }
    out = io.StringIO()
    call_command("sandbox_orders", "--count", "12", "--days", "3", "--seed", "1", stdout=out)
    assert out.getvalue().startswith("12 orders placed; ")
    with sandbox.printify._lock:
        assert len(sandbox.printify.orders) == 12


def test_without_published_products_or_outside_sandbox_mode_nothing_is_placed(settings, sandbox):
    settings.POD_SANDBOX, settings.SANDBOX_URL = True, sandbox.url
    with pytest.raises(CommandError, match="publish some designs first"):
        call_command("sandbox_orders", "--count", "3", stdout=io.StringIO())
    settings.POD_SANDBOX = False
    with pytest.raises(CommandError, match="only in sandbox mode"):
        call_command("sandbox_orders", stdout=io.StringIO())
