"""Generation use cases: request (and retry), cancel, more variations.

Real database, real Pillow, real files in the temp MEDIA_ROOT; RunPod's HTTP answered by `responses`.
"""

import pytest

from designs.models import Design, GenerationPreset
from designs.services.generation import cancel_generation, request_generation, request_variations
from designs.workers import wake_pump
from designs.workflow import Source, Status
from tests.designs.generation_support import (
    JOBS,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("runpod_settings")]


def test_request_generation_queues_drafts_and_failures_only(make_design, django_capture_on_commit_callbacks):
    draft = make_design()
    failed = make_design(status=Status.GENERATION_FAILED, last_error="old problem", runpod_job_id="old-job")
    in_review = make_design(status=Status.REVIEW)
    with django_capture_on_commit_callbacks() as callbacks:
        result = request_generation([draft, failed, in_review], actor=None, source=Source.ADMIN)
    assert sorted(result.moved) == sorted([draft.pk, failed.pk])
    assert result.skipped == {in_review.pk: Status.REVIEW}
    assert callbacks == [wake_pump]  # one wake-up for the whole request, after commit
    failed.refresh_from_db()
    assert (failed.status, failed.last_error, failed.runpod_job_id) == (Status.QUEUED, "", "")
    assert failed.preset == GenerationPreset.objects.get(name="Flux dev fp8")


def test_cancel_generation_moves_back_to_draft_and_cancels_the_job(
    generating, queued, rsps, monkeypatch, django_capture_on_commit_callbacks
):
    from django_q.conf import Conf

    running = generating("job-c")
    waiting = queued()
    rsps.post(f"{JOBS}/cancel/job-c", json={"id": "job-c", "status": "CANCELLED"})
    with django_capture_on_commit_callbacks() as callbacks:
        result = cancel_generation([running, waiting], actor=None, source=Source.ADMIN)
    assert sorted(result.moved) == sorted([running.pk, waiting.pk])
    assert set(Design.objects.filter(pk__in=result.moved).values_list("status", flat=True)) == {Status.DRAFT}
    assert not any(call.request.url.endswith("/cancel/job-c") for call in rsps.calls)  # not before commit
    monkeypatch.setattr(Conf, "SYNC", True)  # run the enqueued cancel task inline (django-q#557)
    for callback in callbacks:
        callback()
    assert rsps.calls[-1].request.url.endswith("/cancel/job-c")


def test_request_variations_makes_new_queued_designs_with_new_seeds(make_design):
    original = make_design(prompt="a lighthouse, linocut", seed=42, width=768, height=1024)
    result = request_variations([original], count=3, actor=None, source=Source.ADMIN)
    assert len(result.moved) == 3
    copies = Design.objects.filter(pk__in=result.moved)
    assert {(d.prompt, d.width, d.height, d.status, d.seed) for d in copies} == {
        ("a lighthouse, linocut", 768, 1024, Status.QUEUED, None)
    }
