"""The Design admin: a workbench for staff (changelist, change page, bulk actions) and the keyboard review page.

Everything here is thin: status changes go through designs.services (which use workflow.transition), reads
through designs.selectors. Generation and publishing actions come from admin_generation/admin_publishing.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from designs import admin_generation, admin_publishing, selectors, services
from designs.models import Design, DesignEvent
from designs.workflow import Source, Status, TransitionConflict

# The review grid is paginated so the page stays fast with thousands waiting.
REVIEW_PAGE_SIZE = 60
SIBLINGS_SHOWN = 24
# Printify's dashboard page for a product. Not part of the API reference (unsure): if Printify moves it,
# only this line changes. Covered by test_change_page_links_printify_product_and_store.
PRINTIFY_PRODUCT_URL = "https://printify.com/app/product-details/{product_id}"


def thumbnail_tag(design: Design, css_class: str = "pod-thumb"):
    """The small thumbnail file (never the original), lazy-loaded; a placeholder while there is none."""
    if not design.thumbnail:
        return format_html('<span class="{} pod-thumb-empty" aria-label="No image yet">—</span>', css_class)
    # .url only joins MEDIA_URL and the name: no file access, no query.
    return format_html(
        '<img src="{}" class="{}" loading="lazy" decoding="async" alt="Design {}">',
        design.thumbnail.url,
        css_class,
        design.pk,
    )


def status_badge_tag(status: str):
    return format_html('<span class="pod-status pod-status-{}">{}</span>', status, Status(status).label)


class CommaSeparatedTagsField(forms.CharField):
    """Edits the JSON list of tags as 'fox, winter, woodcut'."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        tags = [tag.strip() for tag in text.split(",")]
        return list(dict.fromkeys(tag for tag in tags if tag))


class DesignForm(forms.ModelForm):
    tags = CommaSeparatedTagsField(required=False, help_text="Comma-separated; sent to Printify when publishing.")

    class Meta:
        model = Design
        # ModelAdmin passes the fields of the page's fieldsets; these are every field a form here may edit.
        fields = ("prompt", "style", "batch", "preset", "title", "description", "tags")


class RejectForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Optional. Recorded in each design's history.",
    )


class DesignEventInline(admin.TabularInline):
    """The history of a design, newest first, read-only."""

    model = DesignEvent
    fields = ("created_at", "from_status", "to_status", "actor", "source", "message")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-created_at", "-pk")
    verbose_name_plural = "History"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- bulk actions (approve/reject/reopen; generation and publishing bring their own) -----------------


def _selected_ids(queryset) -> list[int]:
    return list(queryset.values_list("pk", flat=True))


@admin.action(permissions=["approve"], description="Approve selected designs")
def approve_designs(modeladmin, request, queryset):
    result = services.approve(_selected_ids(queryset), actor=request.user, source=Source.ADMIN)
    modeladmin.report_transition(request, result, verb="approved", log_message="Approved.")


@admin.action(permissions=["approve"], description="Reject selected designs…")
def reject_designs(modeladmin, request, queryset):
    """Asks for an optional reason first (like Django's delete confirmation), then rejects."""
    form = RejectForm(request.POST if request.POST.get("post") == "yes" else None)
    if form.is_bound and form.is_valid():
        reason = form.cleaned_data["reason"]
        result = services.reject(_selected_ids(queryset), actor=request.user, reason=reason, source=Source.ADMIN)
        log_message = f"Rejected: {reason}" if reason else "Rejected."
        modeladmin.report_transition(request, result, verb="rejected", log_message=log_message)
        return None
    selected = list(queryset.select_related(None).only("pk", "title", "status", "thumbnail").order_by("pk"))
    in_review = [design for design in selected if design.status == Status.REVIEW]
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Reject designs",
        "opts": modeladmin.opts,
        "form": form,
        "selected_ids": [design.pk for design in selected],
        "preview": [(design, thumbnail_tag(design)) for design in in_review[:48]],
        "in_review_count": len(in_review),
        "skipped_count": len(selected) - len(in_review),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "action_name": "reject_designs",
        "media": modeladmin.media,
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, "admin/designs/design/reject_confirmation.html", context)


@admin.action(permissions=["approve"], description="Reopen selected designs (back to review)")
def reopen_designs(modeladmin, request, queryset):
    result = services.reopen(_selected_ids(queryset), actor=request.user, source=Source.ADMIN)
    modeladmin.report_transition(request, result, verb="reopened", log_message="Reopened for review.")


REVIEW_ACTIONS = [approve_designs, reject_designs, reopen_designs]


