import subprocess
import sys
import textwrap
import time

from django.conf import settings

from designs import leases
from designs.models import Lease


def test_only_one_holder_until_release(db):
    first = leases.acquire("pump", 60)
    assert first
    assert leases.acquire("pump", 60) is None
    assert leases.is_held("pump")
    leases.release("pump", "not-the-token")
    assert leases.acquire("pump", 60) is None
    leases.release("pump", first)
    assert not leases.is_held("pump")
    assert leases.acquire("pump", 60)


def test_an_expired_lease_is_taken_over_and_the_old_holder_cannot_renew(db):
    stale = leases.acquire("publish:1", 0.05)
    time.sleep(0.1)
    fresh = leases.acquire("publish:1", 60)
    assert fresh and fresh != stale
    assert not leases.renew("publish:1", stale, 60)
    assert leases.renew("publish:1", fresh, 60)


def test_held_context_releases_on_exit(db):
    with leases.held("batch", 60) as token:
        assert token and leases.acquire("batch", 60) is None
    assert not Lease.objects.filter(key="batch").exists()


CONTENDER = textwrap.dedent(
    """
    import os, sys, time
    import django
    django.setup()
    from django.db import connection
    from designs import leases
    connection.ensure_connection()
    while not os.path.exists(sys.argv[1]):
        time.sleep(0.005)
    print("held" if leases.acquire("pump", 60) else "refused")
    """
)


def test_processes_racing_for_one_lease_get_exactly_one(child_env, tmp_path):
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CONTENDER, str(go)],
            env=child_env,
            cwd=settings.BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    time.sleep(3)
    go.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        results.append(out.strip())
    assert sorted(results) == ["held"] + ["refused"] * 5
