"""{% load pod_money %}: cents shown as money in the shop's currency ({{ 2499|money }} → $24.99), margins as %."""

from django import template

from designs.admin.display import shop_price

register = template.Library()


@register.filter
def money(cents):
    return shop_price(cents)


@register.filter
def percent(value):
    return "—" if value is None else f"{value} %"
