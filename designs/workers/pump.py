"""The generation pump: submit queued designs to RunPod, poll in-flight jobs, hand finished ones to ingest.

The database is the queue of record. A design is `queued` until the pump claims it (queued → generating,
a conditional transition), submits its job with POST /run and saves the job id as soon as RunPod answers.
The pump then polls every in-flight job and ingests finished ones (workers/ingest.py). Only one pump runs at
a time across all hosts (the lease PUMP_LEASE, renewed by a heartbeat thread); every wake-up beyond that
exits at once.

Who wakes the pump: request_generation (after commit), the RunPod webhook, the pump itself when it stops with
work left, a starting qcluster and reconcile() every minute (workers/reconcile.py), and
`generate_designs --wait`.

What a killed worker leaves behind, point by point (and who picks it up):
- after request_generation committed, before the wake-up was enqueued: designs sit in queued → the
  reconciler wakes the pump.
- pump killed anywhere: its lease expires within LEASE_SECONDS (the heartbeat stops renewing it); a starting
  qcluster resumes as soon as it has (workers/reconcile.resume_after_restart), the reconciler otherwise.
- pump killed after claiming, before POST /run: generating without a job id while no pump holds the lease →
  recover_unsubmitted_claims() puts it back in the queue (counted as an attempt).
- pump killed while POST /run was in flight, or after it returned but before the job id was saved: the same
  recovery submits the design again. THIS IS THE ONE WINDOW in which a design can be submitted twice: RunPod
  has no idempotency key and no way to look a job up by its input, so a job whose id we never saved cannot
  be found; it runs once more (and is billed) but its result is never collected. A POST /run that times out
  or answers 5xx falls into the same window (the job may exist) and is also retried, bounded by
  MAX_AUTOMATIC_ATTEMPTS.
- pump killed after the job id was saved: the next pump polls the job as usual; a job past
  GENERATION_TIMEOUT is asked about first (a finished job is ingested, only a queued or running one cancelled).
- pump killed during ingest: see workers/ingest.py (file names derive from the job id; a repeat re-uses them).
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from designs import leases
from designs.models import Design
from designs.services.generation import PromptTemplateError, default_preset, render_prompt
from designs.workers.ingest import Checked, fail_generation, prepare_job_images, show_problem, store_job_images
from designs.workflow import Source, Status, TransitionConflict, transition, transition_one
from integrations.comfyui import WorkflowError, build_workflow
from integrations.http import AuthError, IntegrationError, RateLimited
from integrations.runpod import JobExpired, describe_failure

logger = logging.getLogger(__name__)

PUMP_LEASE = "generation-pump"
LEASE_SECONDS = 15
HEARTBEAT_SECONDS = 5
# Recovery only runs while no pump holds the lease (or by the pump that just took it), so a claim without a
# job id belongs to a pump that died or lost its lease. The age guard covers a pump whose lease lapsed while
# its POST /run was still running: of its job and the re-submitted one, whichever id is saved first is kept;
# the other pump's conditional save matches nothing and it cancels its job (Pump._record_submission).
CLAIM_WINDOW_SECONDS = LEASE_SECONDS
# Automatic re-queues (dead worker, POST /run timeouts/5xx) stop after this many attempts per request.
MAX_AUTOMATIC_ATTEMPTS = 3
# RunPod allows 2000 /status requests per 10 s per endpoint. Only the pump polls (one at a time across hosts),
# so it may use three quarters of that; the rest is headroom for people and tools looking at the same endpoint.
STATUS_REQUESTS_PER_SECOND = 150
MIN_POLL_INTERVAL = 0.1
MAX_POLL_INTERVAL = 2.0
HTTP_THREADS = 8
AUTH_MESSAGE = "RunPod refused the API key (check RUNPOD_API_KEY); generation resumes once the key works."

S = Status


def wake_pump() -> None:
    """Enqueue a pump run unless one is running (a running pump re-checks for work before it exits)."""
    from django_q.tasks import async_task

    if not leases.is_held(PUMP_LEASE):
        async_task("designs.tasks.run_generation_pump")


def has_work() -> bool:
    return Design.objects.filter(status__in=[S.QUEUED, S.GENERATING]).exists()


def pump_budget() -> float:
    """Seconds one pump task may loop: well inside the django-q2 task timeout, with room for a last slow call."""
    timeout = settings.Q_CLUSTER.get("timeout") or 120
    return max(5.0, timeout / 2)


@dataclass
class PumpStats:
    submitted: int = 0
    ingested: int = 0
    failed: int = 0
    iterations: int = 0
    stopped_by: str = ""  # "" (no work left / budget used), "auth", "config", "lease"


def run_pump(*, budget: float | None = None, client=None) -> PumpStats | None:
    """The generation pump task: None when another pump holds the lease."""
    with leases.kept(PUMP_LEASE, seconds=LEASE_SECONDS, every=HEARTBEAT_SECONDS) as heartbeat:
        if heartbeat is None:
            return None
        if client is None:
            from designs.clients import NotConfigured, runpod_client

            try:
                client = runpod_client()
            except NotConfigured as error:  # designs wait in the queue, saying why
                Design.objects.filter(status=S.QUEUED).update(last_error=str(error))
                return PumpStats(stopped_by="config")
        recover_unsubmitted_claims()
        stats = Pump(client, lease_lost=heartbeat.lost).run(pump_budget() if budget is None else budget)
    # A wake-up that arrived while we were finishing found the lease taken and went away: look again.
    # After a refused key or missing settings the reconciler retries in a minute instead of a tight loop;
    # after a lost lease the pump that took it carries on.
    if not stats.stopped_by and has_work():
        wake_pump()
    return stats


class Pump:
    def __init__(self, client, *, lease_lost: threading.Event | None = None, sleep=time.sleep):
        self.client = client
        self.lease_lost = lease_lost or threading.Event()
        self.sleep = sleep
        self.stats = PumpStats()
        self.backoff_until = 0.0
        self.pool = ThreadPoolExecutor(max_workers=HTTP_THREADS, thread_name_prefix="generation-http")

    def run(self, budget: float) -> PumpStats:
        deadline = time.monotonic() + budget
        try:
            while True:
                self.stats.iterations += 1
                iteration_started = time.monotonic()
                self.poll()
                if not self.stats.stopped_by:
                    self.submit()
                if self.lease_lost.is_set():
                    self.stats.stopped_by = "lease"
                if self.stats.stopped_by or time.monotonic() >= deadline:
                    break
                in_flight = Design.objects.filter(status=S.GENERATING).count()
                if not in_flight and not Design.objects.filter(status=S.QUEUED).exists():
                    break
                # The interval is a cadence: an iteration that took longer than it is followed at once.
                self.sleep(max(0.0, self.interval(in_flight) - (time.monotonic() - iteration_started)))
        finally:
            self.pool.shutdown(wait=True)
        return self.stats

    def interval(self, in_flight: int) -> float:
        wait = min(MAX_POLL_INTERVAL, max(MIN_POLL_INTERVAL, in_flight / STATUS_REQUESTS_PER_SECOND))
        return max(wait, self.backoff_until - time.monotonic())

    def _backing_off(self) -> bool:
        return time.monotonic() < self.backoff_until

    def _back_off(self, reason: str, retry_after: float | None) -> None:
        seconds = min(retry_after or 5.0, 60.0)
        self.backoff_until = max(self.backoff_until, time.monotonic() + seconds)
        logger.warning("RunPod: %s; pausing %.1f s", reason, seconds)

    # --- submit

    def submit(self, *, extra_capacity: int = 0) -> None:
        """Claim and submit queued designs while fewer than RUNPOD_MAX_IN_FLIGHT + RUNPOD_QUEUE_AHEAD jobs run.

        The few jobs beyond the endpoint's workers wait in RunPod's own queue (free until a worker takes them),
        so a GPU that frees up starts the next job at once instead of waiting for our next poll.
        extra_capacity: designs still generating whose jobs RunPod already finished (being ingested).
        """
        if self._backing_off():
            return
        running = Design.objects.filter(status=S.GENERATING).count() - extra_capacity
        capacity = settings.RUNPOD_MAX_IN_FLIGHT + settings.RUNPOD_QUEUE_AHEAD - running
        if capacity <= 0:
            return
        queued = Design.objects.filter(status=S.QUEUED).select_related("preset").order_by("status_changed_at", "pk")
        with transaction.atomic():  # one commit for the round; each claim is still its own conditional UPDATE
            claimed = [c for c in (self._claim(design) for design in queued[:capacity]) if c is not None]
        futures = {
            self.pool.submit(self.client.submit, {"workflow": graph}, webhook=webhook_url(design)): design
            for design, graph in claimed
        }
        for future in as_completed(futures):
            self._record_submission(futures[future], future)

    def _claim(self, design: Design):
        """queued → generating with the exact parameters used saved first (reproducible); None if not ours."""
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
            fail_generation(design, f"The job could not be built: {error}", sources=[S.QUEUED])
            self.stats.failed += 1
            return None
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
        except TransitionConflict:
            return None
        return design, built.graph

    def _record_submission(self, design: Design, future) -> None:
        try:
            job_id = future.result()
        except AuthError:
            self.stats.stopped_by = "auth"
            requeue(design, AUTH_MESSAGE, counted=False)
            Design.objects.filter(status=S.QUEUED).update(last_error=AUTH_MESSAGE)
            return
        except RateLimited as error:
            self._back_off(str(error), error.retry_after)
            requeue(design, f"RunPod did not take the job yet: {error}", counted=False)
            return
        except IntegrationError as error:
            if error.retryable:
                # The job may exist on RunPod (a timeout after sending): the documented double-submit window.
                self._back_off(str(error), None)
                requeue(design, f"RunPod did not confirm the job: {error}", counted=True)
            else:
                fail_generation(design, str(error))  # the client's sentence already says what RunPod refused
                self.stats.failed += 1
            return
        saved = Design.objects.filter(pk=design.pk, status=S.GENERATING, runpod_job_id="").update(
            runpod_job_id=job_id, submitted_at=timezone.now(), generation_attempts=F("generation_attempts") + 1
        )
        if saved:
            self.stats.submitted += 1
        else:  # cancelled while the POST was on its way: nobody will collect this job, so stop it
            cancel_quietly(self.client, job_id)

    # --- poll

    def poll(self) -> None:
        in_flight = list(Design.objects.filter(status=S.GENERATING).exclude(runpod_job_id=""))
        if not in_flight or self._backing_off():
            return
        futures = {self.pool.submit(self._check, design.runpod_job_id): design for design in in_flight}
        finished = []
        for future in as_completed(futures):
            checked = future.result()
            if checked.kind == "finished":
                finished.append((futures[future], checked.job))
            else:
                self._apply(futures[future], checked)
        if not finished:
            return
        # Those GPU slots are free already: refill them before the slower ingest, so the endpoint never idles.
        if not self.stats.stopped_by:
            self.submit(extra_capacity=len(finished))
        futures = {self.pool.submit(prepare_job_images, job): design for design, job in finished}
        for future in as_completed(futures):
            self._apply(futures[future], future.result())

    def _check(self, job_id: str) -> Checked:
        """Runs in a pool thread: no database access here."""
        try:
            job = self.client.status(job_id)
        except JobExpired:
            return Checked("expired")
        except AuthError:
            return Checked("auth")
        except IntegrationError as error:
            return Checked("transient", message=str(error), retry_after=getattr(error, "retry_after", None))
        if not job.is_terminal:
            return Checked("running", job=job)
        if job.status != "COMPLETED":
            return Checked("failed", job=job, message=describe_failure(job))
        return Checked("finished", job=job)

    def _apply(self, design: Design, checked: Checked) -> None:
        if checked.kind == "running":
            if _overdue(design):
                self._time_out(design)
            return
        if checked.kind == "auth":
            self.stats.stopped_by = "auth"
            show_problem(design, AUTH_MESSAGE)
        elif checked.kind == "transient":
            if checked.retry_after is not None:
                self._back_off(checked.message, checked.retry_after)
            show_problem(design, f"Checking the job failed for now ({checked.message}); retrying.")
        elif checked.kind == "expired":
            fail_generation(design, "RunPod's result expired before it was collected (results are kept 30 minutes).")
            self.stats.failed += 1
        elif checked.kind == "failed":
            fail_generation(design, checked.message)
            self.stats.failed += 1
        elif store_job_images(design, checked):
            self.stats.ingested += 1

    def _time_out(self, design: Design) -> None:
        """Only a job RunPod still has queued or running is cancelled; a finished one was collected above."""
        minutes = settings.GENERATION_TIMEOUT / 60
        message = f"RunPod did not finish the job within {minutes:g} minutes, so it was cancelled."
        try:
            self.client.cancel(design.runpod_job_id)
        except JobExpired:
            pass
        except IntegrationError as error:
            message = f"RunPod did not finish the job within {minutes:g} minutes; cancelling it failed too ({error})."
        fail_generation(design, message)
        self.stats.failed += 1


def _overdue(design: Design) -> bool:
    deadline = timezone.now() - timedelta(seconds=settings.GENERATION_TIMEOUT)
    return bool(design.submitted_at and design.submitted_at < deadline)


def webhook_url(design: Design) -> str | None:
    if not settings.PUBLIC_BASE_URL:
        return None
    path = reverse("designs:runpod_webhook", args=[design.pk, design.webhook_token])
    return f"{settings.PUBLIC_BASE_URL}{path}"


def requeue(design: Design, reason: str, *, counted: bool) -> None:
    """generating → queued (a worker-only move): RunPod did not take the job, or the worker died before it did.

    counted: the attempt may have reached RunPod (a timeout after sending), so it counts as an attempt (an
    accepted job counts when its id is saved); a 429 or a refused key does not. The attempt that would reach
    MAX_AUTOMATIC_ATTEMPTS fails the design instead.
    """
    attempts = Design.objects.filter(pk=design.pk).values_list("generation_attempts", flat=True).first() or 0
    if counted and attempts + 1 >= MAX_AUTOMATIC_ATTEMPTS:
        message = f"{reason} Gave up after {attempts + 1} attempts; use Retry generation."
        fail_generation(design, message, sources=[S.GENERATING], updates={"generation_attempts": attempts + 1})
        return
    transition(
        design,
        to=S.QUEUED,
        sources=[S.GENERATING],
        source=Source.WORKER,
        message=f"{reason} Queued again automatically.",
        updates={
            "last_error": reason,
            "runpod_job_id": "",
            "submitted_at": None,
            **({"generation_attempts": F("generation_attempts") + 1} if counted else {}),
        },
    )


def cancel_quietly(client, job_id: str) -> None:
    try:
        client.cancel(job_id)
    except IntegrationError as error:
        logger.warning("Could not cancel RunPod job %s: %s", job_id, error)


def cancel_runpod_jobs(job_ids) -> None:
    """Best effort (the cancel task): a job that cannot be cancelled finishes and is simply never collected."""
    from designs.clients import runpod_client

    client = runpod_client()
    for job_id in job_ids:
        cancel_quietly(client, job_id)


def recover_unsubmitted_claims() -> int:
    """Put back designs claimed by a pump that died before RunPod confirmed the job (see module docstring)."""
    cutoff = timezone.now() - timedelta(seconds=CLAIM_WINDOW_SECONDS)
    stuck = list(Design.objects.filter(status=S.GENERATING, runpod_job_id="", status_changed_at__lt=cutoff))
    for design in stuck:
        requeue(
            design,
            "The worker stopped before RunPod confirmed the job (it may have been submitted twice).",
            counted=True,
        )
    return len(stuck)
