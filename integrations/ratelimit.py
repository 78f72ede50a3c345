"""A rate limiter shared by every process on every host: a sliding log in the database, or in Redis.

Why a sliding log (each granted request's time is kept while it is inside the window): Printify does not say
whether its windows are fixed or rolling (printify-api.md §1). A log guarantees at most `limit` requests in ANY
window of `per_seconds`, so we stay under the limit either way, while still allowing a burst of `limit` at once
(a steady pacing of one request every per/limit seconds would make a batch of 10 publishes take 90 s).
The log holds at most `limit` entries per bucket (600 for Printify's global bucket), pruned on every acquire.

Adaptive pace (issue 10): the account's limit is shared with other apps, so the service may refuse us (429)
below our configured limit. slow_down() then records, for every process, a slower pace for the bucket:
- half of what we actually sent in the current window (halving a configured 600/min we never reached would slow
  nothing: the next request would be refused too), but at most an eighth of the pace before (a refusal while we
  sent little is another app's burst, which may be over soon) and never below 1 per window;
- only once per refusal episode: requests already granted before the last slowdown were sent at the old pace,
  their 429s say nothing new (acquire() returns the slowdown count for that check);
- recovering by a quarter per window (PACE_RECOVERY_PER_WINDOW), continuously, up to the configured limit: a
  real limit far below the configured one is probed only every few windows, each probe costing a 429 or two;
- a Retry-After also blocks the bucket for everyone until then.

Clocks: the database backend uses this host's clock; hosts sharing a bucket are assumed NTP-synchronised (a
skew of s seconds can let through up to s/per × limit extra). The Redis backend uses the Redis server's clock.
"""

from __future__ import annotations

import math
import random
import threading
import time
import uuid
from collections.abc import Callable
from typing import NamedTuple

from integrations.http import RateLimited

# ×1.25 per window: from half of a refused pace back to it in about three windows.
PACE_RECOVERY_PER_WINDOW = 1.25
# One refusal slows the pace by this factor at most; further refusals at the slower pace slow it further.
MAX_SLOWDOWN_PER_REFUSAL = 8


def paced_limit(limit: int, per_seconds: float, pace: float | None, paced_at: float, now: float) -> float:
    """The limit in force at `now`: the configured one, or the slowed pace grown back since `paced_at`."""
    if pace is None:
        return float(limit)
    grown = pace * PACE_RECOVERY_PER_WINDOW ** (max(0.0, now - paced_at) / per_seconds)
    return min(float(limit), grown)


def slowed_pace(limit_now: float, sent_in_window: int) -> float:
    """Half of what was really sent when refused, within an eighth of the pace before; at least 1 per window."""
    return max(1.0, limit_now / MAX_SLOWDOWN_PER_REFUSAL, min(limit_now, sent_in_window) / 2)


# The Lua twins of paced_limit/slowed_pace and the bucket's state (a hash next to the log); the scripts below
# run atomically (Redis runs a script alone) and read the time from the Redis server.
_REDIS_PACE = """
local log, state = KEYS[1], KEYS[2]
local limit, per, recovery, max_slowdown = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local saved = redis.call('HMGET', state, 'pace', 'paced_at', 'slowdowns', 'blocked_until')
local slowdowns = tonumber(saved[3]) or 0
local blocked_until = tonumber(saved[4]) or 0
local limit_now = limit
if saved[1] then
  limit_now = math.min(limit, tonumber(saved[1]) * recovery ^ (math.max(0, now - tonumber(saved[2])) / per))
end
redis.call('ZREMRANGEBYSCORE', log, '-inf', now - per)
local sent = redis.call('ZCARD', log)
"""

# Either record this request, or report the wait: until a Retry-After block ends, or until enough of the log
# has left the window for the count to fall below the (possibly slowed) limit.
_REDIS_ACQUIRE = (
    _REDIS_PACE
    + """
local allowed = math.max(1, math.floor(limit_now))
if blocked_until > now then
  return {tostring(blocked_until - now), slowdowns, allowed}
end
if sent < allowed then
  redis.call('ZADD', log, now, ARGV[5])
  redis.call('PEXPIRE', log, math.ceil(per * 1000) + 1000)
  return {'', slowdowns, allowed}
end
local frees = redis.call('ZRANGE', log, sent - allowed, sent - allowed, 'WITHSCORES')
return {tostring(tonumber(frees[2]) + per - now), slowdowns, allowed}
"""
)

