"""RunPod serverless (/v2/<endpoint_id>/…) running the worker-comfyui 5.x handler, on loopback.

Job state is computed from timestamps: every request first advances a small discrete-event simulation
(FIFO queue, `runpod_gpu_workers` slots, each job running `runpod_latency` seconds), so the answers are exact
and consistent under any number of concurrent requests, without a thread per job. A ticker thread only runs
while some job has a webhook to deliver.

One job, one file (past 500 lines on purpose): the endpoint's routes and the simulation they all read; image-in
print jobs live in image_jobs.py, painting in images.py.
"""

from __future__ import annotations

import base64
import collections
import concurrent.futures
import hashlib
import json
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field

from . import image_jobs, images
from .base import (
    RUNPOD_STATUS_FAULTS,
    FakeService,
    FaultDice,
    Request,
    Response,
    SandboxConfig,
    WebhookSender,
    json_response,
)

TERMINAL = ("COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT")
MAX_RUN_BYTES = 10 * 1024 * 1024  # /run payload limit; /runsync allows 20 MB
MAX_SYNC_BYTES = 20 * 1024 * 1024
MAX_RENDER_PIXELS = 4096 * 4096  # bigger latents "run out of GPU memory" (FAILED) instead of eating the host's RAM
DEFAULT_TTL = 86400.0
# Outcomes that do not end COMPLETED; "invalid" is a job worker-comfyui rejects (e.g. no workflow).
OUTCOME_STATUS = {"FAILED": "FAILED", "errors_only": "FAILED", "invalid": "FAILED", "TIMED_OUT": "TIMED_OUT"}
OUTCOME_STATUS["CANCELLED"] = "CANCELLED"
URL_OUTCOMES = ("s3_url", "url_private", "url_metadata")
SWEEP_EVERY = 0.5  # seconds between sweeps that forget expired jobs


@dataclass
class Slot:
    """One GPU worker: busy until free_at."""

    worker_id: str
    free_at: float = 0.0


@dataclass
class Job:
    id: str
    endpoint: str
    input: dict
    params: dict  # prompt, seed, width, height, batch_size, images (how many pictures the graph saves)
    outcome: str  # "COMPLETED"-like output format, a status fault, or "invalid"
    duration: float
    queued_at: float
    expires_at: float  # ttl: deleted at this time even mid-run
    retention: float
    webhook: str | None = None
    error: str | None = None  # for outcome "invalid": the validation message
    started_at: float | None = None
    ends_at: float | None = None
    slot: Slot | None = None
    cancelled_at: float | None = None
    retries: int = 0
    result: tuple | None = field(default=None, repr=False)  # (output, error), built once on first read
    # The pictures, drawn in the background while the job "runs", as a real GPU makes them during execution.
    pictures: concurrent.futures.Future | None = field(default=None, repr=False)

    def status(self, now: float) -> str:
        if self.cancelled_at is not None and (self.ends_at is None or self.cancelled_at < self.ends_at):
            return "CANCELLED"
        if self.started_at is None:
            return "IN_QUEUE"
        if now < self.ends_at:
            return "IN_PROGRESS"
        return OUTCOME_STATUS.get(self.outcome, "COMPLETED")

    def finished_at(self) -> float | None:
        if self.cancelled_at is not None and (self.ends_at is None or self.cancelled_at < self.ends_at):
            return self.cancelled_at
        return self.ends_at

    def gone(self, now: float) -> bool:
        finished = self.finished_at()
        return now >= self.expires_at or (finished is not None and now >= finished + self.retention)


ROUTES = [
    ("POST", re.compile(r"run"), "run"),
    ("POST", re.compile(r"runsync"), "runsync"),
    ("GET|POST", re.compile(r"status/(?P<job_id>[^/]+)"), "status"),
    ("GET|POST", re.compile(r"status-sync/(?P<job_id>[^/]+)"), "status_sync"),
    ("POST", re.compile(r"cancel/(?P<job_id>[^/]+)"), "cancel"),
    ("POST", re.compile(r"retry/(?P<job_id>[^/]+)"), "retry"),
    ("GET", re.compile(r"health"), "health"),
    ("POST", re.compile(r"purge-queue"), "purge_queue"),
]


