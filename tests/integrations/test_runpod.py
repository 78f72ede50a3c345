"""RunPodClient calls, every worker-comfyui output format, failures in words."""

import base64
import json
import logging

import pytest
import requests
import responses
from responses import matchers

from integrations.http import (
    USER_AGENT,
    AuthError,
    BadResponse,
    IntegrationTimeout,
    NotFound,
    RateLimited,
    Rejected,
    ServerError,
)
from integrations.runpod import (
    TERMINAL_STATUSES,
    JobExpired,
    JobStatus,
    OutputError,
    RunPodClient,
    describe_failure,
    job_status_from_json,
    parse_output,
    sanitize_filename_hint,
)

KEY = "rp_SECRETKEY0123456789"
BASE = "https://api.runpod.ai/v2"
ENDPOINT = f"{BASE}/ep-123"
PNG = b"\x89PNG\r\n\x1a\n" + b"fake image body"
PNG_B64 = base64.b64encode(PNG).decode()


@pytest.fixture
def client(fast_retry):
    return RunPodClient(KEY, "ep-123", retry=fast_retry)


def auth_headers():
    return matchers.header_matcher({"Authorization": f"Bearer {KEY}", "User-Agent": USER_AGENT})


# --- calls -----------------------------------------------------------------------------------------------------


@responses.activate
def test_submit_posts_input_webhook_and_policy(client):
    responses.post(
        f"{ENDPOINT}/run",
        json={"id": "job-1-e1", "status": "IN_QUEUE"},
        match=[
            auth_headers(),
            matchers.header_matcher({"Content-Type": "application/json"}),
            matchers.json_params_matcher(
                {
                    "input": {"workflow": {"9": {"class_type": "SaveImage", "inputs": {}}}},
                    "webhook": "https://shop.example/hooks/runpod",
                    "policy": {"executionTimeout": 900000},
                }
            ),
        ],
    )
    job_id = client.submit(
        {"workflow": {"9": {"class_type": "SaveImage", "inputs": {}}}},
        webhook="https://shop.example/hooks/runpod",
        policy={"executionTimeout": 900000},
    )
    assert job_id == "job-1-e1"
    assert len(responses.calls) == 1


@responses.activate
def test_submit_without_options_sends_only_input(client):
    responses.post(f"{ENDPOINT}/run", json={"id": "j2"}, match=[matchers.json_params_matcher({"input": {"a": 1}})])
    assert client.submit({"a": 1}) == "j2"


@pytest.mark.parametrize("failure", [{"status": 503}, {"status": 429}, {"body": requests.ConnectionError("reset")}])
@responses.activate
def test_submit_is_never_repeated(client, sleeps, failure):
    """POST /run queues a paid GPU job: after any failure the caller decides, the client never re-sends."""
    responses.post(f"{ENDPOINT}/run", **failure)
    with pytest.raises((ServerError, RateLimited, IntegrationTimeout)):
        client.submit({"a": 1})
    assert len(responses.calls) == 1
    assert sleeps.waits == []


@responses.activate
def test_submit_refuses_an_input_over_10_mb_without_sending(client):
    with pytest.raises(Rejected, match="at most 10 MB"):
        client.submit({"images": [{"name": "x.png", "image": "A" * (10 * 1024 * 1024)}]})
    assert len(responses.calls) == 0


@responses.activate
def test_submit_without_job_id_is_a_bad_response(client):
    responses.post(f"{ENDPOINT}/run", json={"status": "IN_QUEUE"})
    with pytest.raises(BadResponse, match="no job id"):
        client.submit({})


@responses.activate
def test_submit_non_json_answer_is_a_bad_response(client):
    responses.post(f"{ENDPOINT}/run", body="<html>gateway</html>", status=200)
    with pytest.raises(BadResponse, match="not JSON"):
        client.submit({})


@responses.activate
def test_bad_key_is_an_auth_error_without_the_key(client, caplog):
    caplog.set_level(logging.DEBUG)
    responses.post(f"{ENDPOINT}/run", status=401, body="Unauthorized")
    with pytest.raises(AuthError) as caught:
        client.submit({})
    assert str(caught.value) == "RunPod refused our credentials (HTTP 401)"
    assert KEY not in repr(caught.value) and KEY not in repr(client)
    assert all(KEY not in record.getMessage() for record in caplog.records)


@responses.activate
def test_status_maps_every_field(client):
    responses.get(
        f"{ENDPOINT}/status/job-1",
        match=[auth_headers()],
        json={
            "id": "job-1",
            "status": "COMPLETED",
            "delayTime": 1234,
            "executionTime": 5678,
            "workerId": "w-9",
            "output": {"images": []},
        },
    )
    job = client.status("job-1")
    assert job == JobStatus(
        id="job-1",
        status="COMPLETED",
        output={"images": []},
        error=None,
        delay_ms=1234,
        execution_ms=5678,
        worker_id="w-9",
    )
    assert job.is_terminal


def test_in_progress_with_progress_output_is_not_done():
    job = job_status_from_json({"id": "j", "status": "IN_PROGRESS", "output": {"type": "progress", "percent": 40}})
    assert not job.is_terminal
    assert TERMINAL_STATUSES == {"COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"}


