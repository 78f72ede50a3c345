"""Reading the account's shops from Printify (the "Refresh shops" button and `manage.py refresh_shops`)."""

from __future__ import annotations

from designs.shops import apply_shop_list


def refresh_shops() -> list[str]:
    from designs.clients import account_client

    return apply_shop_list(account_client().shops())
