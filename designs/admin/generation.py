"""Admin for generation: Design actions (generate, cancel, variations), the Batch and GenerationPreset admins.

Thin: every action and form calls designs/services/generation.py or batches.py, where the limits live.
Generating spends GPU money, so the Design actions need the "add design" permission (Reviewers do not have it),
and each says the count and estimated cost before anything is queued.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Sum
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from designs import audit, presets
from designs.admin import sales_loop as sales_loop_admin
from designs.admin.batch_progress import progress_context
from designs.admin.confirm import carry_out, confirmation_page, is_confirmed
from designs.admin.display import usd
from designs.admin.review import id_or_none
from designs.models import Batch, GenerationPreset, PresetKind
from designs.services import batches, generation
from designs.workflow import CANCELLABLE, GENERATABLE, Source
from integrations.comfyui import WorkflowError, validate_print_workflow, validate_workflow
from podsite.admin_guards import AdminGuardsMixin

# --- Design actions ------------------------------------------------------------------------------------------


def _cost_basis() -> str:
    return f"average RunPod run time so far × ${settings.RUNPOD_COST_PER_SECOND}/s"


def _move_after_confirmation(modeladmin, request, queryset, action_name: str, *, sources, page):
    """The generation actions' shared step: once confirmed, carry the action out; before, show how many of the chosen
    designs it would move (those in `sources`) and why the rest are skipped. `page(count)` adds the action's words."""
    if is_confirmed(request):
        carry_out(modeladmin, request, queryset, action_name)
        return None
    count = queryset.filter(status__in=sources).count()
    return confirmation_page(
        modeladmin,
        request,
        queryset,
        action_name=action_name,
        template="admin/designs/design/generation_confirmation.html",
        count=count,
        skip_count=queryset.count() - count,
        **page(count),
    )


@admin.action(permissions=["add"], description="Generate / Retry generation…")
def generate_designs(modeladmin, request, queryset):
    """Asks first (count and estimated GPU cost), then queues drafts and failed designs."""

    def page(count: int) -> dict:
        too_many = generation.design_count_problem(count)
        return {
            "title": "Generate designs",
            "confirm_label": f"Queue {count} for generation",
            "can_confirm": bool(count) and not too_many,
            "what": "queued for generation on RunPod",
            "skip_reason": "only drafts and failed generations can be generated",
            "estimate": usd(generation.estimated_cost(count)),
            "cost_basis": _cost_basis(),
            "warning": too_many,
        }

    return _move_after_confirmation(modeladmin, request, queryset, "generate_designs", sources=GENERATABLE, page=page)


@admin.action(permissions=["add"], description="Cancel generation…")
def cancel_generation(modeladmin, request, queryset):
    """Asks first: cancelled jobs are stopped on RunPod and their designs go back to draft."""

    def page(count: int) -> dict:
        return {
            "title": "Cancel generation",
            "confirm_label": f"Cancel {count} generation{'s' if count != 1 else ''}",
            "can_confirm": bool(count),
            "what": "taken back to draft (running RunPod jobs are cancelled; time already used is still billed)",
            "skip_reason": "not queued or generating",
        }

    return _move_after_confirmation(modeladmin, request, queryset, "cancel_generation", sources=CANCELLABLE, page=page)


class VariationsForm(forms.Form):
    count = forms.IntegerField(label="Variations per design", initial=4)

    def clean_count(self):
        count = self.cleaned_data["count"]
        problem = generation.variations_problem(count)
        if problem:
            raise ValidationError(problem)
        return count


