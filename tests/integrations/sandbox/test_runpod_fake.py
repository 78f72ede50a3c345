"""The RunPod half of the sandbox, through real HTTP on a free loopback port."""

import base64
import binascii
import io
import json
import logging
import threading
import time

import pytest
import requests
from PIL import Image

from integrations.comfyui import FLUX_DEV_FP8_PARAMETER_MAP, FLUX_DEV_FP8_WORKFLOW, build_workflow

KEY = "sk-test-runpod-key-123"


def flux_graph(prompt="a red fox, woodcut", seed=7, width=512, height=384, batch_size=1):
    return build_workflow(
        FLUX_DEV_FP8_WORKFLOW,
        FLUX_DEV_FP8_PARAMETER_MAP,
        prompt=prompt,
        seed=seed,
        width=width,
        height=height,
        batch_size=batch_size,
    ).graph


class RunPod:
    """A thin requests wrapper so tests read like the API."""

    def __init__(self, sandbox, endpoint="ep-test", key=KEY):
        self.base = f"{sandbox.url}/runpod/v2/{endpoint}"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {key}"

    def run(self, body=None, **input_fields):
        body = body if body is not None else {"input": {"workflow": flux_graph(**input_fields)}}
        response = self.session.post(f"{self.base}/run", json=body, timeout=5)
        assert response.status_code == 200, response.text
        return response.json()["id"]

    def status(self, job_id):
        return self.session.get(f"{self.base}/status/{job_id}", timeout=5)

    def wait(self, job_id, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answer = self.status(job_id).json()
            if answer["status"] in ("COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"):
                return answer
            time.sleep(0.01)
        pytest.fail(f"job {job_id} did not finish within {timeout} s")


@pytest.fixture
def runpod(sandbox):
    return RunPod(sandbox)


def decode_png(entry) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(entry["data"], validate=True)))


# --- lifecycle -----------------------------------------------------------------------------------------------


def test_jobs_queue_fifo_behind_the_gpu_workers_and_report_delay_and_execution_time(sandbox, runpod):
    sandbox.configure(runpod_latency=0.3, runpod_gpu_workers=2)
    ids = [runpod.run(seed=n) for n in range(5)]

    first_look = [runpod.status(job_id).json()["status"] for job_id in ids]
    assert first_look == ["IN_PROGRESS", "IN_PROGRESS", "IN_QUEUE", "IN_QUEUE", "IN_QUEUE"]

    answers = [runpod.wait(job_id) for job_id in ids]
    assert [answer["status"] for answer in answers] == ["COMPLETED"] * 5
    for answer in answers:
        assert answer["executionTime"] == pytest.approx(300, abs=5)
        assert answer["workerId"].startswith("sandbox-gpu-")
        assert set(answer) == {"id", "status", "delayTime", "executionTime", "workerId", "output"}
    delays = [answer["delayTime"] for answer in answers]
    # Jobs 3 and 4 wait for the first pair, job 5 for the second pair (submission takes a few ms).
    assert delays[0] < 50 and delays[1] < 50
    assert 250 <= delays[2] <= 300 and 250 <= delays[3] <= 300
    assert 550 <= delays[4] <= 600
    assert sandbox.state()["runpod"]["peak_in_progress"] == 2


