"""Fixtures for end-to-end tests that start real processes: a `qcluster` factory and the installed defaults."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings


@pytest.fixture
def installed_defaults(transactional_db):
    """What migrations 0002/0003 install (default preset, roles, the reconcile schedule).

    Transactional tests flush the database after each test, data migrations included; this puts it back the
    way the migrations do, by running their own functions.
    """
    import importlib

    from django.apps import apps

    importlib.import_module("designs.migrations.0002_default_preset_and_roles").install_defaults(apps, None)
    importlib.import_module("designs.migrations.0003_reconcile_schedule").add_schedule(apps, None)


class ClusterProcess(subprocess.Popen):
    log_path = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def kill_hard(self) -> None:
        """kill -9 the whole cluster (the parent and every worker it forked), like a machine that dies."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.wait(timeout=10)


@pytest.fixture
def qcluster(child_env, tmp_path):
    """qcluster(**extra_env) starts `manage.py qcluster` sharing this test's database and media; returns it.

    Every cluster started is stopped at teardown (stop_process_group).
    The output goes to a log file (process.log()) so a failing test can show it.
    """
    started: list[ClusterProcess] = []

    def start(**extra_env) -> ClusterProcess:
        env = {**child_env, **{key: str(value) for key, value in extra_env.items()}}
        log_path = tmp_path / f"qcluster-{len(started) + 1}.log"
        with open(log_path, "wb") as log:
            process = ClusterProcess(
                [sys.executable, "manage.py", "qcluster"],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so teardown reaches the forked workers too
            )
        process.log_path = log_path
        started.append(process)
        return process

    yield start
    for process in started:
        stop_process_group(process)


def wait_until(condition, *, timeout: float, interval: float = 0.2, message: str = ""):
    """Poll `condition()` until it returns something truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout} s waiting: {message}")


# --- any command as its own process (the web server, the sandbox…), for the full-flow tests -------------------


def free_port() -> int:
    """A port nothing listens on right now (bound to port 0, then released for the child to take)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_process_group(process: ClusterProcess) -> None:
    """Stop a process the way systemd's KillMode=mixed does, then make sure nothing it forked is left.

    SIGTERM goes to the parent only: qcluster and gunicorn stop their own workers. (Signalling the whole group
    at once leaves django-q2's parent waiting for workers that already died, until a SIGKILL.)
    """
    if process.poll() is None:
        try:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if process.poll() is None:
        process.wait(timeout=10)


@pytest.fixture
def start_process(tmp_path):
    """start_process(name, argv, env) runs argv from the project folder in its own process group, output in
    <tmp_path>/<name>.log (process.log()); every process started is stopped at teardown, the last one first."""
    started: list[ClusterProcess] = []

    def start(name: str, argv: list[str], env: dict) -> ClusterProcess:
        log_path = tmp_path / f"{name}.log"
        with open(log_path, "wb") as log:
            process = ClusterProcess(
                argv, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        process.log_path = log_path
        started.append(process)
        return process

    yield start
    for process in reversed(started):
        stop_process_group(process)


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """STATIC_ROOT for a DEBUG=false web server: `collectstatic` (whitenoise's manifest) once per session."""
    static_root = tmp_path_factory.mktemp("staticfiles")
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        env={**env, "DEBUG": "false", "STATIC_ROOT": str(static_root)},
        check=True,
        timeout=60,
    )
    return static_root
