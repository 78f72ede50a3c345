"""The kinds of RunPod job the one pump (workers/pump.py) runs: what each reads, claims, submits and stores.

The pump's machinery — submit-then-poll, the in-flight cap per endpoint, back-off, time-outs, recovery of dead
claims — is the same for every kind; a kind says which columns hold its state and what its job input and result
are. GenerationJobs moves Design.status (queued → generating → review); PrintJobs (workers/print_jobs.py) moves
Design.print_status (queued → preparing → ready) and never touches Design.status.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from designs.machine import MoveConflict
from designs.models import Design
from designs.workers.ingest import Checked, fail_generation, prepare_job_images, store_job_images
from designs.workflow import Source, Status, transition, transition_one

logger = logging.getLogger(__name__)

# Automatic re-queues (dead worker, POST /run timeouts/5xx) stop after this many attempts per request.
MAX_AUTOMATIC_ATTEMPTS = 3


class JobInputError(ValueError):
    """The job input could not be built (e.g. the image cannot be read); the design fails with this message."""


class JobKind:
    """One kind of RunPod job: subclasses name their columns and implement claim(), prepare() and store()."""

    name = ""
    status_field = ""
    queued = ""  # waiting for the pump
    running = ""  # claimed by the pump (a job id once RunPod accepted it)
    changed_field = ""
    job_field = ""
    submitted_field = ""
    attempts_field = ""
    error_field = ""
    retry_hint = ""
    prepare_threads = 0  # 0: results are prepared in the pump's shared HTTP threads

    def __init__(self, client, *, cap_setting: str = "RUNPOD_MAX_IN_FLIGHT"):
        self.client = client
        self.cap_setting = cap_setting

    @property
    def max_in_flight(self) -> int:
        """Jobs at once on this kind's endpoint (read when used: settings may change under tests)."""
        return getattr(settings, self.cap_setting)

    @property
    def endpoint(self) -> str:
        """Kinds on the same endpoint share its in-flight cap."""
        return getattr(self.client, "endpoint_url", repr(self.client))

    # --- reads

    def waiting(self):
        return Design.objects.filter(**{self.status_field: self.queued}).order_by(self.changed_field, "pk")

    def claimed(self):
        return Design.objects.filter(**{self.status_field: self.running})

    def submitted(self) -> list[Design]:
        return list(self.claimed().exclude(**{self.job_field: ""}))

    def has_work(self) -> bool:
        return Design.objects.filter(**{f"{self.status_field}__in": [self.queued, self.running]}).exists()

    def job_id(self, design: Design) -> str:
        return getattr(design, self.job_field)

    # --- what a kind implements

    def claim(self, design: Design) -> Callable[[], dict] | None:
        """queued → running; returns what builds the job input (called in a pool thread), or None if not ours.

        Raises JobInputError (before claiming) when no job can be built; the pump fails the design with it.
        """
        raise NotImplementedError

    def prepare(self, design: Design, job) -> Checked:
        """Fetch and check a COMPLETED job's result (a pool thread: no database access)."""
        raise NotImplementedError

    def store(self, design: Design, checked: Checked) -> bool:
        """Keep the checked result; True if this call finished the job."""
        raise NotImplementedError

    def move(self, design, *, to: str, sources, message: str, updates: dict) -> bool:
        raise NotImplementedError

    def fail(self, design: Design, message: str, *, sources=None, updates=None) -> bool:
        raise NotImplementedError

    # --- shared

    def webhook(self, design: Design) -> str | None:
        if not settings.PUBLIC_BASE_URL:
            return None
        path = reverse("designs:runpod_webhook", args=[design.pk, design.webhook_token])
        return f"{settings.PUBLIC_BASE_URL}{path}"

    def save_job_id(self, design: Design, job_id: str) -> bool:
        """The job id, saved only while the claim is still ours and has none (a cancel may have come first)."""
        return bool(
            Design.objects.filter(pk=design.pk, **{self.status_field: self.running, self.job_field: ""}).update(
                **{
                    self.job_field: job_id,
                    self.submitted_field: timezone.now(),
                    self.attempts_field: F(self.attempts_field) + 1,
                }
            )
        )

    def show_problem(self, design: Design, message: str) -> None:
        """A passing problem shown on the design until its next change (not an event: the pump polls every second)."""
        current = getattr(design, self.status_field)
        rows = Design.objects.filter(pk=design.pk, **{self.status_field: current})
        rows.exclude(**{self.error_field: message}).update(**{self.error_field: message})

    def explain_waiting(self, message: str) -> None:
        """Why nothing moves (a refused key, missing settings), on every design waiting."""
        self.waiting().update(**{self.error_field: message})

    def overdue(self, design: Design) -> bool:
        submitted = getattr(design, self.submitted_field)
        return bool(submitted and submitted < timezone.now() - timedelta(seconds=settings.GENERATION_TIMEOUT))

    def requeue(self, design: Design, reason: str, *, counted: bool) -> None:
        """running → queued (worker-only): RunPod did not take the job, or the worker died before it did.

        counted: the attempt may have reached RunPod (a timeout after sending), so it counts (an accepted job counts
        when its id is saved); a 429 or a refused key does not. The attempt reaching MAX_AUTOMATIC_ATTEMPTS fails.
        """
        attempts = Design.objects.filter(pk=design.pk).values_list(self.attempts_field, flat=True).first() or 0
        if counted and attempts + 1 >= MAX_AUTOMATIC_ATTEMPTS:
            message = f"{reason} Gave up after {attempts + 1} attempts; {self.retry_hint}"
            self.fail(design, message, sources=[self.running], updates={self.attempts_field: attempts + 1})
            return
        self.move(
            design,
            to=self.queued,
            sources=[self.running],
            message=f"{reason} Queued again automatically.",
            updates={
                self.error_field: reason,
                self.job_field: "",
                self.submitted_field: None,
                **({self.attempts_field: F(self.attempts_field) + 1} if counted else {}),
            },
        )

    def recover_unsubmitted(self, window_seconds: float) -> int:
        """Put back claims of a pump that died before RunPod confirmed the job (see workers/pump.py)."""
        cutoff = timezone.now() - timedelta(seconds=window_seconds)
        stuck = list(self.claimed().filter(**{self.job_field: "", f"{self.changed_field}__lt": cutoff}))
        for design in stuck:
            self.requeue(
                design,
                "The worker stopped before RunPod confirmed the job (it may have been submitted twice).",
                counted=True,
            )
        return len(stuck)


