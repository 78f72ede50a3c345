"""The life of a Printify product: one per design and product template, with its own state and history.

A design published as a tee and a mug has two products. Each product moves through PRODUCT_TRANSITIONS by one
conditional UPDATE (`… WHERE pk IN (…) AND state = <what we read>`) plus one ProductEvent, like designs do in
workflow.py, and in the same transaction its design's status is set to the summary of its products:

    any product being created, going live,
         or scheduled to go live             → publishing
    else any failed                          → publish_failed
    else any waiting for its mockups' review
         (or being discarded after it)       → mockups
    else any live or on Printify             → published
    else (none, or all deleted)              → approved

A template that reviews mockups stops each new product once it exists on Printify (not in the store): a person
looks at Printify's mockups and sends it live (→ going live) or discards it (→ being discarded → deleted on Printify).

A product whose shop or template goes live at a pace (designs/pacing.py) stops where publishing would put it in the
store: it exists on Printify (a draft) and waits, scheduled, in the going-live queue until its planned time; the
release pass (workers/release.py) sends it on to going live, or a person takes it out of the queue (→ on Printify,
or back to its mockup review when it came from there).

The design rows are locked first (the cascade's parents), so two runs of one design's products finishing at once
cannot both read the other as unfinished and leave the design in publishing. A design whose status the table does
not let follow its products is reported as refused in the move's result, never skipped in silence.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.db import models
from django.utils import timezone

from designs.machine import Cascade, History, Machine, MoveConflict, MoveResult
from designs.workflow import DESIGN, Status


class ProductState(models.TextChoices):
    CREATING = "creating", "Being created"
    PUBLISHING = "publishing", "Going live"
    ON_PRINTIFY = "on_printify", "On Printify, not in the store"
    MOCKUP_REVIEW = "mockup_review", "Mockups to review (on Printify, not live)"
    DISCARDING = "discarding", "Being discarded"
    SCHEDULED = "scheduled", "Scheduled to go live (on Printify, waiting its turn)"
    LIVE = "live", "Live in the store"
    FAILED = "failed", "Failed"
    DELETED = "deleted", "Deleted from Printify"


P = ProductState
# from state -> the states it may move to
PRODUCT_TRANSITIONS: dict[str, frozenset[str]] = {
    # A run: upload → create → publish. Ends on Printify when the template does not publish to the store, and
    # waits for a person when it reviews mockups.
    # A paced shop or template: created on Printify, it waits in the going-live queue instead of being published.
    P.CREATING: frozenset({P.LIVE, P.ON_PRINTIFY, P.MOCKUP_REVIEW, P.FAILED, P.SCHEDULED}),
    # A run for a product that exists already (a retry after the create, publishing again, going live after the
    # mockups were approved, or an undo of that before the run began); back to creating when Printify lost it.
    P.PUBLISHING: frozenset({P.LIVE, P.ON_PRINTIFY, P.MOCKUP_REVIEW, P.FAILED, P.CREATING, P.SCHEDULED}),
    # Its turn came (the release pass: → going live), a person took it out of the queue (→ on Printify, or back to
    # its mockup review), or it was deleted in Printify meanwhile.
    P.SCHEDULED: frozenset({P.PUBLISHING, P.ON_PRINTIFY, P.MOCKUP_REVIEW, P.DELETED}),
    # Go live, discard, or deleted in Printify by someone else.
    P.MOCKUP_REVIEW: frozenset({P.PUBLISHING, P.DISCARDING, P.DELETED}),
    # Deleted on Printify; back to review when Printify refused the deletion (or on undo before the run began).
    P.DISCARDING: frozenset({P.DELETED, P.MOCKUP_REVIEW}),
    P.ON_PRINTIFY: frozenset({P.PUBLISHING, P.DELETED}),
    P.LIVE: frozenset({P.ON_PRINTIFY, P.DELETED, P.PUBLISHING}),  # unpublished, deleted, published again
    P.FAILED: frozenset({P.CREATING, P.PUBLISHING, P.DELETED}),  # retried, or deleted on Printify meanwhile
    P.DELETED: frozenset({P.CREATING}),
}
# A worker owns the product (a publishing run is or should be under way); the reconciler watches these.
MAKING = frozenset({P.CREATING, P.PUBLISHING})  # a run is making the product or putting it in the store
IN_FLIGHT = MAKING | {P.DISCARDING}
GOING_LIVE = MAKING | {P.SCHEDULED}  # the design says "publishing" while any of its products is on its way
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
    if states & GOING_LIVE:
        return Status.PUBLISHING
    if P.FAILED in states:
        return Status.PUBLISH_FAILED
    if states & AWAITING_REVIEW:
        return Status.MOCKUPS
    if states & ON_SHOP:
        return Status.PUBLISHED
    return Status.APPROVED


def undo_grace(product) -> float:
    """Seconds a run should still wait before acting on a person's mockup decision (0: act now)."""
    if product.state == P.DISCARDING:
        decided = product.state_changed_at
    elif product.state == P.PUBLISHING and product.mockups_approved_at:
        decided = product.mockups_approved_at
    else:
        return 0.0
    return max(0.0, settings.MOCKUP_UNDO_SECONDS - (timezone.now() - decided).total_seconds())