@admin.register(Design)
class DesignAdmin(admin.ModelAdmin):
    form = DesignForm
    actions = [*REVIEW_ACTIONS, *admin_generation.DESIGN_ACTIONS, *admin_publishing.DESIGN_ACTIONS]

    # --- changelist
    list_display = (
        "thumbnail_preview",
        "id",
        "status_badge",
        "prompt_excerpt",
        "title",
        "batch",
        "preset",
        "cost",
        "created_at",
    )
    list_display_links = ("thumbnail_preview", "id")
    list_filter = ("status", "batch", "preset", "created_at", ("created_by", admin.RelatedOnlyFieldListFilter))
    search_fields = ("prompt", "title", "=id", "=runpod_job_id", "=printify_product_id")
    date_hierarchy = "created_at"
    list_select_related = ("batch", "preset")
    list_per_page = 100
    # The exact total over every design costs a second COUNT on each page view; the filtered count is enough.
    show_full_result_count = False

    # --- change page
    add_fieldsets = ((None, {"fields": ("prompt", "style", "batch", "preset", "title", "description", "tags")}),)
    editable_fields = ("title", "description", "tags")
    change_fieldsets = (
        (None, {"fields": ("preview", "status_badge", "status_changed_at", "last_error")}),
        ("For the shop", {"fields": ("title", "description", "tags")}),
        (
            "Generation",
            {
                "fields": (
                    "prompt",
                    "style",
                    "preset",
                    "batch",
                    "seed",
                    "size",
                    "steps",
                    "guidance",
                    "runpod_job_id",
                    "job_output_index",
                    "generation_attempts",
                    "submitted_at",
                    "timings",
                    "cost",
                    "created_by",
                    "created_at",
                    "updated_at",
                )
            },
        ),
        ("Image file", {"fields": ("original_file", "image_size", "image_sha256")}),
        ("Same job", {"fields": ("sibling_gallery",)}),
        (
            "Printify",
            {
                "fields": (
                    "printify_links",
                    "mockup_gallery",
                    "product_template",
                    "printify_upload_id",
                    "printify_product_id",
                    "publish_attempts",
                    "published_at",
                    "printify_deleted_at",
                )
            },
        ),
    )
    inlines = [DesignEventInline]

    # --- permissions for actions (Django looks up has_<name>_permission for @admin.action(permissions=[name]))
    def _has_design_permission(self, request, action: str) -> bool:
        codename = get_permission_codename(action, self.opts)  # "approve_design", "publish_design"
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")

    def has_approve_permission(self, request) -> bool:
        return self._has_design_permission(request, "approve")

    def has_publish_permission(self, request) -> bool:
        return self._has_design_permission(request, "publish")

    # --- reporting, shared by every action that moves designs
    def log_changes(self, request, design_ids, message: str) -> None:
        """One admin LogEntry per design that actually moved, written in one bulk insert.

        The bulk form of ModelAdmin.log_change (same LogEntryManager.log_actions API, Django 5.1+).
        """
        designs = Design.objects.filter(pk__in=design_ids).only("pk", "title")
        LogEntry.objects.log_actions(
            user_id=request.user.pk, queryset=designs, action_flag=CHANGE, change_message=message
        )

    def report_transition(self, request, result, *, verb: str, log_message: str) -> None:
        """Log the designs that moved and tell the user '12 approved, 3 skipped (approved, draft).'"""
        if result.moved:
            self.log_changes(request, result.moved, log_message)
        level = messages.WARNING if result.skipped else messages.SUCCESS
        self.message_user(request, f"{result.summary(verb)}.", level)

    # --- list columns
    @admin.display(description="Image")
    def thumbnail_preview(self, obj):
        return thumbnail_tag(obj)

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj):
        return status_badge_tag(obj.status)

    @admin.display(description="Prompt")
    def prompt_excerpt(self, obj):
        return obj.prompt if len(obj.prompt) <= 80 else obj.prompt[:79] + "…"

    # --- change page fields
    def get_fieldsets(self, request, obj=None):
        return self.change_fieldsets if obj else self.add_fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        shown = [name for _, options in self.change_fieldsets for name in options["fields"]]
        return [name for name in shown if name not in self.editable_fields]

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("batch", "preset", "created_by", "product_template")

    @admin.display(description="Preview")
    def preview(self, obj):
        if obj.image:
            return format_html(
                '<a href="{0}" target="_blank" rel="noopener"><img src="{0}" class="pod-preview" alt="{1}"></a>',
                obj.image.url,
                obj,
            )
        return thumbnail_tag(obj, "pod-preview")

    @admin.display(description="Size")
    def size(self, obj):
        return f"{obj.width} × {obj.height} px" if obj.width and obj.height else "—"

    @admin.display(description="Timings")
    def timings(self, obj):
        parts = []
        if obj.delay_ms is not None:
            parts.append(f"queued {obj.delay_ms / 1000:.1f} s")
        if obj.execution_ms is not None:
            parts.append(f"ran {obj.execution_ms / 1000:.1f} s")
        return ", ".join(parts) or "—"

    @admin.display(description="Original")
    def original_file(self, obj):
        if not obj.image:
            return "—"
        return format_html('<a href="{}" target="_blank" rel="noopener">Open the full image</a>', obj.image.url)

    @admin.display(description="Pixels")
    def image_size(self, obj):
        # Stored at ingest; reading obj.image.width here would open the file.
        if obj.image_width and obj.image_height:
            return f"{obj.image_width} × {obj.image_height}"
        return "—"

    @admin.display(description="Other images from this job")
    def sibling_gallery(self, obj):
        siblings = list(
            obj.siblings.only("pk", "status", "thumbnail", "title").order_by("job_output_index")[:SIBLINGS_SHOWN]
        )
        if not siblings:
            return "—"
        return format_html(
            '<div class="pod-siblings">{}</div>',
            format_html_join(
                "",
                '<a href="{}" class="pod-sibling" title="{}">{}{}</a>',
                (
                    (
                        reverse("admin:designs_design_change", args=[sibling.pk]),
                        sibling,
                        thumbnail_tag(sibling),
                        status_badge_tag(sibling.status),
                    )
                    for sibling in siblings
                ),
            ),
        )

    @admin.display(description="Links")
    def printify_links(self, obj):
        links = []
        if obj.printify_product_id:
            links.append((PRINTIFY_PRODUCT_URL.format(product_id=obj.printify_product_id), "Product on Printify"))
        handle = (obj.printify_external or {}).get("handle") or ""
        # Only real web addresses become links (no javascript: or relative URLs from a remote answer).
        if isinstance(handle, str) and handle.startswith(("https://", "http://")):
            links.append((handle, "Store page"))
        if not links:
            return "—"
        return format_html_join(" · ", '<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>', links)

    @admin.display(description="Mockups")
    def mockup_gallery(self, obj):
        # Printify's own mockup images (https only), loaded by the browser; the server never fetches them.
        sources = [src for src in obj.printify_mockups or [] if isinstance(src, str) and src.startswith("https://")]
        if not sources:
            return "—"
        return format_html_join(
            " ",
            '<a href="{0}" target="_blank" rel="noopener noreferrer">'
            '<img src="{0}" loading="lazy" width="120" alt="mockup"></a>',
            ((src,) for src in sources[:12]),
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    # --- the review page and its endpoints
    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view  # staff login, CSRF, never_cache
        custom = [
            path("review/", wrap(self.review_view), name="{}_{}_review".format(*info)),
            path("review/decide/", wrap(self.review_decide_view), name="{}_{}_review_decide".format(*info)),
            path("review/undo/", wrap(self.review_undo_view), name="{}_{}_review_undo".format(*info)),
        ]
        return custom + super().get_urls()  # before the defaults, or "review/" would be read as an object id

    def review_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        batch_id = _int_or_none(request.GET.get("batch"))
        page = Paginator(selectors.review_queue(batch_id=batch_id), REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
        designs = list(page.object_list)
        focus_id = _int_or_none(request.GET.get("focus"))
        focused = next((design for design in designs if design.pk == focus_id), designs[0] if designs else None)
        can_decide = self.has_approve_permission(request)
        context = {
            **self.admin_site.each_context(request),
            "title": "Review designs",
            "opts": self.opts,
            "cards": [(design, thumbnail_tag(design, "pod-card-thumb")) for design in designs],
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

    @staticmethod
    def _wants_json(request) -> bool:
        return "application/json" in request.headers.get("Accept", "")

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
                body["design"] = self._design_json(design_id)
            return JsonResponse(body, status=status)
        if status >= 400:
            self.message_user(request, message, messages.ERROR)
        else:
            self.message_user(request, message, messages.SUCCESS)
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = reverse("admin:designs_design_review")
        return HttpResponseRedirect(target)

    @staticmethod
    def _design_json(design_id: int) -> dict | None:
        design = Design.objects.filter(pk=design_id).only("pk", "status", "title", "prompt", "thumbnail", "image")
        design = design.first()
        if design is None:
            return None
        return {
            "id": design.pk,
            "status": design.status,
            "status_label": design.get_status_display(),
            "title": design.title,
            "prompt": design.prompt,
            "thumbnail_url": design.thumbnail.url if design.thumbnail else "",
            "image_url": design.image.url if design.image else "",
            "change_url": reverse("admin:designs_design_change", args=[design.pk]),
        }

    def _refuse(self, request):
        if self._wants_json(request):
            return JsonResponse({"ok": False, "message": "You may not approve or reject designs."}, status=403)
        raise PermissionDenied

    def review_decide_view(self, request):
        return require_POST(self._review_decide)(request)

    def _review_decide(self, request):
        if not self.has_approve_permission(request):
            return self._refuse(request)
        design_id = _int_or_none(request.POST.get("design"))
        decision = request.POST.get("decision")
        batch_id = _int_or_none(request.POST.get("batch"))
        if design_id is None or decision not in ("approve", "reject"):
            return self._review_reply(request, status=400, message="Choose a design and approve or reject.")
        if decision == "approve":
            result = services.approve([design_id], actor=request.user, source=Source.REVIEW)
            log_message, verb = "Approved on the review page.", "approved"
        else:
            reason = request.POST.get("reason", "").strip()[:1000]
            result = services.reject([design_id], actor=request.user, reason=reason, source=Source.REVIEW)
            log_message, verb = "Rejected on the review page.", "rejected"
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
        return require_POST(self._review_undo)(request)

    def _review_undo(self, request):
        if not self.has_approve_permission(request):
            return self._refuse(request)
        batch_id = _int_or_none(request.POST.get("batch"))
        decision, result = services.undo_last_decision(actor=request.user, source=Source.REVIEW)
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


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
