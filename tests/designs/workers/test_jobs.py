"""What a kind of RunPod job does for the pump (designs/workers/jobs.py), through GenerationJobs on the real
database: claiming with the exact parameters saved, the job id kept only by its claim, requeues that count their
attempts and give up, and recovery of claims a dead pump left."""

from datetime import timedelta

import pytest
from django.utils import timezone

from designs.models import Design, GenerationPreset
from designs.workers.jobs import MAX_AUTOMATIC_ATTEMPTS, GenerationJobs, JobInputError
from designs.workflow import Status

pytestmark = pytest.mark.usefixtures("runpod_settings")


@pytest.fixture
def jobs(runpod):
    return GenerationJobs(runpod)


def fresh(design) -> Design:
    return Design.objects.get(pk=design.pk)


def test_the_oldest_queued_design_waits_first(queued, jobs):
    first, second = queued(), queued()
    Design.objects.filter(pk=first.pk).update(status_changed_at=timezone.now() + timedelta(seconds=5))
    assert list(jobs.waiting()) == [second, first]
    assert jobs.has_work()


def test_a_claim_saves_the_parameters_used_and_builds_the_workflow(queued, jobs, flux_preset):
    design = queued(prompt="a fox", seed=1234, width=768)

    build = jobs.claim(design)

    claimed = fresh(design)
    assert claimed.status == Status.GENERATING and claimed.preset == flux_preset
    assert (claimed.seed, claimed.width, claimed.height) == (1234, 768, flux_preset.height)
    workflow = build()["workflow"]
    assert any(node.get("inputs", {}).get("seed") == 1234 for node in workflow.values())
    assert jobs.claim(design) is None  # claimed already: not ours a second time


def test_without_an_active_preset_nothing_is_claimed_and_the_reason_is_given(queued, jobs):
    design = queued()
    Design.objects.filter(pk=design.pk).update(preset=None)
    GenerationPreset.objects.update(is_active=False)

    with pytest.raises(JobInputError, match="There is no active generation preset"):
        jobs.claim(fresh(design))
    assert fresh(design).status == Status.QUEUED


def test_the_job_id_is_kept_only_by_its_own_claim(queued, jobs):
    design = queued()
    jobs.claim(design)

    assert jobs.save_job_id(design, "job-1") is True
    assert jobs.save_job_id(design, "job-2") is False  # a job id is never replaced
    saved = fresh(design)
    assert (saved.runpod_job_id, saved.generation_attempts) == ("job-1", 1) and saved.submitted_at
    assert jobs.submitted() == [saved]


def test_a_counted_requeue_counts_and_the_last_attempt_fails_with_the_hint(queued, jobs):
    design = queued()
    for attempt in range(1, MAX_AUTOMATIC_ATTEMPTS):
        jobs.claim(fresh(design))
        jobs.requeue(fresh(design), "RunPod timed out.", counted=True)
        again = fresh(design)
        assert (again.status, again.generation_attempts) == (Status.QUEUED, attempt)
        assert again.last_error == "RunPod timed out."

    jobs.claim(fresh(design))
    jobs.requeue(fresh(design), "RunPod timed out.", counted=True)
    failed = fresh(design)
    assert failed.status == Status.GENERATION_FAILED
    assert failed.last_error == (
        f"RunPod timed out. Gave up after {MAX_AUTOMATIC_ATTEMPTS} attempts; use Retry generation."
    )


def test_an_uncounted_requeue_does_not_use_up_an_attempt(queued, jobs):
    design = queued()
    jobs.claim(design)
    jobs.requeue(fresh(design), "RunPod said 429.", counted=False)
    assert (fresh(design).status, fresh(design).generation_attempts) == (Status.QUEUED, 0)


def test_claims_a_dead_pump_left_without_a_job_id_are_put_back(queued, jobs):
    stuck, recent, submitted = queued(), queued(), queued()
    for design in (stuck, recent, submitted):
        jobs.claim(design)
    jobs.save_job_id(submitted, "job-3")
    long_ago = timezone.now() - timedelta(minutes=10)
    Design.objects.filter(pk__in=[stuck.pk, submitted.pk]).update(status_changed_at=long_ago)

    assert jobs.recover_unsubmitted(window_seconds=60) == 1

    statuses = [fresh(design).status for design in (stuck, recent, submitted)]
    assert statuses == [Status.QUEUED, Status.GENERATING, Status.GENERATING]
    assert "stopped before RunPod confirmed the job" in fresh(stuck).last_error


def test_a_job_is_overdue_after_the_generation_timeout(queued, jobs, settings):
    settings.GENERATION_TIMEOUT = 60
    design = queued()
    jobs.claim(design)
    jobs.save_job_id(design, "job-1")
    assert not jobs.overdue(fresh(design))
    Design.objects.filter(pk=design.pk).update(submitted_at=timezone.now() - timedelta(seconds=61))
    assert jobs.overdue(fresh(design))


def test_runpod_is_given_this_designs_webhook_only_with_a_public_address(queued, jobs, settings):
    design = queued()
    assert jobs.webhook(design) is None
    settings.PUBLIC_BASE_URL = "https://pod.example.com"
    assert jobs.webhook(design) == f"https://pod.example.com/hooks/runpod/{design.pk}/{design.webhook_token}/"


def test_a_problem_is_shown_on_every_waiting_design(queued, jobs):
    waiting, running = queued(), queued()
    jobs.claim(running)
    jobs.explain_waiting("The RunPod key was refused.")
    assert fresh(waiting).last_error == "The RunPod key was refused."
    assert fresh(running).last_error == ""
