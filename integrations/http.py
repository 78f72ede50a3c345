"""The one HTTP layer every client uses: pooled sessions, typed errors, and retries only where repeating is safe.

Which calls are safe to repeat (each client passes `safe_to_repeat` explicitly, next to the call):
- every GET (reads change nothing);
- RunPod POST /cancel: cancelling a job twice leaves it cancelled;
- Printify uploads: Printify stores uploads content-addressed (the same bytes give the same upload id,
  printify-api.md §3), so a repeated upload returns the upload that already exists instead of a second one;
- Printify PUT product, DELETE product/webhook, publishing_succeeded/failed, unpublish: each sets one existing
  object to a state; doing it twice gives the same state (a repeated DELETE may answer 404, which callers read
  as "already gone");
- Printify publish: it acts on one existing product and pushes the same parts again; it creates no new product
  or listing (the channel listing is keyed by the product's `external`). The cost of a repeat is one more slot
  of the 200-per-30-minutes publish budget, which the limiter counts.
- LLM chat completions: an answer creates nothing on the server; a repeat costs the tokens of one more answer.
NOT safe, never repeated here: RunPod POST /run (a repeat queues a second paid GPU job) and Printify product and
webhook creation (no idempotency key: a repeat after a lost answer makes a duplicate). When those fail, the error
reaches the caller, which decides from its saved state whether to try again.

Rate limits: a 429 is repeated (when safe) only after Retry-After, or without one after at least
RATE_LIMITED_MIN_WAIT plus jitter; a client's Pacer hears of every 429 (the Printify client slows the account's
shared limiter there) and takes a slot again before each attempt.

Secrets: clients add `Authorization` per request (never as a session default, so it cannot ride along to an
image download), and every error message is built from our own words plus the service's short reason, with
the caller's secrets masked out.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

VERSION = "0.1"
USER_AGENT = f"podsite/{VERSION}"
DEFAULT_TIMEOUT = (5, 30)  # (connect, read) seconds
REASON_MAX_CHARS = 300
# A 429 without Retry-After is never repeated sooner (issue 10: immediate repeats of refused calls were most of
# the 429s); the backoff's jitter comes on top.
RATE_LIMITED_MIN_WAIT = 1.0

logger = logging.getLogger(__name__)


class IntegrationError(Exception):
    """An external service call failed. str() is a short sentence a person can act on; it never holds a secret."""

    default_retryable = False

    def __init__(self, message: str, *, service: str, status: int | None = None, retryable: bool | None = None):
        super().__init__(message)
        self.message = message
        self.service = service
        self.status = status
        self.retryable = self.default_retryable if retryable is None else retryable

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, service={self.service!r}, status={self.status!r})"


class AuthError(IntegrationError):
    """401/403: the key or token is missing, wrong, expired or lacks a scope."""


class NotFound(IntegrationError):
    """404."""


class RateLimited(IntegrationError):
    """429 from the service, or our own shared limiter had no slot in time. retry_after: seconds or None."""

    default_retryable = True

    def __init__(self, message: str, *, service: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(message, service=service, status=status)
        self.retry_after = retry_after


class ServerError(IntegrationError):
    """5xx."""

    default_retryable = True


class IntegrationTimeout(IntegrationError):
    """Connect/read timeout, or the connection was refused or reset."""

    default_retryable = True


class BadResponse(IntegrationError):
    """The answer is not JSON, or not the shape the API documents."""


class Rejected(IntegrationError):
    """Any other 4xx: the service understood and refused. code/reason when the body says them."""

    def __init__(
        self,
        message: str,
        *,
        service: str,
        status: int | None = None,
        code: int | str | None = None,
        reason: str | None = None,
    ):
        super().__init__(message, service=service, status=status)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter. Tests inject a tiny base/cap (or a fake sleep) to run fast."""

    attempts: int = 4  # total tries, the first included
    base: float = 0.5  # seconds; the n-th retry waits random(0, min(cap, base * 2**n))
    cap: float = 20.0
    # A Retry-After longer than this is not slept through: the RateLimited error goes to the caller, whose
    # task can come back later instead of holding a worker.
    max_retry_after: float = 60.0
    retry_statuses: frozenset[int] = frozenset({429, 502, 503, 504})
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def backoff(self, retry_number: int) -> float:
        return random.uniform(0, min(self.cap, self.base * 2**retry_number))


class Pacer(Protocol):
    """Paces one call's attempts against a budget shared with other processes (the Printify rate limiter)."""

    def before_attempt(self) -> None:
        """Runs before every try: every repeat is one more request against the budget."""

    def rate_limited(self, error: RateLimited) -> None:
        """The service answered 429 (whether or not the call will be repeated)."""


DEFAULT_RETRY = RetryPolicy()
NO_RETRY = RetryPolicy(attempts=1)


def build_session(*, user_agent: str = USER_AGENT, pool_size: int = 10) -> requests.Session:
    """A pooled session with our User-Agent and no automatic retries (send() decides what may be repeated).

    requests has no session-wide timeout: send() passes one on every call.
    """
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = user_agent
    return session


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    return text


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date; anything else counts as absent."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def short_reason(text: str, secrets: Iterable[str] = ()) -> str:
    text = " ".join(redact(str(text), secrets).split())
    return text if len(text) <= REASON_MAX_CHARS else text[: REASON_MAX_CHARS - 1] + "…"


