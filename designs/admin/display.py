"""How the admin shows things: thumbnails, status badges, and money as money."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.forms.utils import ErrorList
from django.utils.html import format_html, format_html_join

from designs.models import Design
from designs.workflow import Status

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$"}


def thumbnail_tag(design: Design, css_class: str = "pod-thumb"):
    """The small thumbnail file (never the original), lazy-loaded; a placeholder while there is none."""
    if not design.thumbnail:
        return format_html('<span class="{} pod-thumb-empty" aria-label="No image yet">—</span>', css_class)
    # .url only joins MEDIA_URL and the name: no file access, no query.
    return format_html(
        '<img src="{}" class="{}" loading="lazy" decoding="async" alt="Design {}">',
        design.thumbnail.url,
        css_class,
        design.pk,
    )


class StringRenderedInputMixin:
    """An <input> widget drawn by string formatting, the same HTML as Django's input.html template.

    The Design changelist draws 300 inputs a page (id, title and tags per row): through the form renderer that was
    one template render each, half of the page's time. Only for plain <input> widgets.
    """

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        value_attribute = format_html(' value="{}"', widget["value"]) if widget["value"] is not None else ""
        attributes = format_html_join(
            "",
            " {}{}",
            (
                (key, "" if attribute is True else format_html('="{}"', attribute))
                for key, attribute in widget["attrs"].items()
                if attribute is not False
            ),
        )
        return format_html(
            '<input type="{}" name="{}"{}{}>', widget["type"], widget["name"], value_attribute, attributes
        )


class StringRenderedHiddenInput(StringRenderedInputMixin, forms.HiddenInput):
    pass


class ErrorListOrNothing(ErrorList):
    """An error list that draws nothing when empty, without rendering a template (two per changelist row)."""

    def render(self, *args, **kwargs):
        return super().render(*args, **kwargs) if self else ""

    __str__ = render  # ErrorList binds both to its own render
    __html__ = render


def status_badge_tag(status: str):
    return format_html('<span class="pod-status pod-status-{}">{}</span>', status, Status(status).label)


# How a design's products read beside its status, in a fixed order ("1 live · 1 mockup to review").
_PRODUCT_WORDS = {
    "live": ("live", "live"),
    "mockup_review": ("mockup to review", "mockups to review"),
    "creating": ("being created", "being created"),
    "publishing": ("going live", "going live"),
    "scheduled": ("scheduled to go live", "scheduled to go live"),
    "discarding": ("being discarded", "being discarded"),
    "on_printify": ("on Printify", "on Printify"),
    "failed": ("failed", "failed"),
}


def products_summary(states) -> str:
    """ "1 live · 1 mockup to review" for a design with more than one product (deleted ones left out); "" for one
    or none, whose state the design's status already says (but "1 scheduled to go live")."""
    counts = {state: 0 for state in _PRODUCT_WORDS}
    for state in states:
        if state in counts:
            counts[state] += 1
    if sum(counts.values()) < 2 and not counts["scheduled"]:
        return ""  # (a scheduled one is said: the design's "publishing" alone would not tell it waits)
    return " · ".join(f"{n} {_PRODUCT_WORDS[state][n != 1]}" for state, n in counts.items() if n)


def status_with_products_tag(status: str, product_states):
    """The status badge, and below it what the design's products are doing when it has several."""
    summary = products_summary(product_states)
    if not summary:
        return status_badge_tag(status)
    return format_html('{}<div class="pod-products-summary">{}</div>', status_badge_tag(status), summary)


def product_state_tag(state: str):
    from designs.products import ProductState

    return format_html('<span class="pod-status pod-product-{}">{}</span>', state, ProductState(state).label)


def counted(number: int, noun: str, plural: str = "") -> str:
    """ "1 prompt", "2 prompts", "1,200 designs": a count with its noun in the right number."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


SMALLEST_SHOWN = Decimal("0.0001")


def usd(amount) -> str:
    """RunPod cost in dollars: "$12.40", and sub-dime GPU costs to a hundredth of a cent ("$0.0079"); a real cost
    too small even for that is "< $0.0001", never "$0.0000"."""
    if amount is None:
        return "—"
    amount = Decimal(amount)
    if amount and abs(amount) < SMALLEST_SHOWN / 2:
        return f"< ${SMALLEST_SHOWN}"
    places = SMALLEST_SHOWN if abs(amount) < Decimal("0.10") and amount else Decimal("0.01")
    return f"${amount.quantize(places):,}"


def estimate(amount) -> str:
    """An estimated cost in dollars to the cent: "$12.40", "< $0.01" for a small but real one, "not known"."""
    if amount is None:
        return "not known"
    amount = Decimal(amount)
    if 0 < amount < Decimal("0.01"):
        return "< $0.01"
    return f"${amount.quantize(Decimal('0.01')):,}"


def shop_price(minor_units, currency: str | None = None) -> str:
    """A Printify price (integer minor units, e.g. 2499) in its shop's currency (default SHOP_CURRENCY): "$24.99"."""
    return money(minor_units, currency or settings.SHOP_CURRENCY)


def money(minor_units, currency: str) -> str:
    """Integer minor units in their currency: "$24.99", "−€3.10", "12.00 CHF"; "—" when not a number."""
    if not isinstance(minor_units, int) or isinstance(minor_units, bool):
        return "—"
    symbol = CURRENCY_SYMBOLS.get(currency)
    text = f"{abs(minor_units) / 100:,.2f}"
    sign = "−" if minor_units < 0 else ""
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


def price_range(variants, currency: str | None = None) -> str:
    """The prices of these variants as "$24.99–$26.99" (one price once; "no prices" when none is set)."""
    prices = sorted(v["price"] for v in variants if isinstance(v.get("price"), int))
    if not prices:
        return "no prices"
    low, high = shop_price(prices[0], currency), shop_price(prices[-1], currency)
    return low if low == high else f"{low}–{high}"
