"""What runs on django-q2 workers (reached through the thin entry points in designs/tasks.py).

This package's own namespace is the only way in from elsewhere: work is handed over by task name (enqueue, and the
small wake-ups below), never by calling a worker module. Workers use the domain (designs/*.py), never a service.
"""

from functools import partial

from django.db import transaction

PUMP_LEASE = "generation-pump"  # one pump at a time across all hosts (designs/workers/pump.py)
RELEASE_LEASE = "release-pass"  # one release pass at a time (designs/workers/release.py)


def enqueue(task: str, *args, **kwargs):
    """Send designs.tasks.<task> to the workers (a wake-up call: the database stays the record of the work)."""
    from django_q.tasks import async_task

    return async_task(f"designs.tasks.{task}", *args, **kwargs)


def enqueue_later(task: str, *args, delay: float, **kwargs) -> None:
    """designs.tasks.<task> after `delay` seconds (at once when it is not positive)."""
    if delay <= 0:
        enqueue(task, *args, **kwargs)
        return
    # django-q2 has no delayed task; a one-off schedule fires it (the cluster checks schedules about every 30 s).
    from datetime import timedelta

    from django.utils import timezone
    from django_q.models import Schedule
    from django_q.tasks import schedule

    schedule(
        f"designs.tasks.{task}",
        *args,
        **kwargs,
        schedule_type=Schedule.ONCE,
        next_run=timezone.now() + timedelta(seconds=delay),
        repeats=-1,
    )


def enqueue_publish(product_id: int, *, delay: float = 0, resume: dict | None = None) -> None:
    """Wake a product's publishing run once the current transaction commits (now, or after `delay` seconds)."""
    transaction.on_commit(partial(enqueue_later, "publish_product", product_id, delay=delay, resume=resume))


def wake_pump() -> None:
    """Enqueue a pump run unless one is running (a running pump re-checks for work before it exits)."""
    from designs import leases

    if not leases.is_held(PUMP_LEASE):
        enqueue("run_generation_pump")


def wake_release() -> None:
    """Start a release pass unless one is running (a running pass looks for new work every second)."""
    from designs import leases

    if not leases.is_held(RELEASE_LEASE):
        enqueue("release_scheduled")
