"""Prices: money as staff type and read it, and the price rules that turn Printify's cost into a price.

Printify wants integer cents (minor units) in the shop's currency and never says which currency that is
(printify-api.md §7: "USD" is only a label; the channel's currency applies): settings.SHOP_CURRENCY names it.
Everything here is pure: no database, no HTTP.

A rule: cost + N % (markup on cost) or cost + a fixed profit, plus a step per size ("2XL +2.00"), then rounded up
to an ending (.99 / .95 / .00, or not at all). Margin is profit ÷ price (what a seller keeps of each sale), and a
minimum margin is checked against it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

ROUNDINGS = {"99": ".99", "95": ".95", "00": ".00", "none": "no rounding"}
BASES = {"percent": "cost + a percentage of cost", "profit": "cost + a fixed profit"}
MAX_PRICE_CENTS = 1_000_000_00  # a typo guard: no product sells for a million
# "-1,000,000.00 USD" is 17; twice that leaves room for spaces and a long currency code, and bounds every parse.
MONEY_MAX_CHARS = 32
# Anchored, each part of fixed shape: no two ways to match the same text, so no backtracking blow-up.
_THOUSANDS = re.compile(r"[-+]?\d{1,3}(,\d{3})+(\.\d{1,2})?")
_DECIMAL_COMMA = re.compile(r"[-+]?\d+,\d{1,2}")
_PLAIN_AMOUNT = re.compile(r"[-+]?\d+(\.\d{1,2})?")


class MoneyInvalid(ValueError):
    pass


def parse_money(text) -> int | None:
    """ "24.99", "$24.99", "24,99", "1,024.50", "25" → cents; blank → None; anything else → MoneyInvalid.

    Linear in the text's length, and the text is capped first: a price field is a form field anyone with the
    editor can fill with megabytes, and a backtracking pattern over it held a web thread for seconds.
    """
    if text is None:
        return None
    text = str(text)
    if len(text) > MONEY_MAX_CHARS:
        raise MoneyInvalid(
            f"An amount of money is at most {MONEY_MAX_CHARS} characters long; this one has {len(text):,}. "
            "Write it like 24.99."
        )
    text = text.strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    text = _without_currency(text)
    if _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")  # thousands separators
    elif _DECIMAL_COMMA.fullmatch(text):
        text = text.replace(",", ".")  # a decimal comma
    if not _PLAIN_AMOUNT.fullmatch(text):
        raise MoneyInvalid(f"“{text}” is not an amount of money: write it like 24.99.")
    try:
        cents = int((Decimal(text) * 100).to_integral_value())
    except InvalidOperation as error:
        raise MoneyInvalid(f"“{text}” is not an amount of money: write it like 24.99.") from error
    if abs(cents) > MAX_PRICE_CENTS:
        raise MoneyInvalid(f"{text} is more than any product sells for; check the amount.")
    return cents


def _without_currency(text: str) -> str:
    """A currency sign or code around the number goes ("$24.99", "12.00 USD"): leading characters up to a digit,
    sign or separator, trailing ones after the last digit or separator. One pass each way."""
    start, end = 0, len(text)
    while start < end and not (text[start].isdecimal() or text[start] in "-+.,"):
        start += 1
    while end > start and not (text[end - 1].isdecimal() or text[end - 1] in ".,"):
        end -= 1
    return text[start:end]


def money_text(cents) -> str:
    """Cents as the number staff type: 2499 → "24.99" (no currency sign; display.shop_price adds it)."""
    if not isinstance(cents, int) or isinstance(cents, bool):
        return ""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def round_up(cents: int, ending: str) -> int:
    """The smallest price ≥ cents ending in .99 / .95 / .00 (never below what the rule asked for)."""
    if ending == "none":
        return cents
    target = int(ending)
    whole, part = divmod(cents, 100)
    candidate = whole * 100 + target
    return candidate if candidate >= cents else candidate + 100


@dataclass(frozen=True)
class PriceRule:
    basis: str = "percent"  # "percent" or "profit"
    percent: Decimal = Decimal(40)  # markup on cost, for "percent"
    profit: int = 800  # cents, for "profit"
    size_steps: dict[str, int] = field(default_factory=dict)  # size title -> cents added ("2XL": 200)
    rounding: str = "99"
    min_margin: Decimal = Decimal(0)  # % of the price

    @classmethod
    def from_dict(cls, data: dict | None) -> PriceRule:
        data = data or {}
        return cls(
            basis=data.get("basis", "percent") if data.get("basis") in BASES else "percent",
            percent=Decimal(str(data.get("percent", 40))),
            profit=int(data.get("profit", 800)),
            size_steps={str(k): int(v) for k, v in (data.get("size_steps") or {}).items() if v},
            rounding=data.get("rounding", "99") if data.get("rounding") in ROUNDINGS else "99",
            min_margin=Decimal(str(data.get("min_margin", 0))),
        )

    def as_dict(self) -> dict:
        return {
            "basis": self.basis,
            "percent": str(self.percent),
            "profit": self.profit,
            "size_steps": dict(self.size_steps),
            "rounding": self.rounding,
            "min_margin": str(self.min_margin),
        }

    def describe(self) -> str:
        base = (
            f"cost + {self.percent.normalize():f} %" if self.basis == "percent" else f"cost + {money_text(self.profit)}"
        )
        steps = ", ".join(f"{size} +{money_text(cents)}" for size, cents in self.size_steps.items())
        ending = "" if self.rounding == "none" else f", ending in {ROUNDINGS[self.rounding]}"
        return base + (f", {steps}" if steps else "") + ending

    def price(self, cost: int | None, size: str = "") -> int | None:
        """The rule's price for a variant of this cost and size; None when the cost is unknown."""
        if cost is None:
            return None
        if self.basis == "percent":
            raw = Decimal(cost) * (1 + self.percent / 100)
        else:
            raw = Decimal(cost + self.profit)
        raw += self.size_steps.get(size, 0)
        cents = math.ceil(raw)  # never a fraction of a cent below what the rule asks
        return round_up(cents, self.rounding) if cents > 0 else cents


