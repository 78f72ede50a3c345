"""Repricing: putting a template's changed prices on its products in Printify (a worker job, workers/repricing.py).

A product is outdated when a variant enabled both on it and in the template has another price in the template
than the one the product was last given (its snapshot). Repricing never enables or disables variants: that would
change print areas, which is publishing's work.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction

from designs.listing_changes import outdated_products
from designs.models import ProductTemplate, RepriceJob
from designs.task_states import REPRICE, RepriceState
from designs.workers import enqueue
from designs.workflow import Source


def request_reprice(template: ProductTemplate, *, actor) -> RepriceJob:
    """Start (or join) the job that updates the prices of the template's products in Printify."""
    with transaction.atomic():
        job = RepriceJob.objects.filter(template=template).exclude(state=RepriceState.DONE).first()
        if job is None:
            job = REPRICE.create(
                state=RepriceState.QUEUED,
                source=Source.ADMIN,
                actor=actor,
                message=f"Asked for: the prices of “{template}” on its products in Printify.",
                template=template,
                total=len(outdated_products(template)),
                created_by=actor if getattr(actor, "pk", None) else None,
            )
        transaction.on_commit(partial(enqueue, "reprice_products", job.pk))
    return job

    return RepriceJob.objects.exclude(state=RepriceState.DONE)
