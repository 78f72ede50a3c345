"""Pieces the benchmark scripts share: a qcluster subprocess, the sandbox tee template, percentiles."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def running_cluster(env: dict, log_path: Path):
    """A real `manage.py qcluster` in its own process group; stopped (SIGTERM, then SIGKILL) on exit."""
    with open(log_path, "wb") as log:
        cluster = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield cluster
    finally:
        cluster.send_signal(signal.SIGTERM)  # the parent stops its own workers (like systemd's KillMode=mixed)
        try:
            cluster.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(cluster.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def create_tee_template(name: str, price: int = 2500):
    """The default template on the sandbox catalogue's tee (blueprint 3, provider 3), every variant priced."""
    from designs.models import ProductTemplate
    from designs.services.templates import placeholders_from_catalog
    from integrations.sandbox import catalog

    variants = catalog.VARIANTS[(3, 3)]
    return ProductTemplate.objects.create(
        name=name,
        blueprint_id=3,
        print_provider_id=3,
        variants=[{"id": v["id"], "title": v["title"], "price": price, "is_enabled": True} for v in variants],
        placeholders=placeholders_from_catalog(variants),
        placement={"mode": "fit", "x": 0.5, "y": 0.5, "scale": 1, "angle": 0},
        is_default=True,
        review_mockups=False,  # the benches measure publishing itself, not a person looking at mockups
        prompt_is_title=True,  # bench designs have prompts, not titles of their own: publish them under those
    )


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(pct / 100 * len(ordered)) - 1)]


class SandboxProcess:
    """`manage.py sandbox` in its own process, so its painting does not share a GIL with the measuring code."""

    def __init__(self, *flags: str, log_path: Path):
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "sandbox", "--quiet", "--port", str(port), *flags],
                cwd=ROOT,
                env={**os.environ, "DJANGO_SETTINGS_MODULE": "podsite.settings"},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_until_up()

    def _wait_until_up(self, seconds: float = 30) -> None:
        import time

        import requests

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.url}/_sandbox/state", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("the sandbox did not start")

    def configure(self, **changes) -> None:
        import requests

        requests.post(f"{self.url}/_sandbox/config", json=changes, timeout=10).raise_for_status()

    def state(self) -> dict:
        import requests

        return requests.get(f"{self.url}/_sandbox/state", timeout=10).json()

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def sandbox_environment(workdir: Path, sandbox_url: str, workers: int, **settings: str) -> dict:
    """The environment of a one-machine bench run: temp SQLite + media, the ORM broker, the sandbox; plus `settings`."""
    import secrets

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "podsite.settings",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "MEDIA_ROOT": str(workdir / "media"),
        "SECRET_KEY": secrets.token_urlsafe(40),
        "POD_SANDBOX": "1",
        "SANDBOX_URL": sandbox_url,
        "Q_WORKERS": str(workers),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        **settings,
    }
    env.pop("REDIS_URL", None)  # the one-machine default: SQLite + ORM broker + database rate limiter
    return env