class RunPodFake(FakeService):
    def __init__(self, config: SandboxConfig, dice: FaultDice, webhooks: WebhookSender, base_url: str):
        super().__init__(config, dice, webhooks, base_url)  # base_url: where s3_url outputs point
        self._ticker: threading.Thread | None = None
        self._closed = threading.Event()
        self._painter = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="sandbox-gpu")
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.jobs: dict[str, Job] = {}
            self.queue: collections.deque[Job] = collections.deque()
            self.slots: list[Slot] = []
            self._resize_slots()
            self.files: dict[str, tuple] = {}  # "<job>/<token>.png" -> (params, index); outlive the job like S3
            # Image-in results painted while their job "ran", kept until first downloaded (a print file is ~30 MB;
            # later downloads paint it again).
            self.painted: dict[str, tuple] = {}  # key -> (future of the job's pictures, index)
            self.pending_webhooks: set[str] = set()
            self.counts = collections.Counter()
            self.by_route = collections.Counter()
            self.by_prompt = collections.Counter()
            self.by_input = collections.Counter()
            self.peak_in_progress = 0
            self._next_sweep = 0.0
            self.limiter.clear()

    # --- HTTP entry point --------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        endpoint, _, rest = request.path.partition("/")
        route = _route(request.method, rest)
        if route is None:
            return json_response(404, {"error": "Not found"})
        name, match = route
        with self._lock:
            self.counts["requests"] += 1
            self.by_route[f"{request.method} /{name.replace('_', '-')}"] += 1
        fault = self.dice.http_fault()
        if fault:
            return self._refuse(fault)
        if not self._authorized(request):
            return json_response(401, {"error": "Unauthorized"})
        if self.limiter.acquire(endpoint, self.config.runpod_rate_limit, self.config.runpod_rate_window, _now()):
            return self._refuse(429)
        return getattr(self, f"_op_{name}")(request, endpoint, **match.groupdict())

    def _refuse(self, status: int) -> Response:
        with self._lock:
            self.counts["rate_limited" if status == 429 else "server_errors"] += 1
        message = "Too Many Requests" if status == 429 else "Internal Server Error"
        return json_response(status, {"error": message})

    def _authorized(self, request: Request) -> bool:
        # SDKs send "Bearer <key>"; RunPod's own curl examples send the raw key: both work.
        scheme, _, rest = request.headers.get("Authorization", "").strip().partition(" ")
        key = rest.strip() if scheme.lower() == "bearer" else scheme
        if not key:
            return False
        return key == self.config.runpod_api_key if self.config.runpod_api_key else True

    # --- operations --------------------------------------------------------------------------------
    def _op_run(self, request, endpoint, *, sync=False):
        if len(request.body) > (MAX_SYNC_BYTES if sync else MAX_RUN_BYTES):
            return json_response(413, {"error": "Request payload too large"})
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("input"), dict):
            return json_response(400, {"error": "Request body must be a JSON object with an 'input' object"})
        job = self._new_job(endpoint, body, sync=sync)
        with self._lock:
            self.jobs[job.id] = job
            self.queue.append(job)
            self.counts["submissions"] += 1
            self.by_prompt[job.params.get("prompt", "")] += 1
            self.by_input[_input_key(body["input"])] += 1
            if job.webhook:
                self.pending_webhooks.add(job.id)
            self._advance(_now())
        if job.webhook:
            self._start_ticker()
        if sync:
            return self._wait_and_answer(job.id, request)
        return json_response(200, {"id": job.id, "status": "IN_QUEUE"})

    def _op_runsync(self, request, endpoint):
        return self._op_run(request, endpoint, sync=True)

    def _op_status(self, request, endpoint, job_id):
        with self._lock:
            job = self._find(endpoint, job_id)
        if job is None:
            return _job_not_found(job_id)
        return json_response(200, self._describe(job))

    def _op_status_sync(self, request, endpoint, job_id):
        with self._lock:
            if self._find(endpoint, job_id) is None:
                return _job_not_found(job_id)
        return self._wait_and_answer(job_id, request)

    def _op_cancel(self, request, endpoint, job_id):
        now = _now()
        with self._lock:
            job = self._find(endpoint, job_id)
            if job is None:
                return _job_not_found(job_id)
            status = job.status(now)
            if status in ("IN_QUEUE", "IN_PROGRESS"):
                self.counts["cancels"] += 1
                job.cancelled_at = now
                if status == "IN_QUEUE":
                    self.queue.remove(job)
                elif job.slot.free_at == job.ends_at:
                    job.slot.free_at = now  # the worker is free for the next job at once
                self._advance(now)
                status = "CANCELLED"
        # A finished job keeps its status: the sandbox's reading of an undocumented case.
        return json_response(200, {"id": job_id, "status": status})

    def _op_retry(self, request, endpoint, job_id):
        now = _now()
        with self._lock:
            job = self._find(endpoint, job_id)
            if job is None:
                return _job_not_found(job_id)
            if job.status(now) not in ("FAILED", "TIMED_OUT"):
                return json_response(400, {"error": f"Job {job_id} is {job.status(now)}; only FAILED or TIMED_OUT"})
            job.retries += 1
            job.outcome, job.duration, job.error = self._draw_outcome(job.input, job.params, {})
            job.queued_at, job.started_at, job.ends_at, job.slot, job.result = now, None, None, None, None
            self.queue.append(job)
            self.counts["retries"] += 1
            if job.webhook:
                self.pending_webhooks.add(job.id)
            self._advance(now)
        return json_response(200, {"id": job_id, "status": "IN_QUEUE"})

    def _op_health(self, request, endpoint):
        now = _now()
        with self._lock:
            statuses = collections.Counter(job.status(now) for job in self.jobs.values() if job.endpoint == endpoint)
            running = sum(1 for slot in self.slots if slot.free_at > now)
        return json_response(
            200,
            {
                "jobs": {
                    "completed": statuses["COMPLETED"],
                    "failed": statuses["FAILED"] + statuses["TIMED_OUT"],
                    "inProgress": statuses["IN_PROGRESS"],
                    "inQueue": statuses["IN_QUEUE"],
                    "retried": self.counts["retries"],
                },
                "workers": {"idle": len(self.slots) - running, "running": running},
            },
        )

    def _op_purge_queue(self, request, endpoint):
        with self._lock:
            self._advance(_now())
            purged = [job for job in self.queue if job.endpoint == endpoint]
            for job in purged:
                self.queue.remove(job)
                del self.jobs[job.id]
                self.pending_webhooks.discard(job.id)
            self.counts["purged"] += len(purged)
        return json_response(200, {"removed": len(purged), "status": "completed"})

    # --- jobs --------------------------------------------------------------------------------------
    def _new_job(self, endpoint: str, body: dict, *, sync: bool) -> Job:
        now = _now()
        job_input = body["input"]
        params = read_job(job_input)
        policy = body.get("policy") if isinstance(body.get("policy"), dict) else {}
        outcome, duration, error = self._draw_outcome(job_input, params, policy)
        ttl = _ms(policy.get("ttl"), DEFAULT_TTL)
        retention = self.config.runpod_sync_retention if sync else self.config.runpod_retention
        suffix = "-u1" if not sync else ""
        job = Job(
            id=("sync-" if sync else "") + str(uuid.uuid4()) + suffix,
            endpoint=endpoint,
            input=job_input,
            params=params,
            outcome=outcome,
            duration=duration,
            error=error,
            queued_at=now,
            expires_at=now + ttl,
            retention=0.0 if outcome == "expired" else retention,
            webhook=body.get("webhook") if isinstance(body.get("webhook"), str) else None,
        )
        painted_later = outcome in URL_OUTCOMES and "input_image" not in params  # prompt images: painted per download
        if outcome not in OUTCOME_STATUS and not painted_later and params.get("images"):
            job.pictures = self._painter.submit(_render_all, params)
        return job

    def _draw_outcome(self, job_input: dict, params: dict, policy: dict) -> tuple[str, float, str | None]:
        """(outcome, seconds on the GPU, validation error) for a new or retried job."""
        latency = self.config.runpod_latency
        if "workflow" not in job_input:
            return "invalid", 0.0, "Missing 'workflow' parameter"  # worker-comfyui's own message
        if "error" in params:
            return "invalid", 0.0, params["error"]
        outcome = self.dice.pop("runpod_next_outcomes")
        if outcome is None:
            for status, share in zip(
                RUNPOD_STATUS_FAULTS,
                (self.config.runpod_fail_rate, self.config.runpod_timeout_rate, self.config.runpod_cancel_rate),
                strict=True,
            ):
                if self.dice.chance(share):
                    outcome = status
                    break
        if outcome in (None, "COMPLETED"):
            outcome = self.config.runpod_output
        if outcome == "base64" and image_jobs.wants_s3(params):
            outcome = "s3_url"  # a print-sized result comes back by URL, as from a worker with S3 configured
        timeout = _ms(policy.get("executionTimeout"), None)
        if timeout is not None and timeout < latency:
            return "TIMED_OUT", timeout, None
        return outcome, latency, None

    def _find(self, endpoint: str, job_id: str) -> Job | None:
        now = _now()
        self._advance(now)
        job = self.jobs.get(job_id)
        if job is None or job.endpoint != endpoint or job.gone(now):
            return None
        return job

    def _advance(self, now: float) -> None:
        """Start queued jobs on free workers up to `now` (FIFO), and forget expired jobs. Caller holds the lock."""
        self._resize_slots()
        while self.queue:
            slot = min(self.slots, key=lambda s: s.free_at)
            job = self.queue[0]
            start = max(job.queued_at, slot.free_at)
            if start > now:
                break
            self.queue.popleft()
            if start >= job.expires_at:  # its ttl ran out while it waited: it never reaches a worker
                continue
            job.started_at, job.ends_at, job.slot = start, start + job.duration, slot
            slot.free_at = job.ends_at
            busy = sum(1 for other in self.slots if other.free_at > start)
            self.peak_in_progress = max(self.peak_in_progress, busy)
        if now < self._next_sweep:
            return
        self._next_sweep = now + SWEEP_EVERY
        expired = [job_id for job_id, job in self.jobs.items() if job.gone(now)]
        for job_id in expired:
            job = self.jobs.pop(job_id)
            if job in self.queue:  # ttl ran out while queued
                self.queue.remove(job)
            self.pending_webhooks.discard(job_id)
            self.counts["expired"] += 1

    def _resize_slots(self) -> None:
        wanted = max(1, self.config.runpod_gpu_workers)
        while len(self.slots) < wanted:
            self.slots.append(Slot(worker_id=f"sandbox-gpu-{len(self.slots) + 1}"))
        if len(self.slots) > wanted:
            # Drop the workers that free up last: jobs already on them still finish at their time.
            self.slots.sort(key=lambda s: s.free_at)
            del self.slots[wanted:]

    def _describe(self, job: Job) -> dict:
        """The /status body: same keys as a real 5.x COMPLETED answer (delayTime, executionTime, id, output…)."""
        now = _now()
        with self._lock:
            status = job.status(now)
            answer = {"id": job.id, "status": status}
            if job.started_at is not None:
                answer["delayTime"] = round((job.started_at - job.queued_at) * 1000)
                answer["workerId"] = job.slot.worker_id
            if status not in TERMINAL:
                return answer
            finished = job.finished_at()
            if job.started_at is not None:
                answer["executionTime"] = round((finished - job.started_at) * 1000)
            result = job.result
        if result is None:
            result = self._build_result(job, status)  # outside the lock: rendering takes milliseconds
            job.result = result
        output, error = result
        if output is not None:
            answer["output"] = output
        if error is not None:
            answer["error"] = error
        return answer

    def _build_result(self, job: Job, status: str) -> tuple:
        """(output, error) for a finished job, in the format its outcome asks for."""
        if status == "CANCELLED":
            return None, None
        if status == "TIMED_OUT":
            return None, None
        if job.outcome == "invalid":  # the handler's {"error", "details"}: runpod-python moves "error" up
            return ({"details": job.params["details"]} if job.params.get("details") else None), job.error
        if job.outcome == "FAILED":
            return None, _runpod_python_error(job)
        if job.outcome == "errors_only":
            details = [f"Node 9 (SaveImage): output folder not writable (sandbox fault for job {job.id})"]
            return {"details": details}, "Job processing failed"
        if job.outcome == "no_images" or job.params["images"] == 0:
            return {"status": "success_no_images", "images": []}, None
        if job.outcome == "legacy_error":
            message = "the image does not exist in the specified output folder: /comfyui/output/ComfyUI_00001_.png"
            return {"status": "error", "message": message}, None
        names = [f"ComfyUI_{number + 1:05d}_.png" for number in range(job.params["images"])]
        if job.outcome in URL_OUTCOMES:
            entries = [("s3_url", self._file_url(job, number)) for number in range(len(names))]
            job.pictures = None  # held by self.painted until downloaded, not for the job's whole retention
        elif job.outcome == "broken_base64":
            entries = [("base64", "iVBORw0KGgo%%not*base64!!")] * len(names)
        else:
            pictures = [base64.b64encode(png).decode() for png in self._pictures(job, len(names))]
            if job.outcome == "legacy":  # < 5.0 returned only the last image
                return {"status": "success", "message": pictures[-1]}, None
            entries = [("base64", data) for data in pictures]
        return {
            "images": [
                {"filename": name, "type": kind, "data": data}
                for name, (kind, data) in zip(names, entries, strict=True)
            ]
        }, None

    def _pictures(self, job: Job, count: int) -> list[bytes]:
        if job.outcome == "not_image":
            return [images.NOT_AN_IMAGE] * count
        if job.outcome == "bomb":
            return [images.bomb_png()] * count
        if job.outcome == "oversized":
            return [images.oversized_png(self.config.runpod_oversized_side)] * count
        if job.pictures is not None:
            return job.pictures.result()[:count]
        return _render_all(job.params)[:count]

    def _file_url(self, job: Job, number: int) -> str:
        if job.outcome == "url_private":
            return "http://10.0.0.5/x.png"
        if job.outcome == "url_metadata":
            return "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
        # Like worker-comfyui's rp_upload: "<job id>/<8 hex>.png", presigned for 7 days (here: until reset).
        key = f"{job.id}/{secrets.token_hex(4)}.png"
        with self._lock:
            self.files[key] = (job.params, number)
            if job.pictures is not None:
                self.painted[key] = (job.pictures, number)
        return f"{self.base_url}/_sandbox/files/{key}"

    def file(self, key: str) -> bytes | None:
        """The PNG behind an s3_url output: painted during the run (first download), else rendered again
        (deterministic, nothing stored)."""
        with self._lock:
            entry = self.files.get(key)
            painted = self.painted.pop(key, None)
        if painted is not None:
            pictures, number = painted
            return pictures.result()[number]
        return _render(*entry) if entry else None

    def _wait_and_answer(self, job_id: str, request: Request) -> Response:
        """runsync / status-sync: wait up to ?wait= ms (1000–300000, default 90000) for a terminal status."""
        wait_ms = _int(request.query.get("wait"), 90000)
        deadline = _now() + min(max(wait_ms, 1000), 300000) / 1000
        while True:
            with self._lock:
                self._advance(_now())
                job = self.jobs.get(job_id)
                if job is None:
                    return _job_not_found(job_id)
                status = job.status(_now())
            if status in TERMINAL or _now() >= deadline or self._closed.is_set():
                return json_response(200, self._describe(job))
            time.sleep(0.01)

    # --- webhooks ----------------------------------------------------------------------------------
    def _start_ticker(self) -> None:
        with self._lock:
            if self._ticker is None or not self._ticker.is_alive():
                self._ticker = threading.Thread(target=self._tick, name="sandbox-runpod-webhooks", daemon=True)
                self._ticker.start()

    def _tick(self) -> None:
        """While jobs with a webhook are unfinished, advance the clock and deliver each terminal status once."""
        while not self._closed.wait(0.02):
            now = _now()
            with self._lock:
                self._advance(now)
                due = [
                    self.jobs[job_id]
                    for job_id in self.pending_webhooks
                    if job_id in self.jobs and self.jobs[job_id].status(now) in TERMINAL
                ]
                self.pending_webhooks.difference_update(job.id for job in due)
                idle = not self.pending_webhooks
            for job in due:
                body = {**self._describe(job), "input": job.input, "webhook": job.webhook}
                # RunPod retries a failed delivery 2 more times; no signature exists (runpod-api.md §3).
                self.webhooks.send(job.webhook, json.dumps(body).encode(), {}, attempts=3, label=f"runpod {job.id}")
            if idle:
                with self._lock:
                    if not self.pending_webhooks:
                        self._ticker = None
                        return

    def close(self) -> None:
        self._closed.set()
        self._painter.shutdown(wait=False, cancel_futures=True)

    # --- state -------------------------------------------------------------------------------------
    def state(self) -> dict:
        now = _now()
        with self._lock:
            self._advance(now)
            jobs = {job_id: job.status(now) for job_id, job in self.jobs.items()}
            return {
                "submissions": self.counts["submissions"],
                "submissions_by_prompt": dict(self.by_prompt),
                "submissions_by_input": dict(self.by_input),
                "jobs": jobs,
                "jobs_by_status": dict(collections.Counter(jobs.values())),
                "peak_in_progress": self.peak_in_progress,
                "cancels": self.counts["cancels"],
                "retries": self.counts["retries"],
                "purged": self.counts["purged"],
                "expired": self.counts["expired"],
                "requests": self.counts["requests"],
                "rate_limited": self.counts["rate_limited"],
                "server_errors": self.counts["server_errors"],
                "requests_by_route": dict(self.by_route),
            }


