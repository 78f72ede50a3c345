"""`make run` (scripts/devstack.py) on a fresh database: admin created, web + qcluster + sandbox up, login works."""

import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests
from django.conf import settings

pytestmark = pytest.mark.system


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_line(process, pattern: str, seconds: float, seen: list[str]) -> re.Match:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line:
            seen.append(line)
            match = re.search(pattern, line)
            if match:
                return match
        elif process.poll() is not None:
            break
    pytest.fail(f"devstack never printed {pattern!r}; output:\n{''.join(seen)}")


def test_make_run_brings_up_web_workers_and_sandbox_and_the_printed_login_works(tmp_path):
    web_port, sandbox_port = free_port(), free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "DJANGO_ALLOW"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        WEB_ADDRESS=f"127.0.0.1:{web_port}",
        SANDBOX_PORT=str(sandbox_port),
        ADMIN_CREDENTIALS_FILE=str(tmp_path / "credentials"),
        RUNPOD_API_KEY="",
        PRINTIFY_API_TOKEN="",
        POD_SANDBOX="",
    )
    env.pop("REDIS_URL", None)  # the one-machine default: SQLite + ORM broker
    process = subprocess.Popen(
        [sys.executable, "scripts/devstack.py"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    seen: list[str] = []
    try:
        login = wait_for_line(process, r"log in as admin / (\S+)", 120, seen)
        password = login.group(1)
        assert (tmp_path / "credentials").read_text().strip() == password

        base = f"http://127.0.0.1:{web_port}"
        session = requests.Session()
        page = session.get(f"{base}/admin/login/", timeout=10)
        assert page.status_code == 200
        answer = session.post(
            f"{base}/admin/login/",
            data={
                "username": "admin",
                "password": password,
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
                "next": "/admin/",
            },
            headers={"Referer": f"{base}/admin/login/"},
            timeout=10,
        )
        assert answer.status_code == 200 and answer.url == f"{base}/admin/"
        assert "Sandbox — nothing is sent to RunPod or Printify" in answer.text

        # The sandbox answers like RunPod and Printify would.
        health = requests.get(
            f"http://127.0.0.1:{sandbox_port}/runpod/v2/sandbox-endpoint/health",
            headers={"Authorization": "Bearer sandbox-runpod-key"},
            timeout=10,
        )
        assert health.status_code == 200 and "workers" in health.json()
    finally:
        process.send_signal(signal.SIGINT)  # what Ctrl-C does
        try:
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
    # Ctrl-C stopped every child: nothing of this run still listens.
    for port in (web_port, sandbox_port):
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still open after Ctrl-C"


def load_devstack():
    import importlib.util

    spec = importlib.util.spec_from_file_location("devstack", settings.BASE_DIR / "scripts" / "devstack.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sandbox_mode_gives_the_sandbox_the_web_servers_address_for_uploads_by_url(monkeypatch, tmp_path):
    """Print files are larger than PRINTIFY_UPLOAD_BY_URL_ABOVE: the sandbox's Printify fetches them from the web
    server, as Printify would from PUBLIC_BASE_URL. One set by the person is kept."""
    devstack = load_devstack()
    monkeypatch.setattr(devstack, "ROOT", tmp_path)  # no .env there
    for name in ("RUNPOD_API_KEY", "PRINTIFY_API_TOKEN", "PUBLIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    assert devstack.child_environment()["PUBLIC_BASE_URL"] == f"http://{devstack.WEB}"
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://pod.example.com")
    assert devstack.child_environment()["PUBLIC_BASE_URL"] == "https://pod.example.com"
