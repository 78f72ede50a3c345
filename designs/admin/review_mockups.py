"""The review page's mockup mode: one card per product waiting on Printify for a person to look at its mockups.

Also the Design changelist's actions for the same decisions (DESIGN_ACTIONS), on every waiting product of the
selected designs.

Part of the review page (DesignAdmin mixes it in after ReviewPageMixin, whose replies it uses): the same claims
(per design, of the designs in Status.MOCKUPS), the same one-at-a-time decisions and undo, the same JSON for the
page's script (mockups.js) and messages without it. Decisions go through designs.services.mockups; the run on a
worker waits MOCKUP_UNDO_SECONDS before it tells Printify, the window in which U takes a decision back.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from designs import selectors
from designs.admin import review_cards
from designs.admin.confirm import confirmation_page, is_confirmed
from designs.admin.review import HEARTBEAT_SHARE, REFILL_BELOW, _epoch, id_or_none
from designs.products import conflict
from designs.services import claims, mockups
from designs.workflow import Source, Status

MAY_NOT = "You may not send products live or discard them: that needs the “publish designs” permission."
DECISIONS = {"live": mockups.go_live, "discard": mockups.discard}


class MockupReviewMixin:
    """Views of mockup mode; needs has_publish_permission and ReviewPageMixin's replies (_refuse, _back…)."""

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
        queue = self._mockup_queue(request, can_decide)
        focus_id = id_or_none(request.GET.get("focus"))  # a product (a link from the design's page): shown first
        cards = review_cards.mockup_cards(
            design_ids=queue.ids, product_ids=[focus_id] if focus_id else [], mine=queue.mine
        )
        focused = next((card for card in cards if card["id"] == focus_id), cards[0] if cards else None)
        context = {
            **self.admin_site.each_context(request),
            "title": "Review mockups",
            "opts": self.opts,
            "cards": cards,
            "focused": focused,
            "mockups_left": selectors.mockups_waiting().count(),
            "designs_left": selectors.review_queue().count(),
            "can_decide": can_decide,
            "here": request.get_full_path(),
            "undo_seconds": settings.MOCKUP_UNDO_SECONDS,
            "review_config": {
                "canDecide": can_decide,
                "refillBelow": REFILL_BELOW,
                "heartbeatSeconds": max(5, settings.REVIEW_CLAIM_SECONDS // HEARTBEAT_SHARE),
                "claimedUntil": _epoch(queue.until),
            },
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/designs/design/review_mockups.html", context)

    def _mockup_queue(self, request, can_decide) -> claims.Claimed:
        """The reviewer's claimed designs with mockups to review; without the right to decide, a look, no claims."""
        if can_decide:
            return claims.claim_next(request.user, status=Status.MOCKUPS)
        first = selectors.review_queue(status=Status.MOCKUPS).values_list("pk", flat=True)
        return claims.Claimed(shared=list(first[: settings.REVIEW_CLAIM_SIZE]))

    # --- endpoints
    def review_mockups_decide_view(self, request):
        if not self.has_publish_permission(request):
            return self._refuse(request, MAY_NOT)
        product_id = id_or_none(request.POST.get("product"))
        decision = request.POST.get("decision")
        if product_id is None or decision not in DECISIONS:
            return self._mockup_reply(request, status=400, message="Choose a product, then go live or discard it.")
        result = DECISIONS[decision]([product_id], actor=request.user, source=Source.REVIEW)
        if not result.moved:  # gone, or someone else decided first
            current = result.skipped.get(product_id)
            message = str(conflict(product_id, result.target, current))
            return self._mockup_reply(request, status=404 if current is None else 409, message=message)
        seconds = f"{settings.MOCKUP_UNDO_SECONDS:g}"
        if decision == "live":
            message = f"Product {product_id} goes live in the store in {seconds} s (U takes it back until then)."
        else:
            message = f"Product {product_id} is deleted from Printify in {seconds} s (U takes it back until then)."
        return self._mockup_reply(request, status=200, message=message)

    def review_mockups_undo_view(self, request):
        if not self.has_publish_permission(request):
            return self._refuse(request, MAY_NOT)
        undone = mockups.undo_last_mockup_decision(actor=request.user, source=Source.REVIEW)
        if undone.product_id is None:
            return self._mockup_reply(request, status=404, message=undone.message)
        if not undone.ok:  # too late: the run has begun, or the product is live or deleted already
            return self._mockup_reply(request, status=409, message=undone.message)
        back = review_cards.mockup_cards(product_ids=[undone.product_id])
        claims.hold(request.user, [card["design_id"] for card in back])  # back with who undid it
        message = f"Product {undone.product_id}: {undone.message[0].lower()}{undone.message[1:]}"
        return self._mockup_reply(request, status=200, message=message, products=back, refill=True)

    def review_mockups_claims_view(self, request):
        """The page's heartbeat while the reviewer is active: renew the claims, top them up, send the cards."""
        if not self.has_publish_permission(request):
            return self._refuse(request, MAY_NOT)
        return self._mockup_reply(request, status=200, message="", refill=True)

    def _mockup_reply(self, request, *, status: int, message: str, products=(), refill=None):
        """JSON for fetch() (the products concerned, and the renewed claims when asked with refill=1), or a
        message and a redirect back to mockup mode for plain forms."""
        if not self._wants_json(request):
            return self._back(request, status, message, reverse("admin:designs_design_review_mockups"))
        body = {
            "ok": status == 200,
            "message": message,
            "left": selectors.mockups_waiting().count(),
            "products": list(products),
        }
        if refill or (refill is None and request.POST.get("refill") == "1"):
            queue = claims.claim_next(request.user, status=Status.MOCKUPS)
            body["cards"] = review_cards.mockup_cards(design_ids=queue.ids, mine=queue.mine)
            body["claimed_until"] = _epoch(queue.until)
        else:
            # The designs of the page's own cards that another reviewer took over: the page drops their cards.
            have = [pk for pk in map(id_or_none, request.POST.get("have", "").split(",")[:100]) if pk]
            body["taken"] = claims.taken_from(request.user, have, status=Status.MOCKUPS) if have else []
        return JsonResponse(body, status=status)


# --- the Design changelist's actions


def _report(modeladmin, request, decision: mockups.MockupDecision) -> None:
    if not decision.moved and not decision.skipped:
        modeladmin.message_user(
            request, "None of the selected designs has a product waiting for its mockup review.", messages.WARNING
        )
        return
    level = messages.WARNING if decision.skipped else messages.SUCCESS
    modeladmin.message_user(request, f"Products: {decision.summary()}.", level)


@admin.action(permissions=["publish"], description="Go live with reviewed mockups")
def go_live_with_mockups(modeladmin, request, queryset):
    """Every waiting product of the selected designs goes to the store."""
    decision = mockups.go_live(mockups.products_of(queryset), actor=request.user, source=Source.ADMIN)
    _report(modeladmin, request, decision)


@admin.action(permissions=["publish"], description="Discard products awaiting mockup review…")
def discard_mockup_products(modeladmin, request, queryset):
    """Asks first: discarding deletes the products on Printify."""
    if is_confirmed(request):
        decision = mockups.discard(mockups.products_of(queryset), actor=request.user, source=Source.ADMIN)
        _report(modeladmin, request, decision)
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
