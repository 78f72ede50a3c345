"""Contract: the real RunPodClient against the running sandbox, over real sockets."""

import io
import time
from urllib.parse import urlsplit

import pytest
from PIL import Image

from integrations.comfyui import FLUX_DEV_FP8_PARAMETER_MAP, FLUX_DEV_FP8_WORKFLOW, build_workflow
from integrations.download import DownloadRefused, download_image
from integrations.http import AuthError, IntegrationTimeout, RetryPolicy, ServerError
from integrations.runpod import (
    JobExpired,
    OutputError,
    RunPodClient,
    describe_failure,
    parse_output,
)

KEY = "sk-contract-runpod-key"
FAST_RETRY = RetryPolicy(attempts=3, base=0.001, cap=0.005)


@pytest.fixture
def client(sandbox):
    sandbox.configure(runpod_api_key=KEY)
    return RunPodClient(KEY, "contract-endpoint", f"{sandbox.url}/runpod/v2", retry=FAST_RETRY, timeout=(2, 5))


def job_input(prompt="a heron at dawn", seed=3, batch_size=1):
    graph = build_workflow(
        FLUX_DEV_FP8_WORKFLOW,
        FLUX_DEV_FP8_PARAMETER_MAP,
        prompt=prompt,
        seed=seed,
        width=512,
        height=512,
        batch_size=batch_size,
    ).graph
    return {"workflow": graph}


def wait_terminal(client, job_id, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.status(job_id)
        if job.is_terminal:
            return job
        time.sleep(0.01)
    pytest.fail(f"job {job_id} not finished within {timeout} s")


def test_submit_poll_complete_and_parse_images(sandbox, client):
    sandbox.configure(runpod_latency=0.15)
    job_id = client.submit(job_input(batch_size=2))
    first = client.status(job_id)
    assert first.status in ("IN_QUEUE", "IN_PROGRESS") and not first.is_terminal

    job = wait_terminal(client, job_id)
    assert job.status == "COMPLETED"
    assert job.execution_ms == pytest.approx(150, abs=5) and job.delay_ms is not None
    assert job.worker_id
    parsed = parse_output(job.output)
    assert parsed.warnings == []
    assert len(parsed.images) == 2
    for ref in parsed.images:
        assert ref.url is None
        assert Image.open(io.BytesIO(ref.data)).size == (512, 512)
    assert sandbox.state()["runpod"]["submissions"] == 1


def test_s3_url_output_downloads_from_the_sandbox_when_loopback_is_allowed(sandbox, client):
    sandbox.configure(runpod_output="s3_url")
    job = wait_terminal(client, client.submit(job_input()))
    (ref,) = parse_output(job.output).images
    assert ref.data is None and ref.url.startswith(sandbox.url)
    data = download_image(ref.url, max_bytes=10_000_000, timeout=5, allow_hosts=(urlsplit(sandbox.url).netloc,))
    assert Image.open(io.BytesIO(data)).size == (512, 512)
    with pytest.raises(DownloadRefused):  # loopback is refused unless configured
        download_image(ref.url, max_bytes=10_000_000, timeout=5)


@pytest.mark.parametrize("outcome", ["url_private", "url_metadata"])
def test_private_output_urls_are_refused(sandbox, client, outcome):
    sandbox.configure(runpod_next_outcomes=[outcome])
    (ref,) = parse_output(wait_terminal(client, client.submit(job_input())).output).images
    with pytest.raises(DownloadRefused):
        download_image(ref.url, max_bytes=10_000_000, timeout=2, allow_hosts=(urlsplit(sandbox.url).netloc,))


def test_legacy_output_still_parses(sandbox, client):
    sandbox.configure(runpod_next_outcomes=["legacy"])
    (ref,) = parse_output(wait_terminal(client, client.submit(job_input())).output).images
    assert Image.open(io.BytesIO(ref.data)).format == "PNG"


@pytest.mark.parametrize("outcome", ["broken_base64", "no_images", "legacy_error"])
def test_unusable_completed_output_is_an_output_error(sandbox, client, outcome):
    sandbox.configure(runpod_next_outcomes=[outcome])
    job = wait_terminal(client, client.submit(job_input()))
    assert job.status == "COMPLETED"
    with pytest.raises(OutputError):
        parse_output(job.output)


@pytest.mark.parametrize("outcome", ["FAILED", "TIMED_OUT", "errors_only"])
def test_failures_are_described_in_plain_words(sandbox, client, outcome):
    sandbox.configure(runpod_next_outcomes=[outcome])
    job = wait_terminal(client, client.submit(job_input()))
    assert job.status in ("FAILED", "TIMED_OUT")
    text = describe_failure(job)
    assert text and "{" not in text  # the JSON-encoded runpod-python error is turned into words


def test_cancel(sandbox, client):
    sandbox.configure(runpod_latency=2.0)
    job_id = client.submit(job_input())
    client.cancel(job_id)
    assert client.status(job_id).status == "CANCELLED"
    assert sandbox.state()["runpod"]["cancels"] == 1


def test_expired_job_raises_job_expired(sandbox, client):
    sandbox.configure(runpod_next_outcomes=["expired"])
    job_id = client.submit(job_input())
    time.sleep(0.1)
    with pytest.raises(JobExpired):
        client.status(job_id)
    with pytest.raises(JobExpired):
        client.status("unknown-job-u1")


def test_health(client):
    health = client.health()
    assert set(health["jobs"]) >= {"completed", "failed", "inProgress", "inQueue"}


def test_wrong_key_is_an_auth_error_without_the_key(sandbox):
    wrong = RunPodClient("sk-wrong-key", "contract-endpoint", f"{sandbox.url}/runpod/v2", retry=FAST_RETRY)
    sandbox.configure(runpod_api_key=KEY)
    with pytest.raises(AuthError) as caught:
        wrong.health()
    assert "sk-wrong-key" not in str(caught.value) and KEY not in str(caught.value)


def test_status_is_retried_through_429_but_submit_is_never_repeated(sandbox, client):
    job_id = client.submit(job_input())
    sandbox.configure(next_http_errors=[429, 503])
    assert client.status(job_id).id == job_id  # two refusals, then the answer
    assert sandbox.state()["runpod"]["requests_by_route"]["GET /status"] == 3

    sandbox.configure(next_http_errors=[500])
    with pytest.raises(ServerError):
        client.submit(job_input(seed=99))
    state = sandbox.state()["runpod"]
    assert state["requests_by_route"]["POST /run"] == 2  # one success earlier, one refused: no blind repeat
    assert state["submissions"] == 1


def test_slow_answers_become_integration_timeouts(sandbox):
    impatient = RunPodClient(KEY, "ep", f"{sandbox.url}/runpod/v2", retry=RetryPolicy(attempts=1), timeout=(1, 0.1))
    sandbox.configure(http_delay=0.4)
    with pytest.raises(IntegrationTimeout):
        impatient.health()
