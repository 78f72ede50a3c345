"""What changed in a product's listing since Printify was last sent it: its texts and its prices.

What Printify has is what we last sent (Product.listing_sent, recorded at create and by every update) and the
variant prices of the product's template snapshot. Used by the listing update and repricing workers and by the
services that ask for them; the rules live here so both sides share them without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from designs.models import ListingSync, Product, ProductTemplate
from designs.product_templates import (
    LISTING_FIELDS,
    TextsInvalid,
    enabled_variants,
    listing_fields,
    publish_parts,
    template_from_snapshot,
    template_snapshot,
)
from designs.products import ON_SHOP, ProductState

P = ProductState
# Products that exist on Printify and no run is working on: their listing can be edited.
EDITABLE = frozenset({P.LIVE, P.ON_PRINTIFY, P.MOCKUP_REVIEW, P.SCHEDULED})
BUSY = (ListingSync.PENDING, ListingSync.UPDATING)
CHANGE_WORDS = {"title": "title", "description": "description", "tags": "tags", "prices": "prices"}


@dataclass(frozen=True)
class ListingChange:
    """What an update of one product would send now: the changed texts and new prices; `problem` when the texts
    cannot be sent (an empty title: TextsInvalid's words)."""

    texts: dict = field(default_factory=dict)
    changed: tuple[str, ...] = ()  # of LISTING_FIELDS, and "prices"
    prices: dict[int, int] = field(default_factory=dict)  # variant id -> the template's new price
    problem: str = ""
    store_parts: frozenset = frozenset()  # the parts its template publishes to the store (publish_parts)

    def body(self, product: Product) -> dict:
        """The PUT body: only what changed (variants carry every enabled variant's price, as Printify wants)."""
        body = {name: self.texts[name] for name in LISTING_FIELDS if name in self.changed}
        if self.prices:
            body["variants"] = variants_body(product, self.prices)
        return body

    @property
    def parts(self) -> list[str]:
        """The publish parts a live product sends to the store again: what changed, of what its template publishes
        (a part the template leaves to the store, such as tags kept by hand there, stays alone)."""
        parts = ["variants" if name == "prices" else name for name in self.changed]
        return [part for part in parts if part in self.store_parts]

    @property
    def words(self) -> str:
        """'title and tags changed'."""
        names = [CHANGE_WORDS[name] for name in self.changed]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f"{listed} changed"


def listing_change(product: Product) -> ListingChange:
    """Compare what Printify was last sent with what would be sent now (needs product.design and .template)."""
    snapshot = product.template_snapshot or (template_snapshot(product.template) if product.template else {})
    if not snapshot:
        return ListingChange(problem="The product has no template to render its listing from.")
    template = template_from_snapshot(snapshot)
    try:
        texts = listing_fields(template, product.design)
    except TextsInvalid as error:
        return ListingChange(problem=str(error))
    sent = product.listing_sent or {}
    changed = [name for name in LISTING_FIELDS if sent.get(name) != texts[name]]  # nothing recorded: all of them
    prices = new_prices(product.template, product) if product.template else {}
    if prices:
        changed.append("prices")
    store_parts = frozenset(part for part, sent in publish_parts(template).items() if sent)
    return ListingChange(texts=texts, changed=tuple(changed), prices=prices, store_parts=store_parts)


def record_sent(product, sent: dict) -> None:
    """Printify was given these texts (a create payload, an update): the listing is in sync with them from now."""
    Product.objects.filter(pk=getattr(product, "pk", product)).update(
        listing_sent={name: sent[name] for name in LISTING_FIELDS}, listing_synced_at=timezone.now()
    )


def new_prices(template, product: Product) -> dict[int, int]:
    """{variant id: the template's price} for the product's enabled variants whose price differs; {} if none."""
    wanted = {int(v["id"]): v.get("price") for v in enabled_variants(template)}
    had = {int(v["id"]): v.get("price") for v in enabled_variants_of(product)}
    return {vid: price for vid, price in wanted.items() if vid in had and isinstance(price, int) and had[vid] != price}


def enabled_variants_of(product: Product) -> list[dict]:
    return [v for v in (product.template_snapshot or {}).get("variants") or [] if v.get("is_enabled", True)]


def variants_body(product: Product, prices: dict[int, int]) -> list[dict]:
    """The PUT's variants: every enabled variant with its price, new or kept (Printify merges variants by id but
    wants a price on each: printify-api.md §4 "Update")."""
    return [
        {"id": int(v["id"]), "price": prices.get(int(v["id"]), v.get("price")), "is_enabled": True}
        for v in enabled_variants_of(product)
    ]


def outdated_products(template: ProductTemplate) -> list[Product]:
    products = Product.objects.filter(template=template, state__in=ON_SHOP).exclude(printify_id="").order_by("pk")
    return [product for product in products if new_prices(template, product)]
