"""The repricing job on a worker: PUT each outdated product's variant prices, one product at a time.

Paced by the shared Printify limiter like every call (the client takes its slots); resumable by construction: a
product whose prices match the template is done, so a killed or restarted job simply carries on. A live product is
also published again with only its variants, so the store shows the new prices. A product Printify has locked
(publishing in progress) is tried again later; a refusal is recorded with its reason and skipped.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone

from designs import leases
from designs.models import Product, RepriceJob
from designs.products import ProductState, product_note
from designs.services.repricing import enabled_variants_of, new_prices, outdated_products
from designs.workers.publish_run import describe_error
from designs.workflow import Source
from integrations.http import IntegrationError, RateLimited, Rejected

logger = logging.getLogger(__name__)

LEASE_SECONDS = 30
HEARTBEAT_SECONDS = 10
PRODUCTS_PER_RUN = 50  # then the job re-enqueues itself, so one task never runs for long
LOCKED_RETRY_SECONDS = 30
# Printify's answer to an edit while a product is being published is not in the reference; the sandbox answers
# 8252 "Product is disabled for editing…" (a guess). Both the code and the words are recognised.
LOCKED_CODES = {8252}
ONLY_VARIANTS = {
    "title": False,
    "description": False,
    "images": False,
    "variants": True,
    "tags": False,
    "keyFeatures": False,
    "shipping_template": False,
}


def lease_key(job_id: int) -> str:
    return f"reprice:{job_id}"


def run_reprice(job_id: int) -> str:
    with leases.kept(lease_key(job_id), seconds=LEASE_SECONDS, every=HEARTBEAT_SECONDS) as heartbeat:
        if heartbeat is None:
            return "busy"
        job = RepriceJob.objects.select_related("template").filter(pk=job_id).first()
        if job is None or job.state == RepriceJob.State.DONE:
            return "done"
        from designs.clients import printify_client

        client = printify_client()
        RepriceJob.objects.filter(pk=job_id).update(state=RepriceJob.State.RUNNING, updated_at=timezone.now())
        pending = [p for p in outdated_products(job.template) if str(p.pk) not in job.failed]
        locked = 0
        for product in pending[:PRODUCTS_PER_RUN]:
            if heartbeat.lost.is_set():
                return "lease lost"
            try:
                outcome = _reprice(client, job, product)
            except RateLimited as error:
                _again(job, error.retry_after or LOCKED_RETRY_SECONDS)
                return "rate limited"
            locked += outcome == "locked"
        left = [p for p in outdated_products(job.template) if str(p.pk) not in job.failed]
        if left:
            RepriceJob.objects.filter(pk=job_id).update(waiting=locked, updated_at=timezone.now())
            _again(job, LOCKED_RETRY_SECONDS if locked == len(left) else 0)
            return f"{len(left)} left"
        RepriceJob.objects.filter(pk=job_id).update(
            state=RepriceJob.State.DONE, waiting=0, finished_at=timezone.now(), updated_at=timezone.now()
        )
        return "done"


def _reprice(client, job: RepriceJob, product: Product) -> str:
    prices = new_prices(job.template, product)
    # Every enabled variant with its price (Printify merges variants by id but wants a price on each: §4 "Update").
    variants = [
        {"id": int(v["id"]), "price": prices.get(int(v["id"]), v.get("price")), "is_enabled": True}
        for v in enabled_variants_of(product)
    ]
    try:
        client.update_product(product.printify_id, {"variants": variants})
        if product.state == ProductState.LIVE:
            client.publish(product.printify_id, ONLY_VARIANTS)
    except RateLimited:
        raise
    except Rejected as error:
        if _is_locked(error):
            return "locked"
        return _failed(job, product, describe_error(error, what="the new prices"))
    except IntegrationError as error:
        if error.retryable:
            return "locked"  # try again on the next pass
        return _failed(job, product, describe_error(error, what="the new prices"))
    snapshot = dict(product.template_snapshot)
    snapshot["variants"] = [
        {**v, "price": prices.get(int(v["id"]), v.get("price"))} for v in snapshot.get("variants") or []
    ]
    Product.objects.filter(pk=product.pk).update(template_snapshot=snapshot, updated_at=timezone.now())
    changed = ", ".join(f"{vid}: {price / 100:.2f}" for vid, price in sorted(prices.items()))
    product_note(product, f"Prices updated in Printify ({changed}).", source=Source.WORKER)
    RepriceJob.objects.filter(pk=job.pk).update(updated=job.updated + 1)
    job.updated += 1
    return "updated"


def _is_locked(error: Rejected) -> bool:
    code = str(error.code or "")
    words = f"{error.reason or ''} {error}".lower()
    return (code.isdigit() and int(code) in LOCKED_CODES) or "locked" in words or "disabled for editing" in words


def _failed(job: RepriceJob, product: Product, reason: str) -> str:
    job.failed[str(product.pk)] = reason
    RepriceJob.objects.filter(pk=job.pk).update(failed=job.failed, updated_at=timezone.now())
    product_note(product, f"Prices could not be updated: {reason}", source=Source.WORKER)
    return "failed"


def _again(job: RepriceJob, delay: float) -> None:
    from django_q.models import Schedule
    from django_q.tasks import schedule

    from designs.workers import enqueue

    if delay <= 0:
        enqueue("reprice_products", job.pk)
        return
    schedule(
        "designs.tasks.reprice_products",
        job.pk,
        schedule_type=Schedule.ONCE,
        next_run=timezone.now() + timedelta(seconds=delay),
        repeats=-1,
    )