def _route(method: str, path: str):
    for methods, pattern, name in ROUTES:
        match = pattern.fullmatch(path)
        if match and method in methods.split("|"):
            return name, match
    return None


def read_job(job_input: dict) -> dict:
    """The job's params: an image-in graph (a LoadImage node, image_jobs.py) or a prompt-in one."""
    workflow = job_input.get("workflow")
    if isinstance(workflow, dict) and all(isinstance(node, dict) for node in workflow.values()):
        if all(isinstance(node.get("inputs"), dict) for node in workflow.values()) and image_jobs.is_image_workflow(
            workflow
        ):
            return image_jobs.read_image_workflow(workflow, job_input)
    return read_workflow(workflow)


def read_workflow(workflow) -> dict:
    """Prompt, seed, size and image count from an API-format graph, found by class_type (not node ids)."""
    if workflow is None:
        return {"prompt": "", "images": 0}
    if not isinstance(workflow, dict) or not all(
        isinstance(node, dict) and isinstance(node.get("inputs"), dict) for node in workflow.values()
    ):
        return {"prompt": "", "images": 0, "error": "Invalid 'workflow' parameter: expected an API-format graph"}
    nodes = list(workflow.items())
    by_class = collections.defaultdict(list)
    for node_id, node in nodes:
        by_class[node.get("class_type")].append((node_id, node["inputs"]))
    prompt = _positive_prompt(workflow, by_class)
    seed = 0
    for class_type, name in (("KSampler", "seed"), ("KSamplerAdvanced", "noise_seed"), ("RandomNoise", "noise_seed")):
        if by_class[class_type] and isinstance(by_class[class_type][0][1].get(name), int):
            seed = by_class[class_type][0][1][name]
            break
    width = height = 1024
    batch = 1
    latent_id = None
    for node_id, node in nodes:
        class_type = str(node.get("class_type", ""))
        if class_type.startswith("Empty") and "Latent" in class_type:
            inputs = node["inputs"]
            width, height, batch = inputs.get("width", 1024), inputs.get("height", 1024), inputs.get("batch_size", 1)
            latent_id = node_id
            break
    if not all(isinstance(value, int) and value > 0 for value in (width, height, batch)):
        return {"prompt": prompt, "images": 0, "error": f"Workflow validation failed: bad size in node {latent_id}"}
    if width * height * batch > MAX_RENDER_PIXELS:
        error = (
            f"Workflow execution error: Node Type: {workflow[latent_id]['class_type']}, Node ID: {latent_id}, "
            "Message: Allocation on device: out of GPU memory (sandbox limit 16 Mpx per job)"
        )
        return {"prompt": prompt, "images": 0, "error": error}
    saves = len(by_class["SaveImage"])
    if not saves and not by_class["PreviewImage"]:  # PreviewImage output is "temp": skipped, not an error
        return {"prompt": prompt, "images": 0, "error": "Workflow validation failed: Prompt has no outputs"}
    return {"prompt": prompt, "seed": seed, "width": width, "height": height, "images": batch * saves}


