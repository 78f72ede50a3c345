"""The sandbox HTTP server: RunPod at /runpod/v2/<endpoint_id>/…, Printify at /printify/v1/… (and its v2 catalog
shipping at /printify/v2/…), an OpenAI-compatible LLM at /openai/v1/…, and its own control routes under /_sandbox/
(state, config, reset, served files, mockups and blueprint pictures). Standard library only.

In tests:

    with SandboxServer(runpod_latency=0.05) as sandbox:
        requests.post(f"{sandbox.url}/runpod/v2/ep/run", ...)
        sandbox.configure(runpod_next_outcomes=["FAILED"])
        assert sandbox.state()["runpod"]["submissions"] == 1
"""

from __future__ import annotations

import copy
import json
import logging
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from .base import FaultDice, Request, Response, SandboxConfig, WebhookSender, json_response
from .llm_fake import LLMFake
from .printify_fake import PrintifyFake
from .runpod_fake import RunPodFake

log = logging.getLogger("integrations.sandbox")

MAX_BODY_BYTES = 64 * 1024 * 1024
RUNPOD_PREFIX = "/runpod/v2/"
PRINTIFY_PREFIX = "/printify/v1/"
PRINTIFY_V2_PREFIX = "/printify/v2/"  # handed to the Printify fake as "v2/…" (its v2 routes say so)
LLM_PREFIX = "/openai/v1/"
# Where product mockups (a product's `images[].src`) are served, as Printify serves them from its image host.
MOCKUP_PATH = re.compile(r"/_sandbox/mockups/(?P<product>[0-9a-f]{24})/(?P<variant>\d{1,9})/(?P<position>\w+)\.png")
# Where blueprints' pictures are served (catalog.PICTURE_PATH), as Printify serves them from its CDN.
PICTURE_PATH = re.compile(r"/_sandbox/blueprints/(?P<blueprint>\d{1,9})/(?P<number>\d{1,2})\.png")


