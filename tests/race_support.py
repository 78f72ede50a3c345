"""Racing child processes: each says "ready" once Django is set up and connected, then all start on one signal.

Waiting for every "ready" line (instead of sleeping a guessed number of seconds) starts the race as soon as the
slowest child can run, and never before.
"""

import subprocess
import sys

from django.conf import settings

# The child's part: put `WAIT_FOR_GO` after its setup, then race; argv[1] is the signal file.
WAIT_FOR_GO = """
import os as _os, sys as _sys, time as _time
from django.db import connection as _connection
_connection.ensure_connection()
print("ready", flush=True)
while not _os.path.exists(_sys.argv[1]):
    _time.sleep(0.005)
"""


def race(script: str, argvs: list[list[str]], *, env: dict, go_file) -> list[str]:
    """Run `script` once per argv (each gets `go_file` as argv[1]), start them together; their last output lines."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(go_file), *argv],
            env=env,
            cwd=settings.BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for argv in argvs
    ]
    try:
        for proc in procs:
            line = proc.stdout.readline().strip()
            assert line == "ready", f"a racer did not start: {line!r} {proc.stderr.read() if not line else ''}"
    finally:
        go_file.touch()
    outcomes = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        outcomes.append(out.strip().splitlines()[-1])
    return outcomes
