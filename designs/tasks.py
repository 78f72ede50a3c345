"""django-q2 entry points. Thin: each one calls one function, in designs/workers/ (the work itself) or, for work a
person asked for that runs later (a large admin action, copy after ingest, a print file a run needs), the service
that person's request would have called.

A task may run twice, late, or never (the broker is only a wake-up call); the functions it calls claim
their design with a conditional transition (or a lease) first and exit quietly when the claim fails.
"""

from designs.models import ProductTemplate
from designs.services import action_jobs
from designs.services.listing_copy import after_ingest
from designs.services.print_files import request_print_files
from designs.workers import (
    copywriter,
    costs,
    listing_sync,
    order_sync,
    orders,
    printify_events,
    publish_run,
    pump,
    release,
    repricing,
    shops,
    unpublish,
)
from designs.workers import reconcile as reconciler
from designs.workflow import Source


def reconcile():
    """Scheduled every minute: wake the work of designs that sat too long in queued/generating/publishing."""
    return reconciler.reconcile()


def resume_after_restart():
    """Sent by every starting qcluster worker (designs/apps.py): resume the work a killed cluster left."""
    return reconciler.resume_after_restart()


def release_scheduled():
    """Scheduled every minute (migration 0038), woken by the reconciler and by a product joining a queue: products
    whose planned time has come go live (designs/workers/release.py)."""
    return release.run_release()


def run_generation_pump():
    """Submit queued designs and collect finished jobs until nothing is left or the time budget is used."""
    pump.run_pump()


def cancel_runpod_jobs(job_ids):
    """Cancel the RunPod jobs of designs staff took back to draft."""
    pump.cancel_runpod_jobs(job_ids)


def publish_product(product_id: int, resume: dict | None = None):
    return publish_run.run_publish(product_id, resume=resume)


def unpublish_product(product_id: int, delete: bool, actor_id: int | None = None, source: str = "worker"):
    return unpublish.run_unpublish(product_id, delete=delete, actor_id=actor_id, source=source)


def refresh_product(product_id: int):
    return printify_events.refresh_product(product_id)


def refresh_published_products():
    return printify_events.refresh_published_products()


def delete_design_and_product(design_id: int, actor_id: int | None = None):
    """Staff deleted a design and chose to delete its Printify products too: the products first, then the design."""
    return unpublish.run_delete_design_and_products(design_id, actor_id=actor_id)


def write_listing_copy(design_id: int, template_ids: list[int] | None = None):
    """Ask the LLM for one design's title, description and tags (designs/workers/copywriter.py), to fit the shops
    of `template_ids` (those it is about to be published to) or, none given, every connected shop."""
    return copywriter.run_write_copy(design_id, template_ids)


def learn_costs(blueprint_id: int, provider_id: int, force: bool = False):
    """What Printify charges per variant of a provider's blueprint, for the template editor."""
    return costs.learn_costs(blueprint_id, provider_id, force=force)


def reprice_products(job_id: int):
    """Put a template's changed prices on its products in Printify."""
    return repricing.run_reprice(job_id)


def update_listing(product_id: int):
    """Put a product's changed title, description, tags and prices on Printify (designs/workers/listing_sync.py)."""
    return listing_sync.run_update(product_id)


def copy_after_ingest(design_ids: list[int]):
    """New designs without a title get their listing copy written (LISTING_COPY_AFTER_INGEST)."""
    return after_ingest(design_ids)


def prepare_print_file(design_id: int, template_id: int):
    """A publishing run waits for a print file nobody asked for yet (its template prepares print files first)."""
    template = ProductTemplate.objects.filter(pk=template_id).first()
    return request_print_files([design_id], actor=None, source=Source.WORKER, template=template).summary()


def run_action_job(job_id: int):
    """An admin action over a large selection (designs/services/action_jobs.py)."""
    return action_jobs.run(job_id)


def read_order(order_id: str, shop_id: str | None = None):
    """An order webhook arrived: read the order from Printify and record it (designs/workers/orders.py)."""
    orders.read_order(order_id, shop_id)


def sync_orders():
    """Scheduled (migration 0034): catch the orders webhooks missed, re-read the unfinished ones, in every shop."""
    return order_sync.sync_every_shop()


def refresh_shops():
    """Read the account's shops from Printify ("Refresh shops" on the Shops page)."""
    return "\n".join(shops.refresh_shops())