def test_status_without_status_field_is_a_bad_response():
    with pytest.raises(BadResponse):
        job_status_from_json({"id": "j"})


@responses.activate
def test_status_404_means_expired(client):
    responses.get(f"{ENDPOINT}/status/old-job", status=404, json={"error": "job not found"})
    with pytest.raises(JobExpired) as caught:
        client.status("old-job")
    assert isinstance(caught.value, NotFound)
    assert str(caught.value) == "RunPod no longer knows job old-job: its result expired or the id is unknown"


@responses.activate
def test_status_is_retried_on_gateway_errors(client):
    responses.get(f"{ENDPOINT}/status/j", status=502)
    responses.get(f"{ENDPOINT}/status/j", json={"id": "j", "status": "IN_QUEUE"})
    assert client.status("j").status == "IN_QUEUE"
    assert len(responses.calls) == 2


@responses.activate
def test_job_id_cannot_escape_the_path(client):
    responses.get(f"{ENDPOINT}/status/..%2Fhealth", json={"id": "x", "status": "IN_QUEUE"})
    client.status("../health")
    assert responses.calls[0].request.url == f"{ENDPOINT}/status/..%2Fhealth"


@responses.activate
def test_cancel_posts_and_is_retried(client):
    responses.post(f"{ENDPOINT}/cancel/j", status=503)
    responses.post(f"{ENDPOINT}/cancel/j", match=[auth_headers()], json={"id": "j", "status": "CANCELLED"})
    assert client.cancel("j") is None
    assert len(responses.calls) == 2


@responses.activate
def test_cancel_of_an_expired_job(client):
    responses.post(f"{ENDPOINT}/cancel/j", status=404)
    with pytest.raises(JobExpired):
        client.cancel("j")


@responses.activate
def test_health(client):
    body = {"jobs": {"completed": 1, "failed": 0, "inProgress": 0, "inQueue": 2, "retried": 0}, "workers": {}}
    responses.get(f"{ENDPOINT}/health", match=[auth_headers()], json=body)
    assert client.health() == body


def test_client_needs_key_and_endpoint():
    with pytest.raises(ValueError):
        RunPodClient("", "ep")


# --- parse_output ----------------------------------------------------------------------------------------------


def test_worker_comfyui_5_base64_and_s3_with_warnings():
    parsed = parse_output(
        {
            "images": [
                {"filename": "ComfyUI_00001_.png", "type": "base64", "data": PNG_B64},
                {"filename": "ComfyUI_00002_.png", "type": "s3_url", "data": "https://b.s3.amazonaws.com/j/ab.png?X=1"},
            ],
            "errors": ["S3 upload failed for ComfyUI_00003_.png"],
        }
    )
    first, second = parsed.images
    assert (first.data, first.url, first.filename_hint) == (PNG, None, "ComfyUI_00001_.png")
    assert (second.data, second.url) == (None, "https://b.s3.amazonaws.com/j/ab.png?X=1")
    assert second.filename_hint == "ComfyUI_00002_.png"
    assert parsed.warnings == ["S3 upload failed for ComfyUI_00003_.png"]


def test_success_no_images_is_an_error():
    with pytest.raises(OutputError, match="without saving any image"):
        parse_output({"status": "success_no_images", "images": []})


@pytest.mark.parametrize("message", [PNG_B64, f"data:image/png;base64,{PNG_B64}"])
def test_legacy_success_message_base64(message):
    parsed = parse_output({"status": "success", "message": message})
    assert [image.data for image in parsed.images] == [PNG]


def test_legacy_success_message_url():
    parsed = parse_output({"status": "success", "message": "https://bucket.example/j/x1.png"})
    assert parsed.images[0].url == "https://bucket.example/j/x1.png"
    assert parsed.images[0].filename_hint == "x1.png"


def test_legacy_error_is_an_error_although_completed():
    with pytest.raises(OutputError) as caught:
        parse_output({"status": "error", "message": "the image does not exist in the specified output folder: /x"})
    assert str(caught.value) == (
        "The worker reported an error although the job is COMPLETED: "
        "the image does not exist in the specified output folder: /x"
    )


def test_legacy_error_with_details():
    with pytest.raises(OutputError, match=r"Some images failed to upload \(x.png: bad\)"):
        parse_output({"status": "error", "message": "Some images failed to upload", "details": ["x.png: bad"]})


def test_legacy_max_retries_error():
    with pytest.raises(OutputError, match="Max retries reached"):
        parse_output({"error": "Max retries reached while waiting for image generation"})