# ARGV[5]: the slowdown count the refused request was granted under; ARGV[6]: Retry-After seconds or ''.
# The state expires once the pace is back to the limit and any block is over: no state means the limit.
_REDIS_SLOW_DOWN = (
    _REDIS_PACE
    + """
if ARGV[6] ~= '' then
  blocked_until = math.max(blocked_until, now + tonumber(ARGV[6]))
  redis.call('HSET', state, 'blocked_until', tostring(blocked_until))
end
if slowdowns == tonumber(ARGV[5]) then
  limit_now = math.max(1, limit_now / max_slowdown, math.min(limit_now, sent) / 2)
  redis.call('HSET', state, 'pace', tostring(limit_now), 'paced_at', tostring(now), 'slowdowns', slowdowns + 1)
end
local recovered_in = math.log(limit / limit_now) / math.log(recovery) * per
local keep = math.max(recovered_in, blocked_until - now) + per
redis.call('PEXPIRE', state, math.ceil(keep * 1000))
"""
)

_REDIS_LIMIT_NOW = _REDIS_PACE + "return tostring(limit_now)\n"


class SlotAnswer(NamedTuple):
    wait: float | None  # None: a slot was taken; else seconds until one may be free
    slowdowns: int  # the bucket's slowdown count, for slow_down() if the service refuses this request
    allowed: int  # requests per window in force: the limit, or fewer while slowed down


class DatabaseBackend:
    def __init__(self, using: str = "default", clock: Callable[[], float] = time.time):
        self.using = using
        self.clock = clock

    def try_acquire(self, bucket: str, limit: int, per_seconds: float) -> SlotAnswer:
        from django.db import transaction

        from integrations.models import RateLimitHit

        with transaction.atomic(using=self.using):
            state = self._locked_state(bucket)
            now = self.clock()
            allowed = max(1, math.floor(paced_limit(limit, per_seconds, state.pace, state.paced_at, now)))
            if state.blocked_until > now:
                return SlotAnswer(state.blocked_until - now, state.slowdowns, allowed)
            hits = self._hits_in_window(bucket, per_seconds, now)
            sent = hits.count()
            if sent < allowed:
                RateLimitHit.objects.using(self.using).create(bucket_id=bucket, at=now)
                return SlotAnswer(None, state.slowdowns, allowed)
            frees_at = hits.order_by("at").values_list("at", flat=True)[sent - allowed]
            return SlotAnswer(max(0.0, frees_at + per_seconds - now), state.slowdowns, allowed)

    def slow_down(
        self, bucket: str, limit: int, per_seconds: float, *, slowdowns_at_grant: int, retry_after: float | None
    ) -> None:
        from django.db import transaction

        with transaction.atomic(using=self.using):
            state = self._locked_state(bucket)
            now = self.clock()
            if retry_after is not None:
                state.blocked_until = max(state.blocked_until, now + retry_after)
            if state.slowdowns == slowdowns_at_grant:
                limit_now = paced_limit(limit, per_seconds, state.pace, state.paced_at, now)
                sent = self._hits_in_window(bucket, per_seconds, now).count()
                state.pace, state.paced_at = slowed_pace(limit_now, sent), now
                state.slowdowns += 1
            state.save(using=self.using, update_fields=["pace", "paced_at", "slowdowns", "blocked_until"])

    def limit_now(self, bucket: str, limit: int, per_seconds: float) -> float:
        from integrations.models import RateLimitBucket

        state = RateLimitBucket.objects.using(self.using).filter(name=bucket).first()
        if state is None:
            return float(limit)
        return paced_limit(limit, per_seconds, state.pace, state.paced_at, self.clock())

    def _locked_state(self, bucket: str):
        """The bucket's row, written first: that takes its lock (row lock on PostgreSQL, the write lock on SQLite)
        before anything is read, so two processes can never both count the same free slot."""
        from integrations.models import RateLimitBucket

        buckets = RateLimitBucket.objects.using(self.using)
        if not buckets.filter(name=bucket).update(touched_at=self.clock()):
            buckets.bulk_create([RateLimitBucket(name=bucket)], ignore_conflicts=True)
            buckets.filter(name=bucket).update(touched_at=self.clock())
        return buckets.get(name=bucket)

    def _hits_in_window(self, bucket: str, per_seconds: float, now: float):
        """The bucket's log, pruned of the hits that have left the window."""
        from integrations.models import RateLimitHit

        hits = RateLimitHit.objects.using(self.using).filter(bucket_id=bucket)
        hits.filter(at__lte=now - per_seconds).delete()
        return hits


