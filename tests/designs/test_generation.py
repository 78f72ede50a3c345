"""Generation: request, the pump's submit and poll steps, ingest, the reconciler and the RunPod webhook.

Real database, real Pillow, real files in the temp MEDIA_ROOT; RunPod's HTTP answered by `responses`.
"""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
import responses
from django.utils import timezone

from designs import generation, leases
from designs.generation import Pump
from designs.models import Design, DesignEvent, GenerationPreset
from designs.workflow import Source, Status
from integrations.http import RetryPolicy
from integrations.runpod import JobStatus, RunPodClient
from tests.designs.generation_support import (
    API,
    ENDPOINT,
    IMAGE_HOST,
    JOBS,
    b64,
    bomb_png,
    completed,
    image_bytes,
    v5_output,
)

SECRET = "rp-secret-key-0123456789"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def runpod_settings(settings):
    settings.RUNPOD_API_KEY = SECRET
    settings.RUNPOD_ENDPOINT_ID = ENDPOINT
    settings.RUNPOD_API_BASE = API
    settings.RUNPOD_MAX_IN_FLIGHT = 8
    settings.RUNPOD_COST_PER_SECOND = 0.0004
    settings.DOWNLOAD_ALLOW_HOSTS = [IMAGE_HOST]
    settings.PUBLIC_BASE_URL = ""
    settings.POD_SANDBOX = False


@pytest.fixture
def flux_preset(db):
    """The preset migration 0002 installs (transactional tests flush it away, so make sure it exists)."""
    from integrations.comfyui import FLUX_DEV_FP8_PARAMETER_MAP, FLUX_DEV_FP8_WORKFLOW

    preset, _ = GenerationPreset.objects.get_or_create(
        name="Flux dev fp8", defaults={"workflow": FLUX_DEV_FP8_WORKFLOW, "parameter_map": FLUX_DEV_FP8_PARAMETER_MAP}
    )
    return preset


@pytest.fixture
def client():
    no_wait = RetryPolicy(attempts=2, base=0.001, cap=0.001, sleep=lambda seconds: None)
    return RunPodClient(SECRET, ENDPOINT, API, retry=no_wait)


@pytest.fixture
def pump(client):
    return Pump(client, sleep=lambda seconds: None)


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def queued(make_design, flux_preset):
    """A design queued through the real use case (preset filled in, event written)."""

    def make(**fields):
        design = make_design(**fields)
        generation.request_generation([design], actor=None, source=Source.COMMAND)
        design.refresh_from_db()
        return design

    return make


@pytest.fixture
def generating(make_design, pump, rsps):
    """A design submitted through the pump, with job id `job_id`."""

    def make(job_id="job-1", **fields):
        design = make_design(**fields)
        generation.request_generation([design], actor=None, source=Source.COMMAND)
        rsps.post(f"{JOBS}/run", json={"id": job_id, "status": "IN_QUEUE"})
        pump.submit()
        design.refresh_from_db()
        assert design.status == Status.GENERATING and design.runpod_job_id == job_id
        return design

    return make


def status_answer(rsps, job_id, body, status=200):
    rsps.get(f"{JOBS}/status/{job_id}", json=body, status=status)


def media_files(media_root):
    return sorted(str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file())


def assert_no_secret():
    for text in [
        *Design.objects.values_list("last_error", flat=True),
        *DesignEvent.objects.values_list("message", flat=True),
    ]:
        assert SECRET not in text


# --- request_generation / cancel / variations ----------------------------------------------------------------


