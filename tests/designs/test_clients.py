"""designs.clients: the clients are built from settings, with the shared limiter and session."""

import os

import pytest
import responses

from designs import clients
from integrations.printify import PrintifyClient
from integrations.ratelimit import DatabaseBackend, RedisBackend
from integrations.runpod import RunPodClient


@pytest.fixture
def configured(settings):
    settings.RUNPOD_API_KEY = "rp-key-for-tests"
    settings.RUNPOD_ENDPOINT_ID = "ep-9"
    settings.RUNPOD_API_BASE = "https://runpod.example/v2"
    settings.PRINTIFY_API_TOKEN = "pfy-token-for-tests"
    settings.PRINTIFY_SHOP_ID = "77"
    settings.PRINTIFY_API_BASE = "https://printify.example/v1"
    settings.PRINTIFY_RATE_PER_MINUTE = 300
    settings.PRINTIFY_CATALOG_RATE_PER_MINUTE = 50
    settings.PRINTIFY_PUBLISH_LIMIT = 20
    settings.PRINTIFY_PUBLISH_WINDOW_SECONDS = 600
    settings.REDIS_URL = ""
    return settings


@responses.activate
def test_runpod_client_uses_the_settings(configured):
    client = clients.runpod_client()
    assert isinstance(client, RunPodClient)
    responses.get("https://runpod.example/v2/ep-9/health", json={"jobs": {}})
    assert client.health() == {"jobs": {}}
    assert responses.calls[0].request.headers["Authorization"] == "Bearer rp-key-for-tests"


@responses.activate
def test_printify_client_uses_the_settings_and_limits(configured, db):
    client = clients.printify_client()
    assert isinstance(client, PrintifyClient)
    assert (client.limits.per_minute, client.limits.catalog_per_minute) == (300, 50)
    assert (client.limits.publish_limit, client.limits.publish_window_seconds) == (20, 600)
    assert isinstance(client.limiter.backend, DatabaseBackend)
    responses.get("https://printify.example/v1/shops/77/products/p1.json", json={"id": "p1"})
    assert client.get_product("p1") == {"id": "p1"}
    assert responses.calls[0].request.headers["Authorization"] == "Bearer pfy-token-for-tests"


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
def test_limiter_uses_redis_when_configured(configured):
    configured.REDIS_URL = os.environ["REDIS_URL"]
    assert isinstance(clients.shared_rate_limiter().backend, RedisBackend)


@pytest.mark.parametrize(
    ("names", "factory", "message"),
    [
        (("RUNPOD_API_KEY",), clients.runpod_client, "RunPod is not configured: set RUNPOD_API_KEY"),
        (
            ("RUNPOD_API_KEY", "RUNPOD_ENDPOINT_ID"),
            clients.runpod_client,
            "RunPod is not configured: set RUNPOD_API_KEY and RUNPOD_ENDPOINT_ID",
        ),
        (("PRINTIFY_API_TOKEN",), clients.printify_client, "Printify is not configured: set PRINTIFY_API_TOKEN"),
    ],
)
def test_missing_settings_give_a_clear_error(configured, names, factory, message):
    for name in names:
        setattr(configured, name, "")
    with pytest.raises(clients.NotConfigured) as caught:
        factory()
    assert str(caught.value) == f"{message} (or POD_SANDBOX=1 to use the local sandbox)"
    assert not caught.value.retryable


def test_with_no_shop_known_the_error_says_how_to_get_one(configured, db):
    configured.PRINTIFY_SHOP_ID = ""
    with pytest.raises(clients.NotConfigured, match="no shop is known. Press “Refresh shops”"):
        clients.printify_client()


def test_a_client_per_shop_and_one_for_the_products_shop(configured, db):
    from designs.shops import Shop

    etsy = Shop.objects.create(printify_id="501", title="Etsy", channel="etsy")
    assert clients.printify_client("501").shop_id == "501"
    assert clients.printify_client().shop_id == "77"  # the default shop, made from PRINTIFY_SHOP_ID

    class Row:
        shop_id, shop = etsy.pk, etsy

    assert clients.product_client(Row()).shop_id == "501"


def test_one_session_per_process(configured, db):
    assert clients.runpod_client().session is clients.printify_client().session


def test_download_allow_hosts(settings):
    settings.DOWNLOAD_ALLOW_HOSTS = ["LocalHost", "127.0.0.1"]
    assert clients.download_allow_hosts() == ("localhost", "127.0.0.1")
