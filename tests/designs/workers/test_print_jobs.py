"""Print preparation through the one pump: the job input worker-comfyui expects, the print file stored beside the
original, and every bad answer landing in the print status with a reason. RunPod over HTTP via `responses`."""

import base64
import io
import json

import pytest
from PIL import Image

from designs.models import Design, DesignEvent
from designs.print_status import PrintStatus
from designs.services.print_files import request_print_files
from designs.workers.print_jobs import MAX_INPUT_IMAGE_BYTES, fit_input_image
from designs.workflow import EventKind, Source, Status
from tests.designs.generation_support import JOBS, completed, v5_output
from tests.designs.print_support import approved_design, png, small_template

pytestmark = pytest.mark.usefixtures("runpod_settings", "print_presets")


@pytest.fixture
def template(db):
    return small_template()  # 600×720 print areas: a 256² design needs 600×600 px for 300 DPI


@pytest.fixture
def queued_print(make_design, template):
    def make(size=(256, 256), **fields):
        design = approved_design(make_design, size, **fields)
        result = request_print_files([design], actor=None, source=Source.COMMAND, template=template)
        assert result.moved == [design.pk], result.skipped
        design.refresh_from_db()
        return design

    return make


def submitted_body(rsps) -> dict:
    [call] = [call for call in rsps.calls if call.request.url.endswith("/run")]
    return json.loads(call.request.body)


def test_request_sizes_the_print_file_for_the_template_and_records_it(queued_print):
    design = queued_print()
    assert design.print_status == PrintStatus.QUEUED
    assert (design.print_target_width, design.print_target_height) == (600, 600)
    assert design.print_preset.name == "Upscale for print"
    event = DesignEvent.objects.filter(design=design, kind=EventKind.PRINT).get()
    assert "no print file → print file queued" in event.message and "600×600 px" in event.message
    assert design.status == Status.APPROVED  # the design's own status is never touched


def test_the_job_sends_the_image_beside_the_graph_as_worker_comfyui_expects(queued_print, pump, rsps):
    design = queued_print()
    rsps.post(f"{JOBS}/run", json={"id": "print-1", "status": "IN_QUEUE"})
    pump.submit()
    body = submitted_body(rsps)["input"]
    [sent] = body["images"]
    assert sent["name"] == f"design-{design.pk}.png"
    with design.image.open("rb") as original:
        assert base64.b64decode(sent["image"]) == original.read()
    graph = body["workflow"]
    assert graph["1"]["inputs"]["image"] == sent["name"]  # LoadImage reads what was sent
    assert (graph["4"]["inputs"]["width"], graph["4"]["inputs"]["height"]) == (600, 600)
    assert graph["2"]["inputs"]["model_name"] == "RealESRGAN_x4plus.pth"
    design.refresh_from_db()
    assert (design.print_status, design.print_job_id, design.print_attempts) == (PrintStatus.PREPARING, "print-1", 1)


def test_a_finished_job_stores_the_print_file_beside_the_untouched_original(queued_print, pump, rsps, media_root):
    design = queued_print()
    original = (design.image.name, design.thumbnail.name, design.image_sha256)
    rsps.post(f"{JOBS}/run", json={"id": "print-2", "status": "IN_QUEUE"})
    pump.submit()
    result = png((600, 600), mode="RGBA", background=(0, 0, 0))
    rsps.get(f"{JOBS}/status/print-2", json=completed("print-2", v5_output(result), execution_ms=4000))
    pump.poll()
    design.refresh_from_db()
    assert design.print_status == PrintStatus.READY, design.print_error
    assert (design.print_width, design.print_height, design.print_execution_ms) == (600, 600, 4000)
    assert (media_root / design.print_file.name).read_bytes() == result
    assert design.print_file.name.startswith("designs/print/") and design.print_file.name.endswith(".png")
    assert (design.image.name, design.thumbnail.name, design.image_sha256) == original
    assert design.print_preview.name == ""  # 600 px: small enough to be its own preview
    assert design.print_has_alpha is False  # opaque RGBA
    assert design.print_ink["of"] == design.print_file.name and sum(design.print_ink["bins"]) == pytest.approx(
        1, abs=0.01
    )
    assert design.status == Status.APPROVED


@pytest.mark.parametrize(
    ("result", "reason"),
    [
        (png((500, 600)), "RunPod returned 500×600 px, smaller than the 600×600 px asked for"),
        (b"%PDF-1.4 not a picture" * 20, "RunPod's print file was refused: it is not a PNG"),
        (
            Image.new("RGB", (600, 600)).tobytes()[:0] or None,
            "RunPod reported the job COMPLETED but returned no output",
        ),
    ],
    ids=["too-small", "not-an-image", "no-output"],
)
def test_an_unusable_result_fails_the_print_file_with_the_reason(queued_print, pump, rsps, result, reason):
    design = queued_print()
    rsps.post(f"{JOBS}/run", json={"id": "print-3", "status": "IN_QUEUE"})
    pump.submit()
    output = v5_output(result) if result else None
    rsps.get(f"{JOBS}/status/print-3", json=completed("print-3", output))
    pump.poll()
    design.refresh_from_db()
    assert design.print_status == PrintStatus.FAILED
    assert reason in design.print_error
    assert not design.print_file


