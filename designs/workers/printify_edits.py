"""Changing a product that exists on Printify (its prices, its listing copy): one PUT, then, for a live product,
a publish of only the changed parts, so the store shows them and leaves the rest alone (printify-api.md §4).
Shared by repricing and listing sync; the callers decide what a failure means for their own records.
"""

from __future__ import annotations

from collections.abc import Iterable

from designs.product_templates import PUBLISH_PARTS
from designs.products import ProductState
from integrations.http import IntegrationError, NotFound, Rejected

# Printify's answer to an edit while a product is being published is not in the reference ("Locked products cannot
# be updated", no code given); the sandbox answers 8252 "Product is disabled for editing…" (a guess). Both the code
# and the words are recognised.
LOCKED_CODES = {8252}


def only_parts(parts: Iterable[str]) -> dict:
    """The publish body that sends `parts` to the store and leaves every other part alone."""
    parts = set(parts)
    return {name: name in parts for name in PUBLISH_PARTS}


def edit_product(client, product, body: dict, parts: Iterable[str]) -> None:
    """PUT `body`; a live product is then published again with only `parts` (none: not published).

    Raises the client's errors: RateLimited, NotFound, Rejected (see try_later) and the others.
    """
    client.update_product(product.printify_id, body)
    parts = set(parts)
    if product.state == ProductState.LIVE and parts:
        client.publish(product.printify_id, only_parts(parts))


def try_later(error: IntegrationError) -> bool:
    """Worth another attempt in a while: the product is locked (being published), or Printify was unreachable."""
    if isinstance(error, Rejected):
        return is_locked(error)
    return error.retryable and not isinstance(error, NotFound)


def is_locked(error: Rejected) -> bool:
    code = str(error.code or "")
    words = f"{error.reason or ''} {error}".lower()
    return (code.isdigit() and int(code) in LOCKED_CODES) or "locked" in words or "disabled for editing" in words


def with_prices(snapshot: dict, prices: dict[int, int]) -> dict:
    """The product's template snapshot after Printify took these variant prices (what it was last given)."""
    variants = [{**v, "price": prices.get(int(v["id"]), v.get("price"))} for v in snapshot.get("variants") or []]
    return {**snapshot, "variants": variants}