def test_request_generation_queues_drafts_and_failures_only(make_design, django_capture_on_commit_callbacks):
    draft = make_design()
    failed = make_design(status=Status.GENERATION_FAILED, last_error="old problem", runpod_job_id="old-job")
    in_review = make_design(status=Status.REVIEW)
    with django_capture_on_commit_callbacks() as callbacks:
        result = generation.request_generation([draft, failed, in_review], actor=None, source=Source.ADMIN)
    assert sorted(result.moved) == sorted([draft.pk, failed.pk])
    assert result.skipped == {in_review.pk: Status.REVIEW}
    assert callbacks == [generation.wake_pump]  # one wake-up for the whole request, after commit
    failed.refresh_from_db()
    assert (failed.status, failed.last_error, failed.runpod_job_id) == (Status.QUEUED, "", "")
    assert failed.preset == GenerationPreset.objects.get(name="Flux dev fp8")


def test_wake_pump_enqueues_a_pump_task_unless_one_runs(django_capture_on_commit_callbacks):
    from django_q.brokers import get_broker

    broker = get_broker()
    before = broker.queue_size()
    generation.wake_pump()
    assert broker.queue_size() == before + 1
    token = leases.acquire(generation.PUMP_LEASE, 30)
    generation.wake_pump()
    assert broker.queue_size() == before + 1
    leases.release(generation.PUMP_LEASE, token)


def test_cancel_generation_moves_back_to_draft_and_cancels_the_job(
    generating, queued, rsps, monkeypatch, django_capture_on_commit_callbacks
):
    from django_q.conf import Conf

    running = generating("job-c")
    waiting = queued()
    rsps.post(f"{JOBS}/cancel/job-c", json={"id": "job-c", "status": "CANCELLED"})
    with django_capture_on_commit_callbacks() as callbacks:
        result = generation.cancel_generation([running, waiting], actor=None, source=Source.ADMIN)
    assert sorted(result.moved) == sorted([running.pk, waiting.pk])
    assert set(Design.objects.filter(pk__in=result.moved).values_list("status", flat=True)) == {Status.DRAFT}
    assert not any(call.request.url.endswith("/cancel/job-c") for call in rsps.calls)  # not before commit
    monkeypatch.setattr(Conf, "SYNC", True)  # run the enqueued cancel task inline (django-q#557)
    for callback in callbacks:
        callback()
    assert rsps.calls[-1].request.url.endswith("/cancel/job-c")


def test_request_variations_makes_new_queued_designs_with_new_seeds(make_design):
    original = make_design(prompt="a lighthouse, linocut", seed=42, width=768, height=1024)
    result = generation.request_variations([original], count=3, actor=None, source=Source.ADMIN)
    assert len(result.moved) == 3
    copies = Design.objects.filter(pk__in=result.moved)
    assert {(d.prompt, d.width, d.height, d.status, d.seed) for d in copies} == {
        ("a lighthouse, linocut", 768, 1024, Status.QUEUED, None)
    }


# --- submit ---------------------------------------------------------------------------------------------------


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
    trail = list(design.events.order_by("pk").values_list("to_status", flat=True))
    assert trail == [Status.QUEUED, Status.GENERATING, Status.GENERATION_FAILED, Status.QUEUED]


def test_server_error_on_submit_retries_a_bounded_number_of_times(queued, pump, rsps):
    design = queued()
    rsps.post(f"{JOBS}/run", status=500, json={"error": "boom"})
    for _ in range(generation.MAX_AUTOMATIC_ATTEMPTS):
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
        assert design.last_error == generation.AUTH_MESSAGE
        assert design.generation_attempts == 0
    assert_no_secret()


@pytest.mark.django_db(transaction=True)
def test_a_design_cancelled_during_submit_gets_its_job_cancelled(queued, pump, rsps):
    from django.db import connection

    design = queued()

    def run_and_cancel(request):  # runs in the pump's HTTP thread, like staff clicking in another process
        try:
            generation.cancel_generation([design], actor=None, source=Source.ADMIN)
        finally:
            connection.close()
        return 200, {}, json.dumps({"id": "job-late", "status": "IN_QUEUE"})

    rsps.add_callback(responses.POST, f"{JOBS}/run", callback=run_and_cancel)
    rsps.post(f"{JOBS}/cancel/job-late", json={"id": "job-late", "status": "CANCELLED"})
    pump.submit()
    design.refresh_from_db()
    assert design.status == Status.DRAFT and design.runpod_job_id == ""
    assert [c.request.url for c in rsps.calls][-1].endswith("/cancel/job-late")


