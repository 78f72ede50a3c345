"""What both fakes share: configuration, request/response values, sliding-window limits, injected HTTP faults,
loopback-only outbound HTTP (webhooks, upload fetches)."""

from __future__ import annotations

import collections
import ipaddress
import json
import random
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from email.message import Message
from urllib.parse import urlsplit

# Everything a RunPod job can be told to do instead of completing normally (runpod_output / runpod_next_outcomes).
RUNPOD_STATUS_FAULTS = ("FAILED", "TIMED_OUT", "CANCELLED")
RUNPOD_OUTPUT_FORMATS = (
    "base64",  # worker-comfyui 5.x, images inline
    "s3_url",  # worker-comfyui 5.x, images at a URL the sandbox serves (/_sandbox/files/…)
    "legacy",  # < 5.0: {"status":"success","message":<base64>}
    "legacy_error",  # < 5.0: COMPLETED with {"status":"error","message":…}
    "broken_base64",
    "no_images",  # {"status":"success_no_images","images":[]}
    "errors_only",  # FAILED "Job processing failed" with output.details
    "not_image",  # valid base64 of bytes that are not a picture
    "bomb",  # a tiny PNG whose header claims 30000×30000
    "oversized",  # a real PNG above podsite's 64 Mpx limit
    "url_private",  # s3_url pointing at a private address (http://10.0.0.5/x.png)
    "url_metadata",  # s3_url pointing at the cloud metadata service (http://169.254.169.254/…)
    "expired",  # completes, then /status answers 404 at once
)
RUNPOD_OUTCOMES = ("COMPLETED", *RUNPOD_STATUS_FAULTS, *RUNPOD_OUTPUT_FORMATS)
PRINTIFY_CREATE_ERRORS = (8150, 8203, 8251, 8254)
LLM_FAULTS = ("not_json", "fenced", "too_long", "wrong_shape", "refused", "slow", "no_usage")


@dataclass
class SandboxConfig:
    """Every knob of the sandbox. Times are seconds (floats welcome), rates are shares from 0 to 1."""

    seed: int = 0  # seeds the RNG behind every *_rate, so a run with faults can be repeated
    # HTTP faults on every RunPod/Printify request (never on /_sandbox/…)
    http_500_rate: float = 0.0
    http_429_rate: float = 0.0
    next_http_errors: list = field(default_factory=list)  # e.g. [500, 429]: the next API requests get these
    http_delay: float = 0.0  # every API answer is this late (exercise client timeouts)
    webhook_retry_delay: float = 1.0  # between webhook attempts (RunPod really waits 10 s)
    # RunPod
    runpod_api_key: str = ""  # empty: any non-empty key is accepted
    runpod_latency: float = 1.0  # execution time of one job on a GPU worker
    runpod_gpu_workers: int = 4  # at most this many jobs IN_PROGRESS; the rest wait IN_QUEUE (FIFO)
    runpod_retention: float = 1800.0  # /run results are kept 30 min after completion, then 404
    runpod_sync_retention: float = 60.0  # /runsync results: 1 min
    runpod_rate_limit: int = 2000  # requests per runpod_rate_window per endpoint, then 429
    runpod_rate_window: float = 10.0
    runpod_output: str = "base64"  # how COMPLETED jobs answer: one of RUNPOD_OUTPUT_FORMATS
    runpod_fail_rate: float = 0.0
    runpod_timeout_rate: float = 0.0
    runpod_cancel_rate: float = 0.0
    runpod_next_outcomes: list = field(default_factory=list)  # consumed one per submission, e.g. ["FAILED", "legacy"]
    runpod_oversized_side: int = 8200
    # Printify
    printify_token: str = ""  # empty: any non-empty Bearer token is accepted
    printify_unauthorized: bool = False  # every request gets 401
    printify_sales_channel: str = "etsy"  # shop 1's channel; "disconnected" makes publish fail with 8254
    printify_publish_delay: float | None = 1.0  # then `external` is set and the product unlocks; None: stays
    # locked until publishing_succeeded/failed, like an API (custom) shop
    printify_rate_limit: int = 600
    printify_rate_window: float = 60.0
    printify_catalog_limit: int = 100
    printify_catalog_window: float = 60.0
    printify_publish_limit: int = 200
    printify_publish_window: float = 1800.0
    printify_next_create_errors: list = field(default_factory=list)  # e.g. [8203]: the next product create fails
    # LLM (OpenAI-compatible chat completions, llm_fake.py)
    llm_api_key: str = ""  # empty: any non-empty Bearer key is accepted
    llm_model: str = ""  # empty: any model name is accepted; else other names get 404 (as vLLM serves one model)
    llm_latency: float = 0.0  # every answer is this late
    llm_slow_seconds: float = 5.0  # how late a "slow" answer is
    llm_next_answers: list = field(default_factory=list)  # consumed one per completion, e.g. ["not_json"]

    def update(self, changes: dict) -> None:
        """Apply changes, all or nothing; unknown names and wrong types raise ValueError."""
        defaults = SandboxConfig()
        checked = {}
        for name, value in changes.items():
            if not hasattr(defaults, name):
                raise ValueError(f"unknown sandbox setting {name!r}; known: {', '.join(sorted(asdict(defaults)))}")
            checked[name] = _check_setting(name, value, getattr(defaults, name))
        for name, value in checked.items():
            setattr(self, name, value)

    def public(self) -> dict:
        """The configuration as JSON, with any configured key or token replaced by a marker."""
        data = asdict(self)
        for name in ("runpod_api_key", "printify_token", "llm_api_key"):
            data[name] = "(set)" if data[name] else ""
        return data


