"""What runs on django-q2 workers (reached through the thin entry points in designs/tasks.py)."""


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
