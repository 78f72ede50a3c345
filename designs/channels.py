"""Listing limits per sales channel: what each marketplace a Printify shop sells on accepts, minimums as well as
maximums, each figure with where it comes from; a shop's limits (its channel's, overridden by the shop's own
settings); and several shops' limits combined to the strictest, for copy that must fit every shop it goes to.

Pure: no database, no HTTP. Callers hand in the shops (designs/shops.py `Shop` rows); the reads that find which
shops a design is about to be published to live in designs/selectors.py and designs/product_templates.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from designs import listing
from designs.shops import SalesChannel

BOUNDS = ("title_max_chars", "title_min_chars", "max_tags", "tag_max_chars")  # what a shop may override
OWN_SETTING = "the shop's own setting"  # who sets a figure the seller typed on the shop
TITLE_COLUMN = "podsite's title column"  # who sets a title limit the Design.title column caps


@dataclass(frozen=True)
class ChannelLimits:
    """One channel's figures; None takes the listing settings' (LISTING_* in podsite/settings.py via
    designs/listing.py `limits()`)."""

    label: str  # the channel's name in messages ("Etsy allows 140")
    title_max_chars: int | None = None
    title_min_chars: int = 0
    max_tags: int | None = None  # 0: the channel has no tags (none are sent, none refused)
    tag_max_chars: int | None = None
    once_each: str = ""  # characters a title may hold at most once each
    # New listings a day a new shop may make (the default pace there), where the channel says; None: no figure.
    new_listings_a_day: int | None = None


CHANNELS: dict[str, ChannelLimits] = {
    SalesChannel.ETSY: ChannelLimits(
        "Etsy",
        # Title at most 140 characters: Etsy API announcement "Listing title validation changes" (2011), repeated
        # by printify-api.md "Listing limits and fees by channel" and merchandising.md "Listing limits".
        title_max_chars=140,
        # 13 tags of at most 20 characters each: printify-api.md "Listing limits and fees by channel".
        max_tags=13,
        tag_max_chars=20,
        # % : & at most once each in the title: printify-api.md (same section). Some third-party checkers add "+";
        # our reference does not, so neither do we (unsure: Etsy's own wording not seen).
        once_each="%:&",
    ),
    SalesChannel.EBAY: ChannelLimits(
        "eBay",
        # Title at most 80 characters (a subtitle, 55, is a paid extra we do not send): eBay Trading API user guide,
        # "Listing title" (printify-api.md "Listing limits and fees by channel").
        title_max_chars=80,
        # eBay listings have no tags: none are sent, so tags never refuse an eBay listing (printify-api.md).
        max_tags=0,
    ),
    SalesChannel.SHOPIFY: ChannelLimits(
        "Shopify",
        # Title 255 characters: a third-party figure only (printify-api.md says so; Shopify's own docs were not
        # found stating it). Our Design.title column holds 200, which caps it (see shop_limits).
        title_max_chars=255,
        # At most 250 tags per product: Shopify developer changelog, "Product tags now have a limit of 250 per
        # product" (2019; printify-api.md).
        max_tags=250,
        # 255 characters per tag: Shopify's help centre as we remember it, not in our reference (unsure).
        tag_max_chars=255,
    ),
    SalesChannel.TIKTOK: ChannelLimits(
        "TikTok Shop",
        # Title 25–255 characters: a third-party figure (printify-api.md); another third-party guide says 25–200
        # (lettercounter.org, "TikTok Shop product description limits"). Our title column caps 255 at 200 anyway,
        # so both readings give 200; a shop that sees TikTok refuse less can set its own limit.
        title_min_chars=25,
        title_max_chars=255,
        # Tags: no figure in our reference (TikTok Shop lists attributes, not tags): the listing settings' (unsure).
        # New shops may upload at most 100 products a day (printify-api.md): the default pace there.
        new_listings_a_day=100,
    ),
    # An API shop (custom_integration) is whatever the seller's own site accepts; a channel we do not know has no
    # figures either: both take the listing settings (LISTING_*), and each shop can set its own in the admin.
    SalesChannel.API: ChannelLimits("API shop"),
    SalesChannel.GENERIC: ChannelLimits("Other channel"),
    SalesChannel.DISCONNECTED: ChannelLimits("Disconnected shop"),
}


def channel_limits(channel: str) -> ChannelLimits:
    """The figures of a channel (SalesChannel value); an unknown word is a generic channel."""
    return CHANNELS.get(channel) or CHANNELS[SalesChannel.GENERIC]


def shop_name(shop) -> str:
    """'Etsy (My Etsy shop)': the channel, then the shop's own title."""
    return f"{channel_limits(shop.channel).label} ({shop.title})"


