"""Admin for publishing: Design actions (publish, retry, unpublish, preview) and the ProductTemplate admin.

Thin: the actions call designs/services/publishing.py, the template screens designs/services/templates.py;
checks and payloads come from designs/product_templates.py, so the preview shows exactly what the worker sends.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from designs.admin.confirm import confirmation_page, is_confirmed
from designs.admin.display import shop_price, thumbnail_tag
from designs.admin.print_files import low_dpi_context
from designs.admin.review import id_or_none
from designs.models import Design, ProductTemplate
from designs.product_templates import (
    PLACEMENT_MODES,
    build_product_payload,
    enabled_variants,
    publish_parts,
    render_texts,
    template_problems,
)
from designs.services import publish_checks, publishing, templates
from designs.workers.publish_run import image_size
from designs.workflow import PUBLISHABLE, Source, Status, design_ids
from integrations.http import IntegrationError
from podsite.admin_guards import AdminGuardsMixin

# --- Design actions ------------------------------------------------------------------------------------------

PREVIEW_DESIGNS = 48  # designs shown one by one on the publish confirmation (the counts cover the whole selection)


class PublishForm(forms.Form):
    template = forms.ModelChoiceField(
        queryset=ProductTemplate.objects.all(),
        required=False,
        empty_label="Each design's own template, else the default",
        help_text="Given to designs that have no Printify product yet.",
    )
    allow_duplicate_titles = forms.BooleanField(
        required=False,
        label="Publish titles already live",
        help_text="Two listings with one title compete with each other; tick only if that is what you want.",
    )
    override_low_dpi = forms.BooleanField(
        required=False,
        label="Publish below the minimum DPI anyway",
        help_text="Designs listed above print blurry; this is recorded in each design's history with your name.",
    )


@admin.action(permissions=["publish"], description="Publish to Printify…")
def publish_to_printify(modeladmin, request, queryset):
    """Confirmation first: each design's thumbnail and title, the price range per template, who will be refused
    and why (blocked terms, titles already live), and how many are skipped."""
    form = PublishForm(request.POST if "template" in request.POST else None)
    valid = form.is_bound and form.is_valid()
    chosen = form.cleaned_data["template"] if valid else None
    allow_twins = bool(valid and form.cleaned_data["allow_duplicate_titles"])
    if is_confirmed(request) and form.is_valid():
        try:
            result = publishing.request_publish(
                queryset,
                actor=request.user,
                source=Source.ADMIN,
                template=chosen,
                allow_duplicate_titles=allow_twins,
                override_low_dpi=form.cleaned_data["override_low_dpi"],
            )
        except publishing.PublishRefused as error:
            modeladmin.message_user(request, str(error), messages.ERROR)
            return None
        modeladmin.report_transition(
            request, result, verb="queued for publishing", log_message="Publishing to Printify requested."
        )
        return None
    shown = chosen or publishing.default_template()
    preview = publish_checks.publish_preview(
        design_ids(queryset), chosen, allow_duplicate_titles=allow_twins, shown=PREVIEW_DESIGNS
    )
    problems = {t.name: template_problems(t) for t in preview.templates}
    problems = {name: found for name, found in problems.items() if found}
    count = preview.publish_count
    return confirmation_page(
        modeladmin,
        request,
        queryset,
        action_name="publish_to_printify",
        title="Publish to Printify",
        confirm_label=f"Publish {count} design{'s' if count != 1 else ''}",
        template="admin/designs/design/publish_confirmation.html",
        form=form,
        can_confirm=bool(shown and not problems and count),
        template_obj=shown,
        preview=preview,
        rows=[(row, thumbnail_tag(row.design)) for row in preview.rows],
        more_rows=queryset.count() - len(preview.rows),
        template_summaries=[_template_summary(t) for t in preview.templates],
        problems=problems,
        parts=publish_parts(shown) if shown else {},
        variants=[{**v, "price_text": shop_price(v.get("price"))} for v in enabled_variants(shown)] if shown else [],
        **low_dpi_context(queryset.filter(status__in=PUBLISHABLE), shown),
    )


def _template_summary(template: ProductTemplate) -> dict:
    """'Gildan tee: 12 variants, $19.99–$24.99' for the confirmation."""
    prices = [v["price"] for v in enabled_variants(template) if isinstance(v.get("price"), int)]
    if not prices:
        price_range = "no prices"
    elif min(prices) == max(prices):
        price_range = shop_price(min(prices))
    else:
        price_range = f"{shop_price(min(prices))}–{shop_price(max(prices))}"
    return {"template": template, "variant_count": len(enabled_variants(template)), "price_range": price_range}


@admin.action(permissions=["publish"], description="Retry publishing")
def retry_publishing(modeladmin, request, queryset):
    try:
        result = publishing.retry_publish(queryset, actor=request.user, source=Source.ADMIN)
    except publishing.PublishRefused as error:
        modeladmin.message_user(request, str(error), messages.ERROR)
        return
    modeladmin.report_transition(request, result, verb="queued to retry publishing", log_message="Publishing retried.")


class UnpublishForm(forms.Form):
    mode = forms.ChoiceField(
        choices=[
            ("unpublish", "Unpublish from the store, keep the Printify product (publishing again reuses it)"),
            ("delete", "Unpublish and delete the Printify product"),
        ],
        widget=forms.RadioSelect,
        initial="unpublish",
    )


@admin.action(permissions=["publish"], description="Unpublish / delete product…")
def unpublish_products(modeladmin, request, queryset):
    form = UnpublishForm(request.POST if is_confirmed(request) else None)
    if form.is_bound and form.is_valid():
        delete = form.cleaned_data["mode"] == "delete"
        result = publishing.request_unpublish(queryset, actor=request.user, source=Source.ADMIN, delete=delete)
        verb = "queued for deletion" if delete else "queued for unpublishing"
        modeladmin.report_transition(
            request, result, verb=verb, log_message="Deletion requested." if delete else "Unpublishing requested."
        )
        return None
    published = queryset.filter(status=Status.PUBLISHED).exclude(printify_product_id="")
    published_count = published.count()
    return confirmation_page(
        modeladmin,
        request,
        queryset,
        action_name="unpublish_products",
        title="Unpublish / delete Printify products",
        confirm_label="Yes, go ahead",
        template="admin/designs/design/publish_unpublish_confirmation.html",
        form=form,
        can_confirm=bool(published_count),
        published=list(published.select_related(None).only("pk", "title", "prompt", "printify_product_id")[:100]),
        published_count=published_count,
        skip_count=queryset.count() - published_count,
    )


@admin.action(permissions=["publish"], description="Preview what will be sent to Printify")
def preview_printify_payload(modeladmin, request, queryset):
    design = queryset.order_by("pk").first()
    if request.POST.get("select_across") == "1" or len(request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)) > 1:
        modeladmin.message_user(request, f"Showing the first selected design ({design.pk}).", messages.INFO)
    return HttpResponseRedirect(reverse("admin:designs_producttemplate_preview", args=[design.pk]))


# Admin actions (functions decorated with @admin.action) that DesignAdmin offers; see designs/admin/design.py.
DESIGN_ACTIONS: list = [publish_to_printify, retry_publishing, unpublish_products, preview_printify_payload]


# --- Product templates ---------------------------------------------------------------------------------------


class ProductTemplateForm(forms.ModelForm):
    class Meta:
        model = ProductTemplate
        fields = (
            "name",
            "is_default",
            "blueprint_id",
            "print_provider_id",
            "variants",
            "print_position",
            "placement",
            "placeholders",
            "title_template",
            "description_template",
            "tags_template",
            "publish_after_create",
            "publish_parts",
            "safety_information",
            "prepare_print_files",
            "needs_transparency",
        )

    def clean(self):
        """Refuse a template Printify would refuse (unpriced variants, print area not covering them, …)."""
        cleaned = super().clean()
        if not self.errors:
            problems = template_problems(ProductTemplate(**cleaned))
            if problems:
                raise ValidationError(problems)
        return cleaned


class CatalogForm(forms.Form):
    """Step 3 of "fill from catalog": the chosen variants and prices (whole numbers in the shop's minor units)."""

    name = forms.CharField(max_length=100)
    print_position = forms.ChoiceField()
    placement_mode = forms.ChoiceField(choices=[(mode, mode) for mode in PLACEMENT_MODES], initial="fit")
    price = forms.IntegerField(
        min_value=1, label="Price for all", help_text="Minor units of the shop's currency: 2499 means 24.99."
    )

    def __init__(self, *args, catalog_variants: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        positions = sorted({p["position"] for v in catalog_variants for p in v.get("placeholders") or []})
        # Front first when offered: the print position a seller means nine times out of ten.
        positions.sort(key=lambda position: position != "front")
        self.fields["print_position"].choices = [(p, p) for p in positions]
        self.catalog_variants = catalog_variants
        for variant in catalog_variants:
            self.fields[f"enable_{variant['id']}"] = forms.BooleanField(required=False, label=variant["title"])
            self.fields[f"price_{variant['id']}"] = forms.IntegerField(
                required=False, min_value=1, label=f"Price for {variant['title']}"
            )

    def rows(self):
        return [(v, self[f"enable_{v['id']}"], self[f"price_{v['id']}"]) for v in self.catalog_variants]

    def variants(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "id": v["id"],
                "title": v["title"],
                "price": data.get(f"price_{v['id']}") or data["price"],
                "is_enabled": bool(data.get(f"enable_{v['id']}")),
            }
            for v in self.catalog_variants
        ]


class ImportForm(forms.Form):
    name = forms.CharField(max_length=100)
    product_id = forms.RegexField(
        regex=r"^[0-9a-fA-F]{24}$", label="Printify product id", help_text="The 24-character id in the product's URL."
    )


@admin.register(ProductTemplate)
class ProductTemplateAdmin(AdminGuardsMixin, admin.ModelAdmin):
    form = ProductTemplateForm
    list_display = ("name", "is_default", "blueprint_id", "print_provider_id", "enabled_count", "prices", "updated_at")
    list_filter = ("is_default",)
    search_fields = ("name",)
    readonly_fields = ("source_product_id", "created_at", "updated_at")
    change_list_template = "admin/designs/producttemplate/change_list.html"

    @admin.display(description="Enabled variants")
    def enabled_count(self, obj):
        return len(enabled_variants(obj))

    @admin.display(description="Prices")
    def prices(self, obj):
        values = [v.get("price") for v in enabled_variants(obj) if isinstance(v.get("price"), int)]
        if not values:
            return "—"
        low, high = shop_price(min(values)), shop_price(max(values))
        return low if low == high else f"{low}–{high}"

    def save_model(self, request, obj, form, change):
        templates.save_template(obj)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("catalog/", wrap(self.catalog_view), name="designs_producttemplate_catalog"),
            path("import/", wrap(self.import_view), name="designs_producttemplate_import"),
            path("preview/<id:design_id>/", wrap(self.preview_view), name="designs_producttemplate_preview"),
            *super().get_urls(),
        ]

    def _context(self, request, title: str, **extra) -> dict:
        return {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **extra}

    # --- fill from catalog: blueprint → provider → variants and prices
    def catalog_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        from designs.clients import printify_client

        blueprint_id, provider_id = id_or_none(request.GET.get("blueprint")), id_or_none(request.GET.get("provider"))
        context = self._context(request, "Fill a product template from the Printify catalog")
        try:
            client = printify_client()
            if not blueprint_id:
                query = request.GET.get("q", "").strip().lower()[:100]
                blueprints = client.blueprints()
                if query:
                    blueprints = [b for b in blueprints if query in f"{b.get('title')} {b.get('brand')}".lower()]
                context.update(step="blueprint", blueprints=blueprints[:300], query=query)
            elif not provider_id:
                context.update(
                    step="provider",
                    blueprint=client.blueprint(blueprint_id),
                    providers=client.print_providers(blueprint_id),
                )
            else:
                return self._catalog_variants(request, client, blueprint_id, provider_id, context)
        except IntegrationError as error:
            self.message_user(request, f"Could not read the Printify catalog: {error}", messages.ERROR)
            context.update(step="error")
        return TemplateResponse(request, "admin/designs/producttemplate/catalog.html", context)

    def _catalog_variants(self, request, client, blueprint_id: int, provider_id: int, context: dict):
        catalog = client.variants(blueprint_id, provider_id)
        catalog_variants = catalog.get("variants") or []
        form = CatalogForm(request.POST or None, catalog_variants=catalog_variants)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            outcome = templates.create_from_catalog(
                name=data["name"],
                blueprint_id=blueprint_id,
                print_provider_id=provider_id,
                catalog_variants=catalog_variants,
                variants=form.variants(),
                print_position=data["print_position"],
                placement_mode=data["placement_mode"],
            )
            saved = self._saved(request, outcome, form, "Filled from the Printify catalog.")
            if saved:
                return saved
        context.update(step="variants", form=form, provider=catalog, blueprint_id=blueprint_id)
        return TemplateResponse(request, "admin/designs/producttemplate/catalog.html", context)

    def _saved(self, request, outcome: templates.TemplateOutcome, form, note: str):
        """Redirect to the saved template, or put the problems on the form (returns None)."""
        for problem in outcome.problems:
            form.add_error(None, problem)
        if outcome.template is None:
            return None
        self.log_addition(request, outcome.template, note)
        self.message_user(request, f"Template “{outcome.template.name}” saved. {note}", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:designs_producttemplate_change", args=[outcome.template.pk]))

    # --- import from an existing Printify product
    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            product_id = form.cleaned_data["product_id"]
            try:
                outcome = templates.import_from_product(name=form.cleaned_data["name"], product_id=product_id)
            except IntegrationError as error:
                form.add_error(None, f"Could not read the product from Printify: {error}")
            else:
                saved = self._saved(request, outcome, form, f"Imported from Printify product {product_id}.")
                if saved:
                    return saved
        context = self._context(request, "Import a product template from a Printify product", form=form)
        return TemplateResponse(request, "admin/designs/producttemplate/import.html", context)

    # --- preview: exactly what the worker will send for a design
    def preview_view(self, request, design_id: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        design = get_object_or_404(Design.objects.select_related("product_template", "batch"), pk=design_id)
        chosen = request.GET.get("template")
        template = (
            # A non-numeric id is a missing template (404), not a server error.
            get_object_or_404(ProductTemplate, pk=id_or_none(chosen))
            if chosen
            else design.product_template or publishing.default_template()
        )
        context = self._context(
            request,
            f"What will be sent to Printify for design {design.pk}",
            design=design,
            template=template,
            templates=ProductTemplate.objects.all(),
        )
        if template is not None:
            problems = template_problems(template)
            context["problems"] = problems
            if not problems:
                upload_id = design.printify_upload_id or "<upload id, known after the image upload>"
                try:
                    payload = build_product_payload(template, design, upload_id, image_size(design))
                except (ValueError, OSError) as error:
                    context["problems"] = [str(error)]
                else:
                    context.update(
                        texts=render_texts(template, design),
                        payload=json.dumps(payload, indent=2, ensure_ascii=False),
                        publish=(
                            json.dumps(publish_parts(template), indent=2) if template.publish_after_create else None
                        ),
                    )
        return TemplateResponse(request, "admin/designs/producttemplate/preview.html", context)
