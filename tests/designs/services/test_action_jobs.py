"""Admin actions over large selections, carried out by a worker: the job keeps the selection and the answers, goes
through it in chunks with the same use cases, hands over to a new task when its time is up, and ends with the same
summary and audit trail as the request would have."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry

from designs import tasks
from designs.job_models import ActionJob
from designs.models import Design, DesignEvent
from designs.services import action_jobs
from designs.services.generation import TooManyDesigns
from designs.workflow import Status
from tests.designs.llm_support import llm_settings  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def in_review(count: int) -> list[int]:
    return [
        d.pk for d in Design.objects.bulk_create(Design(prompt=f"p {n}", status=Status.REVIEW) for n in range(count))
    ]


def test_a_job_goes_through_every_chunk_and_reports_like_the_request(superuser, django_capture_on_commit_callbacks):
    ids = in_review(4500)
    Design.objects.filter(pk=ids[-1]).update(status=Status.APPROVED)
    with django_capture_on_commit_callbacks() as woken:
        job = action_jobs.start("reject_designs", Design.objects.all(), actor=superuser, options={"reason": "blurry"})
    assert len(woken) == 1 and job.total == 4500 and job.label == "Reject 4,500 designs"
    assert Design.objects.filter(status=Status.REJECTED).count() == 0  # nothing before the worker

    assert tasks.run_action_job(job.pk) == "done"

    job.refresh_from_db()
    assert (job.state, job.done) == (ActionJob.State.DONE, 4500)
    assert job.summary == "4499 rejected, 1 skipped (approved)."
    assert Design.objects.filter(status=Status.REJECTED).count() == 4499
    assert DesignEvent.objects.filter(message="blurry").count() == 4499
    logged = LogEntry.objects.filter(user=superuser, action_flag=CHANGE, change_message="Rejected: blurry")
    assert logged.count() == 4499
    assert tasks.run_action_job(job.pk) == "done"  # delivered twice: nothing more happens


def test_a_run_out_of_time_hands_the_rest_to_a_new_task(superuser, monkeypatch, django_capture_on_commit_callbacks):
    in_review(4100)
    job = action_jobs.start("approve_designs", Design.objects.all(), actor=superuser)
    monkeypatch.setattr(action_jobs, "RUN_SECONDS", 0)  # one chunk per run
    runs = []
    with django_capture_on_commit_callbacks(execute=False) as handed_over:
        runs.append(action_jobs.run(job.pk))
    job.refresh_from_db()
    assert runs == ["2000 of 4100"] and len(handed_over) == 1 and job.state == ActionJob.State.RUNNING
    assert job.summary == "2000 approved"  # what the progress page shows meanwhile
    while action_jobs.run(job.pk) != "done":
        pass
    job.refresh_from_db()
    assert (job.state, job.done, job.summary) == (ActionJob.State.DONE, 4100, "4100 approved.")
    assert Design.objects.filter(status=Status.APPROVED).count() == 4100


def test_the_cap_is_checked_before_anything_is_kept(superuser, settings):
    settings.MAX_DESIGNS_PER_ACTION = 3000
    Design.objects.bulk_create(Design(prompt=f"p {n}") for n in range(3001))
    with pytest.raises(TooManyDesigns):
        action_jobs.start("generate_designs", Design.objects.all(), actor=superuser)
    assert not ActionJob.objects.exists()


def test_a_refusal_stops_the_job_and_says_why(superuser):
    Design.objects.bulk_create(Design(prompt=f"p {n}", status=Status.APPROVED) for n in range(10))
    job = action_jobs.start("publish_to_printify", Design.objects.all(), actor=superuser)  # no template at all
    assert tasks.run_action_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.state == ActionJob.State.FAILED
    assert job.summary.startswith("Nothing done. Stopped: There is no product template to publish with")
    assert not Design.objects.filter(status=Status.PUBLISHING).exists()


def test_the_reconciler_wakes_a_job_whose_worker_was_lost(superuser, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from designs.workers import reconcile

    in_review(10)
    job = action_jobs.start("approve_designs", Design.objects.all(), actor=superuser)
    assert reconcile.reconcile()["action_jobs"] == []  # just asked: its wake-up is on its way
    long_ago = timezone.now() - timedelta(seconds=action_jobs.LEASE_SECONDS + 1)
    ActionJob.objects.filter(pk=job.pk).update(state=ActionJob.State.RUNNING, updated_at=long_ago)
    with django_capture_on_commit_callbacks() as woken:
        assert reconcile.reconcile()["action_jobs"] == [job.pk]
    assert len(woken) >= 1  # run_action_job(job) among the wake-ups
    assert tasks.run_action_job(job.pk) == "done"


def test_listing_copy_over_the_cap_is_refused_before_a_job_is_kept(superuser, settings, llm_settings):  # noqa: F811
    settings.MAX_DESIGNS_PER_ACTION = 2500
    Design.objects.bulk_create(Design(prompt=f"p {n}") for n in range(2600))
    with pytest.raises(TooManyDesigns, match="That would be 2,600 designs"):
        action_jobs.start("write_listing_copy", Design.objects.all(), actor=superuser)
    assert not ActionJob.objects.exists()