@admin.action(permissions=["add"], description="Generate N more variations…")
def generate_variations(modeladmin, request, queryset):
    """Asks how many first; then new designs with the same prompt and settings and new seeds are queued."""
    form = VariationsForm(request.POST if is_confirmed(request) else None)
    if form.is_bound and form.is_valid():
        try:
            result = generation.request_variations(
                queryset, count=form.cleaned_data["count"], actor=request.user, source=Source.ADMIN
            )
        except generation.TooManyDesigns as error:
            modeladmin.message_user(request, str(error), messages.ERROR)
            return None
        audit.log_additions(request.user, result.moved, "Made as a variation and queued for generation.")
        modeladmin.message_user(request, f"{len(result.moved)} new variations queued for generation.", messages.SUCCESS)
        return None
    return confirmation_page(
        modeladmin,
        request,
        queryset,
        action_name="generate_variations",
        title="Generate more variations",
        confirm_label="Generate",
        template="admin/designs/design/generate_variations.html",
        form=form,
        selected=list(queryset.select_related(None).only("pk", "prompt", "title").order_by("pk")[:50]),
        without_prompt=queryset.filter(prompt="").count(),
        cost_each=usd(generation.estimated_cost(1)),
    )


# Admin actions (functions decorated with @admin.action) that DesignAdmin offers; see designs/admin/design.py.
DESIGN_ACTIONS: list = [generate_designs, cancel_generation, generate_variations]


# --- Batches -------------------------------------------------------------------------------------------------


class BatchForm(forms.Form):
    name = forms.CharField(max_length=200)
    prompts = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 12, "cols": 100}),
        help_text="One prompt per line. Blank lines and lines starting with # are ignored.",
    )
    preset = forms.ModelChoiceField(
        queryset=GenerationPreset.objects.filter(is_active=True, kind=PresetKind.GENERATION), required=True
    )
    variations = forms.IntegerField(label="Variations per prompt", initial=1)
    width = forms.IntegerField(required=False, help_text="Empty: the preset's width.")
    height = forms.IntegerField(required=False, help_text="Empty: the preset's height.")
    # Set by the page after it showed the count and cost of a large batch; a changed batch asks again.
    confirmed_total = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # "Make more like these": the designs this batch follows up, as "12,40,7".
    made_from = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preset"].initial = presets.default_preset()

    def clean_prompts(self):
        try:
            return batches.parse_prompts(self.cleaned_data["prompts"], csv_format=False)
        except batches.PromptFileError as error:
            raise ValidationError(error.errors) from None

    def clean_made_from(self):
        parts = [part.strip() for part in (self.cleaned_data.get("made_from") or "").split(",") if part.strip()]
        if not all(part.isdigit() and len(part) < 19 for part in parts):
            # A hidden field: its error is shown above the form, where the page shows errors that belong to none.
            self.add_error(None, "The designs this batch follows up are not a list of design numbers; open it again.")
            return []
        return [int(part) for part in parts]

    def clean_variations(self):
        problem = generation.variations_problem(self.cleaned_data["variations"])
        if problem:
            raise ValidationError(problem)
        return self.cleaned_data["variations"]

    def clean(self):
        cleaned = super().clean()
        for name in ("width", "height"):
            problem = batches.size_problem(name, cleaned.get(name))
            if problem:
                self.add_error(name, problem[0].upper() + problem[1:] + ".")
        if "prompts" in cleaned and "variations" in cleaned:
            self.total = len(cleaned["prompts"]) * cleaned["variations"]
            too_many = generation.design_count_problem(self.total)
            if too_many:
                self.add_error(None, too_many)
        return cleaned

    def needs_confirmation(self) -> bool:
        """A large batch is created only after the page showed its count and cost and the same total came back."""
        total = getattr(self, "total", 0)
        return total > settings.CONFIRM_DESIGNS_ABOVE and self.cleaned_data.get("confirmed_total") != total


