"""ActionJob: an admin action over a large selection, carried out on a worker (designs/services/action_jobs.py).

Its state is a machine on the engine (designs/machine.py), the seventh: a table, an event model and a declaration.
"""

from django.conf import settings
from django.db import models

from designs.machine import History, HistoryRow, Machine


class ActionJob(models.Model):
    """The selection is kept as it was when the person confirmed (ids, in order); `done` counts the designs the
    worker has been through, so a job taken over after a lost worker goes on where it stopped."""

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    action = models.CharField(max_length=50)
    label = models.CharField(max_length=200)  # "Approve 6,000 designs"
    design_ids = models.JSONField(default=list)
    options = models.JSONField(default=dict, blank=True)  # the confirmation page's answers, as plain values
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    summary = models.TextField(blank=True)  # "5,990 approved, 10 skipped (rejected)."
    result = models.JSONField(default=dict, blank=True)  # the use case's result so far (a hand-over goes on from it)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.label} ({self.get_state_display().lower()})"

    @staticmethod
    def lease_key(job_id: int) -> str:
        """The lease a run holds while it works on the job (the reconciler wakes a job whose lease is free)."""
        return f"action-job:{job_id}"


class ActionJobEvent(HistoryRow):
    """One row per action job state change (ACTION_JOB below)."""

    job = models.ForeignKey(ActionJob, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=10, choices=ActionJob.State.choices, blank=True)
    to_state = models.CharField(max_length=10, choices=ActionJob.State.choices, blank=True)

    def __str__(self):
        return f"{self.from_state or '—'} → {self.to_state or '—'}"


J = ActionJob.State
ACTION_JOB = Machine(
    name="action job",
    model="designs.ActionJob",
    field="state",
    states=ActionJob.State,
    # Taken by a worker (again, after a lost one: running stays running); done, or failed with the refusal in words.
    table={J.QUEUED: frozenset({J.RUNNING, J.FAILED}), J.RUNNING: frozenset({J.DONE, J.FAILED})},
    worker_only=frozenset({(J.QUEUED, J.RUNNING), (J.QUEUED, J.FAILED), (J.RUNNING, J.DONE), (J.RUNNING, J.FAILED)}),
    history=History(model="designs.ActionJobEvent", owner="job_id", from_field="from_state", to_field="to_state"),
    subject="action job",
    born_in=frozenset({J.QUEUED}),
)
