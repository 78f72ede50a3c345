"""The screens of "fill from catalog" and the template editor (a mixin of ProductTemplateAdmin).

Blueprint (pictures, brand and model; search by words) → print provider (the providers compared side by side:
location, print areas, colours, sizes, cost, shipping to the shop's country; services/catalog_choice.py) → the
editor: a colours × sizes grid, prices from Printify's cost by a rule, print position and placement. Each step
that is sent with nothing chosen says so on the same page instead of reloading, and an empty list says why.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from designs import variant_costs
from designs.admin.review import id_or_none
from designs.admin.template_editor import TemplateEditorForm
from designs.models import ProductTemplate
from designs.pricing import PriceRule
from designs.provider_choice import COUNTRIES
from designs.services import catalog_choice, repricing, templates
from designs.services import costs as cost_service
from designs.shops import shop_currency, shop_of
from integrations.http import IntegrationError, NotFound

SORTS = {"printify": "Printify's order", "cheapest": "cheapest first", "nearest": "nearest first"}


def can_reprice(user) -> bool:
    """Putting a template's prices on its live products changes what the store charges: a publisher's decision,
    not a template editor's (who saves the template's prices only)."""
    return user.has_perm("designs.publish_design")


class CatalogEditorMixin:
    def catalog_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        blueprint_id, provider_id = id_or_none(request.GET.get("blueprint")), id_or_none(request.GET.get("provider"))
        context = self._context(request, "Fill a product template from the Printify catalog")
        try:
            if blueprint_id and provider_id:
                return self._catalog_editor(request, blueprint_id, provider_id, context)
            if blueprint_id:
                return self._provider_step(request, blueprint_id, context)
            self._blueprint_step(request, context)
        except NotFound:
            what = f"blueprint {blueprint_id}" + (f" made by print provider {provider_id}" if provider_id else "")
            self.message_user(request, f"Printify's catalog has no {what}. Choose again.", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:designs_producttemplate_catalog"))
        except IntegrationError as error:
            self.message_user(request, f"Could not read the Printify catalog: {error}", messages.ERROR)
            context.update(step="error")
        return TemplateResponse(request, "admin/designs/producttemplate/catalog.html", context)

    def _blueprint_step(self, request, context) -> None:
        search = catalog_choice.find_blueprints(request.GET.get("q", ""))
        if not search.found:
            context["empty"] = (
                f"No blueprint matches “{search.query}”. Try a brand (Gildan), a model number (5000) or a kind "
                "(tee, mug)."
                if search.query
                else "Printify's catalog lists no blueprints: check that the token has the catalog scope."
            )
        context.update(step="blueprint", search=search, query=search.query)

    def _provider_step(self, request, blueprint_id: int, context):
        comparison = catalog_choice.provider_step(
            blueprint_id, shop_id=id_or_none(request.GET.get("shop")), country=request.GET.get("country")
        )
        country = comparison.country
        sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "printify"
        if "to_variants" in request.GET:  # the "Next" button, pressed with no provider chosen
            context["choice_error"] = "Choose a print provider first (the round button at the start of its row)."
        if not comparison.providers:
            context["empty"] = "Printify lists no print provider for this blueprint: choose another blueprint."
        countries = sorted(((code, name) for code, (name, _lat, _lon) in COUNTRIES.items()), key=lambda c: c[1])
        if country not in COUNTRIES:
            countries.insert(0, (country, country))
        context.update(
            step="provider",
            blueprint=comparison.blueprint,
            comparison=comparison,
            shop=comparison.shop,
            shops=comparison.shops,
            providers=comparison.sorted_by(sort),
            sort=sort,
            sorts=SORTS,
            country=country,
            countries=countries,
            cost_lookups_at_once=catalog_choice.COST_LOOKUPS_AT_ONCE,
            is_nav_sidebar_enabled=False,  # nine columns side by side need the page's whole width
        )
        return TemplateResponse(request, "admin/designs/producttemplate/catalog.html", context)

    def _catalog_editor(self, request, blueprint_id: int, provider_id: int, context):
        template = templates.from_catalog(blueprint_id, provider_id)
        if shop_id := id_or_none(request.GET.get("shop")):  # the shop chosen at the provider step comes along
            template.shop = catalog_choice.chosen_shop(shop_id)
        return self._editor(request, template, context)

    # --- the editor (new from the catalog, or an existing template)
    def change_view(self, request, object_id, form_url="", extra_context=None):
        template = ProductTemplate.objects.filter(pk=id_or_none(object_id)).first()
        if request.GET.get("advanced") or template is None:
            return super().change_view(request, object_id, form_url, extra_context)
        if not self.has_view_or_change_permission(request, template):
            raise PermissionDenied
        title = f"Product template “{template.name}”"
        return self._editor(request, template, self._context(request, title, original=template))

    def _editor(self, request, template: ProductTemplate, context):
        new = template.pk is None
        can_save = self.has_add_permission(request) if new else self.has_change_permission(request, template)
        if request.method == "POST" and not can_save:
            raise PermissionDenied
        costs = variant_costs.costs_for(template.blueprint_id, template.print_provider_id)
        if costs.stale and not costs.failure and request.method == "POST":  # a GET never queues a worker
            cost_service.request_costs(template.blueprint_id, template.print_provider_id)
        data = request.POST if request.method == "POST" else None
        prices_before = templates.enabled_prices(template)
        form = TemplateEditorForm(data, template=template, costs=costs)
        if data is not None and form.is_valid():
            problems = form.apply(template)
            for problem in problems:
                form.add_error(None, problem)
            if not problems and "preview" not in request.POST:
                return self._save_from_editor(request, template, new, prices_before)
            if not problems:
                form = TemplateEditorForm(None, template=template, costs=costs)  # shown as it would be saved
                context["previewed"] = True
        context.update(
            step="editor",
            form=form,
            template=template,
            new=new,
            can_save=can_save,
            costs=costs,
            costs_age=variant_costs.age_text(costs.learned_at),
            rule_text=PriceRule.from_dict(template.price_rule).describe() if template.price_rule else "",
            outdated=len(repricing.outdated_products(template)) if not new else 0,
            can_reprice=can_reprice(request.user),
            job=template.reprice_jobs.first() if not new else None,
            preview_data=form.preview_data(),
            currency=shop_currency(template),
            shipping_country=getattr(shop_of(template), "country", settings.SHIPPING_COUNTRY),
        )
        return TemplateResponse(request, "admin/designs/producttemplate/editor.html", context)

    def _save_from_editor(self, request, template, new: bool, prices_before):
        outdated = templates.save_edited(template, prices_before=prices_before)
        if new:
            self.log_addition(request, template, "Filled from the Printify catalog.")
        else:
            self.log_change(request, template, "Changed in the template editor.")
        self.message_user(request, f"Template “{template.name}” saved.", messages.SUCCESS)
        if outdated:
            still = (
                f"{outdated} published product{'s' if outdated != 1 else ''} of this template still "
                f"{'carry' if outdated != 1 else 'carries'} the old prices"
            )
            if can_reprice(request.user):
                advice = ": use “Update prices of its published products” below."
            else:
                advice = f"; {'they keep them' if outdated != 1 else 'it keeps them'} until a Publisher updates them."
            self.message_user(request, still + advice, messages.WARNING)
        return HttpResponseRedirect(reverse("admin:designs_producttemplate_change", args=[template.pk]))

    # --- costs and repricing
    def lookup_costs_view(self, request, blueprint_id: int, provider_id: int):
        """The editor's "Look up Printify's costs" button (a POST: opening a page never queues a worker)."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        cost_service.request_costs(blueprint_id, provider_id)
        self.message_user(request, "Printify's costs are being looked up; reload this page in a moment.")
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = f"{reverse('admin:designs_producttemplate_catalog')}?blueprint={blueprint_id}&provider={provider_id}"
        return HttpResponseRedirect(back)

    def lookup_all_costs_view(self, request, blueprint_id: int):
        """The provider step's "Look up the costs of every provider" (a POST: opening a page never queues a worker
        nor makes a draft product)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        country = catalog_choice.country_or_default(request.POST.get("country"))
        back = f"{reverse('admin:designs_producttemplate_catalog')}?blueprint={blueprint_id}&country={country}"
        shop_id = id_or_none(request.POST.get("shop"))
        back += f"&shop={shop_id}" if shop_id else ""
        try:
            asked = catalog_choice.request_all_costs(blueprint_id)
        except IntegrationError as error:
            self.message_user(request, f"Could not read the Printify catalog: {error}", messages.ERROR)
            return HttpResponseRedirect(back)
        self.message_user(request, asked.summary())
        return HttpResponseRedirect(back)

    def refresh_costs_view(self, request, template_id: int):
        template = get_object_or_404(ProductTemplate, pk=template_id)
        if not self.has_change_permission(request, template):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        cost_service.request_costs(template.blueprint_id, template.print_provider_id, force=True)
        self.message_user(request, "Printify's costs are being looked up; reload this page in a moment.")
        return HttpResponseRedirect(reverse("admin:designs_producttemplate_change", args=[template.pk]))

    def reprice_view(self, request, template_id: int):
        template = get_object_or_404(ProductTemplate, pk=template_id)
        if not (self.has_view_or_change_permission(request, template) and can_reprice(request.user)):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        job = repricing.request_reprice(template, actor=request.user)
        self.log_change(request, template, f"Repricing of {job.total} published products requested.")
        self.message_user(
            request, f"Updating the prices of {job.total} product{'s' if job.total != 1 else ''} in Printify."
        )
        return HttpResponseRedirect(reverse("admin:designs_producttemplate_change", args=[template.pk]))
