"""{% load pod_money %}: cents shown as money in the shop's currency ({{ 2499|money }} → $24.99) or in their own
({{ 2499|money_of:"EUR" }} → €24.99), margins as %."""

from django import template

from designs.admin.display import money as money_in
from designs.admin.display import shop_price

register = template.Library()


@register.filter
def money(cents):
    return shop_price(cents)


@register.filter
def money_of(cents, currency):
    """{{ row.revenue|money_of:row.currency }}: an amount in its own currency (figures keep theirs)."""
    return money_in(cents, currency)


@register.filter
def percent(value):
    return "—" if value is None else f"{value} %"
