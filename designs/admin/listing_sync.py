"""The listing on Printify in the admin: whether each product is in sync (the products inline on the design's
page), the "Update on Printify" action, and the offer of it after a copy edit of a design that has one.

Thin: designs/services/listing_sync.py decides what is out of sync and queues the updates.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.http import HttpResponseRedirect
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timezone import localtime

from designs.services import listing_sync
from designs.workflow import Source

ACTION = "update_on_printify"


def sync_text(status: listing_sync.SyncStatus):
    """'In sync', 'Out of sync since 2 Dec 2026 14:05 (title changed)', 'Updating', 'Failed: <reason>'."""
    kind, change = status.kind, status.change
    if not kind:
        return "—"
    if kind == "in_sync":
        text = "In sync"
    elif kind == "pending":
        text = "Update queued" + (f": {status.reason}" if status.reason else "")
    elif kind == "updating":
        text = "Updating"
    elif kind == "failed":
        text = f"Failed: {status.reason}"
    elif kind == "not_recorded":
        text = "Not recorded (published before this was tracked): “Update on Printify” sends the current copy"
    elif change.problem:
        text = f"Out of sync, and cannot be sent: {change.problem}"
    else:
        since = f" since {date_format(localtime(status.since), 'j M Y H:i')}" if status.since else ""
        text = f"Out of sync{since} ({change.words})"
    return format_html('<span class="pod-sync pod-sync-{}">{}</span>', kind.replace("_", "-"), text)


@admin.action(permissions=["publish"], description="Update listings on Printify")
def update_on_printify(modeladmin, request, queryset):
    """Send the changed title, description, tags and prices of the selected designs' products to Printify."""
    result = listing_sync.request_update(designs=queryset, actor=request.user, source=Source.ADMIN)
    if result.queued:
        design_ids = sorted(set(queryset.filter(products__pk__in=result.queued).values_list("pk", flat=True)))
        modeladmin.log_changes(request, design_ids, "Update on Printify requested.")
    level = messages.SUCCESS if result.queued and not result.skipped else messages.WARNING
    modeladmin.message_user(request, f"{result.summary()}.", level)
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(back)  # the design's page the offer below was made on
    return None


def offer_update(modeladmin, request, design) -> None:
    """After a copy edit: if the design's products on Printify now differ, say so with a button that asks for the
    update (a POST to the changelist action, with the CSRF token; never a GET that changes things)."""
    if not modeladmin.has_publish_permission(request):
        return
    stale = listing_sync.out_of_sync(design)
    if not stale:
        return
    names = ", ".join(product.template_name or f"product {product.pk}" for product in stale)
    message = format_html(
        "Its listing on Printify ({}) is now out of sync. "
        '<form method="post" action="{}" class="pod-sync-offer">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<input type="hidden" name="action" value="{}">'
        '<input type="hidden" name="index" value="0">'
        '<input type="hidden" name="{}" value="{}">'
        '<input type="hidden" name="next" value="{}">'
        '<button type="submit" class="button">Update on Printify</button></form>',
        names,
        reverse("admin:designs_design_changelist"),
        get_token(request),
        ACTION,
        helpers.ACTION_CHECKBOX_NAME,
        design.pk,
        reverse("admin:designs_design_change", args=[design.pk]),
    )
    modeladmin.message_user(request, message, messages.WARNING)
