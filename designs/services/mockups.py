"""Mockup review: a product waits on Printify (not in the store) until a person has looked at its mockups.

go_live() sends products to the store, discard() deletes them from Printify; both are moves in the product table
(designs/products.py: mockups to review → going live / being discarded) made race-safe there, recorded with their
actor, and carried out by the product's publishing run on a worker. That run waits MOCKUP_UNDO_SECONDS after the
decision before it calls Printify, so undo_last_mockup_decision() can take a decision back the way the review
page's undo does: it holds the product's lease while it moves it back, so it never races a run that has begun.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from designs import leases
from designs.machine import MoveResult
from designs.models import Product, ProductEvent
from designs.products import ProductState, move_products
from designs.workers import enqueue_publish
from designs.workflow import Source

P = ProductState
DECISIONS = {P.PUBLISHING: "go live", P.DISCARDING: "discard"}
VERBS = {P.PUBLISHING: "sent live", P.DISCARDING: "discarded"}  # for MoveResult.summary(verb)


def go_live(products, *, actor, source: str = Source.REVIEW) -> MoveResult:
    """Mockups to review → going live; the run publishes it to the store (after the undo grace)."""
    return _decide(products, P.PUBLISHING, actor, source, {"mockups_approved_at": timezone.now()})


def discard(products, *, actor, source: str = Source.REVIEW) -> MoveResult:
    """Mockups to review → being discarded; the run deletes it from Printify (after the undo grace)."""
    return _decide(products, P.DISCARDING, actor, source, {})


def _decide(products, target: str, actor, source: str, updates: dict) -> MoveResult:
    with transaction.atomic():
        moves = move_products(
            products,
            to=target,
            sources=[P.MOCKUP_REVIEW],
            actor=actor,
            source=source,
            message="Mockups approved: going live." if target == P.PUBLISHING else "Mockups rejected: discarded.",
            updates={"last_error": "", "attempts": 0, **updates},
        )
        for product_id in moves.moved:
            enqueue_publish(product_id)
    return moves


@dataclass
class Undone:
    product_id: int | None = None
    decision: str = ""
    message: str = ""
    ok: bool = False


def undo_last_mockup_decision(*, actor, source: str = Source.REVIEW) -> Undone:
    """Take back this person's latest go-live or discard whose run has not begun: the product waits for its
    mockup review again. Too late (the run began, or it is live or deleted already) is said in words."""

    # A decision taken back already (by an undo, or a refused deletion) is not one to undo again.
    taken_back = ProductEvent.objects.filter(
        product_id=OuterRef("product_id"),
        from_state=OuterRef("to_state"),
        to_state=P.MOCKUP_REVIEW,
        pk__gt=OuterRef("pk"),
    )
    event = (
        ProductEvent.objects.filter(
            actor=actor, from_state=P.MOCKUP_REVIEW, to_state__in=list(DECISIONS), source=source
        )
        .filter(~Exists(taken_back))
        .order_by("-created_at", "-pk")
        .first()
    )
    if event is None:
        return Undone(message="Nothing to undo.")
    decision = DECISIONS[event.to_state]
    undone = Undone(product_id=event.product_id, decision=decision)
    with leases.held(leases.product_key(event.product_id), seconds=30) as token:
        if token is None:
            undone.message = f"Too late to undo the {decision}: Printify is being told right now."
            return undone
        moved = move_products(
            [event.product_id],
            to=P.MOCKUP_REVIEW,
            sources=[event.to_state],
            actor=actor,
            source=source,
            message=f"Undo of the {decision}.",
            updates={"mockups_approved_at": None, "last_error": ""},
        ).moved
    if not moved:
        state = Product.objects.filter(pk=event.product_id).values_list("state", flat=True).first()
        now = ProductState(state).label.lower() if state else "gone"
        undone.message = f"Too late to undo the {decision}: the product is {now}."
        return undone
    undone.ok, undone.message = True, f"Undid the {decision}: the product waits for its mockup review again."
    return undone