@admin.register(Batch)
class BatchAdmin(AdminGuardsMixin, admin.ModelAdmin):
    list_display = ("name", "origin", "preset", "design_count", "total_cost", "created_by", "created_at")
    list_filter = ("origin", "preset")
    search_fields = ("name", "source_name")
    readonly_fields = ("origin", "source_name", "preset", "created_by", "created_at")
    fields = ("name", *readonly_fields)
    list_select_related = ("preset", "created_by")
    change_form_template = "admin/designs/batch/change_form.html"
    add_form_template = "admin/designs/batch/add_form.html"

    def get_queryset(self, request):
        # An aggregate drops Meta.ordering (GROUP BY): order explicitly so pages (and autocomplete) are stable.
        counted = super().get_queryset(request).annotate(design_count=Count("designs"), total_cost=Sum("designs__cost"))
        return counted.order_by("-created_at", "-pk")

    @admin.display(description="Designs", ordering="design_count")
    def design_count(self, obj):
        return obj.design_count

    @admin.display(description="Cost so far", ordering="total_cost")
    def total_cost(self, obj):
        return usd(obj.total_cost or 0)

    def add_view(self, request, form_url="", extra_context=None):
        """Paste prompts, pick a preset: the batch's designs are created and queued in one go."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        follow = sales_loop_admin.follow_up_context(self, request) if request.method == "GET" else None
        form = BatchForm(request.POST or None, initial=follow["initial"] if follow else None)
        confirm = None
        if request.method == "POST" and form.is_valid():
            if not form.needs_confirmation():
                return self._create(request, form.cleaned_data)
            form.data = form.data.copy()
            form.data["confirmed_total"] = form.total
            confirm = {"total": form.total, "estimate": usd(generation.estimated_cost(form.total))}
        context = {
            **self.admin_site.each_context(request),
            "title": "Start a batch",
            "opts": self.opts,
            "form": form,
            "confirm": confirm,
            "follow": follow,
            "media": self.media + form.media,
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.add_form_template, context)

    def _create(self, request, data):
        batch, result = batches.create_batch(
            data["prompts"],
            name=data["name"],
            origin=Batch.Origin.ADMIN,
            preset=data["preset"],
            variations=data["variations"],
            width=data["width"],
            height=data["height"],
            actor=request.user,
            source=Source.ADMIN,
            made_from=data["made_from"],
        )
        self.log_addition(request, batch, "Created from the batch form.")
        self.message_user(request, f"Batch “{batch}”: {result.summary('designs queued')}.", messages.SUCCESS)
        for warning in batches.blocked_term_warnings(data["prompts"]):
            self.message_user(request, f"Prompt {warning}.", messages.WARNING)
        return HttpResponseRedirect(reverse("admin:designs_batch_change", args=[batch.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        progress = progress_context(id_or_none(object_id))
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "progress": progress})


# --- Presets -------------------------------------------------------------------------------------------------


class GenerationPresetForm(forms.ModelForm):
    kind = forms.ChoiceField(choices=PresetKind.choices, required=False, initial=PresetKind.GENERATION)

    class Meta:
        model = GenerationPreset
        fields = (
            "name",
            "kind",
            "is_active",
            "workflow",
            "parameter_map",
            "prompt_template",
            "negative_prompt",
            "width",
            "height",
            "steps",
            "guidance",
        )

    def clean_kind(self):
        return self.cleaned_data.get("kind") or PresetKind.GENERATION

    def clean(self):
        cleaned = super().clean()
        workflow, parameter_map = cleaned.get("workflow"), cleaned.get("parameter_map")
        if workflow is not None and parameter_map is not None:
            try:
                if cleaned.get("kind") == PresetKind.PRINT:  # image in: LoadImage and SaveImage are required
                    validate_print_workflow(workflow, parameter_map)
                else:
                    validate_workflow(workflow, parameter_map)
            except WorkflowError as error:
                self.add_error(None, str(error))
        if cleaned.get("prompt_template"):
            try:
                presets.render_prompt(cleaned["prompt_template"], prompt="test", style="test")
            except presets.PromptTemplateError as error:
                self.add_error("prompt_template", str(error))
        for name in ("width", "height"):
            problem = batches.size_problem(name, cleaned.get(name))
            if problem:
                self.add_error(name, problem[0].upper() + problem[1:] + ".")
        return cleaned


@admin.register(GenerationPreset)
class GenerationPresetAdmin(AdminGuardsMixin, admin.ModelAdmin):
    form = GenerationPresetForm
    list_display = ("name", "kind", "is_active", "width", "height", "steps", "guidance", "updated_at")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)
