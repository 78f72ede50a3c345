"""Fixtures shared by every test folder: the API sandbox and the S3 server (project fixtures: /conftest.py)."""

import uuid
from dataclasses import dataclass

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


# --- media in an S3-compatible bucket --------------------------------------------------------------------------


@dataclass(frozen=True)
class S3Server:
    """moto's S3 server on loopback with one private bucket; these are its made-up keys (moto checks signatures
    against them, and refuses an unsigned GET of a private object)."""

    endpoint: str
    bucket: str = "podsite-media"
    region: str = "us-east-1"
    access_key: str = "AKIAPODSITETESTS0001"
    secret_key: str = "podsite-tests-secret-access-key-0123456789"  # noqa: S105

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )


@pytest.fixture(scope="session")
def s3_server():
    """A real S3 API (moto's ThreadedMotoServer) on 127.0.0.1 at a free port for the whole session, with a
    private bucket (no public ACL, public access blocked)."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    found = S3Server(endpoint=f"http://{host}:{port}")
    client = found.client()
    client.create_bucket(Bucket=found.bucket, ACL="private")
    client.put_public_access_block(
        Bucket=found.bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    yield found
    server.stop()


@dataclass(frozen=True)
class S3Media:
    server: S3Server
    prefix: str  # AWS_LOCATION: this test's keys, so tests sharing the bucket never see each other's files

    def keys(self) -> list[str]:
        """Every object under this test's prefix, sorted, without the prefix."""
        pages = (
            self.server.client()
            .get_paginator("list_objects_v2")
            .paginate(Bucket=self.server.bucket, Prefix=f"{self.prefix}/")
        )
        return sorted(
            item["Key"].removeprefix(f"{self.prefix}/") for page in pages for item in page.get("Contents", [])
        )

    def read(self, name: str) -> bytes:
        answer = self.server.client().get_object(Bucket=self.server.bucket, Key=f"{self.prefix}/{name}")
        return answer["Body"].read()

    def env(self) -> dict[str, str]:
        """The same storage for a child process (web, qcluster), as an operator configures it."""
        return {
            "MEDIA_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": self.server.bucket,
            "AWS_S3_ENDPOINT_URL": self.server.endpoint,
            "AWS_S3_REGION_NAME": self.server.region,
            "AWS_ACCESS_KEY_ID": self.server.access_key,
            "AWS_SECRET_ACCESS_KEY": self.server.secret_key,
            "AWS_LOCATION": self.prefix,
        }


@pytest.fixture
def s3_media(settings, s3_server):
    """Media of this test in the bucket (MEDIA_STORAGE=s3 as settings.py sets it up), under a key prefix of its
    own; the prefix is emptied afterwards. MEDIA_ROOT stays the empty temp folder, so a stray local copy shows."""
    media = S3Media(server=s3_server, prefix=f"tests/{uuid.uuid4().hex}")
    for name, value in media.env().items():
        setattr(settings, name, value)
    settings.AWS_S3_ADDRESSING_STYLE = "path"
    # Set last: changing STORAGES makes Django build the default storage again, from the values above.
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage"}}
    yield media
    client = s3_server.client()
    for key in media.keys():
        client.delete_object(Bucket=s3_server.bucket, Key=f"{media.prefix}/{key}")
