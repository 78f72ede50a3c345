"""The review page's mockup mode: one card per product waiting on Printify for a person to look at its mockups.

Also the Design changelist's actions for the same decisions (DESIGN_ACTIONS), on every waiting product of the
selected designs.

The review page in another mode (MOCKUPS; DesignAdmin mixes this in after ReviewPageMixin, whose page view and
reply it uses): claims per product (a design's tee and mug are two cards), the same one-at-a-time decisions and
undo, the same JSON for the page's script (review_grid.js, configured by review_mockups.js) and messages without
it. Decisions go through designs.services.mockups; the run on a worker waits MOCKUP_UNDO_SECONDS before it tells
Printify, the window in which U takes a decision back.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.urls import path
from django.views.decorators.http import require_POST

from designs import selectors
from designs.admin import review_cards
from designs.admin.confirm import confirmation_page, is_confirmed
from designs.admin.review import ReviewMode, id_or_none
from designs.models import Product
from designs.products import ProductState, conflict
from designs.services import claims, mockups
from designs.shops import Shop
from designs.workflow import Source

MAY_NOT = "You may not send products live or discard them: that needs the “publish designs” permission."
DECISIONS = {"live": mockups.go_live, "discard": mockups.discard}
LOGGED = {
    "live": "Mockups approved: sent live on the review page.",
    "discard": "Mockups rejected: discarded on the review page.",
}

MOCKUPS = ReviewMode(
    item="product",
    title="Review mockups",
    template="admin/designs/design/review_mockups.html",
    page="admin:designs_design_review_mockups",
    waiting=ProductState.MOCKUP_REVIEW,
    queue=lambda request: claims.products(shop_of(request)),
    cards=review_cards.mockup_cards,
    counts=lambda request: {"left": selectors.mockups_waiting(shop_id=shop_of(request)).count()},
    with_others="Nothing more for you right now: the {n} waiting are with other reviewers.",
    nothing="No product is waiting for its mockups to be reviewed.",
)


def shop_of(request) -> int | None:
    """The shop the mockup page is showing: the page's address says it, its forms send it back."""
    return id_or_none((request.POST if request.method == "POST" else request.GET).get("shop"))


def log_products(modeladmin, request, product_ids, message: str) -> None:
    """An admin LogEntry per product decided, as every other admin action writes for the designs it moves."""
    modeladmin.log_changes(request, product_ids, message, model=Product, fields=("pk", "template_name", "design_id"))


