"""What runs on django-q2 workers (reached through the thin entry points in designs/tasks.py)."""


def enqueue(task: str, *args, **kwargs):
    """Send designs.tasks.<task> to the workers (a wake-up call: the database stays the record of the work)."""
    from django_q.tasks import async_task

    return async_task(f"designs.tasks.{task}", *args, **kwargs)
