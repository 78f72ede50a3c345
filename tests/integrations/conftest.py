"""Fixtures for the integration tests (clients and sandbox)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from integrations.http import RetryPolicy

# --- clients helper: retry policies that do not sleep, a real local HTTP server ---------------------------


class SleepRecorder:
    """Stands in for time.sleep inside a RetryPolicy: records the waits so tests can check them, sleeps none."""

    def __init__(self):
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps():
    return SleepRecorder()


@pytest.fixture
def fast_retry(sleeps):
    """The default policy shape (4 tries, Retry-After honoured up to 60 s) with millisecond backoff and no sleeping."""
    return RetryPolicy(attempts=4, base=0.001, cap=0.004, sleep=sleeps)


class LocalHTTPServer:
    """A real HTTP server on 127.0.0.1 (free port) whose paths are answered by handler functions.

    routes[path] = fn(handler) where handler is the BaseHTTPRequestHandler; fn writes the whole answer.
    """

    def __init__(self):
        self.routes: dict = {}
        self.hits: list[str] = []
        routes, hits = self.routes, self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append(self.path)
                route = routes.get(self.path.split("?", 1)[0])
                if route is None:
                    self.send_error(404)
                    return
                try:
                    route(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client hung up on purpose (size cap, timeout)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.netloc = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.netloc}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def local_http():
    with LocalHTTPServer() as server:
        yield server


# --- end clients helper -----------------------------------------------------------------------------------
