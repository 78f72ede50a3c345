"""Admin for publishing: the Design actions (publish as one or several products, retry, unpublish, preview).

Thin: the actions call designs/services/publishing.py; the publish confirmation is worked out by
designs/services/publish_confirmation.py. The product
template screens live in admin/templates.py, the products themselves in admin/products.py.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.http import HttpResponseRedirect
from django.urls import reverse

from designs.admin.confirm import carry_out, confirmation_page, is_confirmed
from designs.admin.display import price_range, shop_price, thumbnail_tag
from designs.clients import NotConfigured
from designs.models import ProductTemplate
from designs.services import publish_confirmation, publishing
from designs.services.generation import TooManyDesigns
from designs.shops import shop_currency
from designs.workflow import PUBLISHABLE, Source


class TemplateInShopField(forms.ModelMultipleChoiceField):
    """Each template named with its shop ("Tee — My Etsy shop"): one confirmation may publish to several shops."""

    def label_from_instance(self, template):
        return f"{template.name} — {template.shop.title}" if template.shop_id else template.name


class PublishForm(forms.Form):
    templates = TemplateInShopField(
        queryset=ProductTemplate.objects.select_related("shop"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Product templates",
        help_text="Each design becomes one product per template ticked (a tee and a mug: two products). "
        "Templates of several shops may be ticked together. Nothing ticked: the default template.",
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
    """Confirmation first (designs/services/publish_confirmation.py works it out; this only presents it), then
    request_publish. Its "Write listing copy for these N" button queues the copy of the designs refused for having no
    title of their own, then asks again."""
    # Ticked boxes are all a checkbox list sends: the form is bound by the buttons of the confirmation page.
    asked_again = "show" in request.POST or WRITE_COPY_BUTTON in request.POST
    form = PublishForm(request.POST if is_confirmed(request) or asked_again else None)
    answers = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if is_confirmed(request) and answers:
        options = {
            "templates": [template.pk for template in answers["templates"]],
            "allow_duplicate_titles": answers["allow_duplicate_titles"],
            "override_low_dpi": answers["override_low_dpi"],
        }
        carry_out(modeladmin, request, queryset, "publish_to_printify", options)
        return None
    question = publish_confirmation.confirmation(
        queryset,
        answers.get("templates", ()),
        allow_duplicate_titles=answers.get("allow_duplicate_titles", False),
        override_low_dpi=answers.get("override_low_dpi", False),
    )
    may_write_copy = modeladmin.has_write_copy_permission(request)
    if WRITE_COPY_BUTTON in request.POST:
        _write_untitled_copy(modeladmin, request, question, may_write_copy=may_write_copy)
    if not form.is_bound:
        form = PublishForm(initial={"templates": [card.template.pk for card in question.cards]})
    designs, products = question.designs, question.products
    return confirmation_page(
        modeladmin,
        request,
        queryset,
        action_name="publish_to_printify",
        title="Publish to Printify",
        confirm_label=(
            f"Publish {designs} design{'s' if designs != 1 else ''} as {products} product{'s' if products != 1 else ''}"
        ),
        template="admin/designs/design/publish_confirmation.html",
        form=form,
        can_confirm=question.can_confirm,
        question=question,
        cards=[
            {
                "card": card,
                "variants": [
                    {**v, "price_text": shop_price(v.get("price"), shop_currency(card.template))} for v in card.variants
                ],
                "price_range": price_range(card.variants, shop_currency(card.template)),
            }
            for card in question.cards
        ],
        rows=[(row, thumbnail_tag(row.design)) for row in question.rows],
        publishable_statuses=", ".join(sorted(str(s.label).lower() for s in PUBLISHABLE)),
        untitled_way_out=publish_confirmation.untitled_way_out(question, may_write_copy=may_write_copy),
        can_write_untitled_copy=publish_confirmation.can_write_untitled_copy(question, may_write_copy=may_write_copy),
        write_copy_button=WRITE_COPY_BUTTON,
    )


WRITE_COPY_BUTTON = "write_untitled_copy"  # the confirmation page's button that writes the untitled designs' copy


def _write_untitled_copy(modeladmin, request, question, *, may_write_copy: bool) -> None:
    if not may_write_copy:
        modeladmin.message_user(
            request, "Writing listing copy needs the “write listing copy” permission.", messages.ERROR
        )
        return
    try:
        result = publish_confirmation.write_untitled_copy(question, actor=request.user, source=Source.ADMIN)
    except (NotConfigured, TooManyDesigns) as error:
        modeladmin.message_user(request, str(error), messages.ERROR)
        return
    modeladmin.report_transition(
        request, result, verb="queued for listing copy", log_message="Listing copy asked of the LLM."
    )
    if result.moved:
        modeladmin.message_user(request, "Publish them once their copy is written (their titles are then their own).")


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
            ("unpublish", "Unpublish from the store, keep the Printify products (publishing again reuses them)"),
            ("delete", "Unpublish and delete the Printify products"),
        ],
        widget=forms.RadioSelect,
        initial="unpublish",
    )


@admin.action(permissions=["publish"], description="Unpublish / delete products…")
def unpublish_products(modeladmin, request, queryset):
    form = UnpublishForm(request.POST if is_confirmed(request) else None)
    if form.is_bound and form.is_valid():
        options = {"delete": form.cleaned_data["mode"] == "delete"}
        carry_out(modeladmin, request, queryset, "unpublish_products", options)
        return None
    products = publishing.unpublishable_products(queryset.values("pk"), delete=True).select_related("design")
    product_count = products.count()
    design_count = products.values("design_id").distinct().count()
    return confirmation_page(
        modeladmin,
        request,
        queryset,
        action_name="unpublish_products",
        title="Unpublish / delete Printify products",
        confirm_label="Yes, go ahead",
        template="admin/designs/design/publish_unpublish_confirmation.html",
        form=form,
        can_confirm=bool(product_count),
        products=list(products.order_by("design_id", "pk")[:100]),
        product_count=product_count,
        design_count=design_count,
        skip_count=queryset.count() - design_count,
    )


@admin.action(permissions=["publish"], description="Preview what will be sent to Printify")
def preview_printify_payload(modeladmin, request, queryset):
    design = queryset.order_by("pk").first()
    if request.POST.get("select_across") == "1" or len(request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)) > 1:
        modeladmin.message_user(request, f"Showing the first selected design ({design.pk}).", messages.INFO)
    return HttpResponseRedirect(reverse("admin:designs_producttemplate_preview", args=[design.pk]))


# Admin actions (functions decorated with @admin.action) that DesignAdmin offers; see designs/admin/design.py.
DESIGN_ACTIONS: list = [publish_to_printify, retry_publishing, unpublish_products, preview_printify_payload]
