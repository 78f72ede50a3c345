"""The RunPod pump: submit queued jobs, poll in-flight ones, hand finished ones to their kind to store.

It runs every kind of job (workers/jobs.py): generation (prompt in, images out: Design.status) and print
preparation (image in, print file out: Design.print_status, workers/print_jobs.py), with one machinery: the
in-flight cap per endpoint, back-off, time-outs and recovery below hold for both. What follows says "design" and
"queued → generating"; for print jobs read "print status queued → preparing".

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

from django.conf import settings
from django.db import transaction

from designs import leases
from designs.models import Design
from designs.workers import PUMP_LEASE, wake_pump
from designs.workers.ingest import Checked
from designs.workers.jobs import MAX_AUTOMATIC_ATTEMPTS, GenerationJobs, JobInputError, JobKind
from designs.workflow import Status
from integrations.http import AuthError, IntegrationError, RateLimited
from integrations.runpod import JobExpired, describe_failure

logger = logging.getLogger(__name__)

__all__ = ["MAX_AUTOMATIC_ATTEMPTS", "Pump", "run_pump"]

LEASE_SECONDS = 15
HEARTBEAT_SECONDS = 5
# Recovery only runs while no pump holds the lease (or by the pump that just took it), so a claim without a
# job id belongs to a pump that died or lost its lease. The age guard covers a pump whose lease lapsed while
# its POST /run was still running: of its job and the re-submitted one, whichever id is saved first is kept;
# the other pump's conditional save matches nothing and it cancels its job (Pump._record_submission).
CLAIM_WINDOW_SECONDS = LEASE_SECONDS
# RunPod allows 2000 /status requests per 10 s per endpoint. Only the pump polls (one at a time across hosts),
# so it may use three quarters of that; the rest is headroom for people and tools looking at the same endpoint.
STATUS_REQUESTS_PER_SECOND = 150
MIN_POLL_INTERVAL = 0.1
MAX_POLL_INTERVAL = 2.0
HTTP_THREADS = 8
AUTH_MESSAGE = "RunPod refused the API key (check RUNPOD_API_KEY); generation resumes once the key works."

S = Status


def job_kinds(client=None, print_client=None) -> list[JobKind]:
    """Every kind the pump runs. Print jobs go to `print_client` (RUNPOD_PRINT_ENDPOINT_ID), else to `client`."""
    from designs.workers.print_jobs import PrintJobs

    if print_client is None:  # one endpoint, one cap
        return [GenerationJobs(client), PrintJobs(client)]
    return [GenerationJobs(client), PrintJobs(print_client, cap_setting="RUNPOD_PRINT_MAX_IN_FLIGHT")]


def has_work() -> bool:
    return any(kind.has_work() for kind in job_kinds())


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


def run_pump(*, budget: float | None = None, client=None, print_client=None) -> PumpStats | None:
    """The pump task: None when another pump holds the lease."""
    with leases.kept(PUMP_LEASE, seconds=LEASE_SECONDS, every=HEARTBEAT_SECONDS) as heartbeat:
        if heartbeat is None:
            return None
        if client is None:
            from designs.clients import NotConfigured, runpod_client, runpod_print_client

            try:
                client, print_client = runpod_client(), runpod_print_client()
            except NotConfigured as error:  # designs wait in the queue, saying why
                for kind in job_kinds():
                    kind.explain_waiting(str(error))
                return PumpStats(stopped_by="config")
        recover_unsubmitted_claims()
        pump = Pump(client, print_client=print_client, lease_lost=heartbeat.lost)
        stats = pump.run(pump_budget() if budget is None else budget)
    # A wake-up that arrived while we were finishing found the lease taken and went away: look again.
    # After a refused key or missing settings the reconciler retries in a minute instead of a tight loop;
    # after a lost lease the pump that took it carries on.
    if not stats.stopped_by and has_work():
        wake_pump()
    return stats


class Pump:
    def __init__(self, client, *, print_client=None, lease_lost: threading.Event | None = None, sleep=time.sleep):
        self.client = client
        self.kinds = job_kinds(client, print_client)
        self.lease_lost = lease_lost or threading.Event()
        self.sleep = sleep
        self.stats = PumpStats()
        self.backoff_until = 0.0
        self.pool = ThreadPoolExecutor(max_workers=HTTP_THREADS, thread_name_prefix="runpod-http")
        # Kinds whose results are huge (print files: ~100 MB decoded) prepare them in their own few threads: every
        # thread that decodes one keeps its own malloc arena at that size (8 threads measured 1.6 GB, 1 thread 330 MB).
        self.prepare_pools = {
            kind.name: ThreadPoolExecutor(max_workers=kind.prepare_threads, thread_name_prefix=f"{kind.name}-prepare")
            for kind in self.kinds
            if kind.prepare_threads
        }

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
                in_flight = sum(kind.claimed().count() for kind in self.kinds)
                if not in_flight and not any(kind.waiting().exists() for kind in self.kinds):
                    break
                # The interval is a cadence: an iteration that took longer than it is followed at once.
                self.sleep(max(0.0, self.interval(in_flight) - (time.monotonic() - iteration_started)))
        finally:
            self.pool.shutdown(wait=True)
            for pool in self.prepare_pools.values():
                pool.shutdown(wait=True)
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

    def submit(self, *, extra_capacity: dict[str, int] | None = None) -> None:
        """Claim and submit queued jobs while fewer than the endpoint's cap (+ RUNPOD_QUEUE_AHEAD) run on it.

        The few jobs beyond the endpoint's workers wait in RunPod's own queue (free until a worker takes them),
        so a GPU that frees up starts the next job at once instead of waiting for our next poll. Kinds sharing an
        endpoint share its cap; generation is served first.
        extra_capacity: per endpoint, claims whose jobs RunPod already finished (being stored).
        """
        if self._backing_off():
            return
        running: dict[str, int] = {}
        for kind in self.kinds:
            running[kind.endpoint] = running.get(kind.endpoint, 0) + kind.claimed().count()
        for endpoint, extra in (extra_capacity or {}).items():
            running[endpoint] = running.get(endpoint, 0) - extra
        claimed = []
        with transaction.atomic():  # one commit for the round; each claim is still its own conditional UPDATE
            for kind in self.kinds:
                capacity = kind.max_in_flight + settings.RUNPOD_QUEUE_AHEAD - running[kind.endpoint]
                if capacity <= 0:
                    continue
                for design in kind.waiting()[:capacity]:
                    build = self._claim(kind, design)
                    if build is not None:
                        claimed.append((kind, design, build))
                        running[kind.endpoint] += 1
        futures = {self.pool.submit(self._send, kind, design, build): (kind, design) for kind, design, build in claimed}
        for future in as_completed(futures):
            self._record_submission(*futures[future], future)

    def _claim(self, kind: JobKind, design: Design):
        try:
            return kind.claim(design)
        except JobInputError as error:
            kind.fail(design, f"The job could not be built: {error}", sources=[kind.queued])
            self.stats.failed += 1
            return None

    @staticmethod
    def _send(kind: JobKind, design: Design, build) -> str:
        """A pool thread: build the input (may read the design's image) and POST /run."""
        return kind.client.submit(build(), webhook=kind.webhook(design))

    def _record_submission(self, kind: JobKind, design: Design, future) -> None:
        try:
            job_id = future.result()
        except JobInputError as error:
            kind.fail(design, f"The job could not be built: {error}", sources=[kind.running])
            self.stats.failed += 1
            return
        except AuthError:
            self.stats.stopped_by = "auth"
            kind.requeue(design, AUTH_MESSAGE, counted=False)
            kind.explain_waiting(AUTH_MESSAGE)
            return
        except RateLimited as error:
            self._back_off(str(error), error.retry_after)
            kind.requeue(design, f"RunPod did not take the job yet: {error}", counted=False)
            return
        except IntegrationError as error:
            if error.retryable:
                # The job may exist on RunPod (a timeout after sending): the documented double-submit window.
                self._back_off(str(error), None)
                kind.requeue(design, f"RunPod did not confirm the job: {error}", counted=True)
            else:
                kind.fail(design, str(error))  # the client's sentence already says what RunPod refused
                self.stats.failed += 1
            return
        if kind.save_job_id(design, job_id):
            self.stats.submitted += 1
        else:  # cancelled while the POST was on its way: nobody will collect this job, so stop it
            cancel_quietly(kind.client, job_id)

    # --- poll

    def poll(self) -> None:
        in_flight = [(kind, design) for kind in self.kinds for design in kind.submitted()]
        if not in_flight or self._backing_off():
            return
        futures = {
            self.pool.submit(self._check, kind, kind.job_id(design)): (kind, design) for kind, design in in_flight
        }
        finished = []
        for future in as_completed(futures):
            checked = future.result()
            if checked.kind == "finished":
                finished.append((*futures[future], checked.job))
            else:
                self._apply(*futures[future], checked)
        if not finished:
            return
        # Those GPU slots are free already: refill them before the slower ingest, so the endpoint never idles.
        if not self.stats.stopped_by:
            freed: dict[str, int] = {}
            for kind, _design, _job in finished:
                freed[kind.endpoint] = freed.get(kind.endpoint, 0) + 1
            self.submit(extra_capacity=freed)
        futures = {
            self.prepare_pools.get(kind.name, self.pool).submit(kind.prepare, design, job): (kind, design)
            for kind, design, job in finished
        }
        for future in as_completed(futures):
            # Popped, so a stored result (a print file is tens of MB) is freed before the next one is stored.
            self._apply(*futures.pop(future), future.result())

    @staticmethod
    def _check(kind: JobKind, job_id: str) -> Checked:
        """Runs in a pool thread: no database access here."""
        try:
            job = kind.client.status(job_id)
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

    def _apply(self, kind: JobKind, design: Design, checked: Checked) -> None:
        if checked.kind == "running":
            if kind.overdue(design):
                self._time_out(kind, design)
            return
        if checked.kind == "auth":
            self.stats.stopped_by = "auth"
            kind.show_problem(design, AUTH_MESSAGE)
        elif checked.kind == "transient":
            if checked.retry_after is not None:
                self._back_off(checked.message, checked.retry_after)
            kind.show_problem(design, f"Checking the job failed for now ({checked.message}); retrying.")
        elif checked.kind == "expired":
            kind.fail(design, "RunPod's result expired before it was collected (results are kept 30 minutes).")
            self.stats.failed += 1
        elif checked.kind == "failed":
            kind.fail(design, checked.message)
            self.stats.failed += 1
        elif kind.store(design, checked):
            self.stats.ingested += 1

    def _time_out(self, kind: JobKind, design: Design) -> None:
        """Only a job RunPod still has queued or running is cancelled; a finished one was collected above."""
        minutes = settings.GENERATION_TIMEOUT / 60
        message = f"RunPod did not finish the job within {minutes:g} minutes, so it was cancelled."
        try:
            kind.client.cancel(kind.job_id(design))
        except JobExpired:
            pass
        except IntegrationError as error:
            message = f"RunPod did not finish the job within {minutes:g} minutes; cancelling it failed too ({error})."
        kind.fail(design, message)
        self.stats.failed += 1


def requeue(design: Design, reason: str, *, counted: bool) -> None:
    """generating → queued (see JobKind.requeue); kept for callers that deal with generation only."""
    GenerationJobs(None).requeue(design, reason, counted=counted)


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
    """Put back claims of a pump that died before RunPod confirmed the job, of every kind (module docstring)."""
    return sum(kind.recover_unsubmitted(CLAIM_WINDOW_SECONDS) for kind in job_kinds())
