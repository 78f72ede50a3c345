"""designs.channels: every sales channel's listing limits (minimums as well as maximums), a shop's own overrides
over its channel's, and several shops' limits combined to the strictest — each figure naming who sets it."""

import pytest

from designs import channels, listing
from designs.shops import SalesChannel, Shop


def shop(channel, title="My shop", **overrides) -> Shop:
    return Shop(printify_id="1", title=title, channel=channel, **overrides)


@pytest.fixture(autouse=True)
def odd_settings(settings):
    """Listing settings unlike any channel's, so a figure taken from them is seen to be."""
    settings.LISTING_TITLE_MAX_CHARS = 111
    settings.LISTING_MAX_TAGS = 7
    settings.LISTING_TAG_MAX_CHARS = 17


def figures(limits: listing.Limits) -> tuple:
    return (
        limits.title_min_chars,
        limits.title_max_chars,
        limits.max_tags,
        limits.tag_max_chars,
        limits.once_each,
    )


@pytest.mark.parametrize(
    ("channel", "expected", "name"),
    [
        (SalesChannel.ETSY, (0, 140, 13, 20, "%:&"), "Etsy (My shop)"),
        (SalesChannel.EBAY, (0, 80, 0, 17, ""), "eBay (My shop)"),
        # Shopify's 255-character title (a third-party figure) is capped by our 200-character title column.
        (SalesChannel.SHOPIFY, (0, 200, 250, 255, ""), "Shopify (My shop)"),
        # TikTok Shop: 25–255 (or 25–200, says another source): the column's 200 either way; tags: the settings'.
        (SalesChannel.TIKTOK, (25, 200, 7, 17, ""), "TikTok Shop (My shop)"),
        (SalesChannel.API, (0, 111, 7, 17, ""), "API shop (My shop)"),
        (SalesChannel.GENERIC, (0, 111, 7, 17, ""), "Other channel (My shop)"),
        (SalesChannel.DISCONNECTED, (0, 111, 7, 17, ""), "Disconnected shop (My shop)"),
    ],
)
def test_every_channel_has_its_limits(channel, expected, name):
    limits = channels.shop_limits(shop(channel))
    assert figures(limits) == expected
    assert limits.name == name and limits.shops == (name,)


def test_who_sets_each_figure_is_known():
    etsy = channels.shop_limits(shop(SalesChannel.ETSY))
    assert etsy.who("title_max_chars") == "Etsy" and etsy.who("once_each") == "Etsy"
    assert channels.shop_limits(shop(SalesChannel.SHOPIFY)).who("title_max_chars") == channels.TITLE_COLUMN
    api = channels.shop_limits(shop(SalesChannel.API))
    assert api.who("title_max_chars") == "" and api.who("max_tags") == ""  # the listing settings'


def test_ebay_has_no_tags_so_tags_never_refuse_it():
    ebay = channels.shop_limits(shop(SalesChannel.EBAY, title="My eBay"))
    assert not ebay.takes_tags
    assert listing.tags_problems([f"tag {n}" for n in range(40)], ebay) == []
    assert ebay.summary() == "title at most 80 characters, no tags"


def test_tiktok_new_shops_list_at_most_100_a_day():
    assert channels.channel_limits(SalesChannel.TIKTOK).new_listings_a_day == 100
    assert channels.channel_limits(SalesChannel.ETSY).new_listings_a_day is None
    assert channels.channel_limits("a word we do not know").label == "Other channel"


def test_a_shops_own_settings_override_its_channels():
    etsy = channels.shop_limits(shop(SalesChannel.ETSY, title="My Etsy shop", title_max_chars=120, max_tags=10))
    assert figures(etsy) == (0, 120, 10, 20, "%:&")
    assert etsy.who("title_max_chars") == channels.OWN_SETTING and etsy.who("tag_max_chars") == "Etsy"
    assert listing.title_problems("x" * 130, etsy) == [
        "Etsy (My Etsy shop): the title is 130 characters; the shop's own setting allows 120."
    ]
    # A generic shop sets all four, minimum included; a setting of 0 tags means the shop takes none.
    generic = channels.shop_limits(
        shop(SalesChannel.GENERIC, title_min_chars=10, title_max_chars=60, max_tags=0, tag_max_chars=30)
    )
    assert figures(generic) == (10, 60, 0, 30, "") and not generic.takes_tags
    # An own limit above the title column is capped like a channel's.
    assert channels.shop_limits(shop(SalesChannel.API, title_max_chars=500)).title_max_chars == 200


