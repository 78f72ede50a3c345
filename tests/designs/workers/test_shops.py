"""Reading the account's shops from the sandbox's Printify (designs/workers/shops.py + designs/shops.py)."""

import pytest

from designs.shops import SalesChannel, Shop, default_shop
from designs.workers.shops import refresh_shops

pytestmark = pytest.mark.django_db


@pytest.fixture
def printify(settings, sandbox):
    settings.PRINTIFY_API_TOKEN = "sandbox-token"
    settings.PRINTIFY_API_BASE = f"{sandbox.url}/printify/v1"
    settings.PRINTIFY_SHOP_ID = ""
    settings.SHOP_CURRENCY = "USD"
    Shop.objects.all().delete()
    return sandbox.printify


def test_a_first_refresh_makes_every_shop_and_the_first_connected_one_default(printify):
    lines = refresh_shops()

    shops = {shop.printify_id: shop for shop in Shop.objects.all()}
    assert {pid: shops[pid].channel for pid in shops} == {
        "1": SalesChannel.ETSY,
        "2": SalesChannel.SHOPIFY,
        "3": SalesChannel.API,
        "4": SalesChannel.DISCONNECTED,
    }
    assert default_shop().printify_id == "1"
    assert not shops["4"].connected and "disconnected" in shops["4"].problem
    assert lines[0] == "Sandbox Etsy shop: new (Etsy). Set its currency, time zone and country."
    assert "Old eBay shop: disconnected in Printify." in lines
    assert lines[-1] == "Sandbox Etsy shop is now the default shop."


def test_what_the_seller_entered_survives_a_refresh_and_a_gone_shop_is_marked(printify):
    refresh_shops()
    Shop.objects.filter(printify_id="2").update(currency="EUR", time_zone="Europe/Berlin", country="DE")
    Shop.objects.create(printify_id="77", title="Closed store", channel=SalesChannel.ETSY)

    lines = refresh_shops()

    shopify = Shop.objects.get(printify_id="2")
    assert (shopify.currency, shopify.time_zone, shopify.country, shopify.connected) == (
        "EUR",
        "Europe/Berlin",
        "DE",
        True,
    )
    assert "Sandbox Shopify shop: up to date (Shopify)." in lines
    assert "Closed store: no longer listed by Printify; marked disconnected." in lines
    assert Shop.objects.get(printify_id="77").problem.startswith("Printify no longer lists this shop.")


def test_a_shop_disconnected_then_connected_again_says_so(printify):
    refresh_shops()
    printify.disconnect_shop(2)
    refresh_shops()
    assert not Shop.objects.get(printify_id="2").connected

    with printify._lock:
        printify.disconnected_shops.clear()
    assert "Sandbox Shopify shop: connected again." in refresh_shops()
    shopify = Shop.objects.get(printify_id="2")
    assert shopify.connected and shopify.problem == ""
