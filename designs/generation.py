"""Generation, worker side and use cases: request → pump (submit, poll) → ingest; plus the reconciler.

The database is the queue of record. A design is `queued` until the pump claims it (queued → generating,
a conditional transition), submits its job with POST /run and saves the job id at once. The pump then polls
every in-flight job and ingests finished ones. Only one pump runs at a time across all hosts (the lease
PUMP_LEASE); every wake-up beyond that exits at once.

Who wakes the pump: request_generation (after commit), the RunPod webhook, the pump itself when it stops with
work left (time budget used, or a wake-up arrived while it was finishing), reconcile() every minute, and
`generate_designs --wait` every 15 s. A lost wake-up therefore costs at most a minute.

What a killed worker leaves behind, point by point (and who picks it up):
- after request_generation committed, before the wake-up was enqueued: designs sit in queued → the
  reconciler wakes the pump.
- pump killed anywhere: its lease expires within LEASE_SECONDS (the heartbeat thread stops renewing it), then
  the reconciler wakes a new pump.
- pump killed after claiming, before POST /run: generating without a job id while no pump holds the lease →
  recover_unsubmitted_claims() puts it back in the queue (counted as an attempt).
- pump killed while POST /run was in flight, or after it returned but before the job id was saved: the same
  recovery submits the design again. THIS IS THE ONE WINDOW in which a design can be submitted twice: RunPod
  has no idempotency key and no way to look a job up by its input, so a job whose id we never saved cannot
  be found; it runs once more (and is billed) but its result is never collected. A POST /run that times out
  or answers 5xx falls into the same window (the job may exist) and is also retried, bounded by
  MAX_AUTOMATIC_ATTEMPTS.
- pump killed after the job id was saved: the next pump polls the job as usual.
- pump killed during ingest, after files were written, before the database commit: the next pump ingests
  again; file names are derived from the job id (images.job_output_names), so it finds and re-uses the same
  files instead of leaving orphans beside copies.
- pump killed by the task timeout: the same cases (its budget, pump_budget(), keeps it well inside).
"""

from __future__ import annotations

import csv
import io
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connections, transaction
from django.db.models import Count, F, Sum
from django.urls import reverse
from django.utils import timezone

from designs import images, leases
from designs.models import Batch, Design, DesignEvent, GenerationPreset
from designs.workflow import Source, Status, TransitionConflict, TransitionResult, transition, transition_one
from integrations.comfyui import WorkflowError, build_workflow
from integrations.http import AuthError, IntegrationError, RateLimited
from integrations.runpod import JobExpired, JobStatus, OutputError, describe_failure, download_image, parse_output

logger = logging.getLogger(__name__)

DEFAULT_PRESET_NAME = "Flux dev fp8"
PUMP_LEASE = "generation-pump"
LEASE_SECONDS = 15
HEARTBEAT_SECONDS = 5  # the pump renews its lease from a separate thread, so a long HTTP call cannot lose it
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
# Decoding is where memory goes (a 4500×5400 PNG is ~100 MB of pixels): at most this many at once per process,
# however many downloads run in parallel.
DECODE_SLOTS = threading.BoundedSemaphore(2)
AUTH_MESSAGE = "RunPod refused the API key (check RUNPOD_API_KEY); generation resumes once the key works."

S = Status
# Statuses a design of a batch still has to leave before the batch is done (review or failed or later).
PENDING_STATUSES = frozenset({S.DRAFT, S.QUEUED, S.GENERATING})


# --- Use cases: admin, batch form, commands ------------------------------------------------------------------


def default_preset() -> GenerationPreset | None:
    presets = GenerationPreset.objects.filter(is_active=True)
    return presets.filter(name=DEFAULT_PRESET_NAME).first() or presets.order_by("pk").first()


def request_generation(designs, *, actor, source: str) -> TransitionResult:
    """draft / generation_failed → queued (a fresh attempt budget, no old error), then wake the pump."""
    with transaction.atomic():
        ids = _ids(designs)
        preset = default_preset()
        if preset is not None:
            Design.objects.filter(pk__in=ids, preset__isnull=True, status__in=[S.DRAFT, S.GENERATION_FAILED]).update(
                preset=preset
            )
        result = transition(
            ids,
            to=S.QUEUED,
            sources=[S.DRAFT, S.GENERATION_FAILED],
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
            designs,
            to=S.DRAFT,
            sources=[S.QUEUED, S.GENERATING],
            actor=actor,
            source=source,
            message="Generation cancelled.",
        )
        job_ids = list(
            Design.objects.filter(pk__in=result.moved).exclude(runpod_job_id="").values_list("runpod_job_id", flat=True)
        )
        if job_ids:
            transaction.on_commit(lambda: async_task("designs.tasks.cancel_runpod_jobs", job_ids))
    return result


