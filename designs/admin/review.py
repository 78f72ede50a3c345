"""The keyboard review page and its endpoints (decide, undo, claims, release, compare, best), part of DesignAdmin.

Reads come from designs.selectors, decisions go through designs.services.review, claims through
designs.services.claims; this module only turns requests into those calls and their results into JSON (for the
page's script) or messages (without script). Mockup mode (review_mockups.py) is the same page with another
ReviewMode: the page view, the claims and the reply here serve both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
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


def batch_of(request) -> int | None:
    """The batch the review page is showing: the page's address says it, its forms send it back."""
    return id_or_none((request.POST if request.method == "POST" else request.GET).get("batch"))


@dataclass(frozen=True)
class ReviewMode:
    """What the review page's two modes (designs, and products' mockups) differ in; their views, their page's
    script (review_grid.js) and their one reply (_review_reply) share the rest."""

    item: str  # what a card is, "design" or "product": the replies name the cards concerned after it
    title: str
    template: str
    page: str  # the URL name of the page: plain forms come back to it
    waiting: str  # the status of a card still to decide: the page drops any other
    queue: Callable[[HttpRequest], claims.Queue]  # what the reviewer claims from
    cards: Callable[..., list[dict]]  # (ids, mine=ids) -> the cards of these ids, in that order
    counts: Callable[[HttpRequest], dict]  # the numbers the page shows ("left" at least)
    with_others: str  # the empty page while others hold what waits ({n}: how many wait)
    nothing: str  # the empty page when nothing waits

    def config(self, request, can_decide: bool) -> dict:
        """What the page's script is told: the mode, and when to claim."""
        return {
            "item": self.item,
            "waiting": self.waiting,
            "canDecide": can_decide,
            "refillBelow": REFILL_BELOW,
            "heartbeatSeconds": max(5, settings.REVIEW_CLAIM_SECONDS // HEARTBEAT_SHARE),
        }


DESIGNS = ReviewMode(
    item="design",
    title="Review designs",
    template="admin/designs/design/review.html",
    page="admin:designs_design_review",
    waiting=Status.REVIEW,
    queue=lambda request: claims.designs(batch_of(request)),
    cards=review_cards.cards,
    counts=lambda request: {
        "left": selectors.review_queue(batch_id=batch_of(request)).count(),
        "today": selectors.decided_today(request.user),
    },
    with_others="Nothing more for you right now: the {n} left are with other reviewers.",
    nothing="Nothing is waiting for review.",
)


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
            "review_hold": ("review/hold/", require_POST(self.review_hold_view)),
            "review_compare": ("review/compare/", self.review_compare_view),
            "review_best": ("review/best/", require_POST(self.review_best_view)),
        }
        return [path(route, wrap(view), name="{}_{}_".format(*info) + name) for name, (route, view) in views.items()]

    # --- pages
    def review_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        batch_id = batch_of(request)
        batches = selectors.batches_in_review()
        batch_name = selectors.batch_name(batch_id)
        if batch_id is not None and batch_name and all(row["batch_id"] != batch_id for row in batches):
            batches.append({"batch_id": batch_id, "batch__name": batch_name, "waiting": 0})  # chosen, now empty
        nothing = f"Nothing is waiting for review in batch “{batch_name}”." if batch_name else None
        context = {"batches": batches, "batch_id": batch_id, "batch_name": batch_name}
        can_decide = self.has_approve_permission(request)
        return self._review_page(request, DESIGNS, can_decide, context, config={"batch": batch_id}, nothing=nothing)

    def _review_page(self, request, mode: ReviewMode, can_decide: bool, context: dict, *, config=None, nothing=None):
        """Either mode's page. Opening it claims nothing (a GET): it shows what the reviewer would be given, and
        the page's script claims them at once with a POST (review_claims_view)."""
        queue = mode.queue(request)
        if can_decide:
            shown = claims.peek(request.user, queue)
        else:  # just a look
            shown = claims.Claimed(
                shared=list(queue.waiting.values_list("pk", flat=True)[: settings.REVIEW_CLAIM_SIZE])
            )
        ids = shown.ids
        focus_id = id_or_none(request.GET.get("focus"))
        if focus_id is not None and focus_id not in ids:
            ids.insert(0, focus_id)  # a link to one card (from the changelist, a design's page): shown first
        cards = [card for card in mode.cards(ids, mine=shown.mine) if card["status"] == mode.waiting]
        focused = next((card for card in cards if card["id"] == focus_id), cards[0] if cards else None)
        counts = mode.counts(request)
        empty = {"with_others": mode.with_others, "none": nothing or mode.nothing}
        empty["now"] = empty["with_others"].replace("{n}", str(counts["left"])) if counts["left"] else empty["none"]
        context = {
            **self.admin_site.each_context(request),
            **context,
            **counts,
            "title": mode.title,
            "opts": self.opts,
            "cards": cards,
            "focused": focused,
            "can_decide": can_decide,
            "here": request.get_full_path(),
            "empty": empty,
            "review_urls": {action: reverse(f"{mode.page}_{action}") for action in ("decide", "undo", "claims")},
            # The switch between the modes: this mode's count as shown above, the other's overall.
            "designs_left": counts["left"] if mode.item == "design" else selectors.review_queue().count(),
            "mockups_left": counts["left"] if mode.item == "product" else selectors.mockups_waiting().count(),
            "review_config": {**mode.config(request, can_decide), "focus": focus_id, **(config or {})},
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, mode.template, context)

    def review_compare_view(self, request):
        """Compare mode: every design from one prompt side by side, to pick the best."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        design = get_object_or_404(Design, pk=id_or_none(request.GET.get("design")))
        batch_id = id_or_none(request.GET.get("batch"))
        group = selectors.variations(design)
        cards = review_cards.cards([member.pk for member in group])
        can_decide = self.has_approve_permission(request)
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

    # --- endpoints
    def review_decide_view(self, request):
        if not self.has_approve_permission(request):
            return self._refuse(request)
        design_id = id_or_none(request.POST.get("design"))
        decision = request.POST.get("decision")
        if design_id is None or decision not in ("approve", "reject"):
            return self._review_reply(request, DESIGNS, status=400, message="Choose a design and approve or reject.")
        if decision == "approve":
            result = review.approve([design_id], actor=request.user, source=Source.REVIEW)
            log_message, verb = "Approved on the review page.", "approved"
        else:
            reason = request.POST.get("reason", "").strip()[:1000]
            result = review.reject([design_id], actor=request.user, reason=reason, source=Source.REVIEW)
            log_message, verb = "Rejected on the review page.", "rejected"
        if design_id in result.refused:  # a rule, not a race: the design stays in review to be fixed
            message = f"Design {design_id} cannot be approved: {result.refused[design_id]}."
            return self._review_reply(request, DESIGNS, status=422, message=message, ids=[design_id])
        if not result.moved:
            current = result.skipped.get(design_id)
            status = 404 if current is None else 409  # gone, or someone else decided first
            message = str(conflict(design_id, result.target, current))
            return self._review_reply(request, DESIGNS, status=status, message=message, ids=[design_id])
        self.log_changes(request, result.moved, log_message)
        message = f"Design {design_id} {verb}."
        return self._review_reply(request, DESIGNS, status=200, message=message, ids=[design_id])

    def review_best_view(self, request):
        """Compare mode's choice: approve one variation, reject the others shown with it, as one decision."""
        if not self.has_approve_permission(request):
            return self._refuse(request)
        best_id = id_or_none(request.POST.get("design"))
        group = [pk for pk in map(id_or_none, request.POST.getlist("group")) if pk is not None]
        if best_id is None:
            return self._review_reply(request, DESIGNS, status=400, message="Choose the best design.")
        approved, rejected = review.pick_best(best_id, group, actor=request.user, source=Source.REVIEW)
        if not approved.moved:
            current = approved.skipped.get(best_id)
            message = str(conflict(best_id, Status.APPROVED, current))
            return self._review_reply(request, DESIGNS, status=404 if current is None else 409, message=message)
        self.log_changes(request, approved.moved, "Approved as the best of its variations (review page).")
        if rejected.moved:
            self.log_changes(request, rejected.moved, "Rejected: another variation was chosen (review page).")
        others = len(rejected.moved)
        message = (
            f"Design {best_id} approved as the best; {others} other variation{'s' if others != 1 else ''} rejected."
        )
        if rejected.skipped:
            message += f" {len(rejected.skipped)} had been decided by someone else already."
        moved = [*approved.moved, *rejected.moved]
        return self._review_reply(request, DESIGNS, status=200, message=message, ids=moved)

    def review_undo_view(self, request):
        if not self.has_approve_permission(request):
            return self._refuse(request)
        decision, result = review.undo_last_decision(actor=request.user, source=Source.REVIEW)
        if decision is None:
            return self._review_reply(request, DESIGNS, status=404, message="Nothing to undo.")
        if not result.moved:
            design_id = decision.design_id
            conflict_error = conflict(design_id, Status.REVIEW, result.skipped.get(design_id))
            return self._review_reply(request, DESIGNS, status=409, message=str(conflict_error), ids=[design_id])
        self.log_changes(request, result.moved, "Undo on the review page: back to review.")
        if len(result.moved) == 1:
            message = f"Design {result.moved[0]} is back in review."
        else:
            message = f"Designs {', '.join(map(str, result.moved))} are back in review."
        claims.hold(request.user, result.moved)  # back with the reviewer who undid them, not shown to others
        return self._review_reply(request, DESIGNS, status=200, message=message, ids=result.moved, refill=True)

    def review_claims_view(self, request):
        """The page's claims: right after it opened, then as its heartbeat while the reviewer is active."""
        if not self.has_approve_permission(request):
            return self._refuse(request)
        return self._review_reply(request, DESIGNS, status=200, message="", refill=True)

    def review_hold_view(self, request):
        """Compare mode's script, once the page has opened: leaving the review page gave the claims back, so the
        variations being compared (those still in review) are held for this reviewer."""
        if not self.has_approve_permission(request):
            return self._refuse(request)
        asked = [pk for pk in map(id_or_none, request.POST.getlist("design")[:100]) if pk is not None]
        claims.hold(request.user, selectors.review_queue().filter(pk__in=asked).values_list("pk", flat=True))
        return HttpResponse(status=204)

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

    def _review_reply(self, request, mode: ReviewMode, *, status: int, message: str, ids=(), refill=None):
        """Either mode's reply: JSON for fetch(), or a message and a redirect back to the page for plain forms.

        The JSON carries the page's counts and the cards concerned (`designs` or `products`: undo puts them back)
        and, when asked with refill=1 (the page opened, or is running out of cards), the reviewer's renewed and
        topped-up claims; a card the page was opened on (`focus`) is held for them and stays first.
        """
        if not self._wants_json(request):
            return self._back(request, status, message, reverse(mode.page))
        concerned = mode.cards(list(ids))
        body = {"ok": status == 200, "message": message, **mode.counts(request), f"{mode.item}s": concerned}
        if concerned:
            body[mode.item] = concerned[0]
        queue = mode.queue(request)
        if refill or (refill is None and request.POST.get("refill") == "1"):
            focus = id_or_none(request.POST.get("focus"))
            if focus is not None:
                claims.hold(request.user, [focus], queue)
            claimed = claims.claim_next(request.user, queue)
            shown = claimed.ids if focus is None else [focus, *(pk for pk in claimed.ids if pk != focus)]
            body["cards"] = mode.cards(shown, mine=claimed.mine)
            body["claimed_until"] = _epoch(claimed.until)
        else:
            # The page's own cards that another reviewer took over (a fair share): it drops them unseen.
            have = [pk for pk in map(id_or_none, request.POST.get("have", "").split(",")[:100]) if pk]
            body["taken"] = claims.taken_from(request.user, have, queue) if have else []
        return JsonResponse(body, status=status)

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
