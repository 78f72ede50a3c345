"""A listing update on a worker: PUT one product's changed title, description, tags (and prices) to Printify, then
publish a live product again with only those parts (designs.tasks.update_listing; asked for through
designs/services/listing_sync.py).

- Holds the product's publishing lease (leases.product_key), so an update never races a publishing run (a run
  finding it held exits; the reconciler wakes it again) and two deliveries of one task do the work once.
- Resumable: the product stays "update queued" or "updating" until Printify has taken the change; a killed worker
  leaves it so, and the reconciler wakes it once the lease has lapsed. What changed is worked out again each time
  from what was last sent, so a retry sends nothing twice that Printify already has (a PUT that went through before
  the publish failed is sent again: PUT is idempotent, and the publish needs it).
- Paced by the shared limiter (the client takes its slots); our limit or Printify's 429 puts it back in the queue.
- A product Printify has locked (being published) or could not be reached for is tried again later, for at most
  GIVE_UP_AFTER; a refusal fails the update with Printify's words on the product and in the design's history; a
  product deleted on Printify is marked deleted.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from designs import leases
from designs.listing_changes import BUSY, EDITABLE, listing_change, record_sent
from designs.models import ListingSync, Product
from designs.products import IN_FLIGHT, ProductState
from designs.task_states import LISTING_UPDATE
from designs.workers import enqueue, enqueue_later, printify_events
from designs.workers.printify_edits import edit_product, try_later, with_prices
from designs.workers.publish_run import HEARTBEAT_SECONDS, LEASE_SECONDS, describe_error
from designs.workflow import Source, note
from integrations.http import IntegrationError, NotFound, RateLimited, Rejected

logger = logging.getLogger(__name__)

RETRY_SECONDS = 30  # a locked product, or Printify out of reach: try again after this long
RATE_LIMIT_DEFAULT_WAIT = 20.0  # a 429 without Retry-After
# A product still locked this long after the update was asked for is not being published, it is stuck (an API
# shop that never reported the publishing result): say so instead of retrying for ever.
GIVE_UP_AFTER = timedelta(minutes=30)
# An update waiting in the queue (a retry is scheduled 30 s ahead) untouched this long has lost its wake-up.
QUEUED_STALE_AFTER = timedelta(minutes=2)
WAKE_AT_MOST = 500


def run_update(product_id: int) -> str:
    """One listing update of one product. Returns what happened."""
    with leases.kept(leases.product_key(product_id), seconds=LEASE_SECONDS, every=HEARTBEAT_SECONDS) as heartbeat:
        if heartbeat is None:
            return "busy"  # a publishing run or another update holds the product; the reconciler comes back
        try:
            return _run(product_id)
        except (OperationalError, InterfaceError):
            logger.exception(
                "Product %s: database error during a listing update; the reconciler resumes it", product_id
            )
            return "database error"


def _run(product_id: int) -> str:
    product = Product.objects.select_related("design", "design__batch", "template").filter(pk=product_id).first()
    if product is None or product.listing_sync not in BUSY:
        return "not asked for"
    if product.state in IN_FLIGHT:
        _touch(product)  # a run is making or discarding it: the reconciler wakes this update after it
        return "waiting for publishing"
    if product.state not in EDITABLE or not product.printify_id:
        LISTING_UPDATE.move(
            product_id,
            to=ListingSync.IDLE,
            source=Source.WORKER,
            message="Dropped: the product is no longer on Printify.",
            updates={"listing_error": ""},
        )
        return "not on Printify"
    started = LISTING_UPDATE.move(
        product_id, to=ListingSync.UPDATING, sources=[ListingSync.PENDING], source=Source.WORKER
    )
    if not started.moved:
        _touch(product)  # an update whose worker was lost: carried on from what Printify was last sent
    try:
        return _update(product)
    except (OperationalError, InterfaceError):
        raise
    except Exception as error:
        # Our own bug or bad data: fail visibly instead of the reconciler retrying it for ever. The details
        # (which may quote data) go to the worker log only.
        logger.exception("Product %s: listing update stopped", product_id)
        return _failed(product, f"Stopped on an unexpected error ({type(error).__name__}); see the worker log.")


def _update(product: Product) -> str:
    change = listing_change(product)
    if change.problem:
        return _failed(product, change.problem)
    if not change.changed:
        _finish(product)
        return "in sync"
    from designs.clients import product_client

    try:
        edit_product(product_client(product), product, change.body(product), change.parts)
    except RateLimited as error:
        wait = error.retry_after if error.retry_after is not None else RATE_LIMIT_DEFAULT_WAIT
        _again(product, wait, "")
        return "rate limited"
    except NotFound:
        _gone(product)
        return "deleted on Printify"
    except IntegrationError as error:
        if not try_later(error):
            return _failed(product, describe_error(error, what="the listing update"))
        if timezone.now() - (product.listing_requested_at or timezone.now()) > GIVE_UP_AFTER:
            words = describe_error(error, what="the listing update") if isinstance(error, Rejected) else str(error)
            minutes = GIVE_UP_AFTER.total_seconds() / 60
            return _failed(product, f"Gave up after {minutes:.0f} minutes of retries: {words}")
        _again(product, RETRY_SECONDS, f"{error} Trying again in {RETRY_SECONDS} s.")
        return "locked"
    with transaction.atomic():
        record_sent(product, change.texts)
        if change.prices:
            snapshot = with_prices(product.template_snapshot, change.prices)
            Product.objects.filter(pk=product.pk).update(template_snapshot=snapshot)
        published = " and published to the store" if product.state == ProductState.LIVE else ""
        message = f"Listing updated on Printify{published} ({change.words})."
        note(product.design_id, f"{product.template_name or 'Product'}: {message}", source=Source.WORKER)
        _finish(product, message)
    return "updated"


def _finish(product: Product, message: str = "") -> None:
    """End the update; if it was asked for again while this one ran (back in the queue), run once more."""
    if not _end(product, message).moved:
        transaction.on_commit(lambda: enqueue("update_listing", product.pk))


def _end(product: Product, message: str = ""):
    """The update under way is over (done, or nothing left to update)."""
    return LISTING_UPDATE.move(
        product,
        to=ListingSync.IDLE,
        sources=[ListingSync.UPDATING],
        source=Source.WORKER,
        message=message,
        updates={"listing_error": ""},
    )


def _touch(product: Product) -> None:
    Product.objects.filter(pk=product.pk).update(updated_at=timezone.now())


def _again(product: Product, delay: float, reason: str) -> None:
    """Back in the queue for a later try, the reason in the product's history."""
    LISTING_UPDATE.move(
        product,
        to=ListingSync.PENDING,
        sources=[ListingSync.UPDATING],
        source=Source.WORKER,
        message=f"Update on Printify waits: {reason}" if reason else "",
        updates={"listing_error": reason},
    )
    enqueue_later("update_listing", product.pk, delay=delay)


