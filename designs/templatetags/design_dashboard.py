"""The admin index dashboard: designs per status, jobs in flight, latest failures."""

from django import template

from designs import selectors
from designs.workflow import Status

register = template.Library()


@register.inclusion_tag("admin/designs/dashboard.html", takes_context=True)
def design_dashboard(context):
    request = context["request"]
    if not request.user.has_perm("designs.view_design"):
        return {"visible": False}
    counts = selectors.status_counts()
    return {
        "visible": True,
        "statuses": [(status, label, counts[status]) for status, label in Status.choices],
        "total": sum(counts.values()),
        "in_flight": selectors.jobs_in_flight(counts),
        "waiting": counts[Status.REVIEW],
        "failures": selectors.latest_failures(),
    }
