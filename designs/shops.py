"""The Printify shops podsite sells in: records read from `GET /v1/shops.json`, one of them the default.

Printify says only a shop's id, title and sales channel (printify-api.md "Shops and catalog details"); the seller
enters what it does not say — the shop's currency, time zone and main country. A product template belongs to a
shop and every product is made in its template's shop; Printify answers a call for a product of another shop with
8104, which is how a shop reconnected under a new id shows itself.

An install from before shops were records set `PRINTIFY_SHOP_ID`: migration 0037 made that shop the default and
moved its templates and products onto it, and `default_shop()` still makes it on first use when no shop is known
(a fresh install that sets only the setting keeps working unchanged).
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone


class SalesChannel(models.TextChoices):
    """What podsite makes of Printify's `sales_channel` word (seen: etsy, shopify, custom_integration, disconnected).

    eBay and TikTok Shop are named as Printify's integrations list them; their exact words are not documented
    (unsure: "ebay" and "tiktok" are our guess), and any word we do not know is a generic channel whose listing
    limits the seller sets."""

    ETSY = "etsy", "Etsy"
    SHOPIFY = "shopify", "Shopify"
    EBAY = "ebay", "eBay"
    TIKTOK = "tiktok", "TikTok Shop"
    API = "custom_integration", "API shop (custom integration)"
    DISCONNECTED = "disconnected", "Disconnected"
    GENERIC = "generic", "Other channel"


def channel_of(sales_channel: str) -> str:
    word = (sales_channel or "").strip().lower()
    if word in SalesChannel.values:
        return word
    if word.startswith("tiktok"):
        return SalesChannel.TIKTOK
    return SalesChannel.GENERIC if word else SalesChannel.DISCONNECTED


class Shop(models.Model):
    printify_id = models.CharField("Printify shop id", max_length=64, unique=True)
    title = models.CharField(max_length=200)
    sales_channel = models.CharField(
        max_length=60, blank=True, help_text="Printify's word for the channel, as it said it (e.g. etsy, shopify)."
    )
    channel = models.CharField(max_length=20, choices=SalesChannel.choices, default=SalesChannel.GENERIC)
    # What Printify does not say (there is no endpoint for a shop's settings): the seller enters it.
    currency = models.CharField(
        max_length=3, default="USD", help_text="The currency the shop sells in (prices are entered and shown in it)."
    )
    time_zone = models.CharField(
        max_length=64, default="UTC", help_text="The shop's time zone, e.g. America/New_York (for listing hours)."
    )
    country = models.CharField(
        max_length=2, default="US", help_text="Where most orders ship (two letters, e.g. US, GB, DE): shipping costs."
    )
    is_default = models.BooleanField(
        default=False, help_text="New templates are made for the default shop; orders without a shop belong to it."
    )
    # Listing limits: blank takes the channel's (designs/channels.py); set one to override it for this shop.
    title_min_chars = models.PositiveIntegerField("shortest title", null=True, blank=True)
    title_max_chars = models.PositiveIntegerField("longest title", null=True, blank=True)
    max_tags = models.PositiveIntegerField("most tags", null=True, blank=True)
    tag_max_chars = models.PositiveIntegerField("longest tag", null=True, blank=True)
    # Going live at a pace (designs/pacing.py): blank takes the channel's (TikTok Shop: 100 a day), else no pace.
    listings_per_day = models.PositiveIntegerField(
        "new listings a day",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="At most this many products go into the store a day, spread evenly over the listing hours; the "
        "rest wait in the going-live queue. Empty: the channel's pace (TikTok Shop: 100 a day), or none.",
    )
    listing_hours_start = models.TimeField(
        "listing hours from", null=True, blank=True, help_text="In the shop's time zone. Empty: from midnight."
    )
    listing_hours_end = models.TimeField(
        "listing hours until",
        null=True,
        blank=True,
        help_text="In the shop's time zone; earlier than the start crosses midnight. Empty: the start, a whole day.",
    )
    # Set when Printify no longer lists the shop, says it is disconnected, or sends shop:disconnected.
    disconnected_at = models.DateTimeField(null=True, blank=True)
    problem = models.TextField(blank=True, help_text="What is wrong with the shop, in words (empty when all is well).")
    refreshed_at = models.DateTimeField(null=True, blank=True, help_text="When Printify last listed this shop.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "title", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_shop")
        ]

    def __str__(self):
        return f"{self.title} ({self.get_channel_display()})"

    def clean(self):
        self.currency, self.country = self.currency.strip().upper(), self.country.strip().upper()
        errors = {}
        if not re.fullmatch(r"[A-Z]{3}", self.currency):
            errors["currency"] = "Three letters, as on a price tag in the bank: USD, EUR, GBP."
        if not re.fullmatch(r"[A-Z]{2}", self.country):
            errors["country"] = "Two letters: US, GB, DE, …"
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            errors["time_zone"] = (
                f"“{self.time_zone}” is not a time zone; write it like Europe/Berlin or America/Chicago."
            )
        for name in ("title_max_chars", "max_tags", "tag_max_chars"):
            if getattr(self, name) == 0 and name != "max_tags":
                errors[name] = "Leave it empty to use the channel's limit; 0 would refuse every listing."
        if self.title_min_chars and self.title_max_chars and self.title_min_chars > self.title_max_chars:
            errors["title_min_chars"] = "The shortest title is longer than the longest one."
        if errors:
            raise ValidationError(errors)

    @property
    def connected(self) -> bool:
        return self.disconnected_at is None and self.channel != SalesChannel.DISCONNECTED


def default_shop() -> Shop | None:
    """The default shop; made from `PRINTIFY_SHOP_ID` when no shop is known yet (an install from before shops)."""
    shop = Shop.objects.filter(is_default=True).first()
    if shop is not None or not settings.PRINTIFY_SHOP_ID:
        return shop
    try:
        with transaction.atomic():
            shop, _ = Shop.objects.get_or_create(
                printify_id=str(settings.PRINTIFY_SHOP_ID), defaults=legacy_shop_fields(settings)
            )
            if not Shop.objects.filter(is_default=True).exists():
                Shop.objects.filter(pk=shop.pk).update(is_default=True)
                shop.is_default = True
    except IntegrityError:  # another process made it first
        return Shop.objects.filter(is_default=True).first()
    return shop


def legacy_shop_fields(config) -> dict:
    """The shop an install configured by settings alone had (also what migration 0037 writes)."""
    return {
        "title": f"Shop {config.PRINTIFY_SHOP_ID}",
        "channel": SalesChannel.GENERIC,
        "currency": getattr(config, "SHOP_CURRENCY", "USD") or "USD",
        "country": getattr(config, "SHIPPING_COUNTRY", "US") or "US",
        "is_default": True,
    }


def shop_of(template) -> Shop | None:
    """The shop a template publishes to: its own, or the default for a template from before shops."""
    if template is not None and getattr(template, "shop_id", None):
        return template.shop
    return default_shop()


def shop_currency(template) -> str:
    """The currency a template's prices are in: its shop's (SHOP_CURRENCY when no shop is known)."""
    shop = shop_of(template)
    return shop.currency if shop else settings.SHOP_CURRENCY


def shop_currency_of(printify_id) -> str:
    """The currency an order of this Printify shop is in (SHOP_CURRENCY for a shop without a record)."""
    currency = Shop.objects.filter(printify_id=str(printify_id)).values_list("currency", flat=True).first()
    return currency or settings.SHOP_CURRENCY


def printify_shop_id(product) -> str:
    """The Printify shop a product lives in (its own record; the default shop for rows from before shops)."""
    return product.shop.printify_id if product.shop_id else default_printify_id()


def selling_shops() -> list[Shop]:
    """The shops orders and webhooks are kept for: every connected shop (the default one when none is listed)."""
    shops = list(Shop.objects.filter(disconnected_at__isnull=True).exclude(channel=SalesChannel.DISCONNECTED))
    if not shops:
        shop = default_shop()
        shops = [shop] if shop is not None and shop.connected else []
    return shops


def default_printify_id() -> str:
    shop = default_shop()
    return shop.printify_id if shop else str(settings.PRINTIFY_SHOP_ID)


RECONNECT_ADVICE = (
    "If the store was reconnected in Printify it has a new shop id: press “Refresh shops” on the Shops page, then "
    "move its templates to the new shop and publish again."
)


def mark_disconnected(printify_id: str, reason: str) -> int:
    """Printify says the shop is gone (shop:disconnected, or no longer listed): say so on the shop, once."""
    return Shop.objects.filter(printify_id=str(printify_id), disconnected_at__isnull=True).update(
        disconnected_at=timezone.now(), problem=f"{reason} {RECONNECT_ADVICE}", updated_at=timezone.now()
    )


def record_problem(shop_id: int | None, problem: str) -> None:
    """A call for one of the shop's products was refused in a way that speaks of the shop itself (8104, 8254)."""
    if shop_id:
        Shop.objects.filter(pk=shop_id).update(problem=problem, updated_at=timezone.now())