def test_concurrent_clients_never_see_more_jobs_in_progress_than_gpu_workers(sandbox):
    sandbox.configure(runpod_latency=0.15, runpod_gpu_workers=4)
    seen_in_progress: list[int] = []
    errors: list[str] = []

    def client(number):
        runpod = RunPod(sandbox)
        try:
            job_id = runpod.run(seed=number)
            assert runpod.wait(job_id, timeout=10)["status"] == "COMPLETED"
        except Exception as exc:  # collected: a failure in a thread must fail the test
            errors.append(repr(exc))

    def watcher(stop):
        while not stop.is_set():
            counts = requests.get(f"{sandbox.url}/_sandbox/state", timeout=5).json()["runpod"]["jobs_by_status"]
            seen_in_progress.append(counts.get("IN_PROGRESS", 0))

    stop = threading.Event()
    watch = threading.Thread(target=watcher, args=(stop,))
    watch.start()
    clients = [threading.Thread(target=client, args=(n,)) for n in range(20)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join(timeout=20)
    stop.set()
    watch.join(timeout=5)

    assert errors == []
    state = sandbox.state()["runpod"]
    assert state["submissions"] == 20
    assert state["jobs_by_status"] == {"COMPLETED": 20}
    assert max(seen_in_progress) <= 4
    assert state["peak_in_progress"] == 4


def test_output_holds_batch_size_real_pngs_of_the_requested_size(runpod):
    answer = runpod.wait(runpod.run(width=768, height=512, batch_size=3))
    images = answer["output"]["images"]
    assert [entry["filename"] for entry in images] == [
        "ComfyUI_00001_.png",
        "ComfyUI_00002_.png",
        "ComfyUI_00003_.png",
    ]
    assert {entry["type"] for entry in images} == {"base64"}
    pictures = [decode_png(entry) for entry in images]
    for picture in pictures:
        assert (picture.format, picture.size) == ("PNG", (768, 512))
        picture.load()
    assert len({picture.tobytes() for picture in pictures}) == 3  # each image of a batch differs


def test_images_are_deterministic_in_prompt_and_seed(runpod):
    def image_of(**fields):
        return runpod.wait(runpod.run(**fields))["output"]["images"][0]["data"]

    same = image_of(prompt="a lighthouse", seed=11)
    assert image_of(prompt="a lighthouse", seed=11) == same
    assert image_of(prompt="a lighthouse", seed=12) != same
    assert image_of(prompt="a harbour", seed=11) != same


def test_graph_is_read_by_class_type_not_by_node_id(sandbox, runpod):
    graph = flux_graph(prompt="renumbered nodes", seed=5, width=256, height=320, batch_size=2)
    renumbered = {f"n{node_id}": node for node_id, node in graph.items()}
    for node in renumbered.values():  # links follow the new ids
        for name, value in node["inputs"].items():
            if isinstance(value, list):
                node["inputs"][name] = [f"n{value[0]}", value[1]]
    answer = runpod.wait(runpod.run({"input": {"workflow": renumbered}}))
    assert [decode_png(entry).size for entry in answer["output"]["images"]] == [(256, 320), (256, 320)]
    assert sandbox.state()["runpod"]["submissions_by_prompt"] == {"renumbered nodes": 1}


def test_missing_workflow_fails_like_worker_comfyui(runpod):
    answer = runpod.wait(runpod.run({"input": {"prompt": "no workflow here"}}))
    assert answer["status"] == "FAILED"
    assert answer["error"] == "Missing 'workflow' parameter"


def test_body_without_input_is_a_bad_request(runpod):
    response = runpod.session.post(f"{runpod.base}/run", json={"workflow": {}}, timeout=5)
    assert response.status_code == 400


def test_results_expire_after_the_retention(sandbox, runpod):
    sandbox.configure(runpod_retention=0.2)
    job_id = runpod.run()
    assert runpod.wait(job_id)["status"] == "COMPLETED"
    assert runpod.status(job_id).status_code == 200
    time.sleep(0.25)
    assert runpod.status(job_id).status_code == 404
    assert runpod.status("never-submitted").status_code == 404


def test_policy_ttl_deletes_the_job_even_while_it_waits(sandbox, runpod):
    sandbox.configure(runpod_latency=2.0, runpod_gpu_workers=1)
    runpod.run()
    queued = runpod.run({"input": {"workflow": flux_graph()}, "policy": {"ttl": 150}})
    assert runpod.status(queued).json()["status"] == "IN_QUEUE"
    time.sleep(0.2)
    assert runpod.status(queued).status_code == 404


def test_policy_execution_timeout_gives_timed_out(sandbox, runpod):
    sandbox.configure(runpod_latency=1.0)
    job_id = runpod.run({"input": {"workflow": flux_graph()}, "policy": {"executionTimeout": 100}})
    answer = runpod.wait(job_id)
    assert answer["status"] == "TIMED_OUT"
    assert answer["executionTime"] == pytest.approx(100, abs=5)


# --- operations ----------------------------------------------------------------------------------------------


def test_cancel_a_queued_job_and_a_running_one_frees_its_worker(sandbox, runpod):
    sandbox.configure(runpod_latency=1.0, runpod_gpu_workers=1)
    running, queued, waiting = runpod.run(seed=1), runpod.run(seed=2), runpod.run(seed=3)

    answer = runpod.session.post(f"{runpod.base}/cancel/{queued}", timeout=5).json()
    assert answer == {"id": queued, "status": "CANCELLED"}
    assert runpod.session.post(f"{runpod.base}/cancel/{running}", timeout=5).json()["status"] == "CANCELLED"

    assert runpod.status(queued).json()["status"] == "CANCELLED"
    assert runpod.status(running).json()["status"] == "CANCELLED"
    assert runpod.status(waiting).json()["status"] == "IN_PROGRESS"  # the freed worker took it at once
    state = sandbox.state()["runpod"]
    assert state["cancels"] == 2
    assert state["jobs_by_status"] == {"CANCELLED": 2, "IN_PROGRESS": 1}


def test_cancel_of_a_finished_job_keeps_its_status(runpod):
    job_id = runpod.run()
    runpod.wait(job_id)
    assert runpod.session.post(f"{runpod.base}/cancel/{job_id}", timeout=5).json()["status"] == "COMPLETED"


def test_retry_requeues_a_failed_job_under_the_same_id(sandbox, runpod):
    sandbox.configure(runpod_next_outcomes=["FAILED"])
    job_id = runpod.run()
    assert runpod.wait(job_id)["status"] == "FAILED"

    answer = runpod.session.post(f"{runpod.base}/retry/{job_id}", timeout=5).json()
    assert answer == {"id": job_id, "status": "IN_QUEUE"}
    assert runpod.wait(job_id)["status"] == "COMPLETED"
    assert sandbox.state()["runpod"]["retries"] == 1
    assert runpod.session.post(f"{runpod.base}/retry/{job_id}", timeout=5).status_code == 400


def test_runsync_waits_for_the_result_or_hands_back_an_id(sandbox, runpod):
    body = {"input": {"workflow": flux_graph()}}
    answer = runpod.session.post(f"{runpod.base}/runsync", json=body, timeout=5).json()
    assert answer["id"].startswith("sync-")
    assert answer["status"] == "COMPLETED"
    assert decode_png(answer["output"]["images"][0]).size == (512, 384)

    sandbox.configure(runpod_latency=1.5)
    started = time.monotonic()
    answer = runpod.session.post(f"{runpod.base}/runsync?wait=1000", json=body, timeout=5).json()
    assert 0.9 < time.monotonic() - started < 1.4
    assert answer["status"] == "IN_PROGRESS"
    # status-sync is the long poll the JS/Go SDKs use
    done = runpod.session.get(f"{runpod.base}/status-sync/{answer['id']}?wait=3000", timeout=5).json()
    assert done["status"] == "COMPLETED"


def test_health_and_purge_queue(sandbox, runpod):
    sandbox.configure(runpod_latency=1.0, runpod_gpu_workers=1)
    for seed in range(3):
        runpod.run(seed=seed)
    health = runpod.session.get(f"{runpod.base}/health", timeout=5).json()
    assert health["jobs"] == {"completed": 0, "failed": 0, "inProgress": 1, "inQueue": 2, "retried": 0}
    assert health["workers"] == {"idle": 0, "running": 1}

    assert runpod.session.post(f"{runpod.base}/purge-queue", timeout=5).json() == {"removed": 2, "status": "completed"}
    assert sandbox.state()["runpod"]["jobs_by_status"] == {"IN_PROGRESS": 1}


def test_jobs_belong_to_their_endpoint(sandbox, runpod):
    job_id = runpod.run()
    assert RunPod(sandbox, endpoint="other-endpoint").status(job_id).status_code == 404


# --- auth and limits -------------------------------------------------------------------------------------------


def test_auth_bearer_or_raw_key_and_configured_key(sandbox, runpod):
    url = f"{runpod.base}/health"
    assert requests.get(url, timeout=5).status_code == 401
    assert requests.get(url, headers={"Authorization": "Bearer "}, timeout=5).status_code == 401
    assert requests.get(url, headers={"Authorization": KEY}, timeout=5).status_code == 200  # RunPod's curl form

    sandbox.configure(runpod_api_key=KEY)
    assert requests.get(url, headers={"Authorization": "Bearer wrong"}, timeout=5).status_code == 401
    assert requests.get(url, headers={"Authorization": f"Bearer {KEY}"}, timeout=5).status_code == 200


def test_requests_over_the_rate_get_429(sandbox, runpod):
    sandbox.configure(runpod_rate_limit=5, runpod_rate_window=0.5)
    codes = [runpod.session.get(f"{runpod.base}/health", timeout=5).status_code for _ in range(7)]
    assert codes == [200] * 5 + [429, 429]
    assert sandbox.state()["runpod"]["rate_limited"] == 2
    time.sleep(0.55)  # the window slides
    assert runpod.session.get(f"{runpod.base}/health", timeout=5).status_code == 200


def test_the_key_is_never_logged_or_shown(sandbox, runpod, caplog):
    sandbox.log_requests = True
    sandbox.configure(runpod_api_key=KEY)
    with caplog.at_level(logging.INFO, logger="integrations.sandbox"):
        runpod.wait(runpod.run())
        requests.get(f"{runpod.base}/health", headers={"Authorization": "Bearer sk-wrong-key-456"}, timeout=5)
    assert "POST /runpod/v2/ep-test/run -> 200" in caplog.text
    assert KEY not in caplog.text and "sk-wrong-key-456" not in caplog.text
    state_text = requests.get(f"{sandbox.url}/_sandbox/state", timeout=5).text
    assert KEY not in state_text
    assert json.loads(state_text)["config"]["runpod_api_key"] == "(set)"


# --- faults ----------------------------------------------------------------------------------------------------


def finished(sandbox, runpod, outcome, **config):
    sandbox.configure(runpod_next_outcomes=[outcome], **config)
    return runpod.wait(runpod.run(batch_size=2))


def test_fault_failed_carries_the_runpod_python_error(sandbox, runpod):
    answer = finished(sandbox, runpod, "FAILED")
    assert answer["status"] == "FAILED" and "output" not in answer
    error = json.loads(answer["error"])
    assert set(error) == {"error_type", "error_message", "error_traceback", "hostname", "worker_id", "runpod_version"}


@pytest.mark.parametrize("outcome", ["TIMED_OUT", "CANCELLED"])
def test_fault_statuses_without_output(sandbox, runpod, outcome):
    answer = finished(sandbox, runpod, outcome)
    assert answer["status"] == outcome
    assert "output" not in answer


def test_fault_legacy_formats(sandbox, runpod):
    legacy = finished(sandbox, runpod, "legacy")
    assert legacy["status"] == "COMPLETED" and legacy["output"]["status"] == "success"
    assert Image.open(io.BytesIO(base64.b64decode(legacy["output"]["message"]))).size == (512, 384)

    legacy_error = finished(sandbox, runpod, "legacy_error")
    assert legacy_error["status"] == "COMPLETED"
    assert legacy_error["output"]["status"] == "error" and "does not exist" in legacy_error["output"]["message"]


def test_fault_no_images_and_errors_only(sandbox, runpod):
    assert finished(sandbox, runpod, "no_images")["output"] == {"status": "success_no_images", "images": []}
    errors_only = finished(sandbox, runpod, "errors_only")
    assert errors_only["status"] == "FAILED" and errors_only["error"] == "Job processing failed"
    assert errors_only["output"]["details"]


def test_fault_broken_base64(sandbox, runpod):
    images = finished(sandbox, runpod, "broken_base64")["output"]["images"]
    with pytest.raises(binascii.Error):
        base64.b64decode(images[0]["data"], validate=True)


def test_fault_not_image(sandbox, runpod):
    data = base64.b64decode(finished(sandbox, runpod, "not_image")["output"]["images"][0]["data"], validate=True)
    with pytest.raises(Image.UnidentifiedImageError):
        Image.open(io.BytesIO(data))


def test_fault_bomb_is_a_small_png_claiming_a_huge_size(sandbox, runpod):
    data = base64.b64decode(finished(sandbox, runpod, "bomb")["output"]["images"][0]["data"], validate=True)
    assert data.startswith(b"\x89PNG") and len(data) < 1000
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(data))


