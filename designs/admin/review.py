"""The keyboard review page and its two endpoints (decide, undo), as a part of DesignAdmin.

Reads come from designs.selectors, decisions go through designs.services.review; this module only turns
requests into those calls and their results into JSON (for the page's script) or messages (without script).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from designs import print_quality, selectors
from designs.admin.display import thumbnail_tag
from designs.models import Design
from designs.services import review
from designs.services.publishing import default_template
from designs.workflow import Source, Status, TransitionConflict

# The review grid is paginated so the page stays fast with thousands waiting.
REVIEW_PAGE_SIZE = 60
MAX_ID = 2**63 - 1  # a database id; anything larger in a request is simply not a design


def id_or_none(value) -> int | None:
    """A request parameter as a design/batch id, or None (also for 40-digit numbers: no OverflowError later)."""
    text = str(value or "").strip()
    if not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


class ReviewPageMixin:
    """Mixed into DesignAdmin: get_review_urls() plus the views; needs has_approve_permission and log_changes."""

    def get_review_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view  # staff login, CSRF, never_cache
        return [
            path("review/", wrap(self.review_view), name="{}_{}_review".format(*info)),
            path(
                "review/decide/", wrap(require_POST(self.review_decide_view)), name="{}_{}_review_decide".format(*info)
            ),
            path("review/undo/", wrap(require_POST(self.review_undo_view)), name="{}_{}_review_undo".format(*info)),
        ]

    def review_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        batch_id = id_or_none(request.GET.get("batch"))
        page = Paginator(selectors.review_queue(batch_id=batch_id), REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
        designs = list(page.object_list)
        focus_id = id_or_none(request.GET.get("focus"))
        focused = next((design for design in designs if design.pk == focus_id), designs[0] if designs else None)
        can_decide = self.has_approve_permission(request)
        template = default_template()  # DPI badges are measured against it (designs/print_quality.py)
        context = {
            **self.admin_site.each_context(request),
            "title": "Review designs",
            "opts": self.opts,
            "cards": [
                (
                    design,
                    thumbnail_tag(design, "pod-card-thumb"),
                    print_quality.print_readiness(design, template),
                    shown_image_url(design),
                )
                for design in designs
            ],
            "print_template": template,
            "focused_quality": print_quality.print_readiness(focused, template) if focused else None,
            "focused_image": shown_image_url(focused) if focused else "",
            "focused": focused,
            "page": page,
            "left": page.paginator.count,
            "today": selectors.decided_today(request.user),
            "can_decide": can_decide,
            "batches": selectors.batches_in_review(),
            "batch_id": batch_id,
            "here": request.get_full_path(),
            "review_config": {
                "canDecide": can_decide,
                # Where to go when every card on this page is decided: the same page, refilled.
                "reloadUrl": request.path + (f"?batch={batch_id}" if batch_id is not None else ""),
            },
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/designs/design/review.html", context)

    def review_decide_view(self, request):
        if not self.has_approve_permission(request):
            return self._refuse(request)
        design_id = id_or_none(request.POST.get("design"))
        decision = request.POST.get("decision")
        batch_id = id_or_none(request.POST.get("batch"))
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
            return self._review_reply(request, status=422, message=message, design_id=design_id, batch_id=batch_id)
        if not result.moved:
            current = result.skipped.get(design_id)
            conflict = TransitionConflict(design_id, result.target, current)
            status = 404 if current is None else 409  # gone, or someone else decided first
            return self._review_reply(
                request, status=status, message=str(conflict), design_id=design_id, batch_id=batch_id
            )
        self.log_changes(request, result.moved, log_message)
        return self._review_reply(
            request, status=200, message=f"Design {design_id} {verb}.", design_id=design_id, batch_id=batch_id
        )

    def review_undo_view(self, request):
        if not self.has_approve_permission(request):
            return self._refuse(request)
        batch_id = id_or_none(request.POST.get("batch"))
        decision, result = review.undo_last_decision(actor=request.user, source=Source.REVIEW)
        if decision is None:
            return self._review_reply(request, status=404, message="Nothing to undo.", batch_id=batch_id)
        design_id = decision.design_id
        if not result.moved:
            conflict = TransitionConflict(design_id, Status.REVIEW, result.skipped.get(design_id))
            return self._review_reply(
                request, status=409, message=str(conflict), design_id=design_id, batch_id=batch_id
            )
        self.log_changes(request, result.moved, "Undo on the review page: back to review.")
        return self._review_reply(
            request,
            status=200,
            message=f"Design {design_id} is back in review.",
            design_id=design_id,
            batch_id=batch_id,
        )

    @staticmethod
    def _wants_json(request) -> bool:
        return "application/json" in request.headers.get("Accept", "")

    def _refuse(self, request):
        if self._wants_json(request):
            return JsonResponse({"ok": False, "message": "You may not approve or reject designs."}, status=403)
        raise PermissionDenied

    def _review_reply(self, request, *, status: int, message: str, design_id=None, batch_id=None):
        """JSON for fetch(), or a message and a redirect back to the review page for plain forms."""
        if self._wants_json(request):
            body = {
                "ok": status == 200,
                "message": message,
                "left": selectors.review_queue(batch_id=batch_id).count(),
                "today": selectors.decided_today(request.user),
            }
            if design_id is not None:
                body["design"] = _design_json(design_id)
            return JsonResponse(body, status=status)
        self.message_user(request, message, messages.ERROR if status >= 400 else messages.SUCCESS)
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = reverse("admin:designs_design_review")
        return HttpResponseRedirect(target)


def shown_image_url(design) -> str:
    """The large view: the print file's preview when there is one (what will be printed), else the original's
    preview, else the original when it is small enough to be its own preview (images.PREVIEW_SIZE)."""
    for file in (design.print_preview, design.print_file, design.preview_file, design.image, design.thumbnail):
        if file:
            return file.url
    return ""


def _design_json(design_id: int) -> dict | None:
    design = Design.objects.filter(pk=design_id).first()
    if design is None:
        return None
    quality = print_quality.print_readiness(design, default_template())
    return {
        "id": design.pk,
        "status": design.status,
        "status_label": design.get_status_display(),
        "title": design.title,
        "prompt": design.prompt,
        "thumbnail_url": design.thumbnail.url if design.thumbnail else "",
        "image_url": shown_image_url(design),
        "original_url": design.image.url if design.image else "",
        "dpi": quality.badge_text(),
        "dpi_level": quality.level,
        "dpi_text": quality.explanation(),
        "no_alpha": quality.lacks_transparency,
        "change_url": reverse("admin:designs_design_change", args=[design.pk]),
    }