class SandboxServer:
    """Both fake APIs on one loopback port, served from a daemon thread. Use as a context manager or start()/close()."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, log_requests: bool = False, **config):
        self._initial = SandboxConfig()
        self._initial.update(config)
        self.config = copy.deepcopy(self._initial)
        self.log_requests = log_requests
        self._http = _Server((host, port), _Handler)
        self._http.sandbox = self
        bound_host, bound_port = self._http.server_address[:2]
        self.url = f"http://{bound_host}:{bound_port}"
        self.dice = FaultDice(self.config)
        self.webhooks = WebhookSender(self.config)
        self.runpod = RunPodFake(self.config, self.dice, self.webhooks, self.url)
        self.printify = PrintifyFake(self.config, self.dice, self.webhooks, self.url)
        self.llm = LLMFake(self.config, self.dice)
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> SandboxServer:
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, name="sandbox-http", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread (the management command) until close() or KeyboardInterrupt."""
        self._http.serve_forever()

    def close(self) -> None:
        self.runpod.close()
        if self._thread:  # shutdown() would wait forever for a loop that never started
            self._http.shutdown()
        self._http.server_close()
        self.webhooks.close()
        self.printify.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.close()

    # --- control -----------------------------------------------------------------------------------
    def configure(self, **changes) -> dict:
        """Change settings at runtime (all or nothing); returns the whole configuration, keys masked."""
        self.config.update(changes)
        if "seed" in changes:
            self.dice.reseed()
        return self.config.public()

    def reset(self) -> None:
        """Forget every job, upload, product and webhook and every counter; back to the constructor settings."""
        for name, value in vars(copy.deepcopy(self._initial)).items():
            setattr(self.config, name, value)
        self.dice.reseed()
        self.webhooks.clear()
        self.runpod.reset()
        self.printify.reset()
        self.llm.reset()

    def state(self) -> dict:
        """Read-only counts for tests and demos (no secrets)."""
        runpod, printify, llm = self.runpod.state(), self.printify.state(), self.llm.state()
        return {
            "requests": runpod["requests"] + printify["requests"] + llm["requests"],
            "runpod": runpod,
            "printify": printify,
            "llm": llm,
            "webhook_deliveries": self.webhooks.summary(),
            "config": self.config.public(),
        }

    # --- dispatch (called by the request handler threads) --------------------------------------------
    def dispatch(self, method: str, target: str, headers, body: bytes) -> Response:
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query))
        path = parts.path
        if path.startswith("/_sandbox/") or path == "/":
            return self._control(method, path, body)
        if path.startswith(PRINTIFY_V2_PREFIX) or path.startswith(PRINTIFY_PREFIX + "v2/"):
            if path.startswith(PRINTIFY_PREFIX):  # /printify/v1/v2/… is no route of either version
                return json_response(404, {"error": "Not found"})
            if self.config.http_delay:
                time.sleep(self.config.http_delay)
            return self.printify.handle(Request(method, "v2/" + path[len(PRINTIFY_V2_PREFIX) :], query, headers, body))
        for prefix, fake in ((RUNPOD_PREFIX, self.runpod), (PRINTIFY_PREFIX, self.printify), (LLM_PREFIX, self.llm)):
            if path.startswith(prefix):
                if self.config.http_delay:
                    time.sleep(self.config.http_delay)
                return fake.handle(Request(method, path[len(prefix) :], query, headers, body))
        return json_response(
            404, {"error": "Not found: the sandbox serves /runpod/v2/…, /printify/v1/… and /openai/v1/…"}
        )

    def _control(self, method: str, path: str, body: bytes) -> Response:
        if method == "GET" and path == "/":
            return json_response(200, self.describe())
        if method == "GET" and path == "/_sandbox/state":
            return json_response(200, self.state())
        if method == "GET" and path == "/_sandbox/config":
            return json_response(200, self.config.public())
        if method == "POST" and path == "/_sandbox/config":
            try:
                changes = json.loads(body or b"{}")
                if not isinstance(changes, dict):
                    raise ValueError("the body must be a JSON object of setting: value")
                return json_response(200, self.configure(**changes))
            except ValueError as exc:
                return json_response(400, {"error": str(exc)})
        if method == "POST" and path == "/_sandbox/orders":
            try:
                asked = json.loads(body or b"{}")
                if not isinstance(asked, dict):
                    raise ValueError("the body must be a JSON object: {count, days, seed}")
                count, days = int(asked.get("count", 10)), float(asked.get("days", 30))
                if not 1 <= count <= 100_000 or days <= 0:
                    raise ValueError("count must be between 1 and 100,000 and days more than 0")
                seed = asked.get("seed")
                placed = self.printify.place_orders(count, days, seed, bool(asked.get("webhooks", True)))
                return json_response(200, {key: placed[key] for key in ("placed", "events")})
            except (TypeError, ValueError) as exc:
                return json_response(400, {"error": str(exc)})
        if method == "POST" and path == "/_sandbox/disconnect":
            try:
                asked = json.loads(body or b"{}")
                shop = int(asked.get("shop")) if isinstance(asked, dict) else None
                return json_response(200, {"disconnected": self.printify.disconnect_shop(shop)})
            except (TypeError, ValueError, KeyError) as exc:
                return json_response(400, {"error": f"give {{shop: id}} of a sandbox shop ({exc})"})
        if method == "POST" and path == "/_sandbox/reset":
            self.reset()
            return json_response(200, {"reset": True})
        if method == "GET" and path.startswith("/_sandbox/files/"):
            return _png(self.runpod.file(path.removeprefix("/_sandbox/files/")))
        if method == "GET" and path.startswith("/_sandbox/uploads/"):
            return _png(self.printify.upload_bytes(path.removeprefix("/_sandbox/uploads/")))
        if method == "GET" and (mockup := MOCKUP_PATH.fullmatch(path)):
            return _png(self.printify.mockup(mockup["product"], int(mockup["variant"]), mockup["position"]))
        if method == "GET" and (picture := PICTURE_PATH.fullmatch(path)):
            return _png(self.printify.blueprint_picture(int(picture["blueprint"]), int(picture["number"])))
        return json_response(404, {"error": "Not found"})

    def describe(self) -> dict:
        return {
            "sandbox": "podsite local emulator of RunPod serverless and Printify; nothing leaves this machine",
            "runpod_base": f"{self.url}/runpod/v2",
            "printify_base": f"{self.url}/printify/v1",
            "printify_v2_base": f"{self.url}/printify/v2",
            "llm_base": f"{self.url}/openai/v1",
            "state": f"{self.url}/_sandbox/state",
            "config": f"{self.url}/_sandbox/config (POST a JSON object to change settings)",
            "reset": f"{self.url}/_sandbox/reset (POST)",
            "orders": f"{self.url}/_sandbox/orders (POST {{count, days, seed}}: customers order published products)",
        }


def _png(data: bytes | None) -> Response:
    if data is None:
        return json_response(404, {"error": "Not found"})
    content_type = "image/png" if data.startswith(b"\x89PNG") else "application/octet-stream"
    return Response(200, data, content_type=content_type)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # bursts of concurrent clients (benchmarks) must not be refused at accept
    allow_reuse_address = True
    sandbox: SandboxServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: clients reuse pooled connections
    disable_nagle_algorithm = True  # headers and body go out in separate writes: no 40 ms delayed-ACK stalls
    server_version = "podsite-sandbox"
    sys_version = ""

    def _handle(self) -> None:
        started = time.perf_counter()
        sandbox: SandboxServer = self.server.sandbox
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY_BYTES:
            response = json_response(413, {"error": "Request body too large (or bad Content-Length)"})
            self.close_connection = True
        else:
            body = self.rfile.read(length) if length else b""
            try:
                response = sandbox.dispatch(self.command, self.path, self.headers, body)
            except Exception:
                log.exception("sandbox error on %s %s", self.command, urlsplit(self.path).path)
                response = json_response(500, {"error": "sandbox internal error (see the sandbox log)"})
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        if sandbox.log_requests:
            # Only method, path (no query) and status: headers carry API keys and are never logged.
            elapsed = (time.perf_counter() - started) * 1000
            log.info("%s %s -> %s (%.0f ms)", self.command, urlsplit(self.path).path, response.status, elapsed)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle

    def log_message(self, format, *args) -> None:  # noqa: A002 (BaseHTTPRequestHandler's signature)
        """http.server's own lines go nowhere; _handle logs a safe summary when asked to."""

    def log_request(self, code="-", size="-") -> None:
        pass
