"""The reconciler: claims a dead worker left, waking the pump.

Real database, real Pillow, real files in the temp MEDIA_ROOT; RunPod's HTTP answered by `responses`.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from designs import leases
from designs.models import Design
from designs.workers import PUMP_LEASE
from designs.workers.pump import CLAIM_WINDOW_SECONDS, MAX_AUTOMATIC_ATTEMPTS
from designs.workers.reconcile import reconcile
from designs.workflow import Source, Status

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("runpod_settings")]


def test_reconcile_requeues_claims_a_dead_worker_left(make_design, queued, django_capture_on_commit_callbacks):
    design = queued()
    from designs.workflow import transition_one

    transition_one(design, to=Status.GENERATING, source=Source.WORKER)  # claimed, then the worker died
    Design.objects.filter(pk=design.pk).update(
        status_changed_at=timezone.now() - timedelta(seconds=CLAIM_WINDOW_SECONDS + 5),
    )
    reconcile()
    design.refresh_from_db()
    assert design.status == Status.QUEUED
    assert "worker stopped before RunPod confirmed the job" in design.last_error
    assert design.generation_attempts == 1  # the POST may have reached RunPod: it counts as an attempt


def test_reconcile_gives_up_after_the_attempt_budget(queued):
    design = queued()
    from designs.workflow import transition_one

    transition_one(design, to=Status.GENERATING, source=Source.WORKER)
    Design.objects.filter(pk=design.pk).update(
        status_changed_at=timezone.now() - timedelta(minutes=5), generation_attempts=MAX_AUTOMATIC_ATTEMPTS - 1
    )
    reconcile()
    design.refresh_from_db()
    assert design.status == Status.GENERATION_FAILED
    assert "Gave up after 3 attempts" in design.last_error


def test_reconcile_leaves_recent_claims_and_running_pumps_alone(queued):
    recent = queued()
    from designs.workflow import transition_one

    transition_one(recent, to=Status.GENERATING, source=Source.WORKER)
    reconcile()
    assert Design.objects.get(pk=recent.pk).status == Status.GENERATING
    Design.objects.filter(pk=recent.pk).update(status_changed_at=timezone.now() - timedelta(minutes=5))
    token = leases.acquire(PUMP_LEASE, 30)
    reconcile()  # a live pump owns the claim
    assert Design.objects.get(pk=recent.pk).status == Status.GENERATING
    leases.release(PUMP_LEASE, token)


def test_reconcile_wakes_the_pump_when_work_waits():
    from django_q.brokers import get_broker

    broker = get_broker()
    before = broker.queue_size()
    reconcile()
    assert broker.queue_size() == before  # nothing to do
    Design.objects.create(prompt="x", status=Status.QUEUED)
    reconcile()
    assert broker.queue_size() == before + 1


def test_resume_after_restart_waits_for_the_dead_pumps_lease_then_wakes_the_pump(make_design):
    from django_q.brokers import get_broker

    from designs.workers.reconcile import resume_after_restart

    make_design(status=Status.GENERATING, runpod_job_id="job-left-behind")
    dead_pump = leases.acquire(PUMP_LEASE, 30)
    waited = []

    def sleep(seconds):  # the killed pump's lease lapses while we wait
        waited.append(seconds)
        leases.release(PUMP_LEASE, dead_pump)

    broker = get_broker()
    before = broker.queue_size()
    outcome = resume_after_restart(sleep=sleep)
    assert waited == [1]  # one look, and the dead pump's lease had lapsed
    assert outcome["pump"] is True and broker.queue_size() == before + 1


def test_resume_after_restart_does_not_wait_for_a_live_pump(make_design):
    from designs.workers.reconcile import resume_after_restart

    make_design(status=Status.GENERATING, runpod_job_id="job-in-hand")
    live_pump = leases.acquire(PUMP_LEASE, 30)
    waited = []

    def sleep(seconds):  # the live pump's heartbeat renews its lease meanwhile
        waited.append(seconds)
        assert leases.renew(PUMP_LEASE, live_pump, 31)

    outcome = resume_after_restart(sleep=sleep)
    assert waited == [1] and outcome["pump"] is False  # the live pump keeps the work
    leases.release(PUMP_LEASE, live_pump)


def test_only_the_workers_a_cluster_starts_with_ask_to_resume(monkeypatch):
    """post_spawn fires for every worker django-q2 starts, also one replacing a recycled worker (every 200 tasks):
    only a starting cluster's workers ask for resume_after_restart (each resume woke every run waiting in the
    queue again, so a long queue grew by thousands of duplicates)."""
    import time

    from django_q.brokers import get_broker

    from designs import apps

    broker = get_broker()
    broker.purge_queue()
    try:
        monkeypatch.setattr(apps, "STARTED", time.monotonic())  # the cluster set up Django just now
        apps.resume_when_a_worker_starts(sender="django_q", proc_name="Process-1:1")
        assert broker.queue_size() == 1
        monkeypatch.setattr(apps, "STARTED", time.monotonic() - apps.STARTING_SECONDS - 1)
        apps.resume_when_a_worker_starts(sender="django_q", proc_name="Process-1:9")  # a recycled worker's heir
        assert broker.queue_size() == 1
    finally:
        broker.purge_queue()
