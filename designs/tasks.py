"""django-q2 entry points. Thin: each one calls one function in designs/workers/.

A task may run twice, late, or never (the broker is only a wake-up call); the functions it calls claim
their design with a conditional transition (or a lease) first and exit quietly when the claim fails.
"""


def reconcile():
    """Scheduled every minute: wake the work of designs that sat too long in queued/generating/publishing."""
    from designs.workers import reconcile

    return reconcile.reconcile()


def resume_after_restart():
    """Sent by every starting qcluster worker (designs/apps.py): resume the work a killed cluster left."""
    from designs.workers import reconcile

    return reconcile.resume_after_restart()


def run_generation_pump():
    """Submit queued designs and collect finished jobs until nothing is left or the time budget is used."""
    from designs.workers import pump

    pump.run_pump()


def cancel_runpod_jobs(job_ids):
    """Cancel the RunPod jobs of designs staff took back to draft."""
    from designs.workers import pump

    pump.cancel_runpod_jobs(job_ids)


def publish_design(design_id: int, resume: dict | None = None):
    from designs.workers import publish_run

    return publish_run.run_publish(design_id, resume=resume)


def unpublish_design(design_id: int, delete: bool, actor_id: int | None = None, source: str = "worker"):
    from designs.workers import publish_run

    return publish_run.run_unpublish(design_id, delete=delete, actor_id=actor_id, source=source)


def refresh_product(design_id: int):
    from designs.workers import printify_events

    return printify_events.refresh_product(design_id)


def refresh_published_products():
    from designs.workers import printify_events

    return printify_events.refresh_published_products()


def delete_design_and_product(design_id: int, actor_id: int | None = None):
    """Staff deleted a design and chose to delete its Printify product too: the product first, then the design."""
    from designs.workers import publish_run

    return publish_run.run_delete_design_and_product(design_id, actor_id=actor_id)


def write_listing_copy(design_id: int):
    """Ask the LLM for one design's title, description and tags (designs/workers/copywriter.py)."""
    from designs.workers import copywriter

    return copywriter.run_write_copy(design_id)