def error_body(response: requests.Response) -> dict:
    """The JSON object an error answer holds; {} when it holds none (HTML, a list, nothing)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def plain_reason(body: dict) -> str | None:
    """The reason of the common body shapes {"error": "..."} / {"message": "..."} / {"detail": "..."}."""
    for key in ("error", "message", "detail"):
        if isinstance(body.get(key), str) and body[key].strip():
            return body[key]
    return None


def generic_error_details(response: requests.Response) -> tuple[int | str | None, str | None]:
    """(code, reason) from the common body shapes (plain_reason); RunPod's is undocumented."""
    body = error_body(response)
    reason = plain_reason(body)
    return (body.get("code") if reason else None), reason


ErrorDetails = Callable[[requests.Response], tuple[int | str | None, str | None]]


def error_for_response(
    response: requests.Response,
    *,
    service: str,
    what: str,
    secrets: Iterable[str] = (),
    error_details: ErrorDetails = generic_error_details,
) -> IntegrationError:
    """The typed error for a non-2xx answer. `what` names the object of the call, e.g. "the product"."""
    status = response.status_code
    code, reason = error_details(response)
    reason = short_reason(reason, secrets) if reason else None
    tail = f": {reason}" if reason else ""
    if status in (401, 403):
        return AuthError(f"{service} refused our credentials (HTTP {status}){tail}", service=service, status=status)
    if status == 404:
        return NotFound(f"{service} could not find {what} (HTTP 404){tail}", service=service, status=status)
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        when = f"; try again in {retry_after:.0f} s" if retry_after is not None else ""
        return RateLimited(
            f"{service} is rate limiting us (HTTP 429){when}", service=service, status=status, retry_after=retry_after
        )
    if status >= 500:
        return ServerError(f"{service} had a server error (HTTP {status}){tail}", service=service, status=status)
    label = code if code not in (None, "") else f"HTTP {status}"
    return Rejected(
        f"{service} refused {what} ({label}){tail}", service=service, status=status, code=code, reason=reason
    )


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    service: str,
    what: str,
    safe_to_repeat: bool,
    retry: RetryPolicy = DEFAULT_RETRY,
    timeout=DEFAULT_TIMEOUT,
    secrets: Iterable[str] = (),
    error_details: ErrorDetails = generic_error_details,
    pacer: Pacer | None = None,
    **kwargs,
) -> requests.Response:
    """One request, repeated on connection errors/429/502/503/504 only when safe_to_repeat; a typed error otherwise."""
    secrets = tuple(secrets)
    attempts = retry.attempts if safe_to_repeat else 1
    where = f"{method} {urlsplit(url).path}"
    for attempt in range(1, attempts + 1):
        if pacer is not None:
            pacer.before_attempt()
        try:
            response = session.request(method, url, timeout=timeout, **kwargs)
        except requests.Timeout:
            error = IntegrationTimeout(f"{service} did not answer in time", service=service)
            wait = retry.backoff(attempt - 1)
        except requests.ConnectionError:
            error = IntegrationTimeout(f"Could not connect to {service}", service=service)
            wait = retry.backoff(attempt - 1)
        else:
            if response.status_code < 400:
                return response
            error = error_for_response(
                response, service=service, what=what, secrets=secrets, error_details=error_details
            )
            if isinstance(error, RateLimited) and pacer is not None:
                pacer.rate_limited(error)
            if response.status_code not in retry.retry_statuses:
                raise error
            wait = retry.backoff(attempt - 1)
            if isinstance(error, RateLimited):
                if error.retry_after is None:
                    wait += RATE_LIMITED_MIN_WAIT
                elif error.retry_after > retry.max_retry_after:
                    raise error
                else:
                    wait = error.retry_after + random.uniform(0, retry.base)
        if attempt == attempts:
            raise error
        logger.warning("%s %s: %s; retry %d of %d in %.2f s", service, where, error, attempt, attempts - 1, wait)
        retry.sleep(wait)
    raise AssertionError("unreachable")  # the loop always returns or raises


def json_body(response: requests.Response, *, service: str, what: str, expect: type | tuple = (dict, list)):
    """The decoded JSON of a 2xx answer, or BadResponse when it is not JSON or not the expected type."""
    try:
        body = response.json()
    except ValueError:
        raise BadResponse(
            f"{service} sent an answer about {what} that is not JSON (HTTP {response.status_code})", service=service
        ) from None
    if not isinstance(body, expect):
        kind = type(body).__name__
        raise BadResponse(f"{service} sent an unexpected answer about {what} (a JSON {kind})", service=service)
    return body


def dumps(payload) -> bytes:
    """JSON body bytes: compact, UTF-8 (Printify asks for charset=utf-8)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def int_or_none(value) -> int | None:
    """A whole number from an answer's field: a JSON number or a numeric string ("8251"); None for anything else,
    booleans and non-finite numbers (Python's json reads Infinity and NaN) included."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        return int(value)
    except (ValueError, OverflowError):
        return None
