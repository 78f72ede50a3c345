"""SharedRateLimiter: one budget for every process, on the database (SQLite/PostgreSQL) and on Redis."""

import json
import os
import subprocess
import sys
import time
import uuid

import pytest

from integrations.http import RateLimited
from integrations.models import RateLimitHit
from integrations.ratelimit import SharedRateLimiter

REDIS_URL = os.environ.get("REDIS_URL", "")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set (the scale-path run covers Redis)")

BACKENDS = ["database", pytest.param("redis", marks=needs_redis)]


@pytest.fixture
def bucket():
    return f"test:{uuid.uuid4().hex}"  # Redis is shared by runs: never reuse a key


@pytest.fixture(params=BACKENDS)
def limiter(request, db):
    return SharedRateLimiter(REDIS_URL if request.param == "redis" else None)


def test_grants_the_limit_then_refuses_with_the_wait(limiter, bucket):
    for _ in range(3):
        limiter.acquire(bucket, 3, 60, max_wait=0)
    with pytest.raises(RateLimited) as caught:
        limiter.acquire(bucket, 3, 60, max_wait=0)
    error = caught.value
    assert 59 <= error.retry_after <= 60.1
    assert error.retryable and error.service == "Printify"
    assert str(error).startswith(
        f"Holding back: Printify allows 3 requests per 60 s ({bucket}); the next slot frees in"
    )


def test_buckets_are_independent(limiter, bucket):
    limiter.acquire(bucket, 1, 60, max_wait=0)
    limiter.acquire(bucket + ":other", 1, 60, max_wait=0)
    with pytest.raises(RateLimited):
        limiter.acquire(bucket, 1, 60, max_wait=0)


def test_waits_for_a_slot_when_allowed_to(limiter, bucket):
    limiter.acquire(bucket, 2, 0.3, max_wait=0)
    limiter.acquire(bucket, 2, 0.3, max_wait=0)
    started = time.monotonic()
    limiter.acquire(bucket, 2, 0.3, max_wait=2)
    assert 0.2 <= time.monotonic() - started < 1.5


def test_window_slides(limiter, bucket):
    """Requests leave the window one by one: after the first one ages out exactly one more is granted."""
    limiter.acquire(bucket, 2, 0.4, max_wait=0)
    time.sleep(0.2)
    limiter.acquire(bucket, 2, 0.4, max_wait=0)
    time.sleep(0.25)  # the first request is now out of the window, the second is not
    limiter.acquire(bucket, 2, 0.4, max_wait=0)
    with pytest.raises(RateLimited):
        limiter.acquire(bucket, 2, 0.4, max_wait=0)


def test_database_log_is_pruned(db, bucket):
    limiter = SharedRateLimiter()
    for _ in range(5):
        limiter.acquire(bucket, 5, 0.1, max_wait=1)
    time.sleep(0.15)
    limiter.acquire(bucket, 5, 0.1, max_wait=0)
    assert RateLimitHit.objects.filter(bucket_id=bucket).count() == 1


def test_rejects_nonsense_limits(limiter, bucket):
    with pytest.raises(ValueError):
        limiter.acquire(bucket, 0, 60, max_wait=0)


# --- across processes ------------------------------------------------------------------------------------------

HAMMER = """
import json, sys, time
import django
django.setup()
from integrations.ratelimit import SharedRateLimiter
backend, bucket, limit, per, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
limiter = SharedRateLimiter(__import__("os").environ["REDIS_URL"] if backend == "redis" else None)
grants = []
for _ in range(count):
    before = time.time()
    limiter.acquire(bucket, limit, per, max_wait=60)
    grants.append((before, time.time()))
print(json.dumps(grants))
"""


def definite_violations(grants, limit, per):
    """Groups of limit+1 grants that certainly fell inside one window of `per` seconds.

    Each grant happened somewhere in its (before, after) interval. If limit+1 grants all started at or after
    `start` and all finished before start+per, they were granted inside [start, start+per): a breach, whatever
    the exact moments. (Sound: no false alarm from scheduling delays.)
    """
    breaches = []
    for start, _ in grants:
        inside = [grant for grant in grants if grant[0] >= start and grant[1] < start + per]
        if len(inside) > limit:
            breaches.append(inside)
    return breaches


@pytest.mark.system
@pytest.mark.parametrize("backend", BACKENDS)
def test_processes_hammering_one_bucket_never_exceed_the_limit(child_env, bucket, backend):
    processes, per_process, limit, per = 4, 6, 5, 0.6
    children = [
        subprocess.Popen(
            [sys.executable, "-c", HAMMER, backend, bucket, str(limit), str(per), str(per_process)],
            env=child_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    grants = []
    for child in children:
        out, err = child.communicate(timeout=90)
        assert child.returncode == 0, err
        grants.extend(tuple(pair) for pair in json.loads(out))
    assert len(grants) == processes * per_process
    assert definite_violations(grants, limit, per) == []
    # 24 grants at 5 per 0.6 s cannot all happen in less than (24 / 5 - 1) windows: the limiter really held back.
    first_finish = min(after for _, after in grants)
    last_start = max(before for before, _ in grants)
    assert last_start - first_finish >= (processes * per_process // limit - 1) * per * 0.9


def test_the_violation_check_detects_a_breach():
    """The cross-process assertion is only worth something if it fails on a breach."""
    breach = [(10.0 + i * 0.01, 10.0 + i * 0.01 + 0.001) for i in range(6)]
    assert definite_violations(breach, 5, 0.6)
    spaced = [(10.0 + i * 0.13, 10.0 + i * 0.13 + 0.001) for i in range(6)]
    assert definite_violations(spaced, 5, 0.6) == []
