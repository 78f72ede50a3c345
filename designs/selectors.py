"""Every read the admin, the review page, the commands and the dashboard make (writes live in services/)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from designs.models import CopyStatus, Design, DesignEvent
from designs.print_status import PrintStatus
from designs.workflow import DECIDED, FAILED, IN_FLIGHT, Source, Status

# How far back U (undo) reaches: a working session, not last week's decisions.
UNDO_WINDOW = timedelta(hours=12)


def review_queue(*, batch_id: int | None = None) -> QuerySet[Design]:
    """Designs waiting for a decision, oldest first (siblings of one job stay together)."""
    designs = Design.objects.filter(status=Status.REVIEW).select_related("batch").order_by("created_at", "pk")
    if batch_id is not None:
        designs = designs.filter(batch_id=batch_id)
    return designs


def batches_in_review() -> list[dict]:
    """[{"batch_id", "batch__name", "waiting"}] for the review page's batch filter, in one query."""
    return list(
        Design.objects.filter(status=Status.REVIEW, batch__isnull=False)
        .values("batch_id", "batch__name")
        .annotate(waiting=Count("pk"))
        .order_by("batch__name", "batch_id")
    )


def status_counts(designs: QuerySet[Design] | None = None) -> dict[str, int]:
    """Designs per status (every status present, zero when none), in one aggregated query; all designs or these."""
    counts = dict.fromkeys(Status.values, 0)
    rows = (Design.objects.all() if designs is None else designs).order_by().values_list("status")
    counts.update(rows.annotate(n=Count("pk")).values_list("status", "n"))
    return counts


def progress(designs: QuerySet[Design]) -> dict:
    """Counts per status and cost so far for these designs, in one aggregate query (batch page, --wait)."""
    counts = dict.fromkeys(Status.values, 0)
    total_cost = Decimal(0)
    for row in designs.order_by().values("status").annotate(n=Count("pk"), cost=Sum("cost")):
        counts[row["status"]] = row["n"]
        total_cost += row["cost"] or 0
    return {"counts": counts, "total": sum(counts.values()), "cost": total_cost}


def copy_progress(designs: QuerySet[Design]) -> dict:
    """Counts per listing-copy status, tokens and LLM cost of these designs in one query (for --wait)."""
    counts = dict.fromkeys(CopyStatus.values, 0)
    rows = (
        designs.order_by()
        .values("copy_status")
        .annotate(n=Count("pk"), cost=Sum("copy_cost"), tokens=Sum("copy_tokens"))
    )
    total_cost, tokens = Decimal(0), 0
    for row in rows:
        counts[row["copy_status"]] = row["n"]
        total_cost += row["cost"] or 0
        tokens += row["tokens"] or 0
    return {"counts": counts, "total": sum(counts.values()), "cost": total_cost, "tokens": tokens}


def copy_failures(designs: QuerySet[Design]) -> list[tuple[int, str, str]]:
    """(design id, prompt, why) of the designs whose listing copy failed."""
    failed = designs.filter(copy_status=CopyStatus.FAILED).order_by("pk")
    return list(failed.values_list("pk", "prompt", "copy_note"))


def print_progress(designs: QuerySet[Design]) -> dict:
    """Counts per print status and the print jobs' cost so far for these designs, in one query (--wait)."""
    from django.conf import settings

    counts = dict.fromkeys(PrintStatus.values, 0)
    total_ms = 0
    for row in designs.order_by().values("print_status").annotate(n=Count("pk"), ms=Sum("print_execution_ms")):
        counts[row["print_status"]] = row["n"]
        total_ms += row["ms"] or 0
    cost = Decimal(total_ms) / 1000 * Decimal(str(settings.RUNPOD_COST_PER_SECOND))
    return {"counts": counts, "total": sum(counts.values()), "cost": cost}


def print_failures(designs: QuerySet[Design]) -> list[tuple[int, str, str]]:
    """(design id, prompt or title, print_error) of the designs whose print file failed."""
    failed = designs.filter(print_status=PrintStatus.FAILED).order_by("pk")
    return [
        (pk, prompt or title, error)
        for pk, prompt, title, error in failed.values_list("pk", "prompt", "title", "print_error")
    ]


def batch_designs(batch_ids) -> QuerySet[Design]:
    return Design.objects.filter(batch_id__in=batch_ids)


def failures(designs: QuerySet[Design]) -> list[tuple[int, str, str]]:
    """(design id, prompt or title, last_error) of the failed ones among these designs."""
    failed = designs.filter(status__in=FAILED).order_by("pk")
    return [
        (pk, prompt or title, error)
        for pk, prompt, title, error in failed.values_list("pk", "prompt", "title", "last_error")
    ]


def publishable(*, batch_name: str | None = None) -> QuerySet[Design]:
    """Approved designs (optionally of the batches with this name): what "publish all approved" means."""
    designs = Design.objects.filter(status=Status.APPROVED)
    if batch_name:
        designs = designs.filter(batch__name=batch_name)
    return designs


def designs_with_products(designs: QuerySet[Design]) -> QuerySet[Design]:
    """Those of `designs` that have a Printify product (published or not): deleting them needs a decision."""
    return designs.filter(~Q(printify_product_id=""))


def jobs_in_flight(counts: dict[str, int]) -> int:
    """Designs a worker currently owns (queued, generating, publishing)."""
    return sum(counts.get(status, 0) for status in IN_FLIGHT)


def latest_failures(limit: int = 8) -> list[Design]:
    return list(
        Design.objects.filter(status__in=FAILED)
        .only("pk", "title", "prompt", "status", "status_changed_at", "last_error")
        .order_by("-status_changed_at", "-pk")[:limit]
    )


def start_of_today() -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


def decided_today(actor) -> int:
    """Designs this person approved or rejected today and has not taken back (undo or reopen) since.

    Approve, undo, reject of one design counts once; approve then undo counts zero.
    """
    taken_back = DesignEvent.objects.filter(
        design_id=OuterRef("design_id"), actor=actor, to_status=Status.REVIEW, pk__gt=OuterRef("pk")
    )
    return (
        DesignEvent.objects.filter(actor=actor, to_status__in=DECIDED, created_at__gte=start_of_today())
        .filter(~Exists(taken_back))
        .values("design_id")
        .distinct()
        .count()
    )


def last_standing_decision(actor) -> DesignEvent | None:
    """This person's latest review-page decision that nothing has superseded yet: what U (undo) takes back.

    A decision is superseded once any later event exists for its design (an undo, someone else's reopen,
    publishing...). Undoing repeatedly therefore walks back through the reviewer's decisions, newest first.
    """
    later = DesignEvent.objects.filter(design_id=OuterRef("design_id"), pk__gt=OuterRef("pk"))
    return (
        DesignEvent.objects.filter(
            actor=actor,
            source=Source.REVIEW,
            to_status__in=DECIDED,
            created_at__gte=timezone.now() - UNDO_WINDOW,
        )
        .filter(~Exists(later))
        .order_by("-created_at", "-pk")
        .first()
    )