def _failed(product: Product, reason: str) -> str:
    message = f"Update on Printify failed: {reason}"
    LISTING_UPDATE.move(
        product,
        to=ListingSync.FAILED,
        sources=[ListingSync.UPDATING],
        source=Source.WORKER,
        message=message,
        updates={"listing_error": reason},
    )
    note(product.design_id, f"{product.template_name or 'Product'}: {message}", source=Source.WORKER)
    return "failed"


def _gone(product: Product) -> None:
    printify_id = product.printify_id
    LISTING_UPDATE.move(
        product,
        to=ListingSync.IDLE,
        sources=[ListingSync.UPDATING],
        source=Source.WORKER,
        updates={"listing_error": ""},
    )
    printify_events.product_deleted(product, printify_id, source=Source.WORKER)
    note(
        product.design_id,
        f"{product.template_name or 'Product'}: Printify product {printify_id} no longer exists (deleted there), so "
        "its listing could not be updated; publish the design again to make a new one.",
        source=Source.WORKER,
    )


def wake_lost_updates(stale_after: timedelta) -> list[int]:
    """For the reconciler: updates whose worker was killed (updating, its lease free) or whose wake-up was lost
    (queued, untouched for a while) are woken again; they carry on from what Printify was last sent."""
    now = timezone.now()
    lost = Product.objects.filter(
        Q(listing_sync=ListingSync.UPDATING, updated_at__lte=now - stale_after)
        | Q(listing_sync=ListingSync.PENDING, updated_at__lte=now - max(stale_after, QUEUED_STALE_AFTER))
    )
    woken = []
    for product_id in list(lost.values_list("pk", flat=True)[:WAKE_AT_MOST]):
        if leases.is_held(leases.product_key(product_id)):
            continue
        # Touched, so the next pass waits before waking it again.
        Product.objects.filter(pk=product_id).update(updated_at=now)
        transaction.on_commit(partial(enqueue, "update_listing", product_id))
        woken.append(product_id)
    if woken:
        logger.info("Reconcile: woke listing updates for %d products: %s", len(woken), woken[:20])
    return woken