def test_a_shops_problems_name_the_shop_and_its_channel():
    etsy = channels.shop_limits(shop(SalesChannel.ETSY, title="My Etsy shop"))
    problems = listing.copy_problems(title="Fish & Chips & Peas: 100% cotton" + "x" * 120, tags=["a" * 21], shop=etsy)
    assert problems == {
        "title": [
            "Etsy (My Etsy shop): the title is 152 characters; Etsy allows 140.",
            "Etsy (My Etsy shop): the title has “&” 2 times; Etsy allows each of % : & once.",
        ],
        "tags": [f"Etsy (My Etsy shop): tags too long: “{'a' * 21}” (21); Etsy allows 20 characters per tag."],
    }
    tiktok = channels.shop_limits(shop(SalesChannel.TIKTOK, title="Tok"))
    assert listing.title_problems("Red fox", tiktok) == [
        "TikTok Shop (Tok): the title is 7 characters; TikTok Shop asks for at least 25."
    ]


def test_the_strictest_of_several_shops_takes_each_figure_from_the_shop_that_sets_it():
    etsy = channels.shop_limits(shop(SalesChannel.ETSY, title="My Etsy shop"))
    ebay = channels.shop_limits(shop(SalesChannel.EBAY, title="My eBay"))
    tiktok = channels.shop_limits(shop(SalesChannel.TIKTOK, title="Tok"))

    combined = channels.strictest([etsy, ebay, tiktok, etsy])

    # eBay's title, TikTok's minimum, TikTok's tags (the listing settings', here fewer than Etsy's 13), Etsy's % : &;
    # eBay has no tags, which does not make tags impossible.
    assert figures(combined) == (25, 80, 7, 17, "%:&")
    assert combined.name == "" and combined.shops == ("Etsy (My Etsy shop)", "eBay (My eBay)", "TikTok Shop (Tok)")
    assert listing.title_problems("x" * 90, combined) == ["The title is 90 characters; eBay (My eBay) allows 80."]
    assert listing.title_problems("Fox", combined) == [
        "The title is 3 characters; TikTok Shop (Tok) asks for at least 25."
    ]
    assert listing.tags_problems(["t"] * 8, combined) == ["8 tags; TikTok Shop (Tok) allows 7."]
    assert combined.summary() == (
        "title 25–80 characters, 7 tags of at most 17 characters, each of % : & at most once in the title"
    )
    assert listing.tags_problems(["t"] * 14, channels.strictest([ebay, etsy])) == [
        "14 tags; Etsy (My Etsy shop) allows 13."
    ]


def test_an_own_setting_is_said_so_among_several_shops():
    etsy = channels.shop_limits(shop(SalesChannel.ETSY, title="My Etsy shop", title_max_chars=60))
    shopify = channels.shop_limits(shop(SalesChannel.SHOPIFY, title="Shopify store"))
    combined = channels.strictest([shopify, etsy])
    assert listing.title_problems("x" * 70, combined) == [
        "The title is 70 characters; Etsy (My Etsy shop), by its own setting, allows 60."
    ]


def test_shops_without_tags_combine_to_no_tags():
    ebay = channels.shop_limits(shop(SalesChannel.EBAY, title="One"))
    other = channels.shop_limits(shop(SalesChannel.EBAY, title="Two"))
    assert channels.strictest([ebay, other]).max_tags == 0


def test_one_shop_is_itself_and_none_is_the_listing_settings():
    etsy = channels.shop_limits(shop(SalesChannel.ETSY))
    assert channels.strictest([etsy]) is etsy
    assert channels.strictest([]) == listing.limits()
