"""The life of a Printify product: one per design and product template, with its own state and history.

A design published as a tee and a mug has two products. Each product moves through PRODUCT_TRANSITIONS by one
conditional UPDATE (`… WHERE pk IN (…) AND state = <what we read>`) plus one ProductEvent, like designs do in
workflow.py, and in the same transaction its design's status is set to the summary of its products:

    any product being created or going live → publishing
    else any failed                          → publish_failed
    else any waiting for its mockups' review
         (or being discarded after it)       → mockups
    else any live or on Printify             → published
    else (none, or all deleted)              → approved

A template that reviews mockups stops each new product once it exists on Printify (not in the store): a person
looks at Printify's mockups and sends it live (→ going live) or discards it (→ being discarded → deleted on Printify).

The design rows are locked first (PostgreSQL: FOR UPDATE; SQLite: the IMMEDIATE transaction), so two runs of one
design's products finishing at once cannot both read the other as unfinished and leave the design in publishing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, models, transaction
from django.utils import timezone

from designs.workflow import Status, TransitionResult, allowed_sources, transition


class ProductState(models.TextChoices):
    CREATING = "creating", "Being created"
    PUBLISHING = "publishing", "Going live"
    ON_PRINTIFY = "on_printify", "On Printify, not in the store"
    MOCKUP_REVIEW = "mockup_review", "Mockups to review (on Printify, not live)"
    DISCARDING = "discarding", "Being discarded"
    LIVE = "live", "Live in the store"
    FAILED = "failed", "Failed"
    DELETED = "deleted", "Deleted from Printify"


P = ProductState
# from state -> the states it may move to
PRODUCT_TRANSITIONS: dict[str, frozenset[str]] = {
    # A run: upload → create → publish. Ends on Printify when the template does not publish to the store, and
    # waits for a person when it reviews mockups.
    P.CREATING: frozenset({P.LIVE, P.ON_PRINTIFY, P.MOCKUP_REVIEW, P.FAILED}),
    # A run for a product that exists already (a retry after the create, publishing again, going live after the
    # mockups were approved, or an undo of that before the run began); back to creating when Printify lost it.
    P.PUBLISHING: frozenset({P.LIVE, P.ON_PRINTIFY, P.MOCKUP_REVIEW, P.FAILED, P.CREATING}),
    # Go live, discard, or deleted in Printify by someone else.
    P.MOCKUP_REVIEW: frozenset({P.PUBLISHING, P.DISCARDING, P.DELETED}),
    # Deleted on Printify; back to review when Printify refused the deletion (or on undo before the run began).
    P.DISCARDING: frozenset({P.DELETED, P.MOCKUP_REVIEW}),
    P.ON_PRINTIFY: frozenset({P.PUBLISHING, P.DELETED}),
    P.LIVE: frozenset({P.ON_PRINTIFY, P.DELETED, P.PUBLISHING}),  # unpublished, deleted, published again
    P.FAILED: frozenset({P.CREATING, P.PUBLISHING}),
    P.DELETED: frozenset({P.CREATING}),
}
# A worker owns the product (a publishing run is or should be under way); the reconciler watches these.
MAKING = frozenset({P.CREATING, P.PUBLISHING})  # a run is making the product or putting it in the store
IN_FLIGHT = MAKING | {P.DISCARDING}
AWAITING_REVIEW = frozenset({P.MOCKUP_REVIEW, P.DISCARDING})  # a person decided or decides about its mockups
ON_SHOP = frozenset({P.LIVE, P.ON_PRINTIFY})  # a product that exists in Printify and is ours


# The part of a design's life its products summarise; products never move a design in review, rejected, etc.
PUBLISHING_LIFE = frozenset(
    {Status.APPROVED, Status.PUBLISHING, Status.MOCKUPS, Status.PUBLISHED, Status.PUBLISH_FAILED}
)


def restartable(template) -> frozenset[str]:
    """States "publish" starts again: failed, deleted, and (by a template that publishes) on Printify only."""
    return frozenset({P.FAILED, P.DELETED} | ({P.ON_PRINTIFY} if template.publish_after_create else set()))


def design_status_for(states: Iterable[str]) -> Status:
    """The design's status as the summary of its products' states (see the module docstring)."""
    states = set(states)
    if states & MAKING:
        return Status.PUBLISHING
    if P.FAILED in states:
        return Status.PUBLISH_FAILED
    if states & AWAITING_REVIEW:
        return Status.MOCKUPS
    if states & ON_SHOP:
        return Status.PUBLISHED
    return Status.APPROVED


def in_flight_state(printify_id: str) -> ProductState:
    """Where a run starts: creating a product, or publishing the one Printify has already."""
    return P.PUBLISHING if printify_id else P.CREATING


@dataclass
class ProductMoves:
    moved: list[int] = field(default_factory=list)
    skipped: dict[int, str | None] = field(default_factory=dict)  # product id -> its state when we looked
    designs: TransitionResult | None = None


class ProductConflict(Exception):
    """The product was not in a state the change starts from (someone else moved it first)."""

    def __init__(self, product_id: int, target: str, current: str | None):
        self.product_id, self.target, self.current = product_id, target, current
        label = ProductState(current).label.lower() if current else "deleted"
        super().__init__(f"Product {product_id} could not move to {ProductState(target).label.lower()}: it is {label}.")


def move_products(
    products,
    *,
    to: str,
    sources: Iterable[str] | None = None,
    actor=None,
    source: str,
    message: str = "",
    updates: dict | None = None,
    per_product: dict[int, dict] | None = None,
) -> ProductMoves:
    """Move products to `to`, each only if its state is one of `sources` (default: all the table allows), then
    set each touched design's status to the summary of its products. One ProductEvent per product moved.

    `updates` are written on every moved product in the same UPDATE; `per_product` adds values for single
    products (a per-product template snapshot). Runs in one transaction.
    """
    from designs.models import Design, Product, ProductEvent

    target = ProductState(to)
    permitted = frozenset(state for state, targets in PRODUCT_TRANSITIONS.items() if target in targets)
    wanted = permitted if sources is None else frozenset(sources)
    if wanted - permitted:
        raise ValueError(f"The product table does not allow {sorted(wanted - permitted)} -> {target}.")
    ids = [int(getattr(p, "pk", p)) for p in ([products] if isinstance(products, (int, str)) else products)]
    ids = list(dict.fromkeys(ids))
    result = ProductMoves()
    actor_id = getattr(actor, "pk", actor)
    with transaction.atomic():
        rows = dict(Product.objects.filter(pk__in=ids).values_list("pk", "design_id"))
        _lock_designs(Design, set(rows.values()))
        current = dict(Product.objects.filter(pk__in=ids).values_list("pk", "state"))
        now = timezone.now()
        values = {**(updates or {}), "state": target, "state_changed_at": now, "updated_at": now}
        events = []
        for product_id in ids:
            state = current.get(product_id)
            if state not in wanted:
                result.skipped[product_id] = state
                continue
            extra = (per_product or {}).get(product_id, {})
            if Product.objects.filter(pk=product_id, state=state).update(**values, **extra) != 1:
                raise RuntimeError(f"Product {product_id} changed state during a locked move")
            result.moved.append(product_id)
            events.append(
                ProductEvent(
                    product_id=product_id,
                    from_state=state,
                    to_state=target,
                    actor_id=actor_id,
                    source=source,
                    message=message,
                    created_at=now,
                )
            )
        ProductEvent.objects.bulk_create(events)
        touched = {rows[product_id] for product_id in result.moved}
        result.designs = summarise_designs(touched, actor=actor_id, source=source, message=message)
    return result


def move_product(product, *, to: str, sources=None, actor=None, source: str, message: str = "", updates=None):
    """Single-product form: raises ProductConflict instead of reporting a skip; the instance follows the row."""
    result = move_products(
        [product], to=to, sources=sources, actor=actor, source=source, message=message, updates=updates
    )
    product_id = int(getattr(product, "pk", product))
    if not result.moved:
        raise ProductConflict(product_id, to, result.skipped.get(product_id))
    if hasattr(product, "state"):
        product.state = ProductState(to)
        for name, value in (updates or {}).items():
            setattr(product, name, value)
    return result


def _lock_designs(Design, design_ids: set[int]) -> None:
    if design_ids and connection.features.has_select_for_update:
        list(Design.objects.select_for_update().filter(pk__in=design_ids).order_by("pk").values_list("pk"))


def summarise_designs(design_ids: Iterable[int], *, actor=None, source: str, message: str = "") -> TransitionResult:
    """Set each design's status to the summary of its products (call inside the transaction that moved them).

    A design whose status the summary would not change is left alone. A design outside the publishing part of its
    life (in review, rejected…) is never moved by its products.
    """
    from designs.models import Design, Product

    design_ids = sorted(set(design_ids))
    result = TransitionResult(target=Status.PUBLISHING)
    if not design_ids:
        return result
    states: dict[int, list[str]] = {design_id: [] for design_id in design_ids}
    for design_id, state in Product.objects.filter(design_id__in=design_ids).values_list("design_id", "state"):
        states[design_id].append(state)
    current = dict(Design.objects.filter(pk__in=design_ids).values_list("pk", "status"))
    groups: dict[tuple[str, str], list[int]] = {}
    for design_id, product_states in states.items():
        now_status, target = current.get(design_id), design_status_for(product_states)
        if now_status not in PUBLISHING_LIFE or now_status == target or now_status not in allowed_sources(target):
            continue
        groups.setdefault((now_status, target), []).append(design_id)
    for (now_status, target), group in groups.items():
        result.merge(_move_designs(group, now_status, target, actor, source, message))
    return result


def _move_designs(group, now_status, target, actor, source, message) -> TransitionResult:
    """One design move per design (each gets its own last_error: the reasons of its failed products)."""
    result = TransitionResult(target=target)
    errors = _failures_text(group) if target == Status.PUBLISH_FAILED else {}
    for design_id in group:
        result.merge(
            transition(
                [design_id],
                to=target,
                sources=[now_status],
                actor=actor,
                source=source,
                message=errors.get(design_id) or message,
                updates={"last_error": errors.get(design_id, "")},
            )
        )
    return result


def _failures_text(design_ids) -> dict[int, str]:
    """design id -> "Mug 11oz: Printify refused … · Tee: …" from its failed products."""
    from designs.models import Product

    texts: dict[int, list[str]] = {}
    failed = Product.objects.filter(design_id__in=design_ids, state=P.FAILED).order_by("pk")
    for design_id, name, error in failed.values_list("design_id", "template_name", "last_error"):
        texts.setdefault(design_id, []).append(f"{name}: {error}" if name else error)
    return {design_id: " · ".join(parts) for design_id, parts in texts.items()}


def product_note(product, message: str, *, source: str, actor=None) -> None:
    """An event on the product that changes no state (an adopted product, a retry in a moment)."""
    from designs.models import ProductEvent

    ProductEvent.objects.create(
        product_id=int(getattr(product, "pk", product)),
        from_state="",
        to_state="",
        actor_id=getattr(actor, "pk", actor),
        source=source,
        message=message,
    )
