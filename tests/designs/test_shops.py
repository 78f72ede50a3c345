"""designs.shops: shops as records, the default one made from PRINTIFY_SHOP_ID, and a shop gone from Printify."""

import pytest

from designs.shops import (
    SalesChannel,
    Shop,
    channel_of,
    default_shop,
    is_our_shop,
    mark_disconnected,
    printify_shop_id,
    selling_shops,
    shop_of,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("word", "channel"),
    [
        ("etsy", SalesChannel.ETSY),
        ("Shopify", SalesChannel.SHOPIFY),
        ("custom_integration", SalesChannel.API),
        ("disconnected", SalesChannel.DISCONNECTED),
        ("", SalesChannel.DISCONNECTED),  # Printify's default for a shop without a channel
        ("tiktok_shop", SalesChannel.TIKTOK),
        ("My Sales Channel", SalesChannel.GENERIC),  # the docs' own example: a word we do not know
    ],
)
def test_printify_words_become_channels(word, channel):
    assert channel_of(word) == channel


def test_an_install_with_only_the_setting_gets_that_shop_as_default_once(settings):
    settings.PRINTIFY_SHOP_ID = "4321"
    settings.SHOP_CURRENCY = "EUR"
    Shop.objects.all().delete()

    shop = default_shop()

    assert (shop.printify_id, shop.title, shop.currency, shop.is_default) == ("4321", "Shop 4321", "EUR", True)
    assert default_shop().pk == shop.pk and Shop.objects.count() == 1
    assert shop_of(None) == shop and is_our_shop(4321) and not is_our_shop("999")


def test_no_shop_and_no_setting_is_none(settings):
    settings.PRINTIFY_SHOP_ID = ""
    Shop.objects.all().delete()
    assert default_shop() is None and selling_shops() == []


def test_a_disconnected_shop_is_said_so_once_and_no_longer_sells(settings):
    settings.PRINTIFY_SHOP_ID = ""
    Shop.objects.all().delete()
    etsy = Shop.objects.create(printify_id="10", title="Etsy", channel=SalesChannel.ETSY, is_default=True)
    shopify = Shop.objects.create(printify_id="11", title="Shopify", channel=SalesChannel.SHOPIFY)

    assert mark_disconnected("11", "Printify said the shop was disconnected.") == 1
    assert mark_disconnected("11", "again") == 0

    shopify.refresh_from_db()
    assert not shopify.connected and shopify.problem.startswith("Printify said the shop was disconnected.")
    assert "Refresh shops" in shopify.problem
    assert selling_shops() == [etsy]


def test_a_product_from_before_shops_lives_in_the_default_shop(settings):
    settings.PRINTIFY_SHOP_ID = "55"
    Shop.objects.all().delete()

    class OldRow:
        shop_id, shop = None, None

    assert printify_shop_id(OldRow()) == "55"
