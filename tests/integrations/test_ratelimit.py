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
from integrations.ratelimit import PACE_RECOVERY_PER_WINDOW, SharedRateLimiter

REDIS_URL = os.environ.get("REDIS_URL", "")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set (the scale-path run covers Redis)")

BACKENDS = ["database", pytest.param("redis", marks=needs_redis)]


@pytest.fixture
def bucket():
    return f"test:{uuid.uuid4().hex}"  # Redis is shared by runs: never reuse a key


@pytest.fixture(params=BACKENDS)
def new_limiter(request, db):
    """Makes limiters on one backend; each stands for another process sharing the buckets."""
    prefix = f"podsite-test:{uuid.uuid4().hex}:"

    def make():
        return SharedRateLimiter(REDIS_URL if request.param == "redis" else None, redis_prefix=prefix)

    return make


@pytest.fixture
def limiter(new_limiter):
    return new_limiter()


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


# --- the adaptive pace: the service's 429s slow every process down ---------------------------------------------


def test_a_429_halves_the_pace_for_every_limiter_on_the_backend(new_limiter, bucket):
    refused, other = new_limiter(), new_limiter()
    for _ in range(5):
        slowdowns = refused.acquire(bucket, 16, 60, max_wait=0)
    refused.slow_down(bucket, 16, 60, slowdowns_at_grant=slowdowns)
    # half of the 5 really sent (halving the configured 16 would change nothing), recovering only slowly
    assert other.limit_now(bucket, 16, 60) == pytest.approx(2.5, rel=0.01)
    with pytest.raises(RateLimited) as caught:
        other.acquire(bucket, 16, 60, max_wait=0)
    assert str(caught.value).startswith(
        f"Holding back: Printify allows 16 requests per 60 s ({bucket}), slowed to 2 after it refused us; "
    )
    assert 59 <= caught.value.retry_after <= 60.1  # 3 of the 5 must leave the window
    assert other.limit_now(bucket + ":other", 16, 60) == 16  # other buckets keep their pace


def test_one_429_slows_at_most_eightfold(new_limiter, bucket):
    """Refused after sending little: most likely another app's burst on the account, which may soon be over."""
    limiter = new_limiter()
    slowdowns = limiter.acquire(bucket, 600, 60, max_wait=0)
    limiter.slow_down(bucket, 600, 60, slowdowns_at_grant=slowdowns)
    assert limiter.limit_now(bucket, 600, 60) == pytest.approx(75, rel=0.01)


def test_a_429_slows_once_per_pace_and_never_below_one_per_window(new_limiter, bucket):
    limiter = new_limiter()
    granted = [limiter.acquire(bucket, 8, 0.3, max_wait=0) for _ in range(8)]
    limiter.slow_down(bucket, 8, 0.3, slowdowns_at_grant=granted[-1])
    # the others were sent at the old pace too: their 429s say nothing new
    for slowdowns in granted[:-1]:
        limiter.slow_down(bucket, 8, 0.3, slowdowns_at_grant=slowdowns)
    assert limiter.limit_now(bucket, 8, 0.3) == pytest.approx(4, rel=0.05)
    # a request granted at the new pace and refused halves again; what it halves is the 1 sent since
    time.sleep(0.35)  # the 8 leave the window
    slowdowns = limiter.acquire(bucket, 8, 0.3, max_wait=0)
    limiter.slow_down(bucket, 8, 0.3, slowdowns_at_grant=slowdowns)
    assert limiter.limit_now(bucket, 8, 0.3) == pytest.approx(1, rel=0.05)


def test_the_pace_recovers_by_a_quarter_per_window_up_to_the_limit(new_limiter, bucket):
    refused, other = new_limiter(), new_limiter()
    per = 0.1
    for _ in range(8):
        slowdowns = refused.acquire(bucket, 10, per, max_wait=0)
    before = time.monotonic()
    refused.slow_down(bucket, 10, per, slowdowns_at_grant=slowdowns)
    after = time.monotonic()
    time.sleep(0.15)
    earliest = time.monotonic()
    pace = other.limit_now(bucket, 10, per)
    latest = time.monotonic()
    # 4 (half of 8) grown by 1.25 per window since the slowdown, whichever instants the backend read
    assert 4 * PACE_RECOVERY_PER_WINDOW ** ((earliest - after) / per) <= pace
    assert pace <= 4 * PACE_RECOVERY_PER_WINDOW ** ((latest - before) / per) * 1.01
    time.sleep(0.5)  # 5 more windows: 4 × 1.25**6.5 > 10
    assert other.limit_now(bucket, 10, per) == 10  # back to the configured limit, not beyond
    for _ in range(10):
        other.acquire(bucket, 10, per, max_wait=0)


@needs_redis
def test_redis_forgets_the_pace_once_it_has_recovered(bucket):
    limiter = SharedRateLimiter(REDIS_URL, redis_prefix=f"podsite-test:{uuid.uuid4().hex}:")
    pace_key = limiter.backend.prefix + bucket + ":pace"
    for _ in range(8):
        slowdowns = limiter.acquire(bucket, 10, 0.05, max_wait=0)
    limiter.slow_down(bucket, 10, 0.05, slowdowns_at_grant=slowdowns)
    assert limiter.backend.client.exists(pace_key)
    time.sleep(0.4)  # 4 × 1.25**(0.4 / 0.05) > 10: recovered
    assert not limiter.backend.client.exists(pace_key)


def test_retry_after_blocks_the_bucket_for_every_limiter(new_limiter, bucket):
    refused, other = new_limiter(), new_limiter()
    slowdowns = refused.acquire(bucket, 600, 60, max_wait=0)
    refused.slow_down(bucket, 600, 60, slowdowns_at_grant=slowdowns, retry_after=30)
    refused.slow_down(bucket, 600, 60, slowdowns_at_grant=slowdowns, retry_after=5)  # a shorter one: no shortening
    with pytest.raises(RateLimited) as caught:
        other.acquire(bucket, 600, 60, max_wait=0)
    assert 29 <= caught.value.retry_after <= 30.1
    other.acquire(bucket + ":other", 600, 60, max_wait=0)


def test_a_retry_after_block_ends_on_time(new_limiter, bucket):
    refused, other = new_limiter(), new_limiter()
    slowdowns = refused.acquire(bucket, 5, 0.1, max_wait=0)
    refused.slow_down(bucket, 5, 0.1, slowdowns_at_grant=slowdowns, retry_after=0.5)
    started = time.monotonic()
    other.acquire(bucket, 5, 0.1, max_wait=3)  # the pace alone would wait one window (0.1 s), the block longer
    assert 0.45 <= time.monotonic() - started < 2


# --- across processes ------------------------------------------------------------------------------------------

HAMMER = """
import json, sys, time
import django
django.setup()
from integrations.ratelimit import PACE_RECOVERY_PER_WINDOW, SharedRateLimiter
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
