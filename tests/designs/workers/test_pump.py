"""The generation pump: submit (claim, POST /run, job id saved), poll, time out, the lease.

Real database, real Pillow, real files in the temp MEDIA_ROOT; RunPod's HTTP answered by `responses`.
"""

import json
from datetime import timedelta

import pytest
import responses
from django.utils import timezone

from designs import leases
from designs.models import Design, GenerationPreset
from designs.services.generation import cancel_generation, request_generation
from designs.workers import PUMP_LEASE, wake_pump
from designs.workers.pump import AUTH_MESSAGE, MAX_AUTOMATIC_ATTEMPTS, run_pump
from designs.workflow import Source, Status
from tests.designs.generation_support import (
    JOBS,
    SECRET,
    assert_no_secret,
    completed,
    image_bytes,
    media_files,
    status_answer,
    v5_output,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("runpod_settings")]


def test_wake_pump_enqueues_a_pump_task_unless_one_runs(django_capture_on_commit_callbacks):
    from django_q.brokers import get_broker

    broker = get_broker()
    before = broker.queue_size()
    wake_pump()
    assert broker.queue_size() == before + 1
    token = leases.acquire(PUMP_LEASE, 30)
    wake_pump()
    assert broker.queue_size() == before + 1
    leases.release(PUMP_LEASE, token)


def test_submit_claims_saves_parameters_and_job_id(queued, pump, rsps):
    design = queued(prompt="a heron at dawn", width=768)
    rsps.post(f"{JOBS}/run", json={"id": "job-1", "status": "IN_QUEUE"})
    pump.submit()
    design.refresh_from_db()
    assert design.status == Status.GENERATING
    assert design.runpod_job_id == "job-1" and design.submitted_at is not None
    assert (design.width, design.height, design.steps, design.generation_attempts) == (768, 1024, 20, 1)
    assert design.seed is not None
    sent = json.loads(rsps.calls[0].request.body)
    graph = sent["input"]["workflow"]
    assert graph["6"]["inputs"]["text"] == "a heron at dawn"
    assert graph["31"]["inputs"]["seed"] == design.seed  # the saved seed is the one RunPod got
    assert graph["27"]["inputs"]["width"] == 768
    assert "webhook" not in sent
    assert rsps.calls[0].request.headers["Authorization"] == f"Bearer {SECRET}"


def test_submit_sends_a_per_design_webhook_when_public(queued, pump, rsps, settings):
    settings.PUBLIC_BASE_URL = "https://pod.example.com"
    design = queued()
    rsps.post(f"{JOBS}/run", json={"id": "job-w", "status": "IN_QUEUE"})
    pump.submit()
    sent = json.loads(rsps.calls[0].request.body)
    assert sent["webhook"] == f"https://pod.example.com/hooks/runpod/{design.pk}/{design.webhook_token}/"


def test_submit_respects_max_in_flight(queued, pump, rsps, settings):
    settings.RUNPOD_MAX_IN_FLIGHT = 2
    designs = [queued() for _ in range(3)]
    for n in range(2):
        rsps.post(f"{JOBS}/run", json={"id": f"job-{n}", "status": "IN_QUEUE"})
    pump.submit()
    statuses = sorted(Design.objects.filter(pk__in=[d.pk for d in designs]).values_list("status", flat=True))
    assert statuses == [Status.GENERATING, Status.GENERATING, Status.QUEUED]
    pump.submit()  # still two in flight: nothing more is claimed
    assert Design.objects.filter(status=Status.QUEUED).count() == 1


def test_a_bad_preset_fails_the_design_with_the_reason(queued, pump, rsps):
    preset = GenerationPreset.objects.create(
        name="broken", workflow={"1": {"class_type": "X", "inputs": {}}}, parameter_map={"prompt": "9.text"}
    )
    design = queued(preset=preset)
    pump.submit()
    design.refresh_from_db()
    assert design.status == Status.GENERATION_FAILED
    assert "points at node '9'" in design.last_error
    assert not rsps.calls


def test_rate_limited_submit_requeues_without_using_an_attempt(queued, pump, rsps):
    design = queued()
    rsps.post(f"{JOBS}/run", status=429, headers={"Retry-After": "7"})
    pump.submit()
    design.refresh_from_db()
    assert design.status == Status.QUEUED
    assert design.generation_attempts == 0
    assert "rate limiting" in design.last_error
    assert pump.interval(0) > 5  # the pump waits out Retry-After before the next round
    # A worker-only move straight back to the queue: no failure that never happened in the history.
    trail = list(design.events.order_by("pk").values_list("from_status", "to_status"))
    assert trail == [
        (Status.DRAFT, Status.QUEUED),
        (Status.QUEUED, Status.GENERATING),
        (Status.GENERATING, Status.QUEUED),
    ]