def test_fault_oversized_is_a_real_decodable_image(sandbox, runpod):
    answer = finished(sandbox, runpod, "oversized", runpod_oversized_side=3000)
    picture = decode_png(answer["output"]["images"][0])
    assert picture.size == (3000, 3000)
    picture.load()


def test_s3_url_output_is_served_by_the_sandbox(sandbox, runpod):
    sandbox.configure(runpod_output="s3_url")
    answer = runpod.wait(runpod.run(batch_size=2))
    urls = [entry["data"] for entry in answer["output"]["images"]]
    assert {entry["type"] for entry in answer["output"]["images"]} == {"s3_url"}
    assert all(url.startswith(f"{sandbox.url}/_sandbox/files/{answer['id']}/") for url in urls)
    for url in urls:
        response = requests.get(url, timeout=5)
        assert response.headers["Content-Type"] == "image/png"
        assert Image.open(io.BytesIO(response.content)).size == (512, 384)
    assert requests.get(f"{sandbox.url}/_sandbox/files/{answer['id']}/nope.png", timeout=5).status_code == 404
    assert requests.get(f"{sandbox.url}/_sandbox/files/../../etc/passwd", timeout=5).status_code == 404


@pytest.mark.parametrize(
    ("outcome", "url"),
    [("url_private", "http://10.0.0.5/x.png"), ("url_metadata", "http://169.254.169.254/")],
)
def test_fault_urls_that_a_client_must_refuse(sandbox, runpod, outcome, url):
    images = finished(sandbox, runpod, outcome)["output"]["images"]
    assert images[0]["type"] == "s3_url" and images[0]["data"].startswith(url)