def test_a_result_over_the_pixel_cap_is_refused(queued_print, pump, rsps, settings):
    settings.MAX_PRINT_PIXELS = 600 * 599
    design = queued_print()
    rsps.post(f"{JOBS}/run", json={"id": "print-4", "status": "IN_QUEUE"})
    pump.submit()
    rsps.get(f"{JOBS}/status/print-4", json=completed("print-4", v5_output(png((600, 600)))))
    pump.poll()
    design.refresh_from_db()
    assert design.print_status == PrintStatus.FAILED
    assert "360,000 pixels, more than the 359,400 allowed" in design.print_error


def test_a_runpod_failure_lands_in_the_print_status_with_runpods_reason(queued_print, pump, rsps):
    design = queued_print()
    rsps.post(f"{JOBS}/run", json={"id": "print-5", "status": "IN_QUEUE"})
    pump.submit()
    error = "Workflow validation failed:\n• Node 2 (errors): value not in list: model_name: 'RealESRGAN_x4plus.pth'"
    rsps.get(f"{JOBS}/status/print-5", json={"id": "print-5", "status": "FAILED", "error": error})
    pump.poll()
    design.refresh_from_db()
    assert design.print_status == PrintStatus.FAILED
    assert "RealESRGAN_x4plus.pth" in design.print_error and "Workflow validation failed" in design.print_error
    assert design.status == Status.APPROVED


def test_storing_twice_after_a_crash_keeps_one_file(queued_print, pump, rsps, media_root):
    """A worker killed after writing the file but before recording it: the next poll writes the same name."""
    from designs.workers.ingest import Checked
    from designs.workers.print_jobs import prepare_print_file, store_print_file
    from integrations.runpod import job_status_from_json

    design = queued_print()
    rsps.post(f"{JOBS}/run", json={"id": "print-6", "status": "IN_QUEUE"})
    pump.submit()
    design.refresh_from_db()
    job = job_status_from_json(completed("print-6", v5_output(png((600, 600)))))
    checked = prepare_print_file(job, (600, 600))
    assert isinstance(checked, Checked) and checked.kind == "completed"
    from designs import images

    names = images.job_output_names("print-6", 0, "png", design.print_submitted_at, folder="designs/print")
    images.write_files([(names[0], checked.prepared[0][0].data)])  # the first worker got this far, then died
    assert store_print_file(design, checked)
    assert not store_print_file(design, checked)  # a late duplicate finds the job collected
    files = sorted(p.relative_to(media_root).as_posix() for p in (media_root / "designs" / "print").rglob("*.png"))
    assert files == [names[0]]


def test_preparing_again_replaces_the_old_print_file(
    queued_print, pump, rsps, media_root, template, django_capture_on_commit_callbacks
):
    design = queued_print()
    for job_id in ("print-7", "print-8"):
        rsps.post(f"{JOBS}/run", json={"id": job_id, "status": "IN_QUEUE"})
        pump.submit()
        rsps.get(f"{JOBS}/status/{job_id}", json=completed(job_id, v5_output(png((600, 600)))))
        with django_capture_on_commit_callbacks(execute=True):  # the old file goes once the new one is recorded
            pump.poll()
        design.refresh_from_db()
        assert design.print_status == PrintStatus.READY, design.print_error
        if job_id == "print-7":
            first = design.print_file.name
            request_print_files([design], actor=None, source=Source.COMMAND, template=template, again=True)
    assert design.print_file.name != first
    assert not (media_root / first).exists()
    assert (media_root / design.print_file.name).exists()


def test_generation_and_print_jobs_share_the_endpoints_cap(queued_print, queued, pump, rsps, settings):
    settings.RUNPOD_MAX_IN_FLIGHT = 2
    prints = [queued_print() for _ in range(2)]
    generation = queued()
    for n in range(3):
        rsps.post(f"{JOBS}/run", json={"id": f"job-{n}", "status": "IN_QUEUE"})
    pump.submit()
    generating = Design.objects.filter(pk=generation.pk, status=Status.GENERATING).count()
    preparing = Design.objects.filter(pk__in=[d.pk for d in prints], print_status=PrintStatus.PREPARING).count()
    assert (generating, preparing) == (1, 1)  # generation first, then print, never more than the cap together


def test_an_image_too_large_for_runpods_request_is_re_encoded_smaller():
    noisy = Image.effect_noise((2600, 2600), 80).convert("RGB")
    buffer = io.BytesIO()
    noisy.save(buffer, "PNG")
    data = buffer.getvalue()
    assert len(data) > MAX_INPUT_IMAGE_BYTES
    smaller, extension = fit_input_image(data, MAX_INPUT_IMAGE_BYTES)
    assert extension == "webp" and len(smaller) <= MAX_INPUT_IMAGE_BYTES
    with Image.open(io.BytesIO(smaller)) as picture:
        assert picture.width >= 1300  # halved at most once
    assert fit_input_image(png(), MAX_INPUT_IMAGE_BYTES) == (png(), "png")  # small enough: sent as stored
