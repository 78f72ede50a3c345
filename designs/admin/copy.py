"""Listing copy in the admin: the forms that edit title, description and tags (change page and the changelist's
list-editable columns), the "Write listing copy" action, and the review page's copy endpoints.

Thin: saving goes through designs/services/listing_copy.py, which refuses a stale edit. The forms catch one
more kind of stale edit that Django's list_editable cannot see on its own: each input carries the value it
showed, so a row nobody touched is never written back over someone else's newer text, and a row both people
changed is shown as a conflict instead of silently taking the last save.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from designs import listing
from designs.admin import listing_sync as listing_sync_admin
from designs.admin.confirm import carry_out, confirmation_page, is_confirmed
from designs.admin.display import (
    ErrorListOrNothing,
    StringRenderedHiddenInput,
    StringRenderedInputMixin,
    estimate,
    usd,
)
from designs.admin.review import id_or_none
from designs.clients import NotConfigured, llm_configured
from designs.models import Design
from designs.selectors import selling_limits
from designs.services import listing_copy, listing_sync
from designs.workflow import Source

SHOWN = "__shown"  # suffix of the hidden input holding the value a copy input showed


class _ShownValueMixin:
    """Renders a hidden twin input with the value shown (or, after a refused save, the value now stored)."""

    shown_value: str | None = None

    def render(self, name, value, attrs=None, renderer=None):
        shown = self.shown_value if self.shown_value is not None else self.format_value(value)
        hidden = format_html('<input type="hidden" name="{}{}" value="{}">', name, SHOWN, shown or "")
        return super().render(name, value, attrs, renderer) + hidden


class ShownValueInput(_ShownValueMixin, StringRenderedInputMixin, forms.TextInput):
    pass


class ShownValueTextarea(_ShownValueMixin, forms.Textarea):
    pass


class CommaSeparatedTagsField(forms.CharField):
    """Edits the JSON list of tags as 'fox, winter, woodcut' (cleaned by designs/listing.py)."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(value)
        return value

    def to_python(self, value):
        return listing.parse_tags(super().to_python(value))


def _as_text(value) -> str:
    return " ".join((", ".join(value) if isinstance(value, list) else str(value or "")).split())


class CopyFormMixin:
    """For ModelForms of Design: limits checked on what the person changed; stale rows kept; conflicts shown."""

    CHECKS = {
        "title": listing.title_problems,
        "description": listing.description_problems,
        "tags": listing.tags_problems,
    }

    def clean(self):
        cleaned = super().clean()
        shop = None  # the strictest limits of the shops sold in, read once a field is changed
        for name in listing_copy.COPY_FIELDS:
            if name not in self.fields or name not in cleaned:
                continue
            shown = self.data.get(self.add_prefix(name) + SHOWN) if self.instance.pk else None
            stored = _as_text(getattr(self.instance, name))
            if shown is not None:
                self.fields[name].widget.shown_value = self.fields[name].prepare_value(getattr(self.instance, name))
                if _as_text(self.data.get(self.add_prefix(name))) == _as_text(shown):
                    cleaned[name] = getattr(self.instance, name)  # untouched here: keep what is stored now
                    continue
                if stored != _as_text(shown):
                    self.add_error(
                        name,
                        f"Someone changed this meanwhile to “{stored or '(empty)'}”; your text was not saved. "
                        "Check it and save again.",
                    )
                    continue
            value = cleaned[name]
            if name != "tags":
                value = listing.clean_title(value) if name == "title" else listing.clean_description(value)
                cleaned[name] = value
            shop = shop or selling_limits()
            for problem in self.CHECKS[name](value, shop):
                self.add_error(name, problem)
        return cleaned


class DesignListForm(CopyFormMixin, forms.ModelForm):
    """The changelist's editable title and tags columns (100 rows a page: drawn without a template per input)."""

    tags = CommaSeparatedTagsField(required=False, widget=ShownValueInput(attrs={"size": 22}))

    class Meta:
        model = Design
        fields = ("title", "tags")
        widgets = {"title": ShownValueInput(attrs={"size": 26}), "id": StringRenderedHiddenInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**kwargs, "error_class": ErrorListOrNothing})


def save_copy_from_form(modeladmin, request, obj, form) -> None:
    """The change page's and the changelist's save of title/description/tags, through the service."""
    changed = {name: form.cleaned_data[name] for name in listing_copy.COPY_FIELDS if name in form.changed_data}
    if not changed:
        return
    edit = listing_copy.save_copy(
        obj.pk, revision=obj.copy_revision, actor=request.user, source=Source.ADMIN, **changed
    )
    if edit.conflict:
        modeladmin.message_user(request, edit.conflict, messages.ERROR)
    elif edit.problems:  # the form checked these already; only a limit changed in between gets here
        modeladmin.message_user(request, " ".join(p for ps in edit.problems.values() for p in ps), messages.ERROR)
    elif edit.changed:
        listing_sync_admin.offer_update(modeladmin, request, edit.design)


class WriteCopyForm(forms.Form):
    rewrite_done = forms.BooleanField(
        required=False,
        label="Rewrite copy that is already done",
        help_text="Off: designs whose copy is done keep it. On: the LLM writes theirs again (and is paid for it).",
    )