def _positive_prompt(workflow: dict, by_class) -> str:
    """Follow KSampler.positive through conditioning nodes (e.g. FluxGuidance) to its CLIPTextEncode."""
    samplers = by_class["KSampler"] + by_class["KSamplerAdvanced"]
    link = samplers[0][1].get("positive") if samplers else None
    for _ in range(10):
        if not (isinstance(link, list) and link and link[0] in workflow):
            break
        node = workflow[link[0]]
        if node.get("class_type") == "CLIPTextEncode":
            return str(node["inputs"].get("text", ""))
        link = node["inputs"].get("conditioning")
    texts = [str(inputs.get("text", "")) for _, inputs in by_class["CLIPTextEncode"]]
    return next((text for text in texts if text.strip()), "")


def _render_all(params: dict) -> list[bytes]:
    return [_render(params, number) for number in range(params["images"])]


def _render(params: dict, number: int) -> bytes:
    if "input_image" in params:
        return image_jobs.render_image_job(params)
    return images.render_design(params["prompt"], params["seed"], params["width"], params["height"], number)


def _runpod_python_error(job: Job) -> str:
    """What runpod-python reports when the handler raises: a JSON-encoded string."""
    return json.dumps(
        {
            "error_type": "<class 'RuntimeError'>",
            "error_message": "CUDA error: out of memory (sandbox fault)",
            "error_traceback": 'Traceback (most recent call last):\n  File "/handler.py", line 1\nRuntimeError',
            "hostname": "sandbox-host",
            "worker_id": job.slot.worker_id if job.slot else "sandbox-gpu",
            "runpod_version": "1.12.0",
        }
    )


def _job_not_found(job_id: str) -> Response:
    return json_response(404, {"error": f"job {job_id} not found (expired or unknown)"})


def _input_key(job_input: dict) -> str:
    return hashlib.sha256(json.dumps(job_input, sort_keys=True).encode()).hexdigest()[:16]


def _ms(value, default):
    """A policy value in ms as seconds, or the default when missing or not a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return default
    return value / 1000


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _now() -> float:
    return time.monotonic()
