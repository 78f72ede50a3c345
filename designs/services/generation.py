"""Generation use cases: request (and retry), cancel, more variations; the limits they share.

The work itself runs on the workers (designs/workers/pump.py and ingest.py); these functions only move designs
into or out of the queue and wake the pump once the change is committed.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Avg

from designs.machine import MoveResult
from designs.models import Design
from designs.presets import default_preset, prompt_settings
from designs.workers import wake_pump
from designs.workflow import CANCELLABLE, DESIGN, GENERATABLE, Status, create_design, design_ids, transition

MAX_VARIATIONS = 50


class TooManyDesigns(ValueError):
    """One request asked for more designs than MAX_DESIGNS_PER_ACTION; nothing was created or queued."""


def variations_problem(count) -> str:
    """The one home of the "1 to 50 variations" rule (batch form, variations action, commands)."""
    if not isinstance(count, int) or not 1 <= count <= MAX_VARIATIONS:
        return f"Variations must be a whole number from 1 to {MAX_VARIATIONS}."
    return ""


def design_count_problem(count: int) -> str:
    """The one home of the MAX_DESIGNS_PER_ACTION rule ("" when `count` designs may be asked for at once):
    generation, variations, batches, print files and listing copy all ask it."""
    if count > settings.MAX_DESIGNS_PER_ACTION:
        return (
            f"That would be {count:,} designs; one request may hold at most {settings.MAX_DESIGNS_PER_ACTION:,} "
            "(MAX_DESIGNS_PER_ACTION). Split it into smaller batches."
        )
    return ""


def check_design_count(count: int) -> None:
    problem = design_count_problem(count)
    if problem:
        raise TooManyDesigns(problem)


def estimated_cost(designs: int) -> Decimal:
    """Dollars `designs` generations are likely to cost: the average run time so far (else the setting) × price."""
    seconds = Design.objects.filter(execution_ms__isnull=False).aggregate(ms=Avg("execution_ms"))["ms"]
    seconds = seconds / 1000 if seconds else settings.GENERATION_ESTIMATED_SECONDS
    per_design = Decimal(str(seconds)) * Decimal(str(settings.RUNPOD_COST_PER_SECOND))
    return per_design * designs  # not rounded to cents: one design may cost a fraction of a cent


def create_draft(*, actor, source: str, **fields) -> Design:
    """A design typed in by hand (the admin's add form): a draft with its "created" event, generated when asked."""
    user = actor if getattr(actor, "pk", None) else None
    return create_design(status=Status.DRAFT, source=source, actor=actor, created_by=user, **fields)


def request_generation(designs, *, actor, source: str) -> MoveResult:
    """draft / generation_failed → queued (a fresh attempt budget, no old error), then wake the pump."""

    ids = design_ids(designs)
    check_design_count(len(ids))
    with transaction.atomic():
        preset = default_preset()
        if preset is not None:
            Design.objects.filter(pk__in=ids, preset__isnull=True, status__in=GENERATABLE).update(preset=preset)
        result = transition(
            ids,
            to=Status.QUEUED,
            sources=GENERATABLE,
            actor=actor,
            source=source,
            updates={"last_error": "", "runpod_job_id": "", "submitted_at": None, "generation_attempts": 0},
        )
        if result.moved:
            transaction.on_commit(wake_pump)
    return result


def cancel_generation(designs, *, actor, source: str) -> MoveResult:
    """queued / generating → draft; the RunPod jobs of generating designs are cancelled by a task."""
    from django_q.tasks import async_task

    with transaction.atomic():
        result = transition(
            designs, to=Status.DRAFT, sources=CANCELLABLE, actor=actor, source=source, message="Generation cancelled."
        )
        job_ids = list(
            Design.objects.filter(pk__in=result.moved).exclude(runpod_job_id="").values_list("runpod_job_id", flat=True)
        )
        if job_ids:
            transaction.on_commit(lambda: async_task("designs.tasks.cancel_runpod_jobs", job_ids))
    return result


def request_variations(designs, *, count: int, actor, source: str) -> MoveResult:
    """`count` new designs per given design: same prompt and settings, a new random seed each; queued at once."""
    problem = variations_problem(count)
    if problem:
        raise ValueError(problem)
    originals = list(Design.objects.filter(pk__in=design_ids(designs)).exclude(prompt=""))
    check_design_count(len(originals) * count)
    user = actor if getattr(actor, "pk", None) else None
    with transaction.atomic():
        created = DESIGN.create_many(
            [Design(**prompt_settings(original), created_by=user) for original in originals for _ in range(count)],
            state=Status.DRAFT,
            source=source,
            actor=actor,
            message="A new variation: the same prompt and settings, a new seed.",
        )
        return request_generation(created, actor=actor, source=source)
