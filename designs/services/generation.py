"""Generation use cases: request (and retry), cancel, more variations; the limits they share.

The work itself runs on the workers (designs/workers/pump.py and ingest.py); these functions only move designs
into or out of the queue and wake the pump once the change is committed.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Avg

from designs.models import Design, GenerationPreset, PresetKind
from designs.workflow import CANCELLABLE, GENERATABLE, Status, TransitionResult, design_ids, transition

DEFAULT_PRESET_NAME = "Flux dev fp8"
MAX_VARIATIONS = 50
# What a design asks for, shared by its variations (which get a new seed) and its siblings (same job, same seed).
PROMPT_SETTINGS = (
    "prompt",
    "style",
    "title",
    "description",
    "tags",
    "batch_id",
    "preset_id",
    "width",
    "height",
    "steps",
    "guidance",
)


class TooManyDesigns(ValueError):
    """One request asked for more designs than MAX_DESIGNS_PER_ACTION; nothing was created or queued."""


def default_preset() -> GenerationPreset | None:
    presets = GenerationPreset.objects.filter(is_active=True, kind=PresetKind.GENERATION)
    return presets.filter(name=DEFAULT_PRESET_NAME).first() or presets.order_by("pk").first()


class PromptTemplateError(ValueError):
    """A preset's prompt template uses something other than {prompt} and {style}."""


def render_prompt(template: str, *, prompt: str, style: str) -> str:
    """The one use of a preset's prompt template (the pump when it builds a job, the preset form when it checks)."""
    try:
        return template.format(prompt=prompt, style=style)
    except (KeyError, IndexError, ValueError, AttributeError) as error:
        raise PromptTemplateError(
            f"The prompt template {template!r} is invalid: only {{prompt}} and {{style}} may be used ({error})."
        ) from None


def variations_problem(count) -> str:
    """The one home of the "1 to 50 variations" rule (batch form, variations action, commands)."""
    if not isinstance(count, int) or not 1 <= count <= MAX_VARIATIONS:
        return f"Variations must be a whole number from 1 to {MAX_VARIATIONS}."
    return ""


def check_design_count(count: int) -> None:
    if count > settings.MAX_DESIGNS_PER_ACTION:
        raise TooManyDesigns(
            f"That would be {count:,} designs; one request may hold at most {settings.MAX_DESIGNS_PER_ACTION:,} "
            "(MAX_DESIGNS_PER_ACTION). Split it into smaller batches."
        )


def estimated_cost(designs: int) -> Decimal:
    """Dollars `designs` generations are likely to cost: the average run time so far (else the setting) × price."""
    seconds = Design.objects.filter(execution_ms__isnull=False).aggregate(ms=Avg("execution_ms"))["ms"]
    seconds = seconds / 1000 if seconds else settings.GENERATION_ESTIMATED_SECONDS
    per_design = Decimal(str(seconds)) * Decimal(str(settings.RUNPOD_COST_PER_SECOND))
    return per_design * designs  # not rounded to cents: one design may cost a fraction of a cent


def request_generation(designs, *, actor, source: str) -> TransitionResult:
    """draft / generation_failed → queued (a fresh attempt budget, no old error), then wake the pump."""
    from designs.workers.pump import wake_pump

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


def cancel_generation(designs, *, actor, source: str) -> TransitionResult:
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


def prompt_settings(design: Design) -> dict:
    return {name: getattr(design, name) for name in PROMPT_SETTINGS}


def request_variations(designs, *, count: int, actor, source: str) -> TransitionResult:
    """`count` new designs per given design: same prompt and settings, a new random seed each; queued at once."""
    problem = variations_problem(count)
    if problem:
        raise ValueError(problem)
    originals = list(Design.objects.filter(pk__in=design_ids(designs)).exclude(prompt=""))
    check_design_count(len(originals) * count)
    user = actor if getattr(actor, "pk", None) else None
    with transaction.atomic():
        created = Design.objects.bulk_create(
            Design(**prompt_settings(original), created_by=user) for original in originals for _ in range(count)
        )
        return request_generation(created, actor=actor, source=source)