# --- poll and ingest ------------------------------------------------------------------------------------------


def test_completed_job_with_two_images_gives_a_design_and_a_sibling(generating, pump, rsps, media_root):
    design = generating("job-2", prompt="koi pond, ukiyo-e")
    status_answer(
        rsps, "job-2", completed("job-2", v5_output(image_bytes("PNG"), image_bytes("JPEG")), execution_ms=2500)
    )
    pump.poll()
    design.refresh_from_db()
    assert design.status == Status.REVIEW and design.last_error == ""
    assert (design.image_width, design.image_height) == (64, 48)
    assert design.cost == Decimal("0.00100")
    assert (design.delay_ms, design.execution_ms) == (300, 2500)
    assert (media_root / design.image.name).read_bytes() == image_bytes("PNG")
    assert design.thumbnail.name.endswith(".webp") and (media_root / design.thumbnail.name).exists()
    (sibling,) = design.siblings
    assert (sibling.status, sibling.job_output_index, sibling.prompt) == (Status.REVIEW, 1, "koi pond, ukiyo-e")
    assert sibling.image.name.endswith(".jpg")
    event = sibling.events.get()
    assert (event.from_status, event.to_status) == ("", Status.REVIEW)
    assert "job-2" in event.message
    assert len(media_files(media_root)) == 4


def test_legacy_and_s3_outputs_are_ingested(generating, pump, rsps, media_root):
    legacy = generating("job-legacy")
    s3 = generating("job-s3")
    status_answer(
        rsps, "job-legacy", completed("job-legacy", {"status": "success", "message": b64(image_bytes("WEBP"))})
    )
    url = f"https://{IMAGE_HOST}/job-s3/abcd1234.png"
    status_answer(
        rsps, "job-s3", completed("job-s3", {"images": [{"filename": "x.png", "type": "s3_url", "data": url}]})
    )
    rsps.get(url, body=image_bytes("PNG"), content_type="image/png")
    pump.poll()
    legacy.refresh_from_db()
    s3.refresh_from_db()
    assert legacy.status == s3.status == Status.REVIEW
    assert legacy.image.name.endswith(".webp")
    assert (media_root / s3.image.name).read_bytes() == image_bytes("PNG")


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
    assert design.last_error == generation.AUTH_MESSAGE
    assert pump.stats.stopped_by == "auth"
    assert_no_secret()


def test_overdue_job_is_cancelled_then_failed(generating, pump, rsps, settings):
    design = generating("job-slow")
    Design.objects.filter(pk=design.pk).update(submitted_at=timezone.now() - timedelta(hours=1))
    settings.GENERATION_TIMEOUT = 600
    rsps.post(f"{JOBS}/cancel/job-slow", json={"id": "job-slow", "status": "CANCELLED"})
    pump.poll()
    design.refresh_from_db()
    assert design.status == Status.GENERATION_FAILED
    assert design.last_error == "RunPod did not finish the job within 10 minutes, so it was cancelled."
    assert rsps.calls[-1].request.url.endswith("/cancel/job-slow")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"GIF89a not really", "image 1: it is not a PNG, JPEG or WEBP image"),
        (image_bytes("GIF"), "image 1: it is not a PNG, JPEG or WEBP image"),
        (image_bytes("PNG", size=(300, 300))[:-40], "image 1: the image data is damaged or truncated"),
        (
            bomb_png(),
            "image 1: its header claims 400,000,000 pixels, more than the 64,000,000 allowed; refused before decoding",
        ),
    ],
    ids=["not-an-image", "gif", "truncated", "bomb"],
)
def test_unusable_images_fail_the_design_and_leave_no_file(generating, pump, rsps, media_root, data, expected):
    design = generating("job-bad")
    status_answer(rsps, "job-bad", completed("job-bad", v5_output(data)))
    pump.poll()
    design.refresh_from_db()
    assert design.status == Status.GENERATION_FAILED
    assert design.last_error.startswith("RunPod returned no usable image (")
    assert expected in design.last_error
    assert media_files(media_root) == []