def test_server_error_on_submit_retries_a_bounded_number_of_times(queued, pump, rsps):
    design = queued()
    rsps.post(f"{JOBS}/run", status=500, json={"error": "boom"})
    for _ in range(MAX_AUTOMATIC_ATTEMPTS):
        pump.backoff_until = 0
        pump.submit()
    design.refresh_from_db()
    assert design.status == Status.GENERATION_FAILED
    assert "RunPod had a server error (HTTP 500)" in design.last_error
    assert "Gave up after 3 attempts" in design.last_error
    assert len(rsps.calls) == 3


def test_refused_submit_fails_the_design(queued, pump, rsps):
    design = queued()
    rsps.post(f"{JOBS}/run", status=400, json={"error": "Missing 'workflow' parameter"})
    pump.submit()
    design.refresh_from_db()
    assert design.status == Status.GENERATION_FAILED
    assert design.last_error == "RunPod refused the job (HTTP 400): Missing 'workflow' parameter"


def test_bad_api_key_stops_the_pump_and_keeps_designs_queued(queued, pump, rsps):
    designs = [queued(), queued()]
    rsps.post(f"{JOBS}/run", status=401, json={"error": "unauthorized"})
    pump.submit()
    assert pump.stats.stopped_by == "auth"
    for design in designs:
        design.refresh_from_db()
        assert design.status == Status.QUEUED
        assert design.last_error == AUTH_MESSAGE
        assert design.generation_attempts == 0
    assert_no_secret()


@pytest.mark.django_db(transaction=True)
def test_a_design_cancelled_during_submit_gets_its_job_cancelled(queued, pump, rsps):
    from django.db import connection

    design = queued()

    def run_and_cancel(request):  # runs in the pump's HTTP thread, like staff clicking in another process
        try:
            cancel_generation([design], actor=None, source=Source.ADMIN)
        finally:
            connection.close()
        return 200, {}, json.dumps({"id": "job-late", "status": "IN_QUEUE"})

    rsps.add_callback(responses.POST, f"{JOBS}/run", callback=run_and_cancel)
    rsps.post(f"{JOBS}/cancel/job-late", json={"id": "job-late", "status": "CANCELLED"})
    pump.submit()
    design.refresh_from_db()
    assert design.status == Status.DRAFT and design.runpod_job_id == ""
    assert [c.request.url for c in rsps.calls][-1].endswith("/cancel/job-late")


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            {"status": "FAILED", "error": "Workflow execution error: Node Type: KSampler"},
            "The RunPod job failed: Workflow",
        ),
        ({"status": "TIMED_OUT"}, "RunPod timed the job out"),
        ({"status": "CANCELLED"}, "The RunPod job was cancelled."),
        ({"status": "COMPLETED", "output": None}, "returned no output"),
        ({"status": "COMPLETED", "output": {"status": "success_no_images", "images": []}}, "without saving any image"),
        ({"status": "COMPLETED", "output": {"images": [{"type": "base64", "data": "!!!"}]}}, "not valid base64"),
    ],
    ids=["failed", "timed-out", "cancelled", "no-output", "no-images", "bad-base64"],
)
def test_job_failures_become_generation_failed_with_the_reason(generating, pump, rsps, answer, expected, media_root):
    design = generating("job-f")
    status_answer(rsps, "job-f", {"id": "job-f", **answer})
    pump.poll()
    design.refresh_from_db()
    assert design.status == Status.GENERATION_FAILED
    assert expected in design.last_error
    assert media_files(media_root) == []


def test_expired_result_fails_the_design(generating, pump, rsps):
    design = generating("job-x")
    status_answer(rsps, "job-x", {"error": "not found"}, status=404)
    pump.poll()
    design.refresh_from_db()
    assert design.status == Status.GENERATION_FAILED
    assert design.last_error.startswith("RunPod's result expired before it was collected")


@pytest.mark.parametrize("status", [429, 500, 503])
def test_transient_status_errors_never_fail_a_design(generating, pump, rsps, status):
    design = generating("job-t")
    status_answer(rsps, "job-t", {"error": "busy"}, status=status)
    pump.poll()
    design.refresh_from_db()
    assert design.status == Status.GENERATING
    assert "retrying" in design.last_error
    rsps.replace(responses.GET, f"{JOBS}/status/job-t", json=completed("job-t", v5_output(image_bytes())))
    pump.backoff_until = 0
    pump.poll()
    design.refresh_from_db()
    assert design.status == Status.REVIEW and design.last_error == ""