def cancel_runpod_jobs(job_ids) -> None:
    """Best effort: a job that cannot be cancelled finishes and is simply never collected."""
    from designs.clients import runpod_client

    client = runpod_client()
    for job_id in job_ids:
        _cancel_quietly(client, job_id)


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


def _copy_fields(design: Design, names) -> dict:
    return {name: getattr(design, name) for name in names}


def request_variations(designs, *, count: int, actor, source: str) -> TransitionResult:
    """`count` new designs per given design: same prompt and settings, a new random seed each; queued at once."""
    if not 1 <= count <= 50:
        raise ValueError("Ask for 1 to 50 variations per design.")
    originals = Design.objects.filter(pk__in=_ids(designs)).exclude(prompt="")
    with transaction.atomic():
        created = Design.objects.bulk_create(
            Design(**_copy_fields(original, PROMPT_SETTINGS), created_by=_user_or_none(actor))
            for original in originals
            for _ in range(count)
        )
        return request_generation(created, actor=actor, source=source)


# --- Batch input (generate_designs, the Batch admin form) ------------------------------------------------------


class PromptFileError(ValueError):
    """The prompt file has errors; `errors` lists each with its line number. Nothing was created."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


@dataclass
class PromptRow:
    line: int
    prompt: str
    title: str = ""
    tags: list[str] = field(default_factory=list)
    seed: int | None = None
    width: int | None = None
    height: int | None = None


def parse_prompts(text: str, *, csv_format: bool | None = None) -> list[PromptRow]:
    """Prompt lines (one per line, # comments and blank lines ignored) or CSV with a `prompt` column.

    Every line is checked before anything is returned; PromptFileError lists every problem with its line.
    """
    if csv_format is None:
        first = next((line for line in text.splitlines() if line.strip() and not line.startswith("#")), "")
        csv_format = "prompt" in [cell.strip().lower() for cell in next(csv.reader([first]), [])]
    rows = _parse_csv(text) if csv_format else _parse_lines(text)
    if not rows:
        raise PromptFileError(["no prompts found"])
    return rows


def _parse_lines(text: str) -> list[PromptRow]:
    rows, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        prompt = line.strip()
        if not prompt or prompt.startswith("#"):
            continue
        problem = _prompt_problem(prompt)
        if problem:
            errors.append(f"line {number}: {problem}")
        rows.append(PromptRow(line=number, prompt=prompt))
    if errors:
        raise PromptFileError(errors)
    return rows


def _parse_csv(text: str) -> list[PromptRow]:
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    fields = {name.strip().lower() for name in reader.fieldnames or []}
    if "prompt" not in fields:
        raise PromptFileError(["line 1: the CSV header has no 'prompt' column"])
    rows, errors = [], []
    for record in reader:
        number = reader.line_num
        record = {(key or "").strip().lower(): (value or "").strip() for key, value in record.items() if key}
        problems = [_prompt_problem(record.get("prompt", ""))]
        row = PromptRow(line=number, prompt=record.get("prompt", ""), title=record.get("title", "")[:200])
        row.tags = [tag.strip() for tag in record.get("tags", "").replace(";", ",").split(",") if tag.strip()]
        for name in ("seed", "width", "height"):
            value, problem = _whole_number(name, record.get(name, ""))
            setattr(row, name, value)
            problems.append(problem)
        problems.append(_size_problem(row.width, row.height))
        errors.extend(f"line {number}: {problem}" for problem in problems if problem)
        if row.prompt or any(problems):
            rows.append(row)
    if errors:
        raise PromptFileError(errors)
    return rows


def _prompt_problem(prompt: str) -> str:
    if not prompt:
        return "the prompt is empty"
    if len(prompt) > 2000:
        return f"the prompt is {len(prompt)} characters long; at most 2000 are allowed"
    if "\x00" in prompt:
        return "the prompt contains a NUL character"
    return ""


def _whole_number(name: str, text: str) -> tuple[int | None, str]:
    if not text:
        return None, ""
    if not text.isdigit():
        return None, f"{name} must be a whole number, got {text!r}"
    value = int(text)
    if name == "seed" and value >= 2**63:
        return None, f"seed must be below 2**63, got {value}"
    return value, ""


def _size_problem(width: int | None, height: int | None) -> str:
    from integrations.comfyui import Limits

    limits = Limits()
    for name, value in (("width", width), ("height", height)):
        if value is not None and (not limits.min_size <= value <= limits.max_size or value % limits.size_step):
            return (
                f"{name} must be a multiple of {limits.size_step} from {limits.min_size} to {limits.max_size}, "
                f"got {value}"
            )
    return ""


def create_batch(
    rows: list[PromptRow],
    *,
    name: str,
    origin: str,
    source_name: str = "",
    preset: GenerationPreset | None = None,
    variations: int = 1,
    width: int | None = None,
    height: int | None = None,
    actor=None,
    source: str,
    queue: bool = True,
) -> tuple[Batch, TransitionResult | None]:
    """One Batch with `variations` designs per row (each its own seed unless the row fixes one), queued."""
    if not 1 <= variations <= 50:
        raise ValueError("Variations per prompt must be from 1 to 50.")
    preset = preset or default_preset()
    user = _user_or_none(actor)
    with transaction.atomic():
        batch = Batch.objects.create(
            name=name, origin=origin, source_name=source_name[:255], preset=preset, created_by=user
        )
        designs = Design.objects.bulk_create(
            Design(
                prompt=row.prompt,
                title=row.title,
                tags=row.tags,
                seed=row.seed if variations == 1 else None,
                width=row.width or width,
                height=row.height or height,
                batch=batch,
                preset=preset,
                created_by=user,
            )
            for row in rows
            for _ in range(variations)
        )
        result = request_generation(designs, actor=actor, source=source) if queue else None
    return batch, result


def batch_progress(batch_ids) -> dict:
    """Counts per status and cost so far for designs of these batches, in one aggregate query."""
    counts = dict.fromkeys(Status.values, 0)
    total_cost = Decimal(0)
    rows = (
        Design.objects.filter(batch_id__in=batch_ids)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"), cost=Sum("cost"))
    )
    for row in rows:
        counts[row["status"]] = row["n"]
        total_cost += row["cost"] or 0
    return {"counts": counts, "total": sum(counts.values()), "cost": total_cost}


def batch_failures(batch_ids) -> list[tuple[int, str, str]]:
    """(design id, prompt, last_error) of the failed designs of these batches."""
    failed = Design.objects.filter(batch_id__in=batch_ids, status=S.GENERATION_FAILED).order_by("pk")
    return list(failed.values_list("pk", "prompt", "last_error"))


def wait_for_batch(batch_id: int, *, timeout: float, interval: float = 1.0, reconcile_every: float = 15.0):
    """Yield batch_progress() every `interval` seconds until no design of the batch is pending (or timeout).

    The waiter also runs the reconciler now and then, so a batch started without a running scheduler (or
    right after a worker restart) keeps moving; reconcile() is safe to run from anywhere, any number of times.
    """
    started = last_reconcile = time.monotonic()
    while True:
        progress = batch_progress([batch_id])
        progress["pending"] = sum(progress["counts"][status] for status in PENDING_STATUSES)
        progress["elapsed"] = time.monotonic() - started
        yield progress
        if not progress["pending"] or progress["elapsed"] >= timeout:
            return
        if time.monotonic() - last_reconcile >= reconcile_every:
            reconcile()
            last_reconcile = time.monotonic()
        time.sleep(interval)


def _ids(designs) -> list[int]:
    if hasattr(designs, "values_list") and not isinstance(designs, list):
        return list(designs.values_list("pk", flat=True))
    if isinstance(designs, (int, str)) or hasattr(designs, "pk"):
        designs = [designs]
    return [int(getattr(item, "pk", item)) for item in designs]


def _user_or_none(actor):
    return actor if getattr(actor, "pk", None) else None


# --- The pump -------------------------------------------------------------------------------------------------


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
    token = leases.acquire(PUMP_LEASE, LEASE_SECONDS)
    if token is None:
        return None
    heartbeat = _Heartbeat(token)
    heartbeat.start()
    try:
        if client is None:
            from designs.clients import NotConfigured, runpod_client

            try:
                client = runpod_client()
            except NotConfigured as error:  # designs wait in the queue, saying why
                Design.objects.filter(status=S.QUEUED).update(last_error=str(error))
                return PumpStats(stopped_by="config")
        recover_unsubmitted_claims()
        stats = Pump(client, lease_lost=heartbeat.lost).run(pump_budget() if budget is None else budget)
    finally:
        heartbeat.stop()
        leases.release(PUMP_LEASE, token)
    # A wake-up that arrived while we were finishing found the lease taken and went away: look again.
    # After a refused key or missing settings the reconciler retries in a minute instead of a tight loop;
    # after a lost lease the pump that took it carries on.
    if not stats.stopped_by and has_work():
        wake_pump()
    return stats


class _Heartbeat(threading.Thread):
    def __init__(self, token: str):
        super().__init__(name="generation-pump-lease", daemon=True)
        self.token = token
        self.lost = threading.Event()
        self._stopped = threading.Event()

    def run(self):
        try:
            while not self._stopped.wait(HEARTBEAT_SECONDS):
                try:
                    if not leases.renew(PUMP_LEASE, self.token, LEASE_SECONDS):
                        self.lost.set()
                        return
                except Exception:  # a busy database: the lease still has slack, try again next beat
                    logger.warning("Could not renew the generation pump lease", exc_info=True)
                    close_old_connections()
        finally:
            connections.close_all()

    def stop(self):
        self._stopped.set()
        self.join(timeout=LEASE_SECONDS)


@dataclass
class _Checked:
    """What a poll found for one in-flight design (computed in a thread: HTTP and Pillow only, no database)."""

    kind: str  # running | finished (images not fetched yet) | completed | failed | expired | transient | auth
    job: JobStatus | None = None
    message: str = ""
    prepared: list = field(default_factory=list)  # [(ValidatedImage, thumbnail bytes)]
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    retry_after: float | None = None


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
        """Claim and submit queued designs while fewer than RUNPOD_MAX_IN_FLIGHT jobs run.

        extra_capacity: designs still generating whose jobs RunPod already finished (being ingested).
        """
        if self._backing_off():
            return
        running = Design.objects.filter(status=S.GENERATING).count() - extra_capacity
        capacity = settings.RUNPOD_MAX_IN_FLIGHT - running
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
            built = build_workflow(
                preset.workflow,
                preset.parameter_map,
                prompt=_render_prompt(preset, design),
                negative_prompt=preset.negative_prompt,
                seed=design.seed,
                width=design.width or preset.width,
                height=design.height or preset.height,
                steps=design.steps or preset.steps,
                guidance=preset.guidance if design.guidance is None else design.guidance,
            )
        except WorkflowError as error:
            _fail(design, f"The job could not be built: {error}", sources=[S.QUEUED])
            self.stats.failed += 1
            return None
        parameters = {
            "preset": preset,
            "seed": built.seed,
            "width": design.width or preset.width,
            "height": design.height or preset.height,
            "steps": design.steps or preset.steps,
            "guidance": preset.guidance if design.guidance is None else design.guidance,
        }
        try:
            transition_one(
                design,
                to=S.GENERATING,
                sources=[S.QUEUED],
                source=Source.WORKER,
                message=f"Submitting to RunPod (attempt {design.generation_attempts + 1}).",
                updates={
                    **parameters,
                    "runpod_job_id": "",
                    "submitted_at": None,
                    "last_error": "",
                    "generation_attempts": F("generation_attempts") + 1,
                },
            )
        except TransitionConflict:
            return None
        design.generation_attempts += 1
        return design, built.graph

    def _record_submission(self, design: Design, future) -> None:
        try:
            job_id = future.result()
        except AuthError:
            self.stats.stopped_by = "auth"
            _requeue(design, AUTH_MESSAGE, counted=False)
            Design.objects.filter(status=S.QUEUED).update(last_error=AUTH_MESSAGE)
            return
        except RateLimited as error:
            self._back_off(str(error), error.retry_after)
            _requeue(design, f"RunPod did not take the job yet: {error}", counted=False)
            return
        except IntegrationError as error:
            if error.retryable:
                # The job may exist on RunPod (a timeout after sending): the documented double-submit window.
                self._back_off(str(error), None)
                _requeue(design, f"RunPod did not confirm the job: {error}", counted=True)
            else:
                _fail(design, str(error))  # the client's sentence already says what RunPod refused
                self.stats.failed += 1
            return
        saved = Design.objects.filter(pk=design.pk, status=S.GENERATING, runpod_job_id="").update(
            runpod_job_id=job_id, submitted_at=timezone.now()
        )
        if saved:
            self.stats.submitted += 1
        else:  # cancelled while the POST was on its way: nobody will collect this job, so stop it
            _cancel_quietly(self.client, job_id)

    # --- poll

    def poll(self) -> None:
        in_flight = list(Design.objects.filter(status=S.GENERATING).exclude(runpod_job_id=""))
        if not in_flight:
            return
        deadline = timezone.now() - timedelta(seconds=settings.GENERATION_TIMEOUT)
        overdue = [d for d in in_flight if d.submitted_at and d.submitted_at < deadline]
        for design in overdue:
            self._time_out(design)
        if self._backing_off():
            return
        futures = {
            self.pool.submit(self._check, design.runpod_job_id): design for design in in_flight if design not in overdue
        }
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

    def _time_out(self, design: Design) -> None:
        minutes = settings.GENERATION_TIMEOUT / 60
        message = f"RunPod did not finish the job within {minutes:g} minutes, so it was cancelled."
        try:
            self.client.cancel(design.runpod_job_id)
        except JobExpired:
            pass
        except IntegrationError as error:
            message = f"RunPod did not finish the job within {minutes:g} minutes; cancelling it failed too ({error})."
        _fail(design, message)
        self.stats.failed += 1

    def _check(self, job_id: str) -> _Checked:
        """Runs in a pool thread: no database access here."""
        try:
            job = self.client.status(job_id)
        except JobExpired:
            return _Checked("expired")
        except AuthError:
            return _Checked("auth")
        except IntegrationError as error:
            return _Checked("transient", message=str(error), retry_after=getattr(error, "retry_after", None))
        if not job.is_terminal:
            return _Checked("running", job=job)
        if job.status != "COMPLETED":
            return _Checked("failed", job=job, message=describe_failure(job))
        return _Checked("finished", job=job)

    def _apply(self, design: Design, checked: _Checked) -> None:
        if checked.kind == "running":
            return
        if checked.kind == "auth":
            self.stats.stopped_by = "auth"
            _note(design, AUTH_MESSAGE)
        elif checked.kind == "transient":
            if checked.retry_after is not None:
                self._back_off(checked.message, checked.retry_after)
            _note(design, f"Checking the job failed for now ({checked.message}); retrying.")
        elif checked.kind == "expired":
            _fail(design, "RunPod's result expired before it was collected (results are kept 30 minutes).")
            self.stats.failed += 1
        elif checked.kind == "failed":
            _fail(design, checked.message)
            self.stats.failed += 1
        elif store_job_images(design, checked):
            self.stats.ingested += 1


def _render_prompt(preset: GenerationPreset, design: Design) -> str:
    try:
        return preset.prompt_template.format(prompt=design.prompt, style=design.style)
    except (KeyError, IndexError, ValueError) as error:
        raise WorkflowError(f"The preset's prompt template {preset.prompt_template!r} is invalid ({error}).") from None


def webhook_url(design: Design) -> str | None:
    if not settings.PUBLIC_BASE_URL:
        return None
    path = reverse("designs:runpod_webhook", args=[design.pk, design.webhook_token])
    return f"{settings.PUBLIC_BASE_URL}{path}"


def _fail(design: Design, message: str, *, sources=(S.QUEUED, S.GENERATING)) -> bool:
    result = transition(
        design,
        to=S.GENERATION_FAILED,
        sources=list(sources),
        source=Source.WORKER,
        message=message,
        updates={"last_error": message},
    )
    if result.moved:
        logger.info("Design %s: generation failed: %s", design.pk, message)
    return bool(result.moved)


def _note(design: Design, message: str) -> None:
    """A problem that does not change the status (yet): shown on the design until the next change."""
    Design.objects.filter(pk=design.pk, status=design.status).exclude(last_error=message).update(last_error=message)


def _requeue(design: Design, reason: str, *, counted: bool) -> None:
    """generating → generation_failed → queued in one transaction (the table has no generating → queued)."""
    with transaction.atomic():
        attempts = Design.objects.filter(pk=design.pk).values_list("generation_attempts", flat=True).first() or 0
        if counted and attempts >= MAX_AUTOMATIC_ATTEMPTS:
            _fail(design, f"{reason} Gave up after {attempts} attempts; use Retry generation.", sources=[S.GENERATING])
            return
        if not _fail(design, reason, sources=[S.GENERATING]):
            return
        transition(
            design,
            to=S.QUEUED,
            sources=[S.GENERATION_FAILED],
            source=Source.WORKER,
            message="Queued again automatically.",
            updates={
                "last_error": reason,
                **({} if counted else {"generation_attempts": F("generation_attempts") - 1}),
            },
        )


def _cancel_quietly(client, job_id: str) -> None:
    try:
        client.cancel(job_id)
    except IntegrationError as error:
        logger.warning("Could not cancel RunPod job %s: %s", job_id, error)


# --- Ingest ---------------------------------------------------------------------------------------------------


def prepare_job_images(job: JobStatus) -> _Checked:
    """Decode or download, validate and thumbnail every image of a COMPLETED job. No database access."""
    from designs.clients import download_allow_hosts

    try:
        parsed = parse_output(job.output)
    except OutputError as error:
        return _Checked("failed", job=job, message=str(error))
    checked = _Checked("completed", job=job, warnings=list(parsed.warnings))
    for number, ref in enumerate(parsed.images, start=1):
        try:
            data = ref.data
            if data is None:
                data = download_image(ref.url, max_bytes=settings.MAX_IMAGE_BYTES, allow_hosts=download_allow_hosts())
            started = time.perf_counter()
            with DECODE_SLOTS:
                checked.prepared.append(images.prepare(data))
            logger.debug(
                "Prepared image %d of job %s in %.1f ms", number, job.id, (time.perf_counter() - started) * 1e3
            )
        except images.ImageRejected as error:
            checked.problems.append(f"image {number}: {error}")
        except IntegrationError as error:
            if error.retryable:  # the image host is down for now; the result stays on RunPod for a while
                return _Checked("transient", job=job, message=str(error))
            checked.problems.append(f"image {number}: {error}")
    if not checked.prepared:
        what = "; ".join(checked.problems) or "no images"
        return _Checked("failed", job=job, message=f"RunPod returned no usable image ({what}).")
    return checked


def ingest(design: Design, job: JobStatus) -> bool:
    """Collect a COMPLETED job's images into `design` (and siblings); True if this call moved it to review."""
    checked = prepare_job_images(job)
    if checked.kind == "failed":
        _fail(design, checked.message, sources=[S.GENERATING])
        return False
    if checked.kind == "transient":
        _note(design, f"Collecting the images failed for now ({checked.message}); retrying.")
        return False
    return store_job_images(design, checked)


def store_job_images(design: Design, checked: _Checked) -> bool:
    """Store the prepared images and move the design to review; extra images become sibling designs in review.

    Idempotent: file names come from the job id (a repeat re-uses the files), the transition only succeeds
    from generating with this job id, and the unique (job, output index) constraint refuses a second sibling.
    Files written by a call that loses are deleted unless a design refers to them.
    """
    job = checked.job
    when = design.submitted_at or timezone.now()
    stored: list[images.StoredImage] = []
    try:
        for index, (image, thumbnail) in enumerate(checked.prepared):
            names = images.job_output_names(job.id, index, image.extension, when)
            stored.append(images.store(image, thumbnail, names=names))
        with transaction.atomic():
            if not Design.objects.filter(pk=design.pk, status=S.GENERATING, runpod_job_id=job.id).exists():
                raise TransitionConflict(design.pk, S.REVIEW, None)
            notes = [*checked.problems, *(f"worker warning: {w}" for w in checked.warnings)]
            message = f"{len(stored)} image{'s' if len(stored) > 1 else ''} from RunPod job {job.id}."
            if notes:
                message += " Not kept / warnings: " + "; ".join(notes)
            transition_one(
                design,
                to=S.REVIEW,
                sources=[S.GENERATING],
                source=Source.WORKER,
                message=message,
                updates={
                    **stored[0].field_values(),
                    "delay_ms": job.delay_ms,
                    "execution_ms": job.execution_ms,
                    "cost": _cost(job.execution_ms),
                    "last_error": "",
                },
            )
            for index, extra in enumerate(stored[1:], start=1):
                _create_sibling(design, job.id, index, extra)
    except (TransitionConflict, IntegrityError):
        images.delete_files(name for item in stored for name in item.created)
        logger.info("Design %s: job %s was already collected or the design moved on", design.pk, job.id)
        return False
    except BaseException:
        images.delete_files(name for item in stored for name in item.created)
        raise
    return True


def _create_sibling(design: Design, job_id: str, index: int, stored: images.StoredImage) -> Design:
    # A creation, not a transition: the sibling is born in review, with its own event saying where it came from.
    sibling = Design.objects.create(
        **_copy_fields(design, (*PROMPT_SETTINGS, "created_by_id", "seed", "submitted_at")),
        status=S.REVIEW,
        runpod_job_id=job_id,
        job_output_index=index,
        **stored.field_values(),
    )
    DesignEvent.objects.create(
        design=sibling,
        from_status="",
        to_status=S.REVIEW,
        source=Source.WORKER,
        message=f"Extra image {index + 1} from RunPod job {job_id} (sibling of design {design.pk}).",
    )
    return sibling


def _cost(execution_ms: int | None) -> Decimal | None:
    if execution_ms is None:
        return None
    cost = Decimal(execution_ms) / 1000 * Decimal(str(settings.RUNPOD_COST_PER_SECOND))
    return cost.quantize(Decimal("0.00001"))


# --- Import of existing image files ---------------------------------------------------------------------------


@dataclass
class ImportOutcome:
    path: str
    design: Design | None = None
    skipped: str = ""


def import_image(data: bytes, *, path: str, batch: Batch | None, actor=None) -> ImportOutcome:
    """One existing image as a design in review (same validation as ingest); skipped if its sha256 is known.

    `path` only makes the title; the file is stored under our own name.
    """
    try:
        image, thumbnail = images.prepare(data)
    except images.ImageRejected as error:
        return ImportOutcome(path, skipped=str(error))
    known = Design.objects.filter(image_sha256=image.sha256).values_list("pk", flat=True).first()
    if known:
        return ImportOutcome(path, skipped=f"already imported as design {known}")
    stored = images.store(image, thumbnail)
    try:
        with transaction.atomic():
            if batch is not None and batch.pk is None:
                batch.save()  # created with the first image it holds, so a run that imports nothing leaves none
            design = Design.objects.create(
                prompt="",
                title=_title_from_path(path),
                batch=batch,
                status=S.REVIEW,
                created_by=_user_or_none(actor),
                **stored.field_values(),
            )
            DesignEvent.objects.create(
                design=design,
                from_status="",
                to_status=S.REVIEW,
                source=Source.COMMAND,
                actor=_user_or_none(actor),
                message="Imported from an image file.",
            )
    except BaseException:
        images.delete_files(stored.created)
        raise
    return ImportOutcome(path, design=design)


def _title_from_path(path: str) -> str:
    # Only used as a human-readable title; the stored file name is our own (images.store).
    base = path.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return "".join(ch for ch in base if ch.isprintable())[:200]


# --- Reconciler -----------------------------------------------------------------------------------------------


def recover_unsubmitted_claims() -> int:
    """Put back designs claimed by a pump that died before RunPod confirmed the job (see module docstring)."""
    cutoff = timezone.now() - timedelta(seconds=CLAIM_WINDOW_SECONDS)
    stuck = Design.objects.filter(status=S.GENERATING, runpod_job_id="", status_changed_at__lt=cutoff)
    count = 0
    for design in stuck:
        _requeue(
            design,
            "The worker stopped before RunPod confirmed the job (it may have been submitted twice).",
            counted=True,
        )
        count += 1
    return count


def reconcile() -> None:
    """Every minute (designs.tasks.reconcile): recover dead claims and wake the pump if work waits without one."""
    if leases.is_held(PUMP_LEASE):
        return
    recover_unsubmitted_claims()
    if has_work():
        wake_pump()
