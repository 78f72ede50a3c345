"""integrations.http: typed errors, retries only where safe, Retry-After, no secrets in messages or logs."""

import logging
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
import responses

from integrations.http import (
    RATE_LIMITED_MIN_WAIT,
    USER_AGENT,
    AuthError,
    BadResponse,
    IntegrationError,
    IntegrationTimeout,
    NotFound,
    RateLimited,
    Rejected,
    RetryPolicy,
    ServerError,
    build_session,
    int_or_none,
    json_body,
    parse_retry_after,
    send,
)

URL = "https://api.example.test/v1/things.json"
SECRET = "sk-live-0123456789abcdef"


def call(session, method="GET", *, safe=True, retry, **kwargs):
    return send(
        session,
        method,
        URL,
        service="Example",
        what="the thing",
        safe_to_repeat=safe,
        retry=retry,
        secrets=(SECRET,),
        headers={"Authorization": f"Bearer {SECRET}"},
        **kwargs,
    )


@pytest.fixture
def session():
    return build_session()


def test_session_has_user_agent_pool_and_no_hidden_retries():
    session = build_session(pool_size=7)
    assert session.headers["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("podsite/")
    adapter = session.get_adapter("https://x.test/")
    assert adapter._pool_maxsize == 7
    assert adapter.max_retries.total == 0
    assert "Authorization" not in session.headers


@responses.activate
def test_user_agent_is_sent(session, fast_retry):
    responses.get(URL, json={"ok": True})
    call(session, retry=fast_retry)
    assert responses.calls[0].request.headers["User-Agent"] == USER_AGENT


@pytest.mark.parametrize("status", [502, 503, 504])
@responses.activate
def test_safe_request_retries_gateway_errors_with_backoff(session, fast_retry, sleeps, status):
    responses.get(URL, status=status)
    responses.get(URL, status=status)
    responses.get(URL, json={"ok": True})
    response = call(session, retry=fast_retry)
    assert response.json() == {"ok": True}
    assert len(responses.calls) == 3
    assert len(sleeps.waits) == 2
    assert all(0 <= wait <= fast_retry.cap for wait in sleeps.waits)


@responses.activate
def test_gives_up_after_the_configured_attempts(session, fast_retry):
    responses.get(URL, status=503)
    with pytest.raises(ServerError) as caught:
        call(session, retry=fast_retry)
    assert len(responses.calls) == fast_retry.attempts
    assert caught.value.retryable and caught.value.status == 503
    assert str(caught.value) == "Example had a server error (HTTP 503)"


@responses.activate
def test_500_is_not_retried(session, fast_retry):
    """Only 502/503/504 mean 'try again': a 500 is a bug on their side that a repeat rarely fixes."""
    responses.get(URL, status=500)
    with pytest.raises(ServerError):
        call(session, retry=fast_retry)
    assert len(responses.calls) == 1


@responses.activate
def test_429_honours_retry_after(session, fast_retry, sleeps):
    responses.get(URL, status=429, headers={"Retry-After": "2"})
    responses.get(URL, json=[1])
    assert call(session, retry=fast_retry).json() == [1]
    assert len(responses.calls) == 2
    # the wait is Retry-After plus a little jitter (at most `base`), not the tiny exponential backoff
    assert 2 <= sleeps.waits[0] <= 2 + fast_retry.base


@responses.activate
def test_429_without_retry_after_is_never_repeated_within_a_second(session, fast_retry, sleeps):
    responses.get(URL, status=429)
    responses.get(URL, status=429)
    responses.get(URL, json={})
    call(session, retry=fast_retry)
    assert len(responses.calls) == 3
    # at least a second, plus the backoff's jitter (tiny here), before each repeat
    assert len(sleeps.waits) == 2
    assert all(RATE_LIMITED_MIN_WAIT <= wait <= RATE_LIMITED_MIN_WAIT + fast_retry.cap for wait in sleeps.waits)


class RecordingPacer:
    """A caller's Pacer (the Printify client's is tested in test_printify.py): records what send() tells it."""

    def __init__(self, sleeps):
        self.sleeps = sleeps
        self.events: list[str] = []

    def before_attempt(self):
        self.events.append(f"slot after {len(self.sleeps.waits)} waits")

    def rate_limited(self, error):
        self.events.append(f"429 retry_after={error.retry_after}")


@responses.activate
def test_pacer_hears_every_429_and_gives_a_slot_before_every_attempt(session, fast_retry, sleeps):
    pacer = RecordingPacer(sleeps)
    responses.get(URL, status=429)
    responses.get(URL, status=429, headers={"Retry-After": "2"})
    responses.get(URL, json={})
    call(session, retry=fast_retry, pacer=pacer)
    assert pacer.events == [
        "slot after 0 waits",
        "429 retry_after=None",
        "slot after 1 waits",  # the repeat takes its slot after the wait, not before
        "429 retry_after=2.0",
        "slot after 2 waits",
    ]


@responses.activate
def test_pacer_hears_a_429_on_a_call_that_is_not_repeated(session, fast_retry, sleeps):
    pacer = RecordingPacer(sleeps)
    responses.post(URL, status=429)
    with pytest.raises(RateLimited):
        call(session, "POST", safe=False, retry=fast_retry, pacer=pacer)
    assert pacer.events == ["slot after 0 waits", "429 retry_after=None"]
    assert len(responses.calls) == 1 and sleeps.waits == []


@responses.activate
def test_429_with_long_retry_after_goes_to_the_caller(session, fast_retry, sleeps):
    responses.get(URL, status=429, headers={"Retry-After": "3600"})
    with pytest.raises(RateLimited) as caught:
        call(session, retry=fast_retry)
    assert len(responses.calls) == 1 and sleeps.waits == []
    assert caught.value.retry_after == 3600
    assert str(caught.value) == "Example is rate limiting us (HTTP 429); try again in 3600 s"


@responses.activate
def test_real_sleep_backoff_is_short_when_configured(session):
    """The default sleep (time.sleep) really runs; a tiny base keeps it fast."""
    responses.get(URL, status=503)
    responses.get(URL, json={})
    started = time.monotonic()
    call(session, retry=RetryPolicy(attempts=2, base=0.01, cap=0.02))
    assert time.monotonic() - started < 1


def test_parse_retry_after_accepts_seconds_and_http_dates():
    assert parse_retry_after("7") == 7
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= parse_retry_after(later) <= 31
    earlier = format_datetime(datetime.now(UTC) - timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(earlier) == 0


@pytest.mark.parametrize("status", [429, 502, 503, 504])
@responses.activate
def test_unsafe_post_is_sent_exactly_once(session, fast_retry, sleeps, status):
    responses.post(URL, status=status, headers={"Retry-After": "1"})
    with pytest.raises(IntegrationError):
        call(session, "POST", safe=False, retry=fast_retry, json={"a": 1})
    assert len(responses.calls) == 1
    assert sleeps.waits == []


@responses.activate
def test_unsafe_post_is_not_repeated_after_a_connection_error(session, fast_retry):
    responses.post(URL, body=requests.ConnectionError("connection reset by peer"))
    with pytest.raises(IntegrationTimeout) as caught:
        call(session, "POST", safe=False, retry=fast_retry)
    assert len(responses.calls) == 1
    assert str(caught.value) == "Could not connect to Example"
    assert caught.value.retryable


@responses.activate
def test_safe_request_retries_connection_errors_and_timeouts(session, fast_retry):
    responses.get(URL, body=requests.ConnectionError("refused"))
    responses.get(URL, body=requests.ReadTimeout("read timed out"))
    responses.get(URL, json={"ok": 1})
    assert call(session, retry=fast_retry).json() == {"ok": 1}
    assert len(responses.calls) == 3


@responses.activate
def test_timeout_becomes_integration_timeout(session):
    responses.get(URL, body=requests.ConnectTimeout("slow"))
    with pytest.raises(IntegrationTimeout) as caught:
        call(session, retry=RetryPolicy(attempts=1))
    assert str(caught.value) == "Example did not answer in time"


@pytest.mark.parametrize(
    ("status", "body", "error_class", "message"),
    [
        (401, {"error": "Unauthenticated"}, AuthError, "Example refused our credentials (HTTP 401): Unauthenticated"),
        (403, None, AuthError, "Example refused our credentials (HTTP 403)"),
        (404, {"error": "Not found"}, NotFound, "Example could not find the thing (HTTP 404): Not found"),
        (400, {"error": "bad input"}, Rejected, "Example refused the thing (HTTP 400): bad input"),
        (422, {"message": "Invalid id", "code": 77}, Rejected, "Example refused the thing (77): Invalid id"),
        (413, "too big", Rejected, "Example refused the thing (HTTP 413)"),
        (500, {"error": "boom"}, ServerError, "Example had a server error (HTTP 500): boom"),
    ],
)
@responses.activate
def test_status_codes_become_typed_errors(session, fast_retry, status, body, error_class, message):
    if isinstance(body, dict):
        responses.get(URL, status=status, json=body)
    else:
        responses.get(URL, status=status, body=body or "")
    with pytest.raises(error_class) as caught:
        call(session, retry=fast_retry)
    error = caught.value
    assert str(error) == message
    assert error.service == "Example" and error.status == status
    assert error.retryable is (status >= 500)
    assert len(responses.calls) == 1  # none of these is retried


@responses.activate
def test_rejected_keeps_code_and_reason(session, fast_retry):
    responses.get(URL, status=422, json={"message": "Invalid id", "code": 77})
    with pytest.raises(Rejected) as caught:
        call(session, retry=fast_retry)
    assert caught.value.code == 77 and caught.value.reason == "Invalid id"


@responses.activate
def test_long_reasons_are_shortened(session, fast_retry):
    responses.get(URL, status=400, json={"error": "x" * 5000})
    with pytest.raises(Rejected) as caught:
        call(session, retry=fast_retry)
    assert len(str(caught.value)) < 400


@responses.activate
def test_secret_never_in_errors_or_logs(session, fast_retry, caplog):
    """Even a service that echoes our token back does not get it into a message, repr or log record."""
    caplog.set_level(logging.DEBUG)
    responses.get(URL, status=503, json={"error": f"token {SECRET} is overloaded"})
    responses.get(URL, status=401, json={"error": f"bad token Bearer {SECRET}"})
    with pytest.raises(AuthError) as caught:
        call(session, retry=fast_retry)
    error = caught.value
    assert SECRET in responses.calls[0].request.headers["Authorization"]  # it was really sent
    assert "[redacted]" in str(error)
    for text in (str(error), repr(error), error.message, str(error.args)):
        assert SECRET not in text
    assert caplog.records, "the retry was logged"
    for record in caplog.records:
        assert SECRET not in record.getMessage()
        assert SECRET not in str(record.args)


def test_json_body_rejects_non_json_and_wrong_shapes():
    response = requests.Response()
    response.status_code = 200
    response._content = b"<html>oops</html>"
    with pytest.raises(BadResponse, match="not JSON"):
        json_body(response, service="Example", what="the thing")
    response._content = b"[1, 2]"
    with pytest.raises(BadResponse, match="unexpected answer about the thing"):
        json_body(response, service="Example", what="the thing", expect=dict)
    response._content = b'{"a": 1}'
    assert json_body(response, service="Example", what="the thing", expect=dict) == {"a": 1}


def test_backoff_grows_and_is_capped():
    policy = RetryPolicy(base=1, cap=5)
    for retry_number in range(6):
        for _ in range(20):
            assert 0 <= policy.backoff(retry_number) <= min(5, 2**retry_number)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(8251, 8251), ("8251", 8251), (1250.7, 1250), (True, None), ("3.5", None), (None, None), ([1], None)]
    + [(float("inf"), None), (float("nan"), None), ("", None)],
)
def test_int_or_none_reads_numbers_and_numeric_strings_only(value, expected):
    # One reader for RunPod's delayTime/executionTime and Printify's error codes ("8251" or 8251).
    assert int_or_none(value) == expected