def test_bad_api_key_while_polling_keeps_the_job_and_says_so(generating, pump, rsps):
    design = generating("job-a")
    status_answer(rsps, "job-a", {"error": "no"}, status=401)
    pump.poll()
    design.refresh_from_db()
    assert design.status == Status.GENERATING
    assert design.last_error == AUTH_MESSAGE
    assert pump.stats.stopped_by == "auth"
    assert_no_secret()


def test_overdue_job_still_running_is_cancelled_then_failed(generating, pump, rsps, settings):
    design = generating("job-slow")
    Design.objects.filter(pk=design.pk).update(submitted_at=timezone.now() - timedelta(hours=1))
    settings.GENERATION_TIMEOUT = 600
    status_answer(rsps, "job-slow", {"id": "job-slow", "status": "IN_PROGRESS"})
    rsps.post(f"{JOBS}/cancel/job-slow", json={"id": "job-slow", "status": "CANCELLED"})
    pump.poll()
    design.refresh_from_db()
    assert design.status == Status.GENERATION_FAILED
    assert design.last_error == "RunPod did not finish the job within 10 minutes, so it was cancelled."
    assert rsps.calls[-1].request.url.endswith("/cancel/job-slow")


def test_overdue_job_that_runpod_finished_is_ingested_not_cancelled(generating, pump, rsps, settings):
    # A cluster down for longer than GENERATION_TIMEOUT comes back to jobs RunPod finished long ago: ask first.
    design = generating("job-late")
    Design.objects.filter(pk=design.pk).update(submitted_at=timezone.now() - timedelta(hours=1))
    settings.GENERATION_TIMEOUT = 60
    status_answer(rsps, "job-late", completed("job-late", v5_output(image_bytes())))
    pump.poll()
    design.refresh_from_db()
    assert design.status == Status.REVIEW and design.image
    assert not any("/cancel/" in call.request.url for call in rsps.calls)


def test_overdue_job_that_runpod_failed_fails_with_runpods_reason(generating, pump, rsps, settings):
    design = generating("job-bad")
    Design.objects.filter(pk=design.pk).update(submitted_at=timezone.now() - timedelta(hours=1))
    settings.GENERATION_TIMEOUT = 60
    status_answer(rsps, "job-bad", {"id": "job-bad", "status": "FAILED", "error": "CUDA out of memory"})
    pump.poll()
    design.refresh_from_db()
    assert design.status == Status.GENERATION_FAILED
    assert "CUDA out of memory" in design.last_error and "minutes" not in design.last_error
    assert not any("/cancel/" in call.request.url for call in rsps.calls)


def test_submit_keeps_runpods_queue_primed_beyond_the_in_flight_cap(queued, pump, rsps, settings):
    settings.RUNPOD_MAX_IN_FLIGHT = 2
    settings.RUNPOD_QUEUE_AHEAD = 2
    designs = [queued() for _ in range(6)]
    for n in range(6):
        rsps.post(f"{JOBS}/run", json={"id": f"job-{n}", "status": "IN_QUEUE"})
    pump.submit()
    statuses = sorted(Design.objects.filter(pk__in=[d.pk for d in designs]).values_list("status", flat=True))
    assert statuses.count(Status.GENERATING) == 4  # 2 running on the endpoint's workers + 2 waiting in its queue
    assert statuses.count(Status.QUEUED) == 2


@pytest.mark.django_db(transaction=True)
def test_run_pump_submits_polls_and_releases_the_lease(make_design, runpod, rsps, flux_preset):
    designs = [make_design(prompt=f"tile {n}") for n in range(3)]
    request_generation(designs, actor=None, source=Source.COMMAND)
    for n in range(3):
        rsps.post(f"{JOBS}/run", json={"id": f"job-{n}", "status": "IN_QUEUE"})
        rsps.get(f"{JOBS}/status/job-{n}", json={"id": f"job-{n}", "status": "IN_PROGRESS"})
        rsps.get(f"{JOBS}/status/job-{n}", json=completed(f"job-{n}", v5_output(image_bytes())))
    stats = run_pump(budget=20, client=runpod)
    assert (stats.submitted, stats.ingested, stats.failed, stats.stopped_by) == (3, 3, 0, "")
    assert set(Design.objects.values_list("status", flat=True)) == {Status.REVIEW}
    assert not leases.is_held(PUMP_LEASE)


@pytest.mark.django_db(transaction=True)
def test_run_pump_exits_at_once_while_another_pump_holds_the_lease(runpod, rsps):
    token = leases.acquire(PUMP_LEASE, 30)
    assert run_pump(budget=5, client=runpod) is None
    assert not rsps.calls
    leases.release(PUMP_LEASE, token)
