"""Pieces the benchmark scripts share: a qcluster subprocess, the sandbox (as a process), the sandbox tee template,
percentiles; a PostgreSQL database and a Redis database number of a run's own; the processes of a run with their
logs, resident memory and CPU time (from /proc)."""

from __future__ import annotations

import math
import os
import secrets
import signal
import socket
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
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
    return create_catalog_template(name, 3, 3, price=price, is_default=True)


def create_catalog_template(
    name: str,
    blueprint_id: int,
    provider_id: int,
    *,
    price: int = 2500,
    variant_ids=None,
    is_default: bool = False,
    review_mockups: bool = False,
    **fields,
):
    """A template on one of the sandbox catalogue's offers with its print areas, the variants of `variant_ids` (all:
    None) enabled and priced. Bench designs have prompts, not titles of their own: they are published under those.
    Without mockup review by default: most benches measure publishing itself, not a person looking at mockups."""
    from designs.models import ProductTemplate
    from designs.services.templates import placeholders_from_catalog
    from integrations.sandbox import catalog

    variants = catalog.VARIANTS[(blueprint_id, provider_id)]
    return ProductTemplate.objects.create(
        name=name,
        blueprint_id=blueprint_id,
        print_provider_id=provider_id,
        variants=[
            {
                "id": v["id"],
                "title": v["title"],
                "price": price,
                "is_enabled": variant_ids is None or v["id"] in variant_ids,
            }
            for v in variants
        ],
        placeholders=placeholders_from_catalog(variants),
        placement={"mode": "fit", "x": 0.5, "y": 0.5, "scale": 1, "angle": 0},
        is_default=is_default,
        review_mockups=review_mockups,
        prompt_is_title=True,
        **fields,
    )


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(pct / 100 * len(ordered)) - 1)]


class SandboxProcess:
    """`manage.py sandbox` in its own process, so its painting does not share a GIL with the measuring code."""

    def __init__(self, *flags: str, log_path: Path):
        port = free_port()
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


def free_port() -> int:
    """A loopback port nothing listens on right now (bound to 0, then released for a child process to take)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- PostgreSQL and Redis of a run: a database made and dropped, a Redis database number nobody else uses -------

POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"
REDIS_SERVER = "redis://127.0.0.1:6379"
REDIS_CLAIM_KEY = "podsite-bench:claimed-by"  # the marker of the Redis database number a run uses


def server_url(server: str, path: str) -> str:
    """`server` (a PostgreSQL or Redis URL, with or without a database) pointing at the database `path`."""
    from urllib.parse import urlsplit

    return urlsplit(server)._replace(path=path).geturl()


def create_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(server_url(server, "/postgres"), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(server_url(server, "/postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def release_run(server: str, database: str | None, redis_claim, workdir: Path, *, keep: bool) -> None:
    """After a run on its own PostgreSQL database and Redis db: close this process's connections, drop the
    database, give the Redis db back, and remove the work folder unless asked to keep it."""
    import shutil

    from django.db import connections

    connections.close_all()
    if database:
        drop_database(server, database)
    if redis_claim:
        redis_claim.release()
    if not keep:
        shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class RedisClaim:
    """A Redis database number nobody else uses, held by this run: empty when claimed, flushed when released."""

    url: str
    token: str

    @classmethod
    def first_empty(cls, server: str, *, number: int | None = None) -> RedisClaim:
        """The first empty number from the top (or exactly `number`, which must be empty); SystemExit if none."""
        import redis

        admin = redis.Redis.from_url(server_url(server, "/0"))
        try:
            count = int(admin.config_get("databases").get("databases", 16))
        except redis.ResponseError:  # CONFIG may be disabled (managed Redis): the default
            count = 16
        token = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        # From the top: applications usually take the low numbers.
        for candidate in [number] if number is not None else range(count - 1, 0, -1):
            url = server_url(server, f"/{candidate}")
            client = redis.Redis.from_url(url)
            if client.dbsize() or not client.set(REDIS_CLAIM_KEY, token, nx=True):
                continue
            if client.dbsize() == 1:  # only our claim: nobody wrote here between the two looks
                return cls(url, token)
            client.delete(REDIS_CLAIM_KEY)
        if number is not None:
            raise SystemExit(f"Redis database {number} on {server} holds keys (someone uses it): nothing run.")
        raise SystemExit(f"No empty Redis database number on {server} (1–{count - 1} all hold keys): nothing run.")

    def release(self) -> None:
        import redis

        client = redis.Redis.from_url(self.url)
        if client.get(REDIS_CLAIM_KEY) == self.token.encode():
            client.flushdb()  # every key here is this run's: the number was empty when claimed
        else:
            print(f"Redis {self.url}: the claim key is gone or not ours; left as it is, not flushed.", flush=True)


# --- processes of a run, and what they cost -----------------------------------------------------------------------


class Processes:
    """The processes of a run, each in its own process group with its output in <workdir>/<name>.log."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str], env: dict) -> subprocess.Popen:
        command = argv if argv[0].startswith("/") else [sys.executable, *argv]
        with open(self.workdir / f"{name}.log", "wb") as log:
            self.processes[name] = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self.processes[name]

    def log(self, name: str) -> str:
        return (self.workdir / f"{name}.log").read_text(errors="replace")

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise SystemExit(f"{name} exited with {process.returncode}:\n{self.log(name)[-2000:]}")

    def stop_all(self) -> None:
        """SIGTERM to each group (the parents stop their own workers), then SIGKILL what is left."""
        for process in self.processes.values():
            _signal_group(process, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
            _signal_group(process, signal.SIGKILL)  # forked workers may outlive their parent
            process.wait(timeout=5)


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def process_tree(root_pid: int) -> list[int]:
    """root_pid and every process under it (from /proc)."""
    pids, queue = [], [root_pid]
    while queue:
        pid = queue.pop()
        pids.append(pid)
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                queue.extend(int(child) for child in (task / "children").read_text().split())
        except OSError:
            pass
    return pids


def proc_status_kb(pid: int, field: str) -> int | None:
    """A kB figure of /proc/<pid>/status (VmRSS: resident now; VmHWM: the peak), None when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def sample_rss(root_pid: int, peak: dict[int, int]) -> None:
    """VmHWM (peak resident set, kB) of every process in the tree under root_pid."""
    for pid in process_tree(root_pid):
        value = proc_status_kb(pid, "VmHWM")
        if value is not None:
            peak[pid] = max(peak.get(pid, 0), value)


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(root_pid: int) -> float:
    """CPU seconds of the tree under root_pid so far: user + system, and of the children each process reaped."""
    total = 0
    for pid in process_tree(root_pid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return total / CLOCK_TICKS


def machine_cpu_seconds() -> float:
    """CPU seconds every core of the machine spent at work so far (all but idle and iowait)."""
    busy = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    # user nice system idle iowait irq softirq steal
    return sum(int(value) for index, value in enumerate(busy[:8]) if index not in (3, 4)) / CLOCK_TICKS
