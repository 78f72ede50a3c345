"""The admin index dashboard: designs per status, jobs in flight, latest failures."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from designs import selectors
from designs.workflow import Status

register = template.Library()


def _may_see_designs(context) -> bool:
    """Both panels sit on the admin index, which staff without access to designs see too."""
    return context["request"].user.has_perm("designs.view_design")


@register.inclusion_tag("admin/designs/dashboard.html", takes_context=True)
def design_dashboard(context):
    if not _may_see_designs(context):
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


def _rate(kept: int, decided: int) -> tuple[str, int]:
    """("75 %", 75): how many of the decided designs were approved (or went on to be published)."""
    if not decided:
        return "—", 0
    percent = round(100 * kept / decided)
    return f"{percent} %", percent


@register.inclusion_tag("admin/designs/review_stats.html", takes_context=True)
def review_dashboard(context):
    """Who decides what: per reviewer this week, and approval rates per batch, preset and prompt."""
    if not _may_see_designs(context):
        return {"visible": False}
    reviewers = selectors.reviewer_stats()
    for row in reviewers:
        row["rate"] = _rate(row["approved"], row["week"])[0]
    changelist = reverse("admin:designs_design_changelist")
    links = {
        "batch": lambda row: f"{changelist}?batch__id__exact={row['key']}",
        "preset": lambda row: f"{changelist}?preset__id__exact={row['key']}",
        "prompt": lambda row: f"{changelist}?{urlencode({'q': row['key'][:200]})}",
    }
    rates = []
    for by, title in (("batch", "By batch"), ("preset", "By preset"), ("prompt", "By prompt")):
        rows = selectors.approval_rates(by)
        for row in rows:
            row["rate"], row["percent"] = _rate(row["kept"], row["decided"])
            row["url"] = links[by](row)
        rates.append((title, f"pod-rates-{by}", rows))
    return {"visible": True, "reviewers": reviewers, "rates": rates}