def _check_setting(name: str, value, default):
    """The value to store for one setting; `default` tells its type."""
    allowed_lists = {
        "runpod_next_outcomes": RUNPOD_OUTCOMES,
        "printify_next_create_errors": PRINTIFY_CREATE_ERRORS,
        "next_http_errors": (429, 500, 502, 503),
        "llm_next_answers": LLM_FAULTS,
    }
    if name in allowed_lists:
        if not isinstance(value, list) or any(item not in allowed_lists[name] for item in value):
            raise ValueError(f"{name} must be a list of {', '.join(map(str, allowed_lists[name]))}")
        return list(value)
    if name == "runpod_output" and value not in RUNPOD_OUTPUT_FORMATS:
        raise ValueError(f"runpod_output must be one of {', '.join(RUNPOD_OUTPUT_FORMATS)}")
    if name == "printify_publish_delay" and value is None:
        return None
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false")
        return value
    if isinstance(default, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"{name} must be a number ≥ 0")
        if name.endswith("_rate") and value > 1:
            raise ValueError(f"{name} is a share from 0 to 1")
        if isinstance(default, int):
            if value != int(value):
                raise ValueError(f"{name} must be a whole number")
            return int(value)
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    return value


@dataclass
class Request:
    method: str
    path: str  # below the API prefix, e.g. "status/abc" or "shops/1/products.json"
    query: dict
    headers: Message
    body: bytes
    shop_id: int | None = None  # the shop of a /shops/{id}/… route (printify_fake sets it)

    def json(self):
        """The JSON body, or None when it is missing or not JSON (each fake answers that its own way)."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict = field(default_factory=dict)


def json_response(status: int, data, headers: dict | None = None) -> Response:
    return Response(status, json.dumps(data).encode(), headers=headers or {})


class WindowLimiter:
    """Sliding-window request counters: at most `limit` accepted requests per `window` seconds per key."""

    def __init__(self):
        self._hits: dict[str, collections.deque] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str, limit: int, window: float, now: float) -> float | None:
        """Count one request and return None, or return how many seconds until a slot frees (not counted)."""
        with self._lock:
            hits = self._hits.setdefault(key, collections.deque())
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= limit:
                return max(0.0, hits[0] + window - now) if hits else window
            hits.append(now)
            return None

    def clear(self) -> None:
        with self._lock:
            self._hits.clear()


class FaultDice:
    """Decides injected HTTP faults and job outcomes: explicit queues first, then seeded random shares."""

    def __init__(self, config: SandboxConfig):
        self.config = config
        self._rng = random.Random(config.seed)
        self._lock = threading.Lock()

    def reseed(self) -> None:
        with self._lock:
            self._rng = random.Random(self.config.seed)

    def chance(self, share: float) -> bool:
        if share <= 0:
            return False
        with self._lock:
            return self._rng.random() < share

    def http_fault(self) -> int | None:
        """The status to answer instead of serving this API request, or None."""
        with self._lock:
            if self.config.next_http_errors:
                return self.config.next_http_errors.pop(0)
        if self.chance(self.config.http_500_rate):
            return 500
        if self.chance(self.config.http_429_rate):
            return 429
        return None

    def pop(self, name: str):
        """Take the first entry of a list setting (runpod_next_outcomes, printify_next_create_errors) or None."""
        with self._lock:
            queue = getattr(self.config, name)
            return queue.pop(0) if queue else None


def is_loopback_url(url: str) -> bool:
    """Only http(s) URLs on this machine: the sandbox never calls anything else."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect could leave loopback; treat it as a failure