def test_oversized_download_is_refused(generating, pump, rsps, media_root, settings):
    settings.MAX_IMAGE_BYTES = 1000
    design = generating("job-big")
    url = f"https://{IMAGE_HOST}/big.png"
    status_answer(rsps, "job-big", completed("job-big", {"images": [{"type": "s3_url", "data": url}]}))
    rsps.get(url, body=image_bytes(size=(400, 400)), content_type="image/png")
    pump.poll()
    design.refresh_from_db()
    assert design.status == Status.GENERATION_FAILED
    assert "larger than 1000 bytes" in design.last_error
    assert media_files(media_root) == []


def test_some_invalid_images_keep_the_valid_ones_and_record_why(generating, pump, rsps):
    design = generating("job-mixed")
    status_answer(rsps, "job-mixed", completed("job-mixed", v5_output(b"junk", image_bytes(), image_bytes("GIF"))))
    pump.poll()
    design.refresh_from_db()
    assert design.status == Status.REVIEW
    assert not design.siblings.exists()
    message = design.events.get(to_status=Status.REVIEW).message
    assert "image 1: it is not a PNG" in message and "image 3: it is not a PNG" in message


def test_ingest_twice_makes_no_second_file_or_sibling(generating, media_root):
    design = generating("job-i")
    job = JobStatus(**{"id": "job-i", "status": "COMPLETED", "output": v5_output(image_bytes(), image_bytes("JPEG"))})
    assert generation.ingest(design, job) is True
    files = media_files(media_root)
    assert generation.ingest(Design.objects.get(pk=design.pk), job) is False
    # Even a stale copy that still says "generating" cannot create a second sibling or file.
    assert generation.ingest(design, job) is False
    assert media_files(media_root) == files
    assert Design.objects.filter(runpod_job_id="job-i").count() == 2


def test_ingest_after_a_crash_reuses_the_files_the_first_try_wrote(generating, media_root):
    design = generating("job-k")
    job = JobStatus(id="job-k", status="COMPLETED", output=v5_output(image_bytes(), image_bytes("JPEG")))
    checked = generation.prepare_job_images(job)
    from designs import images

    # The killed worker wrote the files, then died before the database commit.
    for index, (image, thumbnail) in enumerate(checked.prepared):
        images.store(
            image, thumbnail, names=images.job_output_names("job-k", index, image.extension, design.submitted_at)
        )
    written = media_files(media_root)
    assert generation.ingest(design, job) is True
    assert media_files(media_root) == written
    assert sorted(Design.objects.filter(runpod_job_id="job-k").values_list("image", flat=True)) == sorted(
        name for name in written if "/thumbs/" not in name
    )


def test_a_lost_race_deletes_the_files_it_wrote(generating, media_root):
    design = generating("job-r")
    generation.cancel_generation([design], actor=None, source=Source.ADMIN)  # moved on before ingest stored
    job = JobStatus(id="job-r", status="COMPLETED", output=v5_output(image_bytes(), image_bytes("JPEG")))
    assert generation.ingest(design, job) is False
    assert media_files(media_root) == []
    assert Design.objects.filter(runpod_job_id="job-r").count() == 1


