"""Fixtures for the admin screens' tests: staff logged in, Printify's catalog from the sandbox."""

import pytest

from tests.designs.publishing_support import configure_printify


@pytest.fixture
def as_publisher(client, publisher):
    client.force_login(publisher)
    return client


@pytest.fixture
def as_superuser(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def catalog(settings, sandbox):
    """Printify is the sandbox (its catalog has real shapes), over real sockets; no catalog answers cached from
    an earlier test (the catalog cache is the Django cache)."""
    from django.core.cache import cache

    configure_printify(settings)
    cache.clear()
    settings.PRINTIFY_API_BASE = f"{sandbox.url}/printify/v1"
    settings.PRINTIFY_SHOP_ID = "1"
    return sandbox