def test_fault_expired_answers_404_right_after_completion(sandbox, runpod):
    sandbox.configure(runpod_next_outcomes=["expired"], runpod_latency=0.2)
    job_id = runpod.run()
    assert runpod.status(job_id).json()["status"] == "IN_PROGRESS"
    time.sleep(0.25)
    assert runpod.status(job_id).status_code == 404


def test_fault_rates_are_seeded_and_repeatable(sandbox, runpod):
    def outcomes():
        sandbox.reset()
        sandbox.configure(seed=42, runpod_fail_rate=0.3, runpod_timeout_rate=0.2)
        ids = [runpod.run(seed=n) for n in range(30)]
        return [runpod.wait(job_id)["status"] for job_id in ids]

    first = outcomes()
    assert outcomes() == first
    assert {"COMPLETED", "FAILED", "TIMED_OUT"} <= set(first)


def test_injected_http_errors_in_order_then_by_rate(sandbox, runpod):
    url = f"{runpod.base}/health"
    sandbox.configure(next_http_errors=[500, 429, 503])
    codes = [runpod.session.get(url, timeout=5).status_code for _ in range(4)]
    assert codes == [500, 429, 503, 200]

    sandbox.configure(http_500_rate=1.0)
    assert runpod.session.get(url, timeout=5).status_code == 500
    sandbox.configure(http_500_rate=0.0, http_429_rate=1.0)
    assert runpod.session.get(url, timeout=5).status_code == 429