@pytest.mark.parametrize(
    "output",
    [
        PNG_B64,
        f"data:image/png;base64,{PNG_B64}",
        [PNG_B64],
        {"image": PNG_B64},
        {"images": PNG_B64},
        {"images": {"filename": "a.png", "data": PNG_B64}},
        {"files": [{"name": "a.png", "base64": PNG_B64}]},
        {"image": {"data": f"data:image/png;base64,{PNG_B64}"}},
        {"message": {"images": [PNG_B64]}},
        {"output": {"images": [{"data": PNG_B64}]}},
        {"images": {"9": [{"filename": "a.png", "type": "base64", "data": PNG_B64}]}},
        {"images": [PNG_B64.replace("+", "-").replace("/", "_").rstrip("=")]},  # URL-safe, unpadded
        {"images": [PNG_B64[:20] + "\n" + PNG_B64[20:]]},  # wrapped lines
    ],
)
def test_every_inline_shape_decodes_to_the_image(output):
    parsed = parse_output(output)
    assert [image.data for image in parsed.images] == [PNG]
    assert parsed.images[0].url is None


def test_url_item_shapes():
    parsed = parse_output({"images": [{"url": "https://x.example/1.png"}, {"image_url": "http://x.example/2.png"}]})
    assert [image.url for image in parsed.images] == ["https://x.example/1.png", "http://x.example/2.png"]


def test_several_images_are_all_kept():
    parsed = parse_output({"images": [{"type": "base64", "data": PNG_B64}] * 3})
    assert len(parsed.images) == 3
    assert [image.filename_hint for image in parsed.images] == ["image_1", "image_2", "image_3"]


@pytest.mark.parametrize("output", [None, {}, [], ""])
def test_completed_without_output(output):
    with pytest.raises(OutputError, match="returned no output.*too large"):
        parse_output(output)


def test_completed_with_only_warnings_has_no_image():
    with pytest.raises(OutputError) as caught:
        parse_output({"images": [], "errors": ["S3 upload failed"]})
    assert str(caught.value) == (
        "RunPod reported the job COMPLETED but its output contains no image. Worker warnings: S3 upload failed"
    )


def test_invalid_base64_names_the_image():
    with pytest.raises(OutputError) as caught:
        parse_output(
            {
                "images": [
                    {"filename": "ok.png", "type": "base64", "data": PNG_B64},
                    {"filename": "ComfyUI_00002_.png", "type": "base64", "data": "not*base64!"},
                ]
            }
        )
    assert str(caught.value) == "Image 2 ('ComfyUI_00002_.png') is not valid base64, so it cannot be decoded."


def test_s3_type_with_a_non_url_is_an_error():
    with pytest.raises(OutputError, match="Image 1 .* not an http"):
        parse_output({"images": [{"filename": "a.png", "type": "s3_url", "data": "file:///etc/passwd"}]})


def test_data_uri_that_is_not_base64():
    with pytest.raises(OutputError, match="not base64-encoded"):
        parse_output(f"data:image/png,{PNG_B64}")


def test_entry_without_data():
    with pytest.raises(OutputError, match="Image 1 .*has no data"):
        parse_output({"images": [{"filename": "a.png", "type": "base64", "data": ""}]})


@pytest.mark.parametrize(
    ("remote", "hint"),
    [
        ("../../etc/passwd", "passwd"),
        ("/abs/path/x.png", "x.png"),
        ("..\\..\\win.png", "win.png"),
        (".hidden", "hidden"),
        ("a b$c.png", "a_b_c.png"),
        ("..", "image_4"),
        ("", "image_4"),
    ],
)
def test_filename_hints_are_never_paths(remote, hint):
    assert sanitize_filename_hint(remote, 4) == hint


def test_hostile_filename_in_output_is_reduced_to_a_base_name():
    parsed = parse_output({"images": [{"filename": "../../../settings.py", "type": "base64", "data": PNG_B64}]})
    assert parsed.images[0].filename_hint == "settings.py"


# --- describe_failure ------------------------------------------------------------------------------------------


def test_describe_python_worker_exception():
    error = json.dumps(
        {
            "error_type": "<class 'RuntimeError'>",
            "error_message": "CUDA out of memory",
            "error_traceback": "Traceback (most recent call last): ...",
            "hostname": "abc",
            "worker_id": "w1",
            "runpod_version": "1.12.0",
        }
    )
    text = describe_failure(JobStatus(id="j", status="FAILED", error=error))
    assert text == "The RunPod job failed: RuntimeError: CUDA out of memory"
    assert "Traceback" not in text


def test_describe_worker_comfyui_failures():
    job = JobStatus(id="j", status="FAILED", error="Job processing failed", output={"details": ["Node 31: bad seed"]})
    assert describe_failure(job) == "The RunPod job failed: Job processing failed Details: Node 31: bad seed"
    job = JobStatus(id="j", status="FAILED", error="Workflow execution error: Node Type: KSampler, Node ID: 31")
    assert describe_failure(job) == "The RunPod job failed: Workflow execution error: Node Type: KSampler, Node ID: 31"
    assert describe_failure(JobStatus(id="j", status="FAILED")) == "The RunPod job failed: no reason given."


def test_describe_timeouts_cancels_and_unusable_output():
    assert "timed the job out" in describe_failure(JobStatus(id="j", status="TIMED_OUT"))
    assert describe_failure(JobStatus(id="j", status="CANCELLED")) == "The RunPod job was cancelled."
    legacy = JobStatus(id="j", status="COMPLETED", output={"status": "error", "message": "no image"})
    assert describe_failure(legacy) == "The worker reported an error although the job is COMPLETED: no image"
