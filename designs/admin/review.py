"""The keyboard review page and its endpoints (decide, undo, claims, release, compare, best), part of DesignAdmin.

Reads come from designs.selectors, decisions go through designs.services.review, claims through
designs.services.claims; this module only turns requests into those calls and their results into JSON (for the
page's script) or messages (without script).
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from designs import selectors
from designs.admin import review_cards
from designs.models import Design
from designs.services import claims, review
from designs.workflow import Source, Status, conflict

MAX_ID = 2**63 - 1  # a database id; anything larger in a request is simply not a design
# The page asks for more cards (claims more) when fewer than this many are left on it.
REFILL_BELOW = 4
# The page renews its claims this often while the reviewer is active (well inside REVIEW_CLAIM_SECONDS).
HEARTBEAT_SHARE = 3


def id_or_none(value) -> int | None:
    """A request parameter as a design/batch id, or None (also for 40-digit numbers: no OverflowError later)."""
    text = str(value or "").strip()
    if not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


class ReviewPageMixin:
    """Mixed into DesignAdmin: get_review_urls() plus the views; needs has_approve_permission (and
    has_publish_permission: mockup mode's claims are released here too) and log_changes."""

    def get_review_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view  # staff login, CSRF, never_cache
        views = {
            "review": ("review/", self.review_view),
            "review_decide": ("review/decide/", require_POST(self.review_decide_view)),
            "review_undo": ("review/undo/", require_POST(self.review_undo_view)),
            "review_claims": ("review/claims/", require_POST(self.review_claims_view)),
            "review_release": ("review/release/", require_POST(self.review_release_view)),
            "review_compare": ("review/compare/", self.review_compare_view),
            "review_best": ("review/best/", require_POST(self.review_best_view)),
        }
        return [path(route, wrap(view), name="{}_{}_".format(*info) + name) for name, (route, view) in views.items()]

    # --- pages
    def review_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        batch_id = id_or_none(request.GET.get("batch"))
        can_decide = self.has_approve_permission(request)
        queue = self._queue(request, batch_id, can_decide)
        ids = queue.ids
        focus_id = id_or_none(request.GET.get("focus"))
        if focus_id is not None and focus_id not in ids:
            ids.insert(0, focus_id)  # a link to one design (from the changelist, a warning): shown if in review
        cards = [card for card in review_cards.cards(ids, mine=queue.mine) if card["status"] == Status.REVIEW]
        focused = next((card for card in cards if card["id"] == focus_id), cards[0] if cards else None)
        batches = selectors.batches_in_review()
        batch_name = selectors.batch_name(batch_id)
        if batch_id is not None and batch_name and all(row["batch_id"] != batch_id for row in batches):
            batches.append({"batch_id": batch_id, "batch__name": batch_name, "waiting": 0})  # chosen, now empty
        context = {
            **self.admin_site.each_context(request),
            "title": "Review designs",
            "opts": self.opts,
            "cards": cards,
            "focused": focused,
            "left": selectors.review_queue(batch_id=batch_id).count(),
            "mockups_left": selectors.mockups_waiting().count(),
            "today": selectors.decided_today(request.user),
            "can_decide": can_decide,
            "batches": batches,
            "batch_id": batch_id,
            "batch_name": batch_name,
            "here": request.get_full_path(),
            "review_config": {
                "canDecide": can_decide,
                "batch": batch_id,
                "batchName": batch_name,
                "refillBelow": REFILL_BELOW,
                "heartbeatSeconds": max(5, settings.REVIEW_CLAIM_SECONDS // HEARTBEAT_SHARE),
                "claimedUntil": _epoch(queue.until),
            },
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/designs/design/review.html", context)

    def review_compare_view(self, request):
        """Compare mode: every design from one prompt side by side, to pick the best."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        design = get_object_or_404(Design, pk=id_or_none(request.GET.get("design")))
        batch_id = id_or_none(request.GET.get("batch"))
        group = selectors.variations(design)
        cards = review_cards.cards([member.pk for member in group])
        can_decide = self.has_approve_permission(request)
        if can_decide:  # leaving the review page gave the claims back: hold the ones being compared
            claims.hold(request.user, [card["id"] for card in cards if card["status"] == Status.REVIEW])
        back = reverse("admin:designs_design_review") + (f"?batch={batch_id}" if batch_id else "")
        context = {
            **self.admin_site.each_context(request),
            "title": "Compare variations",
            "opts": self.opts,
            "design": design,
            "cards": cards,
            "waiting": [card for card in cards if card["status"] == Status.REVIEW],
            "can_decide": can_decide,
            "back": back,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/designs/design/review_compare.html", context)

    def _queue(self, request, batch_id, can_decide) -> claims.Claimed:
        """The reviewer's claimed designs (then shared ones); without the right to decide, just a look, no claims."""
        if can_decide:
            return claims.claim_next(request.user, batch_id=batch_id)
        first = selectors.review_queue(batch_id=batch_id).values_list("pk", flat=True)
        return claims.Claimed(shared=list(first[: settings.REVIEW_CLAIM_SIZE]))

    # --- endpoints
    def review_decide_view(self, request):
        if not self.has_approve_permission(request):
            return self._refuse(request)
        design_id = id_or_none(request.POST.get("design"))
        decision = request.POST.get("decision")
        if design_id is None or decision not in ("approve", "reject"):
            return self._review_reply(request, status=400, message="Choose a design and approve or reject.")
        if decision == "approve":
            result = review.approve([design_id], actor=request.user, source=Source.REVIEW)
            log_message, verb = "Approved on the review page.", "approved"
        else:
            reason = request.POST.get("reason", "").strip()[:1000]
            result = review.reject([design_id], actor=request.user, reason=reason, source=Source.REVIEW)
            log_message, verb = "Rejected on the review page.", "rejected"
        if design_id in result.refused:  # a rule, not a race: the design stays in review to be fixed
            message = f"Design {design_id} cannot be approved: {result.refused[design_id]}."
            return self._review_reply(request, status=422, message=message, design_ids=[design_id])
        if not result.moved:
            current = result.skipped.get(design_id)
            status = 404 if current is None else 409  # gone, or someone else decided first
            message = str(conflict(design_id, result.target, current))
            return self._review_reply(request, status=status, message=message, design_ids=[design_id])
        self.log_changes(request, result.moved, log_message)
        return self._review_reply(request, status=200, message=f"Design {design_id} {verb}.", design_ids=[design_id])

    def review_best_view(self, request):
        """Compare mode's choice: approve one variation, reject the others shown with it, as one decision."""
        if not self.has_approve_permission(request):
            return self._refuse(request)
        best_id = id_or_none(request.POST.get("design"))
        group = [pk for pk in map(id_or_none, request.POST.getlist("group")) if pk is not None]
        if best_id is None:
            return self._review_reply(request, status=400, message="Choose the best design.")
        approved, rejected = review.pick_best(best_id, group, actor=request.user, source=Source.REVIEW)
        if not approved.moved:
            current = approved.skipped.get(best_id)
            message = str(conflict(best_id, Status.APPROVED, current))
            return self._review_reply(request, status=404 if current is None else 409, message=message)
        self.log_changes(request, approved.moved, "Approved as the best of its variations (review page).")
        if rejected.moved:
            self.log_changes(request, rejected.moved, "Rejected: another variation was chosen (review page).")
        others = len(rejected.moved)
        message = (
            f"Design {best_id} approved as the best; {others} other variation{'s' if others != 1 else ''} rejected."
        )
        if rejected.skipped:
            message += f" {len(rejected.skipped)} had been decided by someone else already."
        return self._review_reply(request, status=200, message=message, design_ids=[*approved.moved, *rejected.moved])

    def review_undo_view(self, request):
        if not self.has_approve_permission(request):
            return self._refuse(request)
        decision, result = review.undo_last_decision(actor=request.user, source=Source.REVIEW)
        if decision is None:
            return self._review_reply(request, status=404, message="Nothing to undo.")
        if not result.moved:
            design_id = decision.design_id
            conflict_error = conflict(design_id, Status.REVIEW, result.skipped.get(design_id))
            return self._review_reply(request, status=409, message=str(conflict_error), design_ids=[design_id])
        self.log_changes(request, result.moved, "Undo on the review page: back to review.")
        if len(result.moved) == 1:
            message = f"Design {result.moved[0]} is back in review."
        else:
            message = f"Designs {', '.join(map(str, result.moved))} are back in review."
        claims.hold(request.user, result.moved)  # back with the reviewer who undid them, not shown to others
        return self._review_reply(request, status=200, message=message, design_ids=result.moved, refill=True)

    def review_claims_view(self, request):
        """The page's heartbeat while the reviewer is active: renew the claims, top them up, send the cards."""
        if not self.has_approve_permission(request):
            return self._refuse(request)
        return self._review_reply(request, status=200, message="", refill=True)

    def review_release_view(self, request):
        """The reviewer left the page or its mockup mode (navigator.sendBeacon on pagehide): their claims go back
        to the others."""
        if not (self.has_approve_permission(request) or self.has_publish_permission(request)):
            return self._refuse(request)
        claims.release(request.user, until=_moment_or_none(request.POST.get("until")))
        return HttpResponse(status=204)

    # --- replies
    @staticmethod
    def _wants_json(request) -> bool:
        return "application/json" in request.headers.get("Accept", "")

    def _refuse(self, request, message: str = "You may not approve or reject designs."):
        if self._wants_json(request):
            return JsonResponse({"ok": False, "message": message}, status=403)
        raise PermissionDenied

    def _review_reply(self, request, *, status: int, message: str, design_ids=(), refill=None):
        """JSON for fetch(), or a message and a redirect back to the review page for plain forms.

        The JSON carries the cards of the designs concerned (undo puts them back) and, when asked with refill=1
        (the page is running out of cards), the reviewer's renewed and topped-up claims.
        """
        if self._wants_json(request):
            batch_id = id_or_none(request.POST.get("batch"))
            body = {
                "ok": status == 200,
                "message": message,
                "left": selectors.review_queue(batch_id=batch_id).count(),
                "today": selectors.decided_today(request.user),
                "designs": review_cards.cards(list(design_ids)),
            }
            if body["designs"]:
                body["design"] = body["designs"][0]
            if refill or (refill is None and request.POST.get("refill") == "1"):
                queue = claims.claim_next(request.user, batch_id=batch_id)
                body["cards"] = review_cards.cards(queue.ids, mine=queue.mine)
                body["claimed_until"] = _epoch(queue.until)
            else:
                # The page's own cards that another reviewer took over (a fair share): it drops them unseen.
                have = [pk for pk in map(id_or_none, request.POST.get("have", "").split(",")[:100]) if pk]
                body["taken"] = claims.taken_from(request.user, have) if have else []
            return JsonResponse(body, status=status)
        return self._back(request, status, message, reverse("admin:designs_design_review"))

    def _back(self, request, status: int, message: str, fallback: str):
        """Without script: the message, and back to the page the form was on (its `next`), else `fallback`."""
        if message:
            self.message_user(request, message, messages.ERROR if status >= 400 else messages.SUCCESS)
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = fallback
        return HttpResponseRedirect(target)


def _epoch(moment) -> float | None:
    return round(moment.timestamp(), 3) if moment is not None else None


def _moment_or_none(value) -> datetime | None:
    """A POSTed epoch seconds value as an aware datetime; None for anything else."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not 0 < number < 2**33:  # NaN, infinities and nonsense years never become a moment
        return None
    return datetime.fromtimestamp(number, tz=UTC)