def is_our_shop(printify_id) -> bool:
    return str(printify_id) == default_printify_id() or Shop.objects.filter(printify_id=str(printify_id)).exists()


def apply_shop_list(listed: list) -> list[str]:
    """Bring the records in line with Printify's shop list (GET /v1/shops.json); one line per shop saying what
    changed. A shop no longer listed, or listed as disconnected, is marked so (never deleted: its products and
    orders keep pointing at it); the first connected shop becomes the default when there is none."""
    now = timezone.now()
    lines, seen = [], set()
    for row in listed:
        if not isinstance(row, dict) or row.get("id") in (None, ""):
            continue
        printify_id, word = str(row["id"]), str(row.get("sales_channel") or "")
        seen.add(printify_id)
        title = str(row.get("title") or f"Shop {printify_id}")[:200]
        shop = Shop.objects.filter(printify_id=printify_id).first()
        if shop is None:
            shop = Shop.objects.create(
                printify_id=printify_id,
                title=title,
                sales_channel=word[:60],
                channel=channel_of(word),
                currency=settings.SHOP_CURRENCY,
                country=settings.SHIPPING_COUNTRY[:2],
                refreshed_at=now,
            )
            lines.append(f"{title}: new ({shop.get_channel_display()}). Set its currency, time zone and country.")
        else:
            changes = {"title": title, "refreshed_at": now}
            if word != shop.sales_channel:  # a channel the seller set by hand stays until Printify's word changes
                changes.update(sales_channel=word[:60], channel=channel_of(word))
            Shop.objects.filter(pk=shop.pk).update(**changes, updated_at=now)
            shop.refresh_from_db()
            lines.append(f"{title}: up to date ({shop.get_channel_display()}).")
        if shop.channel == SalesChannel.DISCONNECTED:
            if mark_disconnected(printify_id, "Printify lists the shop as disconnected from its sales channel."):
                lines[-1] = f"{title}: disconnected in Printify."
        elif shop.disconnected_at is not None:
            Shop.objects.filter(pk=shop.pk).update(disconnected_at=None, problem="", updated_at=now)
            lines[-1] = f"{title}: connected again."
    for shop in Shop.objects.exclude(printify_id__in=seen).filter(disconnected_at__isnull=True):
        if mark_disconnected(shop.printify_id, "Printify no longer lists this shop."):
            lines.append(f"{shop.title}: no longer listed by Printify; marked disconnected.")
    if not Shop.objects.filter(is_default=True).exists():
        connected = Shop.objects.filter(disconnected_at__isnull=True).exclude(channel=SalesChannel.DISCONNECTED)
        first = connected.order_by("pk").first()  # the first Printify lists
        if first is not None:
            make_default(first)
            lines.append(f"{first.title} is now the default shop.")
    return lines


def make_default(shop: Shop) -> None:
    with transaction.atomic():
        Shop.objects.filter(is_default=True).exclude(pk=shop.pk).update(is_default=False)
        Shop.objects.filter(pk=shop.pk).update(is_default=True)