def test_slow_answers_trip_client_timeouts(sandbox, runpod):
    sandbox.configure(http_delay=0.5)
    with pytest.raises(requests.ReadTimeout):
        runpod.session.get(f"{runpod.base}/health", timeout=(1, 0.1))
    started = time.monotonic()
    assert runpod.session.get(f"{runpod.base}/health", timeout=5).status_code == 200
    assert time.monotonic() - started >= 0.5


# --- webhooks --------------------------------------------------------------------------------------------------


def test_webhook_gets_the_terminal_status_and_is_retried(runpod, webhook_receiver):
    webhook_receiver.answers = [500]  # first delivery fails, the retry succeeds
    job_id = runpod.run({"input": {"workflow": flux_graph()}, "webhook": f"{webhook_receiver.url}/hooks/runpod"})
    first, second = webhook_receiver.wait_for(2)
    assert first["status"] == 500 and second["status"] == 200
    body = json.loads(second["body"])
    assert body["id"] == job_id and body["status"] == "COMPLETED"
    assert body["webhook"] == f"{webhook_receiver.url}/hooks/runpod"
    assert body["output"]["images"] and body["input"]["workflow"]


def test_webhook_to_a_non_loopback_address_is_never_called(sandbox, runpod):
    runpod.wait(runpod.run({"input": {"workflow": flux_graph()}, "webhook": "http://203.0.113.9/hook"}))
    deadline = time.monotonic() + 2
    while not sandbox.state()["webhook_deliveries"]["counts"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sandbox.state()["webhook_deliveries"]["counts"] == {"refused": 1}


# --- control routes ----------------------------------------------------------------------------------------------


def test_config_and_reset_over_http(sandbox, runpod):
    config_url = f"{sandbox.url}/_sandbox/config"
    response = requests.post(config_url, json={"runpod_latency": 0.5, "runpod_gpu_workers": 2}, timeout=5)
    assert response.status_code == 200
    assert (response.json()["runpod_latency"], response.json()["runpod_gpu_workers"]) == (0.5, 2)
    assert requests.post(config_url, json={"no_such_setting": 1}, timeout=5).status_code == 400
    assert requests.post(config_url, json={"runpod_fail_rate": 2}, timeout=5).status_code == 400
    assert requests.post(config_url, json={"runpod_output": "gif"}, timeout=5).status_code == 400
    assert sandbox.config.runpod_latency == 0.5  # refused changes changed nothing

    runpod.run()
    assert sandbox.state()["runpod"]["submissions"] == 1
    assert requests.post(f"{sandbox.url}/_sandbox/reset", timeout=5).json() == {"reset": True}
    state = sandbox.state()
    assert state["runpod"]["submissions"] == 0 and state["runpod"]["jobs"] == {}
    assert state["config"]["runpod_latency"] == 0.05  # back to the fixture's settings


# --- the management command -------------------------------------------------------------------------------------


@pytest.mark.system
def test_manage_py_sandbox_serves_both_apis_and_prints_how_to_use_them(tmp_path):
    import os
    import re
    import subprocess
    import sys

    from django.conf import settings

    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.update(POD_SANDBOX="1", PYTHONUNBUFFERED="1", RUNPOD_API_KEY=KEY)
    command = [sys.executable, "manage.py", "sandbox", "--port", "0", "--latency", "0.05", "--fail-rate", "0"]
    process = subprocess.Popen(
        command, cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        banner = "".join(process.stdout.readline() for _ in range(3))
        url = re.search(r"Serving on (http://127\.0\.0\.1:\d+)", banner).group(1)
        assert f"RunPod   base: {url}/runpod/v2" in banner and f"Printify base: {url}/printify/v1" in banner

        session = requests.Session()
        session.headers["Authorization"] = "Bearer any-key"
        body = {"input": {"workflow": flux_graph(width=256, height=256)}}
        answer = session.post(f"{url}/runpod/v2/sandbox-endpoint/runsync", json=body, timeout=10).json()
        assert answer["status"] == "COMPLETED"
        assert decode_png(answer["output"]["images"][0]).size == (256, 256)
        shops = session.get(f"{url}/printify/v1/shops.json", headers={"User-Agent": "curl"}, timeout=5)
        assert shops.json()[0]["id"] == 1
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=10)
    assert "POST /runpod/v2/sandbox-endpoint/runsync -> 200" in errors  # requests are logged…
    assert KEY not in errors and "any-key" not in errors  # …keys never
