"""The print-quality gate: publishing refuses designs below MIN_PRINT_DPI before any Printify request, a publisher may
override (an event with the actor), templates may prepare print files first, and the print file is what is uploaded.

Printify via `responses` (FakePrintify), RunPod via `responses` too where a print job runs.
"""

import base64
import json

import pytest
import responses

from designs import tasks
from designs.models import Design, DesignEvent
from designs.print_gate import RunGate, publishing_run_gate
from designs.print_status import PrintStatus
from designs.services import publishing
from designs.workers import publish_run
from designs.workflow import EventKind, Source, Status
from tests.designs.generation_support import JOBS, completed, v5_output
from tests.designs.print_support import approved_design, areas, png
from tests.designs.publishing_support import FakePrintify, configure_printify, make_template, product_of


@pytest.fixture(autouse=True)
def gate_settings(settings):
    configure_printify(settings)
    settings.MIN_PRINT_DPI = 150  # configure_printify turns the gate off for the other publishing tests
    settings.TARGET_PRINT_DPI = 300


@pytest.fixture
def printify():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakePrintify(rsps)


@pytest.fixture
def tee(db):
    """Print areas of 600×720 px (2×2.4 in): a 256² design prints at 128 DPI (below), a 400² one at 200."""
    return make_template(placeholders=areas((600, 720)), placement={"mode": "fit"})


def test_publishing_a_design_below_the_minimum_is_refused_before_anything_changes(make_design, tee, printify):
    low = approved_design(make_design, (256, 256))
    fine = approved_design(make_design, (400, 400))
    with pytest.raises(publishing.PublishRefused) as refused:
        publishing.request_publish([low, fine], actor=None, source=Source.COMMAND)
    message = str(refused.value)
    assert "1 design is below 150 DPI" in message
    assert f"Design {low.pk}'s original (256×256 px) prints at 128 DPI on “Kids tee”" in message
    assert "150 DPI needs 300×300 px" in message and "Prepare their print files" in message
    low.refresh_from_db()
    fine.refresh_from_db()
    assert (low.status, fine.status) == (Status.APPROVED, Status.APPROVED)  # nothing moved, nothing queued
    assert not printify.rsps.calls


def test_designs_that_would_not_move_do_not_block_the_others(make_design, tee):
    low_in_review = approved_design(make_design, (256, 256), status=Status.REVIEW)
    fine = approved_design(make_design, (400, 400))
    result = publishing.request_publish([low_in_review, fine], actor=None, source=Source.COMMAND)
    assert result.moved == [fine.pk] and low_in_review.pk in result.skipped


def test_the_override_publishes_and_records_who_chose_it(make_design, tee, publisher, printify):
    low = approved_design(make_design, (256, 256))
    result = publishing.request_publish([low], actor=publisher, source=Source.ADMIN, override_low_dpi=True)
    assert result.moved == [low.pk]
    event = DesignEvent.objects.get(design=low, kind=EventKind.NOTE)
    assert event.actor == publisher and "below 150 DPI on purpose (override)" in event.message
    assert "128 DPI" in event.message
    assert publish_run.run_publish(product_of(low).pk) == "published"  # the run honours the decision
    # The decision stays on the design for its runs (and retries); a new request decides afresh.
    low.refresh_from_db()
    assert low.print_gate_overridden


def test_the_run_keeps_the_template_version_it_was_requested_with(make_design, tee, printify):
    """The gate ran against the template when publishing was requested; a later edit (here print areas that would
    make 400 px print at 100 DPI) does not reach a run already under way (issue 12: runs keep their version)."""
    design = approved_design(make_design, (400, 400))
    publishing.request_publish([design], actor=None, source=Source.COMMAND)
    tee.placeholders = areas((1200, 1440))
    tee.save()
    assert publish_run.run_publish(product_of(design).pk) == "published"
    [created] = printify.created
    assert created["print_areas"][0]["placeholders"][0]["images"][0]["scale"] == 1.0


def test_the_run_refuses_before_any_request_when_the_design_lost_its_print_file(make_design, tee, printify):
    design = approved_design(make_design, (400, 400))
    publishing.request_publish([design], actor=None, source=Source.COMMAND)
    Design.objects.filter(pk=design.pk).update(image_width=100, image_height=100)  # e.g. the image was replaced
    assert publish_run.run_publish(product_of(design).pk) == "failed"
    design.refresh_from_db()
    assert design.status == Status.PUBLISH_FAILED
    assert "prints at 50 DPI" in design.last_error and "Prepare its print file" in design.last_error
    assert not printify.rsps.calls


@pytest.fixture
def print_presets(db):
    import importlib

    from django.apps import apps

    importlib.import_module("designs.migrations.0016_print_presets").install_print_presets(apps, None)