class RedisBackend:
    _clients: dict[str, object] = {}
    _lock = threading.Lock()

    def __init__(self, url: str, prefix: str = "podsite:ratelimit:"):
        import redis

        with self._lock:
            if url not in self._clients:
                self._clients[url] = redis.Redis.from_url(url)
        self.client = self._clients[url]
        self.acquire_script = self.client.register_script(_REDIS_ACQUIRE)
        self.slow_down_script = self.client.register_script(_REDIS_SLOW_DOWN)
        self.limit_now_script = self.client.register_script(_REDIS_LIMIT_NOW)
        self.prefix = prefix

    def try_acquire(self, bucket: str, limit: int, per_seconds: float) -> SlotAnswer:
        wait, slowdowns, allowed = self.acquire_script(
            keys=self._keys(bucket), args=[*self._pace_args(limit, per_seconds), uuid.uuid4().hex]
        )
        return SlotAnswer(max(0.0, float(wait)) if wait else None, int(slowdowns), int(allowed))

    def slow_down(
        self, bucket: str, limit: int, per_seconds: float, *, slowdowns_at_grant: int, retry_after: float | None
    ) -> None:
        args = [*self._pace_args(limit, per_seconds), slowdowns_at_grant, "" if retry_after is None else retry_after]
        self.slow_down_script(keys=self._keys(bucket), args=args)

    def limit_now(self, bucket: str, limit: int, per_seconds: float) -> float:
        return float(self.limit_now_script(keys=self._keys(bucket), args=self._pace_args(limit, per_seconds)))

    def _keys(self, bucket: str) -> list[str]:
        return [self.prefix + bucket, self.prefix + bucket + ":pace"]

    @staticmethod
    def _pace_args(limit: int, per_seconds: float) -> list:
        return [limit, per_seconds, PACE_RECOVERY_PER_WINDOW, MAX_SLOWDOWN_PER_REFUSAL]


class SharedRateLimiter:
    """acquire() waits up to max_wait for a slot in `bucket`, else raises RateLimited(retry_after=...);
    slow_down() reports the service's 429 so that every process holds back.

    With a redis_url the state lives in Redis, otherwise in the integrations app's tables.
    """

    def __init__(
        self,
        redis_url: str | None = None,
        *,
        service: str = "Printify",
        using: str = "default",
        sleep: Callable[[float], None] = time.sleep,
        redis_prefix: str = "podsite:ratelimit:",
    ):
        self.backend = RedisBackend(redis_url, redis_prefix) if redis_url else DatabaseBackend(using)
        self.service = service
        self.sleep = sleep

    def acquire(self, bucket: str, limit: int, per_seconds: float, *, max_wait: float) -> int:
        """Take a slot; returns the bucket's slowdown count at the grant, for slow_down() if the request is refused."""
        _check(limit, per_seconds)
        deadline = time.monotonic() + max_wait
        while True:
            answer = self.backend.try_acquire(bucket, limit, per_seconds)
            if answer.wait is None:
                return answer.slowdowns
            # A little jitter so waiters on one bucket do not all come back in the same millisecond.
            wait = answer.wait + random.uniform(0, min(0.05, per_seconds / limit))
            if time.monotonic() + wait > deadline:
                slowed = f", slowed to {answer.allowed} after it refused us" if answer.allowed < limit else ""
                raise RateLimited(
                    f"Holding back: {self.service} allows {limit} requests per {per_seconds:g} s ({bucket}){slowed}; "
                    f"the next slot frees in {wait:.1f} s",
                    service=self.service,
                    retry_after=wait,
                )
            self.sleep(wait)

    def slow_down(
        self,
        bucket: str,
        limit: int,
        per_seconds: float,
        *,
        slowdowns_at_grant: int,
        retry_after: float | None = None,
    ) -> None:
        """The service refused a request granted by acquire() (which returned slowdowns_at_grant): slow the pace
        for every process, and with a retry_after block the bucket until then."""
        _check(limit, per_seconds)
        self.backend.slow_down(
            bucket, limit, per_seconds, slowdowns_at_grant=slowdowns_at_grant, retry_after=retry_after
        )

    def limit_now(self, bucket: str, limit: int, per_seconds: float) -> float:
        """The requests per window in force now: `limit`, or less while recovering from a slowdown."""
        _check(limit, per_seconds)
        return self.backend.limit_now(bucket, limit, per_seconds)


def _check(limit: int, per_seconds: float) -> None:
    if limit < 1 or per_seconds <= 0:
        raise ValueError("limit must be at least 1 and per_seconds positive")