_opener = urllib.request.build_opener(_NoRedirect)


def fetch_loopback(url: str, *, max_bytes: int, timeout: float = 10) -> bytes:
    """GET a loopback URL (no redirects) and return at most max_bytes; raises OSError/ValueError on failure."""
    if not is_loopback_url(url):
        raise ValueError("only loopback URLs can be fetched by the sandbox")
    with _opener.open(url, timeout=timeout) as response:
        if response.status != 200:
            raise OSError(f"HTTP {response.status}")
        body = response.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise ValueError("file too large")
    return body


class WebhookSender:
    """Delivers webhooks off the request thread, with retries; results are kept for /_sandbox/state."""

    def __init__(self, config: SandboxConfig):
        self.config = config
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sandbox-webhook")
        self._lock = threading.Lock()
        self.counts = collections.Counter()
        self.recent: collections.deque = collections.deque(maxlen=200)

    def send(self, url: str, body: bytes, headers: dict, *, attempts: int, label: str) -> None:
        if not is_loopback_url(url):
            self._record(label, url, "refused (not a loopback URL)", 0)
            return
        self._pool.submit(self._deliver, url, body, headers, attempts, label)

    def _deliver(self, url, body, headers, attempts, label) -> None:
        request_headers = {"Content-Type": "application/json", "User-Agent": "podsite-sandbox-webhooks", **headers}
        outcome = "failed"
        for attempt in range(1, attempts + 1):
            try:
                # S310: send() only lets http(s) loopback URLs through
                request = urllib.request.Request(url, data=body, headers=request_headers, method="POST")  # noqa: S310
                with _opener.open(request, timeout=10) as response:
                    if 200 <= response.status < 300:
                        outcome = "delivered"
                        break
            except (OSError, ValueError):
                pass  # HTTPError (4xx/5xx) and connection errors alike: try again
            if attempt < attempts:
                time.sleep(self.config.webhook_retry_delay * attempt)
        self._record(label, url, outcome, attempt)

    def _record(self, label, url, outcome, attempts) -> None:
        with self._lock:
            self.counts[outcome.split(" ")[0]] += 1
            self.recent.append({"event": label, "url": url, "outcome": outcome, "attempts": attempts})

    def summary(self) -> dict:
        with self._lock:
            return {"counts": dict(self.counts), "recent": list(self.recent)}

    def clear(self) -> None:
        with self._lock:
            self.counts.clear()
            self.recent.clear()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class FakeService:
    """What the Printify and RunPod fakes share: the sandbox's settings and dice, the webhooks they send, the URL
    they are served at (for the links they hand out), one rate limiter and one lock over their state."""

    def __init__(self, config: SandboxConfig, dice: FaultDice, webhooks: WebhookSender, base_url: str):
        self.config = config
        self.dice = dice
        self.webhooks = webhooks
        self.base_url = base_url
        self.limiter = WindowLimiter()
        self._lock = threading.RLock()