def in_flight_state(printify_id: str) -> ProductState:
    """Where a run starts: creating a product, or publishing the one Printify has already."""
    return P.PUBLISHING if printify_id else P.CREATING


def summarise_designs(design_ids: Iterable[int], *, actor=None, source: str, message: str = "") -> MoveResult:
    """Set each design's status to the summary of its products (the product machine's cascade: runs inside the
    transaction that moved them, the designs locked).

    A design whose status the summary would not change is left alone; a design outside the publishing part of its
    life (in review, rejected…) is never moved by its products. A summary the design table does not allow from the
    design's status is reported in `refused`.
    """
    from designs.models import Design, Product

    design_ids = sorted(set(design_ids))
    result = MoveResult(Status.PUBLISHING, DESIGN)
    states: dict[int, list[str]] = {design_id: [] for design_id in design_ids}
    for design_id, state in Product.objects.filter(design_id__in=design_ids).values_list("design_id", "state"):
        states[design_id].append(state)
    current = dict(Design.objects.filter(pk__in=design_ids).values_list("pk", "status"))
    groups: dict[tuple[str, str], list[int]] = {}
    for design_id, product_states in states.items():
        now_status, target = current.get(design_id), design_status_for(product_states)
        if now_status not in PUBLISHING_LIFE or now_status == target:
            continue
        if now_status not in DESIGN.allowed_sources(target):
            result.refused[design_id] = (
                f"its products say {target.label.lower()}, but a design cannot move there from "
                f"{Status(now_status).label.lower()}"
            )
            continue
        groups.setdefault((now_status, target), []).append(design_id)
    for (now_status, target), group in groups.items():
        move = partial(DESIGN.move, to=target, sources=[now_status], actor=actor, source=source)
        if target != Status.PUBLISH_FAILED:
            result.merge(move(group, message=message, updates={"last_error": ""}))
            continue
        # Each failed design's own last error and history message: the reasons of its failed products.
        for design_id, text in _failures_text(group).items():
            result.merge(move([design_id], message=text, updates={"last_error": text}))
    return result


PRODUCT = Machine(
    name="product state",
    model="designs.Product",
    field="state",
    states=ProductState,
    table=PRODUCT_TRANSITIONS,
    history=History(model="designs.ProductEvent", owner="product_id", from_field="from_state", to_field="to_state"),
    subject="product",
    born_in=frozenset({P.CREATING}),
    # Only the worker's release pass lets a product out of the queue (a person reorders or cancels instead).
    worker_only=frozenset({(P.SCHEDULED, P.PUBLISHING)}),
    changed_at="state_changed_at",
    cascade=Cascade(parent="design_id", parent_model="designs.Design", run=summarise_designs),
)


def move_products(products, *, to: str, **options) -> MoveResult:
    """Move products to `to` by the table (Machine.move's options); `cascaded` is what their designs did."""
    return PRODUCT.move(products, to=to, **options)


def move_product(product, *, to: str, **options) -> MoveResult:
    """One product; raises MoveConflict instead of reporting a skip; the instance follows the row."""
    return PRODUCT.move_one(product, to=to, **options)


def conflict(product_id: int, target: str, current: str | None) -> MoveConflict:
    return MoveConflict(PRODUCT, product_id, target, current)


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
    PRODUCT.note(product, message, source=source, actor=actor)
