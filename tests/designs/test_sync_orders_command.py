"""manage.py sync_orders: progress per page and a summary; a bad date or a running sync is an error in words."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from designs import leases
from designs.workers.order_sync import lease_key
from tests.designs.order_support import order

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(settings, sandbox):
    settings.PRINTIFY_API_TOKEN = "sandbox-token"
    settings.PRINTIFY_API_BASE = f"{sandbox.url}/printify/v1"
    settings.PRINTIFY_SHOP_ID = "1"
    with sandbox.printify._lock:
        for day in range(12):
            created = (datetime(2026, 11, 1, tzinfo=UTC) + timedelta(days=day)).strftime("%Y-%m-%d %H:%M:%S+00:00")
            sandbox.printify.orders[f"o{day}"] = order(f"o{day}", "fulfilled", created_at=created)
    return sandbox


def sync(*args) -> str:
    out = io.StringIO()
    call_command("sync_orders", *args, stdout=out)
    return out.getvalue()


def test_progress_and_summary(shop, published):
    assert sync("--since", "2026-10-01").splitlines() == [
        "Page 1 of 2: 10 orders read.",
        "Page 2 of 2: 12 orders read.",
        "12 orders read: 12 new, 0 changed, 0 unchanged; 0 not ours.",
    ]
    assert sync().splitlines()[-1] == "10 orders read: 0 new, 0 changed, 10 unchanged; 0 not ours."


def test_a_date_that_is_not_one_is_refused(db):
    with pytest.raises(CommandError, match="is not a date like 2026-11-01"):
        sync("--since", "last week")


def test_a_running_sync_is_not_joined(shop):
    leases.acquire(lease_key("1"), 60)
    with pytest.raises(CommandError, match="Another order sync is running"):
        sync()
