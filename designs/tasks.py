"""django-q2 entry points. Thin: each one calls generation.py or publishing.py.

A task may run twice, late, or never (the broker is only a wake-up call); the functions it calls claim
their design with a conditional transition first and exit quietly when the claim fails.
"""


def reconcile():
    """Scheduled every minute: wake the work of designs that sat too long in queued/generating/publishing."""
    from designs import generation, publishing

    generation.reconcile()
    publishing.reconcile()


# --- generation tasks (designs/generation.py) ---


def run_generation_pump():
    """Submit queued designs and collect finished jobs until nothing is left or the time budget is used."""
    from designs import generation

    generation.run_pump()


def cancel_runpod_jobs(job_ids):
    """Cancel the RunPod jobs of designs staff took back to draft."""
    from designs import generation

    generation.cancel_runpod_jobs(job_ids)


# --- publishing tasks (designs/publishing.py) ---


def publish_design(design_id: int, resume: dict | None = None):
    from designs import publishing

    return publishing.run_publish(design_id, resume=resume)


def unpublish_design(design_id: int, delete: bool, actor_id: int | None = None, source: str = "worker"):
    from designs import publishing

    return publishing.run_unpublish(design_id, delete=delete, actor_id=actor_id, source=source)


def refresh_product(design_id: int):
    from designs import publishing

    return publishing.refresh_product(design_id)


def refresh_published_products():
    from designs import publishing

    return publishing.refresh_published_products()
