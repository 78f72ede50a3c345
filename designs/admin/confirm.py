"""The confirm-then-act pattern of Django's delete_selected, once for every Design action that asks first.

An action calls confirmation_page() to ask, and acts when is_confirmed(request). The page posts back to the
changelist URL it came from (so the filters stay in its query string) and carries the selection compactly:
"select all N" travels as select_across=1, not as N hidden inputs (200,000 of them made 12 MB of HTML and could
not be submitted), otherwise the ids that were ticked.

Django's changelist runs a confirmed action (a POST without `index`) only when at least one `_selected_action`
comes with it (contrib/admin/options.py, changelist_view), even under select_across, where the ids are then
ignored. So a select-all carries one ticked id beside select_across=1; without it the page only reloads.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from designs.clients import NotConfigured
from designs.services import action_jobs
from designs.services.generation import TooManyDesigns


def is_confirmed(request) -> bool:
    return request.POST.get("post") == "yes"


def carried_selection(request) -> list[tuple[str, str]]:
    """The hidden fields that reproduce the changelist's selection on the next POST."""
    ticked = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
    if request.POST.get("select_across") == "1":
        return [("select_across", "1"), *[(helpers.ACTION_CHECKBOX_NAME, pk) for pk in ticked[:1]]]
    return [(helpers.ACTION_CHECKBOX_NAME, pk) for pk in ticked]


def confirmation_page(
    modeladmin,
    request,
    queryset,
    *,
    action_name: str,
    title: str,
    confirm_label: str,
    template: str = "admin/designs/confirm_action.html",
    form=None,
    can_confirm: bool = True,
    form_action: str = "",
    carry_ids: list[int] | None = None,
    **context,
) -> TemplateResponse:
    """Render the question; `queryset` is the whole selection (select-all included), counted once here.

    carry_ids: the selection when the question is asked from elsewhere than the changelist (the change page's
    Delete); the answer then goes to form_action, the changelist.
    """
    carried = (
        carried_selection(request) if carry_ids is None else [(helpers.ACTION_CHECKBOX_NAME, pk) for pk in carry_ids]
    )
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(
        request,
        template,
        {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.opts,
            "title": title,
            "form": form,
            "carried": carried,
            "selected_count": queryset.count(),
            "action_name": action_name,
            "confirm_label": confirm_label,
            "can_confirm": can_confirm,
            "form_action": form_action,
            "media": modeladmin.media + form.media if form is not None else modeladmin.media,
            **context,
        },
    )


def handed_to_worker(modeladmin, request, queryset, action_name: str, options: dict | None = None) -> bool:
    """A selection over ACTION_IN_WORKER_ABOVE designs is carried out by a worker instead of this request: True
    when it was (the message links to its progress page), False when the action should go on here."""
    if not action_jobs.in_worker(queryset):
        return False
    try:
        job = action_jobs.start(action_name, queryset, actor=request.user, options=options)
    except TooManyDesigns as error:
        modeladmin.message_user(request, str(error), messages.ERROR)
        return True
    progress = reverse("admin:designs_design_action_job", args=[job.pk])
    modeladmin.message_user(
        request,
        format_html('{}: a worker is carrying it out. <a href="{}">Follow its progress</a>.', job.label, progress),
        messages.INFO,
    )
    return True


def carry_out(modeladmin, request, queryset, action_name: str, options: dict | None = None) -> None:
    """A confirmed action over `queryset`: on a worker above ACTION_IN_WORKER_ABOVE designs, else here, through the
    same use case, audit trail and words as the worker's (services/action_jobs.ACTIONS); a refusal in words."""
    if handed_to_worker(modeladmin, request, queryset, action_name, options):
        return
    try:
        result = action_jobs.carry_out(action_name, queryset, actor=request.user, options=options)
    except (ValueError, NotConfigured) as error:  # the cap, PublishRefused, PrintRefused, no LLM
        modeladmin.message_user(request, str(error), messages.ERROR)
        return
    level = messages.WARNING if result.skipped or getattr(result, "refused", None) else messages.SUCCESS
    modeladmin.message_user(request, f"{action_jobs.summary(action_name, result, options)}.", level)
