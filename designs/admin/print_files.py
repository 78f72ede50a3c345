"""Admin for print quality: DPI badges, the "print-ready" column and filter, the "Prepare print files" action, the
print file on the change page, and images shown on a checkerboard or the garment colour.

Thin: the numbers come from designs/print_quality.py, the action calls designs/services/print_files.py.
"""

from __future__ import annotations

from contextvars import ContextVar

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from designs import contrast, print_quality, selectors
from designs.admin.confirm import carry_out, confirmation_page, is_confirmed
from designs.admin.display import thumbnail_tag, usd
from designs.models import GenerationPreset, PresetKind, ProductTemplate
from designs.print_status import PRINT_PENDING, PrintStatus
from designs.services import print_files
from designs.services.publishing import default_template

CONTRAST_TEMPLATES_SHOWN = 10  # templates a design's page checks its contrast against


# The default template, read once per changelist request (list columns get only the row).
_shown_template: ContextVar = ContextVar("print_template", default=None)


def dpi_badge(readiness: print_quality.Readiness):
    """ "68 DPI" in red / amber / green, the whole explanation as its title; a flag when transparency is missing."""
    flag = ""
    if readiness.lacks_transparency:
        flag = format_html(
            ' <span class="pod-flag" title="“{}” needs a transparent background; this file has none.">'
            "no transparency</span>",
            readiness.template_name,
        )
    return format_html(
        '<span class="pod-dpi pod-dpi-{}" title="{}">{}</span>{}',
        readiness.level,
        readiness.explanation(),
        readiness.badge_text(),
        flag,
    )


def print_status_badge(design):
    if design.print_status == PrintStatus.NONE:
        return ""
    title = design.print_error or PrintStatus(design.print_status).label
    return format_html(
        '<span class="pod-print pod-print-{}" title="{}">{}</span>',
        design.print_status,
        title,
        PrintStatus(design.print_status).label,
    )


def checkerboard_image(url: str, alt: str, *, original_url: str = ""):
    """An image on a checkerboard (transparency shows) with buttons for light and dark garments (static/podsite/
    print.js switches them; without script the checkerboard stays)."""
    full = (
        format_html(' <a href="{}" target="_blank" rel="noopener">100 % (original)</a>', original_url)
        if original_url
        else ""
    )
    return format_html(
        '<div class="pod-backdrop pod-backdrop-checker" data-pod-backdrop>'
        '<img src="{}" class="pod-preview" alt="{}"></div>'
        '<div class="pod-backdrop-choice" role="group" aria-label="Background">'
        '<button type="button" class="button" data-backdrop="checker" aria-pressed="true">Checkerboard</button>'
        '<button type="button" class="button" data-backdrop="light" aria-pressed="false">Light garment</button>'
        '<button type="button" class="button" data-backdrop="dark" aria-pressed="false">Dark garment</button>{}</div>',
        url,
        alt,
        full,
    )


class PrintReadyFilter(admin.SimpleListFilter):
    title = "print quality (default template)"
    parameter_name = "print_ready"

    def lookups(self, request, model_admin):
        minimum, target = settings.MIN_PRINT_DPI, settings.TARGET_PRINT_DPI
        return [
            (print_quality.GOOD, f"Print-ready (≥ {target} DPI)"),
            (print_quality.LOW, f"Acceptable ({minimum}–{target - 1} DPI)"),
            (print_quality.BAD, f"Too low (< {minimum} DPI)"),
        ]

    def queryset(self, request, queryset):
        if self.value() not in (print_quality.GOOD, print_quality.LOW, print_quality.BAD):
            return queryset
        return print_quality.filter_by_level(queryset, default_template(), self.value())


class PrepareForm(forms.Form):
    preset = forms.ModelChoiceField(
        queryset=GenerationPreset.objects.filter(kind=PresetKind.PRINT, is_active=True),
        required=False,
        empty_label="As the template needs (remove the background for templates that need transparency)",
    )
    template = forms.ModelChoiceField(
        queryset=ProductTemplate.objects.all(),
        required=False,
        empty_label="Each design's own template, else the default",
        help_text="The print file is sized for this template's print areas at the target DPI.",
    )
    again = forms.BooleanField(
        required=False,
        label="Prepare again designs already at the target DPI",
        help_text="They are skipped otherwise: an upscale is paid for and would change nothing.",
    )