def variant_price(variant: dict, cost: int | None, rule: PriceRule | None, size: str = "") -> int | None:
    """The price a product of this template variant is published at — what the template page shows and what
    publishing sends: its own price when the seller typed one for it (price_overridden) or prices are typed by
    hand (no rule); else the rule's price from the cost; else, while the cost is not known, the price stored on it
    (typed while the cost was being looked up, or the rule's from the cost last known)."""
    own = variant.get("price") if isinstance(variant.get("price"), int) else None
    if rule is None or variant.get("price_overridden"):
        return own
    by_rule = rule.price(cost, size)
    return own if by_rule is None else by_rule


def margin(price: int | None, cost: int | None) -> tuple[int, Decimal] | None:
    """(profit in cents, profit as % of the price), or None when either is unknown or the price is not positive."""
    if price is None or cost is None or price <= 0:
        return None
    profit = price - cost
    return profit, (Decimal(profit) * 100 / price).quantize(Decimal("0.1"))


@dataclass
class PriceCheck:
    below_cost: list[str] = field(default_factory=list)  # variant labels
    below_min_margin: list[str] = field(default_factory=list)
    not_positive: list[str] = field(default_factory=list)


def check_prices(rows, rule: PriceRule) -> PriceCheck:
    """rows: (label, price, cost) of enabled variants. Printify refuses to publish a price below cost (reference
    §7), so that is an error; a margin under the rule's minimum only needs the seller's confirmation."""
    check = PriceCheck()
    for label, price, cost in rows:
        if price is None or price <= 0:
            check.not_positive.append(label)
        elif cost is not None and price < cost:
            check.below_cost.append(label)
        elif rule.min_margin and (found := margin(price, cost)) and found[1] < rule.min_margin:
            check.below_min_margin.append(label)
    return check
