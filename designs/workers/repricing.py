"""The repricing job on a worker: PUT each outdated product's variant prices, one product at a time.

Paced by the shared Printify limiter like every call (the client takes its slots); resumable by construction: a
product whose prices match the template is done, so a killed or restarted job simply carries on. A live product is
also published again with only its variants, so the store shows the new prices. A product Printify has locked
(publishing in progress) is tried again later; a refusal is recorded with its reason and skipped.
"""

from __future__ import annotations

import logging

from django.utils import timezone

from designs import leases
from designs.listing_changes import new_prices, outdated_products, variants_body
from designs.models import Product, RepriceJob
from designs.products import product_note
from designs.task_states import REPRICE, RepriceState
from designs.workers import enqueue_later
from designs.workers.printify_edits import edit_product, try_later, with_prices
from designs.workers.publish_run import describe_error
from designs.workflow import Source
from integrations.http import IntegrationError, RateLimited

logger = logging.getLogger(__name__)

LEASE_SECONDS = 30
HEARTBEAT_SECONDS = 10
PRODUCTS_PER_RUN = 50  # then the job re-enqueues itself, so one task never runs for long
LOCKED_RETRY_SECONDS = 30


def lease_key(job_id: int) -> str:
    return f"reprice:{job_id}"


def run_reprice(job_id: int) -> str:
    with leases.kept(lease_key(job_id), seconds=LEASE_SECONDS, every=HEARTBEAT_SECONDS) as heartbeat:
        if heartbeat is None:
            return "busy"
        job = RepriceJob.objects.select_related("template").filter(pk=job_id).first()
        if job is None or job.state == RepriceState.DONE:
            return "done"
        from designs.clients import product_client

        REPRICE.move(job_id, to=RepriceState.RUNNING, sources=[RepriceState.QUEUED], source=Source.WORKER)
        pending = [p for p in outdated_products(job.template) if str(p.pk) not in job.failed]
        locked = 0
        for product in pending[:PRODUCTS_PER_RUN]:
            if heartbeat.lost.is_set():
                return "lease lost"
            try:
                outcome = _reprice(product_client(product), job, product)
            except RateLimited as error:
                _again(job, error.retry_after or LOCKED_RETRY_SECONDS)
                return "rate limited"
            locked += outcome == "locked"
        left = [p for p in outdated_products(job.template) if str(p.pk) not in job.failed]
        if left:
            RepriceJob.objects.filter(pk=job_id).update(waiting=locked, updated_at=timezone.now())
            _again(job, LOCKED_RETRY_SECONDS if locked == len(left) else 0)
            return f"{len(left)} left"
        REPRICE.move(
            job_id,
            to=RepriceState.DONE,
            source=Source.WORKER,
            message=f"{job.updated} products updated, {len(job.failed)} refused.",
            updates={"waiting": 0, "finished_at": timezone.now()},
        )
        return "done"


def _reprice(client, job: RepriceJob, product: Product) -> str:
    prices = new_prices(job.template, product)
    variants = variants_body(product, prices)
    try:
        edit_product(client, product, {"variants": variants}, ["variants"])
    except RateLimited:
        raise
    except IntegrationError as error:
        if try_later(error):
            return "locked"  # try again on the next pass
        return _failed(job, product, describe_error(error, what="the new prices"))
    snapshot = with_prices(product.template_snapshot, prices)
    Product.objects.filter(pk=product.pk).update(template_snapshot=snapshot, updated_at=timezone.now())
    changed = ", ".join(f"{vid}: {price / 100:.2f}" for vid, price in sorted(prices.items()))
    product_note(product, f"Prices updated in Printify ({changed}).", source=Source.WORKER)
    RepriceJob.objects.filter(pk=job.pk).update(updated=job.updated + 1)
    job.updated += 1
    return "updated"


def _failed(job: RepriceJob, product: Product, reason: str) -> str:
    job.failed[str(product.pk)] = reason
    RepriceJob.objects.filter(pk=job.pk).update(failed=job.failed, updated_at=timezone.now())
    product_note(product, f"Prices could not be updated: {reason}", source=Source.WORKER)
    return "failed"


def _again(job: RepriceJob, delay: float) -> None:
    enqueue_later("reprice_products", job.pk, delay=delay)