@pytest.mark.parametrize("hint", ["../../etc/passwd.png", "/abs.png", "a\x00b.png", "..\\..\\win.png", "x/../../y.png"])
def test_remote_file_names_never_choose_the_path(generating, pump, rsps, media_root, hint):
    design = generating("job-p")
    url = f"https://{IMAGE_HOST}/{hint.replace(chr(0), '%00')}"
    output = {
        "images": [
            {"filename": hint, "type": "base64", "data": b64(image_bytes())},
            {"filename": hint, "type": "s3_url", "data": url},
        ]
    }
    status_answer(rsps, "job-p", completed("job-p", output))
    rsps.get(url, body=image_bytes("JPEG"), content_type="image/jpeg")
    pump.poll()
    design.refresh_from_db()
    assert design.status == Status.REVIEW
    files = media_files(media_root)
    assert len(files) == 4
    assert all(name.startswith("designs/") and ".." not in name and "passwd" not in name for name in files)
    assert not (media_root.parent / "etc").exists()


# --- run_pump (the whole loop; a separate thread renews the lease, so rows must be committed) -----------------


@pytest.mark.django_db(transaction=True)
def test_run_pump_submits_polls_and_releases_the_lease(make_design, client, rsps, flux_preset):
    designs = [make_design(prompt=f"tile {n}") for n in range(3)]
    generation.request_generation(designs, actor=None, source=Source.COMMAND)
    for n in range(3):
        rsps.post(f"{JOBS}/run", json={"id": f"job-{n}", "status": "IN_QUEUE"})
        rsps.get(f"{JOBS}/status/job-{n}", json={"id": f"job-{n}", "status": "IN_PROGRESS"})
        rsps.get(f"{JOBS}/status/job-{n}", json=completed(f"job-{n}", v5_output(image_bytes())))
    stats = generation.run_pump(budget=20, client=client)
    assert (stats.submitted, stats.ingested, stats.failed, stats.stopped_by) == (3, 3, 0, "")
    assert set(Design.objects.values_list("status", flat=True)) == {Status.REVIEW}
    assert not leases.is_held(generation.PUMP_LEASE)


@pytest.mark.django_db(transaction=True)
def test_run_pump_exits_at_once_while_another_pump_holds_the_lease(client, rsps):
    token = leases.acquire(generation.PUMP_LEASE, 30)
    assert generation.run_pump(budget=5, client=client) is None
    assert not rsps.calls
    leases.release(generation.PUMP_LEASE, token)


# --- reconciler -----------------------------------------------------------------------------------------------


def test_reconcile_requeues_claims_a_dead_worker_left(make_design, queued, django_capture_on_commit_callbacks):
    design = queued()
    from designs.workflow import transition_one

    transition_one(design, to=Status.GENERATING, source=Source.WORKER)  # claimed, then the worker died
    Design.objects.filter(pk=design.pk).update(
        status_changed_at=timezone.now() - timedelta(seconds=generation.CLAIM_WINDOW_SECONDS + 5),
        generation_attempts=1,
    )
    generation.reconcile()
    design.refresh_from_db()
    assert design.status == Status.QUEUED
    assert "worker stopped before RunPod confirmed the job" in design.last_error
    assert design.generation_attempts == 1


def test_reconcile_gives_up_after_the_attempt_budget(queued):
    design = queued()
    from designs.workflow import transition_one

    transition_one(design, to=Status.GENERATING, source=Source.WORKER)
    Design.objects.filter(pk=design.pk).update(
        status_changed_at=timezone.now() - timedelta(minutes=5), generation_attempts=generation.MAX_AUTOMATIC_ATTEMPTS
    )
    generation.reconcile()
    design.refresh_from_db()
    assert design.status == Status.GENERATION_FAILED
    assert "Gave up after 3 attempts" in design.last_error


def test_reconcile_leaves_recent_claims_and_running_pumps_alone(queued):
    recent = queued()
    from designs.workflow import transition_one

    transition_one(recent, to=Status.GENERATING, source=Source.WORKER)
    generation.reconcile()
    assert Design.objects.get(pk=recent.pk).status == Status.GENERATING
    Design.objects.filter(pk=recent.pk).update(status_changed_at=timezone.now() - timedelta(minutes=5))
    token = leases.acquire(generation.PUMP_LEASE, 30)
    generation.reconcile()  # a live pump owns the claim
    assert Design.objects.get(pk=recent.pk).status == Status.GENERATING
    leases.release(generation.PUMP_LEASE, token)


