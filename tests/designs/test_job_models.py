"""designs/job_models.py: an admin action over a large selection, its state a machine on the engine."""

import pytest

from designs.job_models import ACTION_JOB, ActionJob, ActionJobEvent
from designs.machine import Source

pytestmark = pytest.mark.django_db
J = ActionJob.State


def new_job(actor):
    return ACTION_JOB.create(
        state=J.QUEUED, source=Source.ADMIN, actor=actor, action="approve", label="Approve 3 designs"
    )


def test_a_job_is_born_queued_and_each_move_is_in_its_history(superuser):
    job = new_job(superuser)
    ACTION_JOB.move(job, to=J.RUNNING, source=Source.WORKER)
    ACTION_JOB.move(job, to=J.DONE, source=Source.WORKER, message="3 approved.")
    history = ActionJobEvent.objects.filter(job=job).order_by("pk")
    assert [(e.from_state, e.to_state, e.message) for e in history] == [
        ("", J.QUEUED, ""),
        (J.QUEUED, J.RUNNING, ""),
        (J.RUNNING, J.DONE, "3 approved."),
    ]
    assert history.first().actor == superuser
    job.refresh_from_db()
    assert str(job) == "Approve 3 designs (done)"


def test_only_a_worker_runs_or_ends_a_job_and_a_finished_one_stays_finished(superuser):
    job = new_job(superuser)
    with pytest.raises(ValueError, match="does not allow"):
        ACTION_JOB.move(job, to=J.RUNNING, sources=[J.QUEUED], source=Source.ADMIN)
    ACTION_JOB.move(job, to=J.FAILED, source=Source.WORKER, message="No LLM is configured.")
    assert ACTION_JOB.move(job, to=J.RUNNING, source=Source.WORKER).skipped == {job.pk: J.FAILED}


def test_the_lease_names_the_job():
    assert ActionJob.lease_key(7) == "action-job:7"
