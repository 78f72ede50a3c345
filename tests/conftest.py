"""Fixtures shared by every test folder: only the API sandbox lives here (project fixtures: /conftest.py)."""

import pytest

# Fast enough for tests, slow enough that IN_QUEUE / IN_PROGRESS can still be observed.
SANDBOX_TEST_CONFIG = {
    "runpod_latency": 0.05,
    "webhook_retry_delay": 0.05,
    "printify_publish_delay": 0.1,
}


@pytest.fixture
def sandbox():
    """A fresh sandbox (RunPod + Printify fakes) on 127.0.0.1 at a free port, in this process.

    sandbox.url, sandbox.configure(**changes), sandbox.state(), sandbox.reset(); any key/token is accepted.
    """
    from integrations.sandbox.server import SandboxServer

    with SandboxServer(**SANDBOX_TEST_CONFIG) as server:
        yield server


class WebhookReceiver:
    """A real HTTP server on 127.0.0.1 that records every POST (path, headers, raw body) for the sandbox to call.

    `answers` is a list of status codes to give, in order (then 200): [500, 200] makes the first delivery fail.
    """

    def __init__(self):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.received: list[dict] = []
        self.answers: list[int] = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.arrived:
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    receiver.received.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body, "status": status}
                    )
                    receiver.arrived.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict]:
        """Block until `count` requests arrived (or fail the test after `timeout` seconds)."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.received) >= count, timeout=timeout):
                pytest.fail(f"expected {count} webhook deliveries within {timeout} s, got {len(self.received)}")
            return list(self.received)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook_receiver():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()