def test_reconcile_wakes_the_pump_when_work_waits():
    from django_q.brokers import get_broker

    broker = get_broker()
    before = broker.queue_size()
    generation.reconcile()
    assert broker.queue_size() == before  # nothing to do
    Design.objects.create(prompt="x", status=Status.QUEUED)
    generation.reconcile()
    assert broker.queue_size() == before + 1


# --- webhook --------------------------------------------------------------------------------------------------


def test_runpod_webhook_checks_the_token_and_wakes_the_pump(make_design, client):
    from django.test import Client
    from django_q.brokers import get_broker

    design = make_design(status=Status.GENERATING, runpod_job_id="job-h")
    web = Client(enforce_csrf_checks=True)
    url = f"/hooks/runpod/{design.pk}/{design.webhook_token}/"
    broker = get_broker()
    before = broker.queue_size()
    body = json.dumps({"id": "job-h", "status": "COMPLETED", "output": {"images": []}})
    assert (
        web.post(
            f"/hooks/runpod/{design.pk}/wrong-token/", body, content_type="application/json", secure=True
        ).status_code
        == 404
    )
    assert (
        web.post(
            f"/hooks/runpod/{design.pk + 1}/{design.webhook_token}/", body, content_type="application/json", secure=True
        ).status_code
        == 404
    )
    assert web.get(url, secure=True).status_code == 405
    assert broker.queue_size() == before
    response = web.post(url, body, content_type="application/json", secure=True)
    assert response.status_code == 200
    assert broker.queue_size() == before + 1
    # The body is not trusted: nothing changed until the pump asks /status.
    design.refresh_from_db()
    assert design.status == Status.GENERATING


# --- batch input ----------------------------------------------------------------------------------------------


def test_parse_prompts_text_skips_comments_and_blank_lines():
    rows = generation.parse_prompts("# my batch\n\na fox\n  an owl  \n#skip\n")
    assert [(row.line, row.prompt) for row in rows] == [(3, "a fox"), (4, "an owl")]


def test_parse_prompts_csv_with_optional_columns():
    text = 'prompt,title,tags,seed,width,height\na fox,Fox,"animal, red",42,768,1024\nan owl,,,,,\n'
    rows = generation.parse_prompts(text)
    assert (rows[0].prompt, rows[0].title, rows[0].tags, rows[0].seed, rows[0].width) == (
        "a fox",
        "Fox",
        ["animal", "red"],
        42,
        768,
    )
    assert (rows[1].seed, rows[1].width) == (None, None)


def test_parse_prompts_names_every_bad_line():
    text = "prompt,seed,width\na fox,abc,768\n,1,512\nan owl,1,1000\n"
    with pytest.raises(generation.PromptFileError) as caught:
        generation.parse_prompts(text)
    assert caught.value.errors == [
        "line 2: seed must be a whole number, got 'abc'",
        "line 3: the prompt is empty",
        "line 4: width must be a multiple of 16 from 256 to 2048, got 1000",
    ]


def test_create_batch_and_progress_in_one_query(django_assert_num_queries):
    rows = generation.parse_prompts("a fox\nan owl\n")
    batch, result = generation.create_batch(rows, name="animals", origin="file", variations=2, source=Source.COMMAND)
    assert len(result.moved) == 4
    Design.objects.filter(pk=result.moved[0]).update(cost=Decimal("0.01"))
    with django_assert_num_queries(1):
        progress = generation.batch_progress([batch.pk])
    assert progress["counts"][Status.QUEUED] == 4 and progress["total"] == 4
    assert progress["cost"] == Decimal("0.01")
