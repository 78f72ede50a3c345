"""Admin for product templates: the list, the editor, "fill from catalog", "import from a product" and the
payload preview. Thin: the screens call designs/services/templates.py; checks and payloads come from
designs/product_templates.py, so the preview shows exactly what the worker sends.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.fields import InvalidJSONInput
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from designs.admin.display import price_range
from designs.admin.review import id_or_none
from designs.admin.template_catalog import CatalogEditorMixin
from designs.models import Design, ProductTemplate
from designs.pricing import PriceRule
from designs.product_templates import (
    SNAPSHOT_FIELDS,
    build_product_payload,
    enabled_variants,
    publish_parts,
    render_texts,
    template_problems,
)
from designs.services import costs as cost_service
from designs.services import publishing, templates
from designs.shops import Shop, default_shop
from designs.workers.publish_run import image_size
from integrations.http import IntegrationError
from podsite.admin_guards import AdminGuardsMixin

# --- Product templates ---------------------------------------------------------------------------------------


class BoundedJSONField(forms.JSONField):
    """JSON typed by staff: nesting past Python's recursion limit is a form error, not a 500."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except RecursionError:
            raise ValidationError("This JSON is nested too deeply.", code="invalid") from None

    def bound_data(self, data, initial):
        try:
            return super().bound_data(data, initial)
        except RecursionError:
            return InvalidJSONInput(data)  # shown again as typed, like any other invalid JSON


class DefaultShopMixin:
    """A form's shop choice: the default shop unless another is chosen (made from PRINTIFY_SHOP_ID on an install
    from before shops)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].required = False
        self.fields["shop"].initial = self.fields["shop"].initial or default_shop()

    def clean_shop(self):
        return self.cleaned_data.get("shop") or default_shop()


class ProductTemplateForm(DefaultShopMixin, forms.ModelForm):
    class Meta:
        model = ProductTemplate
        fields = ("shop", "is_default", *SNAPSHOT_FIELDS)  # everything a product is made from, plus the default mark
        field_classes = {name: BoundedJSONField for name in ("variants", "placement", "placeholders", "publish_parts")}

    def clean(self):
        """Refuse a template Printify would refuse (unpriced variants, print area not covering them, …)."""
        cleaned = super().clean()
        if not self.errors:
            problems = template_problems(ProductTemplate(**cleaned))
            if problems:
                raise ValidationError(problems)
        return cleaned


class ImportForm(DefaultShopMixin, forms.Form):
    name = forms.CharField(max_length=100)
    shop = forms.ModelChoiceField(
        queryset=Shop.objects.filter(disconnected_at__isnull=True), empty_label=None, help_text="The product's shop."
    )
    product_id = forms.RegexField(
        regex=r"^[0-9a-fA-F]{24}$", label="Printify product id", help_text="The 24-character id in the product's URL."
    )


@admin.register(ProductTemplate)
class ProductTemplateAdmin(AdminGuardsMixin, CatalogEditorMixin, admin.ModelAdmin):
    """The list, the editor (template_catalog.py) and, at ?advanced=1, the plain form with the JSON fields."""

    form = ProductTemplateForm
    list_display = (
        "name",
        "shop",
        "is_default",
        "blueprint",
        "provider",
        "enabled_count",
        "prices",
        "rule",
        "updated_at",
    )
    list_filter = ("shop", "is_default")
    list_select_related = ("shop",)
    search_fields = ("name", "blueprint_title", "provider_title")
    readonly_fields = ("source_product_id", "created_at", "updated_at")
    change_list_template = "admin/designs/producttemplate/change_list.html"
    actions = ["refresh_costs"]

    @admin.display(description="Blueprint", ordering="blueprint_title")
    def blueprint(self, obj):
        return obj.blueprint_label

    @admin.display(description="Print provider", ordering="provider_title")
    def provider(self, obj):
        return obj.provider_title or f"Provider {obj.print_provider_id}"

    @admin.display(description="Price rule")
    def rule(self, obj):
        return PriceRule.from_dict(obj.price_rule).describe() if obj.price_rule else "typed by hand"

    @admin.action(permissions=["change"], description="Refresh Printify's costs of the selected templates")
    def refresh_costs(self, request, queryset):
        pairs = set(queryset.values_list("blueprint_id", "print_provider_id"))
        for blueprint_id, provider_id in pairs:
            cost_service.request_costs(blueprint_id, provider_id, force=True)
        self.message_user(request, f"Looking up the costs of {len(pairs)} blueprint and provider pair(s).")

    @admin.display(description="Enabled variants")
    def enabled_count(self, obj):
        return len(enabled_variants(obj))

    @admin.display(description="Prices")
    def prices(self, obj):
        return price_range(enabled_variants(obj), obj.shop.currency if obj.shop_id else None).replace("no prices", "—")

    def save_model(self, request, obj, form, change):
        templates.save_template(obj)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("catalog/", wrap(self.catalog_view), name="designs_producttemplate_catalog"),
            path("<id:template_id>/costs/", wrap(self.refresh_costs_view), name="designs_producttemplate_costs"),
            path(
                "catalog/<id:blueprint_id>/costs/",
                wrap(self.lookup_all_costs_view),
                name="designs_producttemplate_lookup_all_costs",
            ),
            path(
                "catalog/<id:blueprint_id>/<id:provider_id>/costs/",
                wrap(self.lookup_costs_view),
                name="designs_producttemplate_lookup_costs",
            ),
            path("<id:template_id>/reprice/", wrap(self.reprice_view), name="designs_producttemplate_reprice"),
            path("import/", wrap(self.import_view), name="designs_producttemplate_import"),
            path("preview/<id:design_id>/", wrap(self.preview_view), name="designs_producttemplate_preview"),
            *super().get_urls(),
        ]

    def _context(self, request, title: str, **extra) -> dict:
        return {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **extra}

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
                outcome = templates.import_from_product(
                    name=form.cleaned_data["name"], product_id=product_id, shop=form.cleaned_data["shop"]
                )
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
        design = get_object_or_404(Design.objects.select_related("batch"), pk=design_id)
        first_product = design.products.select_related("template").exclude(template=None).first()
        chosen = request.GET.get("template")
        template = (
            # A non-numeric id is a missing template (404), not a server error.
            get_object_or_404(ProductTemplate, pk=id_or_none(chosen))
            if chosen
            else (first_product.template if first_product else publishing.default_template())
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
                upload_id = "<upload id, known after the image upload>"
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