@admin.action(permissions=["publish"], description="Prepare print files…")
def prepare_print_files(modeladmin, request, queryset):
    """Asks first (count, preset, estimated GPU cost), then queues print preparation on RunPod."""
    form = PrepareForm(request.POST if "preset" in request.POST else None)
    chosen = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if is_confirmed(request) and form.is_valid():
        options = {
            "preset": chosen["preset"].pk if chosen["preset"] else None,
            "template": chosen["template"].pk if chosen["template"] else None,
            "again": chosen["again"],
        }
        carry_out(modeladmin, request, queryset, "prepare_print_files", options)
        return None
    try:
        plan = print_files.plan_print_files(queryset, template=chosen.get("template"), again=chosen.get("again", False))
    except ValueError as error:  # more designs than one action may queue
        modeladmin.message_user(request, str(error), messages.ERROR)
        return None
    count = len(plan.ready)
    at_target = sum(reason.startswith("already at") for reason in plan.skipped.values())
    preview = [design for design, _ in plan.ready[:48]]
    return confirmation_page(
        modeladmin,
        request,
        queryset,
        action_name="prepare_print_files",
        title="Prepare print files",
        confirm_label=f"Prepare {count} print file{'s' if count != 1 else ''}",
        template="admin/designs/design/print_confirmation.html",
        form=form,
        can_confirm=bool(count),
        count=count,
        skip_count=len(plan.skipped) - at_target,
        at_target=at_target,
        target_dpi=settings.TARGET_PRINT_DPI,
        estimate=usd(print_files.estimated_cost(count)),
        cost_basis=f"average print job time so far × ${settings.RUNPOD_COST_PER_SECOND}/s",
        preview=[(design, thumbnail_tag(design)) for design in preview],
    )


class PrintFilesAdminMixin:
    """Mixed into DesignAdmin: the print column and the change page's print fields."""

    def changelist_view(self, request, extra_context=None):
        token = _shown_template.set(default_template())
        try:
            response = super().changelist_view(request, extra_context)
            if hasattr(response, "render"):
                response.render()  # the rows are rendered here, while the template is known
            return response
        finally:
            _shown_template.reset(token)

    @admin.display(description="Print")
    def print_ready(self, obj):
        template = _shown_template.get()
        badge = dpi_badge(print_quality.print_readiness(obj, template)) if template else ""
        return format_html("{} {}", badge, print_status_badge(obj)) if badge or obj.print_status != "none" else "—"

    @admin.display(description="Preview")
    def preview(self, obj):
        """The preview (at most 1600 px), never a 30 MB original, on a checkerboard; the original on demand."""
        if not obj.image:
            return thumbnail_tag(obj, "pod-preview")
        shown = obj.preview_file or obj.image
        return checkerboard_image(shown.url, str(obj), original_url=obj.image.url)

    @admin.display(description="Print quality")
    def print_quality_summary(self, obj):
        template = selectors.design_template(obj)
        if template is None:
            return "No product template: the DPI is measured against a template's print areas."
        readiness = print_quality.print_readiness(obj, template)
        return format_html("{} {}<br>{}", dpi_badge(readiness), print_status_badge(obj), readiness.explanation())

    @admin.display(description="Garment colours")
    def contrast_summary(self, obj):
        """Per template: the enabled colours a transparent design nearly vanishes on (designs/contrast.py)."""
        templates = list(ProductTemplate.objects.order_by("-is_default", "name")[:CONTRAST_TEMPLATES_SHOWN])
        if not templates:
            return "No product template: its colours are what the design is checked against."
        lines = []
        for template in templates:
            report = contrast.check(obj, template)
            if not report.checked:
                return f"Not checked: {report.reason}."
            if report.vanishing:
                lines.append(format_html("<strong>{}</strong>", report.text()))
            else:
                shown = ", ".join(colour.label for colour in report.colours) or "no colour with a known code"
                lines.append(format_html("Shows on every colour of “{}” ({}).", template.name, shown))
            if report.unknown:
                lines.append(
                    format_html(
                        "“{}”: not checked (no colour code known): {}.", template.name, ", ".join(report.unknown)
                    )
                )
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines))  # noqa: S308 (a constant)

    @admin.display(description="Print file")
    def print_file_summary(self, obj):
        if obj.print_status in PRINT_PENDING or obj.print_status == PrintStatus.FAILED:
            return format_html("{} {}", print_status_badge(obj), obj.print_error)
        if not obj.print_file:
            return "None yet: use “Prepare print files” to upscale it for print."
        shown = obj.print_preview or obj.print_file
        alpha = "transparent background" if obj.print_has_alpha else "no transparency"
        preset = obj.print_preset.name if obj.print_preset_id else "—"
        return format_html(
            '{}<p>{}×{} px PNG, {}, made with “{}”. <a href="{}" target="_blank" rel="noopener">Download</a> '
            "· sha256 <code>{}</code></p>",
            checkerboard_image(shown.url, f"Print file of {obj}"),
            obj.print_width,
            obj.print_height,
            alpha,
            preset,
            obj.print_file.url,
            obj.print_sha256,
        )
