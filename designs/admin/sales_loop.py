"""The sales loop in the admin: "Make more like these" (a Design action, and the dashboard's button, open the batch
form prefilled to be reviewed before anything is spent) and "Retire what never sells" (a Design action that asks
first: how many designs, which templates, then unpublishes through the unpublish service, audited).

Thin: the plan, the LLM's prompts and the retiring are designs/services/sales_loop.py.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse

from designs import clients
from designs.admin.confirm import confirmation_page, is_confirmed
from designs.admin.display import counted
from designs.admin.sales_columns import IDLE_DAYS
from designs.models import Product
from designs.products import ProductState
from designs.services import sales_loop
from designs.workflow import Source

SEEDS_EACH = 4  # new seeds per prompt a follow-up batch starts with (the form lets the seller change it)
WRITTEN_EACH = 8  # prompts the LLM is asked for


def follow_up_url(design_ids) -> str:
    """The batch form, prefilled to make more like these designs."""
    ids = list(design_ids)[: sales_loop.MAX_SOURCES]
    return reverse("admin:designs_batch_add") + "?" + urlencode({"made_from": ",".join(map(str, ids))})


@admin.action(permissions=["add"], description="Make more like these (a new batch)…")
def make_more_like_these(modeladmin, request, queryset):
    """Opens the batch form with the selection's prompts and preset; nothing is created until it is submitted."""
    ids = list(queryset.order_by("pk").values_list("pk", flat=True)[: sales_loop.MAX_SOURCES + 1])
    if len(ids) > sales_loop.MAX_SOURCES:
        modeladmin.message_user(
            request,
            f"A follow-up starts from at most {sales_loop.MAX_SOURCES} designs; the first ones are used.",
            messages.WARNING,
        )
    return HttpResponseRedirect(follow_up_url(ids))


def follow_up_context(modeladmin, request) -> dict | None:
    """For the batch form opened with ?made_from=…: the initial values (prompts, preset, seeds) and, with ?write=1
    and an LLM configured, new prompts in their style appended for review. None for a plain batch form."""
    text = request.GET.get("made_from", "")
    if not text:
        return None
    ids = [int(part) for part in text.split(",") if part.strip().isdigit()]
    plan = sales_loop.follow_up(ids)
    if not plan.made_from:
        modeladmin.message_user(
            request, "None of those designs exist any more; start the batch from scratch.", messages.ERROR
        )
        return None
    lines = list(plan.prompts)
    written = None
    if request.GET.get("write") and plan.prompts:
        written = sales_loop.write_prompts_like(plan.prompts, WRITTEN_EACH)
        if written.prompts:
            lines += [
                "",
                "# Written by the LLM in the style of the prompts above: review, change or delete them.",
                *written.prompts,
            ]
        if written.error:
            modeladmin.message_user(request, written.error, messages.WARNING)
        for refused in written.refused:
            modeladmin.message_user(request, f"Left out {refused}.", messages.WARNING)
    initial = {
        "name": plan.name,
        "prompts": "\n".join(lines),
        "variations": SEEDS_EACH,
        "made_from": ",".join(map(str, plan.made_from)),
    }
    if plan.preset is not None:
        initial["preset"] = plan.preset
    return {
        "initial": initial,
        "plan": plan,
        "written": written,
        "can_write": clients.llm_configured() and bool(plan.prompts) and not request.GET.get("write"),
        "write_count": WRITTEN_EACH,
        "write_url": request.path + "?" + urlencode({"made_from": text, "write": "1"}),
    }


class RetireForm(forms.Form):
    days = forms.IntegerField(
        label="Published at least this many days ago", min_value=1, max_value=3650, initial=IDLE_DAYS
    )
    mode = forms.ChoiceField(
        label="What happens to their products",
        choices=[
            ("unpublish", "Unpublish from the store, keep the Printify products (publishing again reuses them)"),
            ("delete", "Unpublish and delete the Printify products"),
        ],
        widget=forms.RadioSelect,
        initial="unpublish",
    )
    # The days the count on the page was made for: changing the days counts again before anything is done.
    counted_days = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("days") is not None and cleaned.get("days") != cleaned.get("counted_days"):
            raise ValidationError("The number of days changed: the designs were counted again; check them and confirm.")
        return cleaned


@admin.action(permissions=["publish"], description="Retire what never sells…")
def retire_never_sold(modeladmin, request, queryset):
    """Of the selection, the designs published N+ days ago that never sold: their products off the store (or off
    Printify) after a confirmation that says how many and of which templates."""
    form = RetireForm(request.POST if "days" in request.POST else None)
    if is_confirmed(request) and form.is_bound and form.is_valid():
        delete = form.cleaned_data["mode"] == "delete"
        result = sales_loop.retire_never_sold(
            queryset, days=form.cleaned_data["days"], delete=delete, actor=request.user, source=Source.ADMIN
        )
        verb = "queued for deletion" if delete else "queued for unpublishing"
        days = form.cleaned_data["days"]
        modeladmin.report_transition(
            request, result, verb=verb, log_message=f"Retired: published {days}+ days ago, never sold."
        )
        return None
    bad_days = form.is_bound and not form.is_valid() and "days" in form.errors
    days = form.cleaned_data["days"] if form.is_bound and not bad_days else IDLE_DAYS
    idle = sales_loop.retirable(queryset, days=days)
    idle_count = idle.count()
    live = Product.objects.filter(design__in=idle.values("pk"), state=ProductState.LIVE)
    templates = Counter(live.values_list("template_name", flat=True))
    mode = request.POST.get("mode", "unpublish")
    return confirmation_page(
        modeladmin,
        request,
        queryset,
        action_name="retire_never_sold",
        title="Retire what never sells",
        confirm_label=f"Retire {counted(idle_count, 'design')}",
        template="admin/designs/design/retire_confirmation.html",
        form=form if bad_days else RetireForm(initial={"days": days, "counted_days": days, "mode": mode}),
        can_confirm=bool(idle_count) and not bad_days,
        days=days,
        idle_count=idle_count,
        product_count=sum(templates.values()),
        templates=[(name or "(template deleted)", n) for name, n in templates.most_common()],
        preview=list(idle.select_related(None).only("pk", "title", "prompt").order_by("pk")[:50]),
        skip_count=queryset.count() - idle_count,
    )


# Admin actions that DesignAdmin offers; see designs/admin/design.py.
DESIGN_ACTIONS: list = [make_more_like_these, retire_never_sold]
