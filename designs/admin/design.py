"""The Design admin: the staff workbench (changelist, change page, bulk actions).

Thin: status changes go through designs.services, reads through designs.selectors. The review page lives in
admin/review.py, generation and publishing actions in admin/generation.py and admin/publishing.py.

Past 400 lines as one module on purpose: DesignAdmin is one ModelAdmin (Django wants its columns, fieldsets,
permissions and reporting on the one class); what could leave has left (review page, columns, print files,
copy, publishing, generation, mockups are mixins and actions of their own modules).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_permission_codename
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.dates import MONTHS_3
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext, gettext_noop

from designs import audit, selectors
from designs.admin import copy as copy_admin
from designs.admin import generation as generation_admin
from designs.admin import listing_sync as listing_sync_admin
from designs.admin import publishing as publishing_admin
from designs.admin import review_mockups
from designs.admin.action_jobs import ActionJobMixin
from designs.admin.confirm import carry_out, confirmation_page, is_confirmed
from designs.admin.design_columns import DesignColumnsMixin
from designs.admin.display import status_badge_tag, thumbnail_tag, usd
from designs.admin.duplicate_filter import NearDuplicateFilter
from designs.admin.print_files import PrintFilesAdminMixin, PrintReadyFilter, prepare_print_files
from designs.admin.products import ProductInline
from designs.admin.review import ReviewPageMixin, id_or_none
from designs.admin.sales import SalesDashboardMixin
from designs.admin.sales_columns import SalesColumnsMixin
from designs.admin.sales_loop import DESIGN_ACTIONS as SALES_LOOP_ACTIONS
from designs.admin.shop_filter import ShopFilter
from designs.admin.status_filter import StatusFilter
from designs.models import Design, DesignEvent
from designs.services import deletion, generation
from designs.workflow import Source, Status
from podsite.admin_guards import AdminGuardsMixin, ReadOnlyInline

SIBLINGS_SHOWN = 24
# Django's own words for the selection box, so its translations apply.
ACTION_CHECKBOX_LABEL = gettext_noop("Select this object for an action - {}")


class DesignForm(copy_admin.CopyFormMixin, forms.ModelForm):
    tags = copy_admin.CommaSeparatedTagsField(
        required=False,
        widget=copy_admin.ShownValueInput(attrs={"size": 80}),
        help_text="Comma-separated; sent to Printify when publishing.",
    )

    class Meta:
        model = Design
        # ModelAdmin passes the fields of the page's fieldsets; these are every field a form here may edit.
        fields = ("prompt", "style", "batch", "preset", "title", "description", "tags")
        widgets = {
            "title": copy_admin.ShownValueInput(attrs={"size": 80}),
            "description": copy_admin.ShownValueTextarea(attrs={"rows": 5, "cols": 80}),
        }


class RejectForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Optional. Recorded in each design's history.",
    )


class DeleteForm(forms.Form):
    products = forms.ChoiceField(
        label="Their Printify products",
        choices=[
            (deletion.DELETE_PRODUCTS, "Delete the products in Printify too (taken off the store first)"),
            (deletion.KEEP_PRODUCTS, "Keep the products in Printify (podsite stops tracking them)"),
        ],
        widget=forms.RadioSelect,
    )


class DesignEventInline(ReadOnlyInline):
    """The history of a design, newest first, read-only: status changes and notes told apart."""

    model = DesignEvent
    fields = ("created_at", "kind", "from_status", "to_status", "actor", "source", "message")
    ordering = ("-created_at", "-pk")
    verbose_name_plural = "History"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


# --- review actions (generation and publishing bring their own) ----------------------------------------------


@admin.action(permissions=["approve"], description="Approve selected designs")
def approve_designs(modeladmin, request, queryset):
    carry_out(modeladmin, request, queryset, "approve_designs")


@admin.action(permissions=["approve"], description="Reject selected designs…")
def reject_designs(modeladmin, request, queryset):
    """Asks for an optional reason first (like Django's delete confirmation), then rejects."""
    form = RejectForm(request.POST if is_confirmed(request) else None)
    if form.is_bound and form.is_valid():
        carry_out(modeladmin, request, queryset, "reject_designs", {"reason": form.cleaned_data["reason"]})
        return None
    in_review = queryset.filter(status=Status.REVIEW)
    in_review_count = in_review.count()
    preview = list(in_review.select_related(None).only("pk", "title", "status", "thumbnail").order_by("pk")[:48])
    return confirmation_page(
        modeladmin,
        request,
        queryset,
        action_name="reject_designs",
        title="Reject designs",
        confirm_label=f"Reject {in_review_count} design{'s' if in_review_count != 1 else ''}",
        template="admin/designs/design/reject_confirmation.html",
        form=form,
        can_confirm=bool(in_review_count),
        preview=[(design, thumbnail_tag(design)) for design in preview],
        in_review_count=in_review_count,
        skipped_count=queryset.count() - in_review_count,
    )


@admin.action(permissions=["approve"], description="Reopen selected designs (back to review)")
def reopen_designs(modeladmin, request, queryset):
    carry_out(modeladmin, request, queryset, "reopen_designs")


@admin.action(permissions=["delete"], description="Delete selected designs…")
def delete_designs(modeladmin, request, queryset):
    """Django's delete_selected, plus the one question it cannot ask: what happens to the Printify products."""
    with_product = selectors.designs_with_products(queryset)
    with_product_count = with_product.count()
    form = DeleteForm(request.POST if is_confirmed(request) and with_product_count else None)
    if is_confirmed(request) and (not with_product_count or form.is_valid()):
        products = form.cleaned_data["products"] if with_product_count else None
        carry_out(modeladmin, request, queryset, "delete_designs", {"products": products})
        return None
    return confirmation_page(
        modeladmin,
        request,
        queryset,
        action_name="delete_designs",
        title="Delete designs",
        confirm_label="Yes, delete",
        template="admin/designs/design/delete_confirmation_products.html",
        form=form if with_product_count else None,
        with_product=selectors.with_printify_ids(with_product.select_related(None).order_by("pk")[:50]),
        with_product_count=with_product_count,
    )


REVIEW_ACTIONS = [approve_designs, reject_designs, reopen_designs]


@admin.register(Design)
class DesignAdmin(
    AdminGuardsMixin,
    SalesDashboardMixin,
    SalesColumnsMixin,
    DesignColumnsMixin,
    PrintFilesAdminMixin,
    ReviewPageMixin,
    review_mockups.MockupReviewMixin,
    copy_admin.ReviewCopyMixin,
    ActionJobMixin,
    admin.ModelAdmin,
):
    form = DesignForm
    actions = [
        *REVIEW_ACTIONS,
        copy_admin.write_listing_copy,
        *generation_admin.DESIGN_ACTIONS,
        prepare_print_files,
        *publishing_admin.DESIGN_ACTIONS,
        listing_sync_admin.update_on_printify,
        *review_mockups.DESIGN_ACTIONS,
        *SALES_LOOP_ACTIONS,
        delete_designs,
    ]

    # --- changelist
    list_display = (
        "thumbnail_preview",
        "id",
        "status_badge",
        "near_duplicate",
        "print_ready",
        "prompt_excerpt",
        "title",
        "tags",
        "batch",
        "cost_money",
        "created",
    )
    list_display_links = ("thumbnail_preview", "id")
    list_editable = ("title", "tags")  # many designs' copy at once; limits and conflicts as on the change page
    list_filter = (
        StatusFilter,
        PrintReadyFilter,
        "print_status",
        NearDuplicateFilter,
        ShopFilter,
        "batch",
        "preset",
        "created_at",
        ("created_by", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("prompt", "title", "=id", "=runpod_job_id", "=products__printify_id")
    # No date_hierarchy: its per-day drill-down truncates every row's timestamp in Python on SQLite (50 ms at 10,000
    # designs, half the page); the "created at" filter offers today, 7 days, this month, this year.
    list_select_related = ("batch", "preset")
    list_per_page = 100
    # The exact total over every design costs a second COUNT on each page view; the filtered count is enough.
    show_full_result_count = False

    # --- change page
    add_fieldsets = ((None, {"fields": ("prompt", "style", "batch", "preset", "title", "description", "tags")}),)
    editable_fields = ("title", "description", "tags")
    change_fieldsets = (
        (None, {"fields": ("preview", "status_badge", "status_changed_at", "last_error")}),
        ("For the shop", {"fields": ("title", "description", "tags", "listing_copy_summary")}),
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
                    "cost_money",
                    "created_by",
                    "created_at",
                    "updated_at",
                )
            },
        ),
        ("Image file", {"fields": ("original_file", "image_size", "image_sha256")}),
        ("Print file", {"fields": ("print_quality_summary", "print_file_summary")}),
        ("Same job", {"fields": ("sibling_gallery",)}),
        ("Sales", {"fields": ("sales_summary", "order_lines")}),  # designs/admin/sales_columns.py
    )
    inlines = [ProductInline, DesignEventInline]  # its Printify products (one per template), then its history

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, form=copy_admin.DesignListForm, **kwargs)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # replaced by delete_designs, which asks about Printify products
        return actions

    # --- permissions for actions (Django looks up has_<name>_permission for @admin.action(permissions=[name]))
    def _has_design_permission(self, request, action: str) -> bool:
        codename = get_permission_codename(action, self.opts)  # "approve_design", "publish_design"
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")

    def has_approve_permission(self, request) -> bool:
        return self._has_design_permission(request, "approve")

    def has_publish_permission(self, request) -> bool:
        return self._has_design_permission(request, "publish")

    def has_write_copy_permission(self, request) -> bool:
        return self._has_design_permission(request, "write_copy")

    # --- reporting, shared by every action that moves designs
    def log_changes(self, request, ids, message: str, *, model=Design, fields=("pk", "title", "prompt")) -> None:
        """One admin LogEntry per design (or other `model` row, e.g. a product) that actually moved, written in bulk
        inserts (designs/audit.py); `fields` are those the rows' names are made of."""
        audit.log_changes(request.user, ids, message, model=model, fields=fields)

    def report_transition(self, request, result, *, verb: str, log_message: str) -> None:
        """Log the designs that moved and tell the user '12 approved, 3 skipped (approved, draft).'"""
        if result.moved:
            self.log_changes(request, result.moved, log_message)
        level = messages.WARNING if result.skipped or result.refused else messages.SUCCESS
        self.message_user(request, f"{result.summary(verb)}.", level)

    # --- list columns
    def action_checkbox(self, obj):
        """Django's selection box, the same HTML without a template render per row."""
        label = format_html(gettext(ACTION_CHECKBOX_LABEL), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            ACTION_CHECKBOX_NAME,
            obj.pk,
            label,
        )

    @admin.display(description="Image")
    def thumbnail_preview(self, obj):
        return thumbnail_tag(obj)

    @admin.display(description="Prompt")
    def prompt_excerpt(self, obj):
        # The title has its own (editable) column and the preset is only a filter: the list fits 1440 px with both
        # sidebars open.
        return obj.prompt if len(obj.prompt) <= 60 else obj.prompt[:59] + "…"

    @admin.display(description="Cost", ordering="cost")
    def cost_money(self, obj):
        return usd(obj.cost) if obj.cost is not None else "—"

    @admin.display(description="Created", ordering="created_at")
    def created(self, obj):
        # "2 Dec 2026 14:05": the admin's long default ("Dec. 2, 2026, 2:05 p.m.") pushed columns off-screen.
        # Formatted directly: date_format parses its format string again for each of the 100 rows.
        local = localtime(obj.created_at)
        return f"{local.day} {MONTHS_3[local.month].title()} {local:%Y %H:%M}"

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
        return super().get_queryset(request).select_related("batch", "preset", "created_by")

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
            return f"{obj.image_width} × {obj.image_height} px"
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

    def save_model(self, request, obj, form, change):
        if change:  # only the copy is editable on a saved design: through the service (revision, history note)
            copy_admin.save_copy_from_form(self, request, obj, form)
            return
        values = {name: getattr(obj, name) for name in form._meta.fields if name in form.cleaned_data}
        design = generation.create_draft(actor=request.user, source=Source.ADMIN, **values)
        obj.pk, obj._state.adding = design.pk, False  # Django's add view goes on with `obj` (log, redirect)
        obj.refresh_from_db()

    def delete_view(self, request, object_id, extra_context=None):
        """A design with a Printify product is deleted through delete_designs, which asks about the product."""
        design_id = id_or_none(object_id)
        found = Design.objects.filter(pk=design_id) if design_id else Design.objects.none()
        design = selectors.designs_with_products(found).first()
        if design is None or not self.has_delete_permission(request, design):
            return super().delete_view(request, object_id, extra_context)
        return confirmation_page(
            self,
            request,
            Design.objects.filter(pk=design.pk),
            action_name="delete_designs",
            title="Delete design",
            confirm_label="Yes, delete",
            template="admin/designs/design/delete_confirmation_products.html",
            form=DeleteForm(),
            carry_ids=[design.pk],
            form_action=reverse("admin:designs_design_changelist"),
            with_product=selectors.with_printify_ids([design]),
            with_product_count=1,
        )

    def delete_model(self, request, obj):
        if selectors.designs_with_products(Design.objects.filter(pk=obj.pk)).exists():  # only through the question
            self.message_user(request, "This design has a Printify product; delete it from the list.", messages.ERROR)
            return
        deletion.delete_designs([obj.pk], actor=request.user)

    def get_urls(self):
        return (
            self.get_review_urls()
            + self.get_mockup_review_urls()
            + self.get_copy_urls()
            + self.get_action_job_urls()
            + super().get_urls()
        )  # before the defaults, or "review/" reads as an id

    def response_delete(self, request, obj_display, obj_id):
        if Design.objects.filter(pk=obj_id).exists():
            return HttpResponseRedirect(reverse("admin:designs_design_change", args=[obj_id]))
        return super().response_delete(request, obj_display, obj_id)