@pytest.mark.usefixtures("runpod_settings", "print_presets")
def test_a_template_that_prepares_first_publishes_once_the_print_file_is_ready(
    make_design, tee, pump, rsps, django_capture_on_commit_callbacks
):
    printify = FakePrintify(rsps)  # one mock for RunPod and Printify (two would shadow each other)
    tee.prepare_print_files = True
    tee.needs_transparency = True
    tee.save()
    design = approved_design(make_design, (256, 256))
    with django_capture_on_commit_callbacks(execute=False):
        result = publishing.request_publish([design], actor=None, source=Source.COMMAND)
    assert result.moved == [design.pk]
    design.refresh_from_db()
    assert (design.status, design.print_status) == (Status.PUBLISHING, PrintStatus.QUEUED)
    assert design.print_preset.name == "Upscale + remove background"  # the template needs transparency
    assert publish_run.run_publish(product_of(design).pk) == "waiting for the print file"
    assert not rsps.calls

    rsps.post(f"{JOBS}/run", json={"id": "print-9", "status": "IN_QUEUE"})
    pump.submit()
    sent = json.loads(rsps.calls[-1].request.body)["input"]["workflow"]
    assert sent["5"]["class_type"] == "RMBG" and sent["9"]["inputs"]["images"] == ["5", 0]
    print_file = png((600, 600), mode="RGBA", background=(0, 0, 0))
    rsps.get(f"{JOBS}/status/print-9", json=completed("print-9", v5_output(print_file)))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        pump.poll()
    design.refresh_from_db()
    assert design.print_status == PrintStatus.READY
    assert callbacks, "the waiting publishing run is woken"

    outcome = publish_run.run_publish(product_of(design).pk)
    design.refresh_from_db()
    assert outcome == "published", design.last_error
    [upload] = printify.uploads
    assert base64.b64decode(upload["contents"]) == print_file
    assert upload["file_name"] == f"design-{design.pk}-print.png"
    [created] = printify.created
    assert created["print_areas"][0]["placeholders"][0]["images"][0]["scale"] == 1.0  # fit, from 600×600


@pytest.mark.usefixtures("runpod_settings", "print_presets")
def test_a_failed_print_file_fails_the_waiting_publishing_run_with_its_reason(make_design, tee, pump, rsps):
    printify = FakePrintify(rsps)
    tee.prepare_print_files = True
    tee.save()
    design = approved_design(make_design, (256, 256))
    publishing.request_publish([design], actor=None, source=Source.COMMAND)
    rsps.post(f"{JOBS}/run", json={"id": "print-10", "status": "IN_QUEUE"})
    pump.submit()
    rsps.get(f"{JOBS}/status/print-10", json={"id": "print-10", "status": "FAILED", "error": "CUDA out of memory"})
    pump.poll()
    assert publish_run.run_publish(product_of(design).pk) == "failed"
    design.refresh_from_db()
    assert design.status == Status.PUBLISH_FAILED
    assert design.last_error.startswith("Kids tee: The print file could not be prepared: The RunPod job failed: CUDA")
    assert not printify.calls("POST", "uploads")


def test_a_large_print_file_is_refused_without_public_base_url_and_sent_by_url_with_it(
    make_design, tee, printify, settings, monkeypatch
):
    design = approved_design(make_design, (256, 256))
    from designs import images

    image, renditions = images.prepare(png((600, 600)))
    saved, _ = images.write_files([("designs/print/x.png", image.data)])
    design.print_file, design.print_width, design.print_height = saved[0], 600, 600
    design.print_status = PrintStatus.READY
    design.save()
    settings.PRINTIFY_UPLOAD_BY_URL_ABOVE = len(image.data) - 1
    publishing.request_publish([design], actor=None, source=Source.COMMAND)
    assert publish_run.run_publish(product_of(design).pk) == "failed"
    design.refresh_from_db()
    assert "The print file is 0.0 MB, more than PRINTIFY_UPLOAD_BY_URL_ABOVE" in design.last_error
    assert "Printify must fetch it by URL" in design.last_error and "PUBLIC_BASE_URL" in design.last_error
    assert not printify.rsps.calls

    settings.PUBLIC_BASE_URL = "https://shop.example"
    publishing.retry_publish([design], actor=None, source=Source.COMMAND)
    assert publish_run.run_publish(product_of(design).pk) == "published"
    assert printify.uploads[0]["url"] == f"https://shop.example{design.print_file.url}"


def test_a_run_goes_on_for_a_sharp_enough_design_or_an_override(make_design, tee, settings):
    settings.MIN_PRINT_DPI = 150
    assert publishing_run_gate(approved_design(make_design, (1200, 1440)), tee) == RunGate()
    below = approved_design(make_design, (128, 128))
    assert publishing_run_gate(below, tee).refusal  # the control: without the override it is refused
    below.print_gate_overridden = True
    assert publishing_run_gate(below, tee) == RunGate()


def test_a_run_refuses_a_design_below_the_minimum_with_the_reason(make_design, tee, settings):
    settings.MIN_PRINT_DPI = 150
    gate = publishing_run_gate(approved_design(make_design, (128, 128)), tee)
    assert not gate.wait and "DPI" in gate.refusal


@pytest.mark.usefixtures("runpod_settings", "print_presets")
def test_a_run_waits_for_a_print_file_being_prepared_and_queues_it_when_the_template_prepares_first(
    make_design, tee, settings
):
    settings.MIN_PRINT_DPI = 150
    tee.prepare_print_files = True
    tee.save()
    design = approved_design(make_design, (128, 128))

    assert publishing_run_gate(design, tee) == RunGate(wait=True, prepare=True)  # nobody asked for it yet
    tasks.prepare_print_file(design.pk, tee.pk)  # what the run hands over by task name
    design.refresh_from_db()
    assert design.print_status == PrintStatus.QUEUED
    assert publishing_run_gate(design, tee) == RunGate(wait=True)

    design.print_status, design.print_error = PrintStatus.FAILED, "RunPod ran out of memory"
    gate = publishing_run_gate(design, tee)
    assert gate.refusal == "The print file could not be prepared: RunPod ran out of memory"