@admin.action(permissions=["write_copy"], description="Write listing copy (LLM)…")
def write_listing_copy(modeladmin, request, queryset):
    """Asks first (count and estimated LLM cost, within MAX_DESIGNS_PER_ACTION), then queues the copywriter."""
    form = WriteCopyForm(request.POST if is_confirmed(request) else None)
    if form.is_bound and form.is_valid():
        options = {"rewrite_done": form.cleaned_data["rewrite_done"]}
        carry_out(modeladmin, request, queryset, "write_listing_copy", options)
        return None
    question = listing_copy.copy_question(queryset)
    return confirmation_page(
        modeladmin,
        request,
        queryset,
        action_name="write_listing_copy",
        title="Write listing copy with the LLM",
        confirm_label="Write listing copy",
        template="admin/designs/design/copy_confirmation.html",
        form=form,
        can_confirm=llm_configured() and bool(question.count or question.done) and not question.problem,
        question=question,
        estimate=estimate(question.estimate),
        estimate_with_done=estimate(question.estimate_with_done),
        llm_configured=llm_configured(),
    )


class ReviewCopyMixin:
    """Mixed into DesignAdmin: the review page's copy editor endpoints (read, save, ask the LLM)."""

    def get_copy_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "review/copy/<id:design_id>/",
                wrap(require_GET(self.review_copy_view)),
                name="designs_design_review_copy",
            ),
            path("review/copy/save/", wrap(require_POST(self.review_copy_save_view)), name="designs_design_copy_save"),
            path(
                "review/copy/write/", wrap(require_POST(self.review_copy_write_view)), name="designs_design_copy_write"
            ),
        ]

    @admin.display(description="Listing copy")
    def listing_copy_summary(self, obj):
        label = obj.get_copy_status_display()
        parts = [label] if not obj.copy_note.startswith(label) else []  # a failure's note names it already
        if obj.copy_note:
            parts.append(obj.copy_note)
        if obj.copy_tokens:
            cost = f", {usd(obj.copy_cost)}" if obj.copy_cost else ""
            parts.append(f"LLM tokens so far: {obj.copy_tokens:,}{cost}")
        shop = selling_limits()
        whose = f" ({', '.join(shop.shops)})" if shop.shops else ""
        parts.append(f"Limits{whose}: {shop.summary()}.")
        return " · ".join(parts)

    def review_copy_view(self, request, design_id: int):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        design = Design.objects.filter(pk=design_id).first()
        if design is None:
            return JsonResponse({"ok": False, "message": f"Design {design_id} no longer exists."}, status=404)
        return JsonResponse({"ok": True, "copy": listing_copy.copy_state(design)})

    def review_copy_save_view(self, request):
        if not self.has_change_permission(request):
            return self._copy_reply(request, 403, "You may not edit designs.")
        design_id = id_or_none(request.POST.get("design"))
        revision = request.POST.get("revision", "")
        if design_id is None or not revision.isdigit():
            return self._copy_reply(request, 400, "Choose a design to edit.")
        typed = {name: request.POST[name] for name in listing_copy.COPY_FIELDS if name in request.POST}
        edit = listing_copy.save_copy(
            design_id, revision=int(revision), actor=request.user, source=Source.REVIEW, **typed
        )
        if edit.problems:
            return self._copy_reply(request, 400, "Not saved: " + _problems_text(edit.problems), problems=edit.problems)
        if edit.conflict:
            return self._copy_reply(request, 409 if edit.design else 404, edit.conflict, design=edit.design)
        if edit.changed:
            self.log_changes(request, [design_id], f"Copy edited on the review page ({', '.join(edit.changed)}).")
        message = f"Design {design_id}: {', '.join(edit.changed)} saved." if edit.changed else "Nothing changed."
        if edit.changed and listing_sync.out_of_sync(edit.design):
            message += " Its listing on Printify is now out of sync: “Update on Printify” sends the change."
        return self._copy_reply(request, 200, message, design=edit.design)

    def review_copy_write_view(self, request):
        if not self.has_change_permission(request):
            return self._copy_reply(request, 403, "You may not edit designs.")
        design_id = id_or_none(request.POST.get("design"))
        if design_id is None:
            return self._copy_reply(request, 400, "Choose a design.")
        try:
            # One design the person chose on the review page: writing it again is what the button is for.
            result = listing_copy.request_copy([design_id], actor=request.user, source=Source.REVIEW, rewrite_done=True)
        except NotConfigured as error:
            return self._copy_reply(request, 400, str(error))
        design = Design.objects.filter(pk=design_id).first()
        if result.moved:
            return self._copy_reply(request, 200, f"Design {design_id}: the LLM is writing its copy.", design=design)
        reason = result.refused.get(design_id) or "it no longer exists"
        return self._copy_reply(request, 409, f"Design {design_id}: no copy requested ({reason}).", design=design)

    def _copy_reply(self, request, status: int, message: str, *, design=None, problems=None):
        if "application/json" in request.headers.get("Accept", ""):
            body = {"ok": status == 200, "message": message}
            if design is not None:
                body["copy"] = listing_copy.copy_state(design)
            if problems:
                body["problems"] = problems
            return JsonResponse(body, status=status)
        if status == 403:
            raise PermissionDenied
        self.message_user(request, message, messages.ERROR if status >= 400 else messages.SUCCESS)
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = reverse("admin:designs_design_review")
        return HttpResponseRedirect(target)


def _problems_text(problems: dict[str, list[str]]) -> str:
    return " ".join(problem for field_problems in problems.values() for problem in field_problems)