class GenerationJobs(JobKind):
    """Prompt in, images out: Design.status queued → generating → review (extra images become siblings)."""

    name = "generation"
    status_field = "status"
    queued = Status.QUEUED
    running = Status.GENERATING
    changed_field = "status_changed_at"
    job_field = "runpod_job_id"
    submitted_field = "submitted_at"
    attempts_field = "generation_attempts"
    error_field = "last_error"
    retry_hint = "use Retry generation."

    def waiting(self):
        return super().waiting().select_related("preset")

    def claim(self, design: Design):
        """queued → generating with the exact parameters used saved first (reproducible); None if not ours."""
        from designs.presets import PromptTemplateError, default_preset, render_prompt
        from integrations.comfyui import WorkflowError, build_workflow

        preset = design.preset or default_preset()
        try:
            if preset is None:
                raise WorkflowError("There is no active generation preset; create or activate one.")
            parameters = {
                "width": design.width or preset.width,
                "height": design.height or preset.height,
                "steps": design.steps or preset.steps,
                "guidance": preset.guidance if design.guidance is None else design.guidance,
            }
            built = build_workflow(
                preset.workflow,
                preset.parameter_map,
                prompt=render_prompt(preset.prompt_template, prompt=design.prompt, style=design.style),
                negative_prompt=preset.negative_prompt,
                seed=design.seed,
                **parameters,
            )
        except (WorkflowError, PromptTemplateError) as error:
            raise JobInputError(str(error)) from None
        try:
            transition_one(
                design,
                to=S.GENERATING,
                sources=[S.QUEUED],
                source=Source.WORKER,
                message=f"Submitting to RunPod (attempt {design.generation_attempts + 1}).",
                updates={
                    **parameters,
                    "preset": preset,
                    "seed": built.seed,
                    "runpod_job_id": "",
                    "submitted_at": None,
                    "last_error": "",
                },
            )
        except MoveConflict:
            return None
        graph = built.graph
        return lambda: {"workflow": graph}

    def prepare(self, design: Design, job) -> Checked:
        return prepare_job_images(job)

    def store(self, design: Design, checked: Checked) -> bool:
        return store_job_images(design, checked)

    def move(self, design, *, to, sources, message, updates) -> bool:
        result = transition(design, to=to, sources=sources, source=Source.WORKER, message=message, updates=updates)
        return bool(result.moved)

    def fail(self, design, message, *, sources=None, updates=None) -> bool:
        return fail_generation(design, message, sources=sources or (S.QUEUED, S.GENERATING), updates=updates)


S = Status
