"""Admin for generation: Design actions (generate, cancel, variations), Batch and GenerationPreset admins.

Thin: every action and form calls one function of designs/generation.py. Generating spends GPU money, so the
Design actions need the "add design" permission (Reviewers do not have it).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Sum
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from designs import generation
from designs.models import Batch, GenerationPreset
from designs.workflow import Source, Status
from integrations.comfyui import Limits, WorkflowError, validate_workflow

# --- Design actions ------------------------------------------------------------------------------------------


@admin.action(permissions=["add"], description="Generate / Retry generation")
def generate_designs(modeladmin, request, queryset):
    result = generation.request_generation(queryset, actor=request.user, source=Source.ADMIN)
    modeladmin.report_transition(request, result, verb="queued for generation", log_message="Queued for generation.")


@admin.action(permissions=["add"], description="Cancel generation")
def cancel_generation(modeladmin, request, queryset):
    result = generation.cancel_generation(queryset, actor=request.user, source=Source.ADMIN)
    modeladmin.report_transition(request, result, verb="cancelled (back to draft)", log_message="Generation cancelled.")


class VariationsForm(forms.Form):
    count = forms.IntegerField(label="Variations per design", min_value=1, max_value=50, initial=4)


@admin.action(permissions=["add"], description="Generate N more variations…")
def generate_variations(modeladmin, request, queryset):
    """Asks how many first; then new designs with the same prompt and settings and new seeds are queued."""
    form = VariationsForm(request.POST if request.POST.get("post") == "yes" else None)
    if form.is_bound and form.is_valid():
        count = form.cleaned_data["count"]
        result = generation.request_variations(queryset, count=count, actor=request.user, source=Source.ADMIN)
        modeladmin.message_user(request, f"{len(result.moved)} new variations queued for generation.", messages.SUCCESS)
        return None
    selected = list(queryset.select_related(None).only("pk", "prompt", "title").order_by("pk"))
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Generate more variations",
        "opts": modeladmin.opts,
        "form": form,
        "selected": selected[:50],
        "selected_ids": [design.pk for design in selected],
        "without_prompt": sum(1 for design in selected if not design.prompt),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "action_name": "generate_variations",
        "media": modeladmin.media,
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, "admin/designs/design/generate_variations.html", context)


# Admin actions (functions decorated with @admin.action) that DesignAdmin offers; see designs/admin.py.
DESIGN_ACTIONS: list = [generate_designs, cancel_generation, generate_variations]


# --- Batches -------------------------------------------------------------------------------------------------


class BatchForm(forms.Form):
    name = forms.CharField(max_length=200)
    prompts = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 12, "cols": 100}),
        help_text="One prompt per line. Blank lines and lines starting with # are ignored.",
    )
    preset = forms.ModelChoiceField(queryset=GenerationPreset.objects.filter(is_active=True), required=True)
    variations = forms.IntegerField(label="Variations per prompt", min_value=1, max_value=50, initial=1)
    width = forms.IntegerField(required=False, help_text="Empty: the preset's width.")
    height = forms.IntegerField(required=False, help_text="Empty: the preset's height.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preset"].initial = generation.default_preset()

    def clean_prompts(self):
        try:
            return generation.parse_prompts(self.cleaned_data["prompts"], csv_format=False)
        except generation.PromptFileError as error:
            raise ValidationError(error.errors) from None

    def clean(self):
        cleaned = super().clean()
        limits = Limits()
        for name in ("width", "height"):
            value = cleaned.get(name)
            if value is not None and (not limits.min_size <= value <= limits.max_size or value % limits.size_step):
                self.add_error(
                    name, f"Use a multiple of {limits.size_step} from {limits.min_size} to {limits.max_size}."
                )
        return cleaned


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
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

    @admin.display(description="Cost so far ($)", ordering="total_cost")
    def total_cost(self, obj):
        return obj.total_cost or 0

    def add_view(self, request, form_url="", extra_context=None):
        """Paste prompts, pick a preset: the batch's designs are created and queued in one go."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = BatchForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            batch, result = generation.create_batch(
                data["prompts"],
                name=data["name"],
                origin=Batch.Origin.ADMIN,
                preset=data["preset"],
                variations=data["variations"],
                width=data["width"],
                height=data["height"],
                actor=request.user,
                source=Source.ADMIN,
            )
            self.log_addition(request, batch, "Created from the batch form.")
            self.message_user(request, f"Batch “{batch}”: {result.summary('designs queued')}.", messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:designs_batch_change", args=[batch.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Start a batch",
            "opts": self.opts,
            "form": form,
            "media": self.media + form.media,
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.add_form_template, context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        progress = generation.batch_progress([object_id]) if str(object_id).isdigit() else None
        if progress:
            progress["rows"] = [(Status(value).label, progress["counts"][value], value) for value in Status.values]
            progress["done"] = sum(
                progress["counts"][value] for value in Status.values if value not in generation.PENDING_STATUSES
            )
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "progress": progress})


# --- Presets -------------------------------------------------------------------------------------------------


class GenerationPresetForm(forms.ModelForm):
    class Meta:
        model = GenerationPreset
        fields = (
            "name",
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

    def clean(self):
        cleaned = super().clean()
        workflow, parameter_map = cleaned.get("workflow"), cleaned.get("parameter_map")
        if workflow is not None and parameter_map is not None:
            try:
                validate_workflow(workflow, parameter_map)
            except WorkflowError as error:
                self.add_error(None, str(error))
        template = cleaned.get("prompt_template")
        if template:
            try:
                template.format(prompt="test", style="test")
            except (KeyError, IndexError, ValueError) as error:
                self.add_error("prompt_template", f"Only {{prompt}} and {{style}} may be used ({error}).")
        return cleaned


@admin.register(GenerationPreset)
class GenerationPresetAdmin(admin.ModelAdmin):
    form = GenerationPresetForm
    list_display = ("name", "is_active", "width", "height", "steps", "guidance", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("name",)
