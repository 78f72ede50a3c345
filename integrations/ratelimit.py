"""A rate limiter shared by every process on every host: a sliding log in the database, or in Redis.

Why a sliding log (each granted request's time is kept while it is inside the window): Printify does not say
whether its windows are fixed or rolling (printify-api.md §1). A log guarantees at most `limit` requests in ANY
window of `per_seconds`, so we stay under the limit either way, while still allowing a burst of `limit` at once
(a steady pacing of one request every per/limit seconds would make a batch of 10 publishes take 90 s).
The log holds at most `limit` entries per bucket (600 for Printify's global bucket), pruned on every acquire.

Clocks: the database backend uses this host's clock; hosts sharing a bucket are assumed NTP-synchronised (a
skew of s seconds can let through up to s/per × limit extra). The Redis backend uses the Redis server's clock.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable

from integrations.http import RateLimited

# Atomic in Redis (scripts run alone): prune, count, then either record this request or report the wait.
_REDIS_ACQUIRE = """
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local per = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - per)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('PEXPIRE', key, math.ceil(per * 1000) + 1000)
  return ''
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + per - now)
"""


class DatabaseBackend:
    def __init__(self, using: str = "default", clock: Callable[[], float] = time.time):
        self.using = using
        self.clock = clock

    def try_acquire(self, bucket: str, limit: int, per_seconds: float) -> float | None:
        """None when a slot was taken, else the seconds until the oldest request leaves the window."""
        from django.db import transaction

        from integrations.models import RateLimitBucket, RateLimitHit

        buckets = RateLimitBucket.objects.using(self.using)
        with transaction.atomic(using=self.using):
            # Writing the bucket row first takes its lock (row lock on PostgreSQL, the write lock on SQLite)
            # before anything is read, so two processes can never both count the same free slot.
            if not buckets.filter(name=bucket).update(touched_at=self.clock()):
                buckets.bulk_create([RateLimitBucket(name=bucket)], ignore_conflicts=True)
                buckets.filter(name=bucket).update(touched_at=self.clock())
            now = self.clock()
            hits = RateLimitHit.objects.using(self.using).filter(bucket_id=bucket)
            hits.filter(at__lte=now - per_seconds).delete()
            if hits.count() < limit:
                RateLimitHit.objects.using(self.using).create(bucket_id=bucket, at=now)
                return None
            oldest = hits.order_by("at").values_list("at", flat=True).first()
            return max(0.0, oldest + per_seconds - now)


class RedisBackend:
    _clients: dict[str, object] = {}
    _lock = threading.Lock()

    def __init__(self, url: str, prefix: str = "podsite:ratelimit:"):
        import redis

        with self._lock:
            if url not in self._clients:
                self._clients[url] = redis.Redis.from_url(url)
        self.client = self._clients[url]
        self.script = self.client.register_script(_REDIS_ACQUIRE)
        self.prefix = prefix

    def try_acquire(self, bucket: str, limit: int, per_seconds: float) -> float | None:
        answer = self.script(keys=[self.prefix + bucket], args=[limit, per_seconds, uuid.uuid4().hex])
        answer = answer.decode() if isinstance(answer, bytes) else answer
        return None if not answer else max(0.0, float(answer))


class SharedRateLimiter:
    """acquire() waits up to max_wait for a slot in `bucket`, else raises RateLimited(retry_after=...).

    With a redis_url the state lives in Redis, otherwise in the integrations app's tables.
    """

    def __init__(
        self,
        redis_url: str | None = None,
        *,
        service: str = "Printify",
        using: str = "default",
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.backend = RedisBackend(redis_url) if redis_url else DatabaseBackend(using)
        self.service = service
        self.sleep = sleep

    def acquire(self, bucket: str, limit: int, per_seconds: float, *, max_wait: float) -> None:
        if limit < 1 or per_seconds <= 0:
            raise ValueError("limit must be at least 1 and per_seconds positive")
        deadline = time.monotonic() + max_wait
        while True:
            wait = self.backend.try_acquire(bucket, limit, per_seconds)
            if wait is None:
                return
            # A little jitter so waiters on one bucket do not all come back in the same millisecond.
            wait += random.uniform(0, min(0.05, per_seconds / limit))
            if time.monotonic() + wait > deadline:
                raise RateLimited(
                    f"Holding back: {self.service} allows {limit} requests per {per_seconds:g} s ({bucket}); "
                    f"the next slot frees in {wait:.1f} s",
                    service=self.service,
                    retry_after=wait,
                )
            self.sleep(wait)