class MockupReviewMixin:
    """Views of mockup mode; needs has_publish_permission, log_changes and ReviewPageMixin (_review_page,
    _review_reply, _refuse)."""

    def get_mockup_review_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view  # staff login, CSRF, never_cache
        views = {
            "review_mockups": ("review/mockups/", self.review_mockups_view),
            "review_mockups_decide": ("review/mockups/decide/", require_POST(self.review_mockups_decide_view)),
            "review_mockups_undo": ("review/mockups/undo/", require_POST(self.review_mockups_undo_view)),
            "review_mockups_claims": ("review/mockups/claims/", require_POST(self.review_mockups_claims_view)),
        }
        return [path(route, wrap(view), name="{}_{}_".format(*info) + name) for name, (route, view) in views.items()]

    def review_mockups_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        can_decide = self.has_publish_permission(request)
        shop_id = shop_of(request)
        context = {"undo_seconds": settings.MOCKUP_UNDO_SECONDS, "shops": Shop.objects.all(), "shop_id": shop_id}
        return self._review_page(request, MOCKUPS, can_decide, context, config={"shop": shop_id})

    # --- endpoints
    def review_mockups_decide_view(self, request):
        if not self.has_publish_permission(request):
            return self._refuse(request, MAY_NOT)
        product_id = id_or_none(request.POST.get("product"))
        decision = request.POST.get("decision")
        if product_id is None or decision not in DECISIONS:
            message = "Choose a product, then go live or discard it."
            return self._review_reply(request, MOCKUPS, status=400, message=message)
        result = DECISIONS[decision]([product_id], actor=request.user, source=Source.REVIEW)
        if not result.moved:  # gone, or someone else decided first
            current = result.skipped.get(product_id)
            message = str(conflict(product_id, result.target, current))
            return self._review_reply(request, MOCKUPS, status=404 if current is None else 409, message=message)
        log_products(self, request, result.moved, LOGGED[decision])
        seconds = f"{settings.MOCKUP_UNDO_SECONDS:g}"
        if decision == "live":
            message = f"Product {product_id} goes live in the store in {seconds} s (U takes it back until then)."
        else:
            message = f"Product {product_id} is deleted from Printify in {seconds} s (U takes it back until then)."
        return self._review_reply(request, MOCKUPS, status=200, message=message)

    def review_mockups_undo_view(self, request):
        if not self.has_publish_permission(request):
            return self._refuse(request, MAY_NOT)
        undone = mockups.undo_last_mockup_decision(actor=request.user, source=Source.REVIEW)
        if undone.product_id is None:
            return self._review_reply(request, MOCKUPS, status=404, message=undone.message)
        if not undone.ok:  # too late: the run has begun, or the product is live or deleted already
            return self._review_reply(request, MOCKUPS, status=409, message=undone.message)
        log_products(self, request, [undone.product_id], f"Undo of the {undone.decision} on the review page.")
        claims.hold(request.user, [undone.product_id], claims.products(shop_of(request)))  # back with who undid it
        message = f"Product {undone.product_id}: {undone.message[0].lower()}{undone.message[1:]}"
        return self._review_reply(request, MOCKUPS, status=200, message=message, ids=[undone.product_id], refill=True)

    def review_mockups_claims_view(self, request):
        """The page's claims: right after it opened, then as its heartbeat while the reviewer is active."""
        if not self.has_publish_permission(request):
            return self._refuse(request, MAY_NOT)
        return self._review_reply(request, MOCKUPS, status=200, message="", refill=True)


# --- the Design changelist's actions


def waiting_products(designs) -> list[int]:
    """The products of these designs that wait for their mockup review (the changelist acts on designs)."""
    return list(selectors.mockups_waiting(designs).order_by("pk").values_list("pk", flat=True))


def _report(modeladmin, request, decision, log_message: str) -> None:
    log_products(modeladmin, request, decision.moved, log_message)
    if not decision.moved and not decision.skipped:
        modeladmin.message_user(
            request, "None of the selected designs has a product waiting for its mockup review.", messages.WARNING
        )
        return
    level = messages.WARNING if decision.skipped else messages.SUCCESS
    modeladmin.message_user(request, f"Products: {decision.summary(mockups.VERBS[decision.target])}.", level)


@admin.action(permissions=["publish"], description="Go live with reviewed mockups")
def go_live_with_mockups(modeladmin, request, queryset):
    """Every waiting product of the selected designs goes to the store."""
    decision = mockups.go_live(waiting_products(queryset), actor=request.user, source=Source.ADMIN)
    _report(modeladmin, request, decision, "Mockups approved: sent live (Design list action).")


@admin.action(permissions=["publish"], description="Discard products awaiting mockup review…")
def discard_mockup_products(modeladmin, request, queryset):
    """Asks first: discarding deletes the products on Printify."""
    if is_confirmed(request):
        decision = mockups.discard(waiting_products(queryset), actor=request.user, source=Source.ADMIN)
        _report(modeladmin, request, decision, "Mockups rejected: discarded (Design list action).")
        return None
    products = selectors.mockups_waiting(queryset).select_related("design")
    count = products.count()
    return confirmation_page(
        modeladmin,
        request,
        queryset,
        action_name="discard_mockup_products",
        title="Discard products awaiting mockup review",
        confirm_label=f"Discard {count} product{'s' if count != 1 else ''}",
        template="admin/designs/design/discard_mockups_confirmation.html",
        can_confirm=bool(count),
        products=list(products.order_by("design_id", "pk")[:100]),
        product_count=count,
    )


DESIGN_ACTIONS: list = [go_live_with_mockups, discard_mockup_products]