def shop_limits(shop, defaults: listing.Limits | None = None) -> listing.Limits:
    """A shop's listing limits: its channel's figures, the listing settings' where the channel has none, and the
    shop's own override fields (title_min_chars, title_max_chars, max_tags, tag_max_chars) over both."""
    base = defaults or listing.limits()
    channel = channel_limits(shop.channel)
    values: dict[str, int] = {}
    sources: dict[str, str] = {}
    for bound in BOUNDS:
        own = getattr(shop, bound, None)
        figure = getattr(channel, bound)
        if own is not None:
            values[bound], sources[bound] = own, OWN_SETTING
        elif figure is not None and not (bound == "title_min_chars" and figure == 0):
            values[bound], sources[bound] = figure, channel.label
        else:
            values[bound] = getattr(base, bound)
    if values["title_max_chars"] > listing.TITLE_COLUMN_CHARS:
        # A design's title is stored in a 200-character column: no limit above it can be met (Shopify's and
        # TikTok's 255 are capped here).
        values["title_max_chars"], sources["title_max_chars"] = listing.TITLE_COLUMN_CHARS, TITLE_COLUMN
    if channel.once_each:
        sources["once_each"] = channel.label
    name = shop_name(shop)
    return listing.Limits(
        **values,
        description_max_chars=base.description_max_chars,
        once_each=channel.once_each,
        name=name,
        sources=tuple(sources.items()),
        shops=(name,),
    )


def strictest(limits: list[listing.Limits]) -> listing.Limits:
    """Several shops' limits as one: the shortest maximum, the longest minimum, the fewest and shortest tags of the
    channels that have tags, every once-each character; each figure names the shop it comes from. One shop's
    limits are returned as they are; none: the listing settings'."""
    distinct = list(dict.fromkeys(limits))
    if not distinct:
        return listing.limits()
    if len(distinct) == 1:
        return distinct[0]
    values: dict[str, int] = {}
    sources: dict[str, str] = {}

    def take(bound: str, candidates: list[listing.Limits], pick) -> None:
        chosen = pick(candidates, key=lambda shop: getattr(shop, bound))
        values[bound] = getattr(chosen, bound)
        sources[bound] = _qualified(chosen, bound)

    take("title_max_chars", distinct, min)
    take("title_min_chars", distinct, max)
    take("description_max_chars", distinct, min)
    tagged = [shop for shop in distinct if shop.takes_tags]
    if tagged:
        take("max_tags", tagged, min)
        take("tag_max_chars", tagged, min)
    else:
        values["max_tags"], values["tag_max_chars"] = 0, min(shop.tag_max_chars for shop in distinct)
    once_each = "".join(dict.fromkeys(char for shop in distinct for char in shop.once_each))
    if once_each:
        sources["once_each"] = ", ".join(_qualified(shop, "once_each") for shop in distinct if shop.once_each)
    return listing.Limits(
        **values,
        once_each=once_each,
        sources=tuple((bound, who) for bound, who in sources.items() if who),
        shops=tuple(dict.fromkeys(name for shop in distinct for name in shop.shops)),
    )


def _qualified(shop: listing.Limits, bound: str) -> str:
    """Who sets `bound` of one shop's limits, said so that it still reads right among several shops."""
    if not shop.name:
        return shop.who(bound)
    who = shop.who(bound)
    if who == OWN_SETTING:
        return f"{shop.name}, by its own setting,"
    return shop.name
