"""The publishing run on a worker, one per product: upload → create product → publish, each step resumable.

Staff ask through designs/services/publishing.py; a django-q2 task then runs run_publish(product_id). The run:
- holds the lease "product:<id>" (15 s, renewed every 5 s by a heartbeat thread), so a task delivered twice at
  once does the work once, and a run killed with its worker frees the product within seconds for the
  reconciler; it exits quietly when the product is not being created or going live (someone else finished it);
- builds the product from the template snapshot taken when publishing was asked for, so a template edited
  meanwhile does not change a run half-way;
- saves each Printify id the moment it exists (printify_upload_id, printify_id) and skips the steps whose id is
  saved, so a retry or a run after a crash resumes where the last one stopped;
- before creating a product that had an earlier attempt, looks for a product already carrying the product's SKU
  marker (a crash between "Printify created it" and "we saved the id") and adopts it;
- where publishing would put the product in the store, a paced shop or template (designs/pacing.py) makes it wait
  in the going-live queue instead (scheduled); the release pass starts the run again when its turn comes.

Errors: a rate limit (ours or Printify's 429) puts the run back in the queue after the wait without counting an
attempt; server errors and timeouts are retried a bounded number of times with backoff; a refusal (4xx) fails
the product with Printify's reason in plain words (and the design, which summarises its products, shows it); a
passing database error (locked, lost connection) leaves the product in flight for the reconciler.

Past 400 lines as one module on purpose: one run, its steps (upload, create, publish, discard) share its lease,
its resumable ids and its error handling; the steps alone would be pieces of one state.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from designs import compliance, fixed_images, garment_colours, leases, listing_changes, pacing
from designs.machine import MoveConflict
from designs.models import Design, Product
from designs.print_gate import publishing_run_gate
from designs.product_templates import (
    TemplateInvalid,
    TextsInvalid,
    build_product_payload,
    check_template,
    check_texts,
    product_matches,
    publish_parts,
    template_from_snapshot,
    template_snapshot,
)
from designs.products import IN_FLIGHT, MAKING, ProductState, move_product, product_note, undo_grace
from designs.shops import RECONNECT_ADVICE, record_problem
from designs.workers import enqueue, enqueue_publish, wake_release
from designs.workflow import Source
from integrations.http import AuthError, IntegrationError, NotFound, RateLimited, Rejected, int_or_none
from integrations.printify import mockup_urls

logger = logging.getLogger(__name__)

LEASE_SECONDS = 15
HEARTBEAT_SECONDS = 5
MAX_ATTEMPTS = 3  # runs ending in a server error or timeout before the product is marked failed
BACKOFF_SECONDS = (10, 30, 90)  # wait before the 2nd, 3rd… run after a server error or timeout
RATE_LIMIT_DEFAULT_WAIT = 20.0  # a 429 without Retry-After
# Printify's list cannot be filtered (printify-api.md §4), so adoption pages through the newest products.
# The reference does not say the list is newest-first; the sandbox and observed behaviour are. A product older
# than these pages would be missed, so the scan is generous: a crash and its resume are minutes apart.
ADOPT_SCAN_PAGES = 4
ADOPT_PAGE_SIZE = 50
# How long the signed URL of a file in the bucket lets Printify fetch it. Printify fetches while answering the
# upload call (its answer carries the image's size), so minutes would do; an hour leaves room for a slow fetch of a
# 40 MB print file and Printify's own retries of it. Each upload attempt signs a fresh URL, so nothing ever needs
# an old one, and a leaked URL stops working within the hour.
PRINTIFY_FETCH_SECONDS = 3600

PRINTIFY_CODES = {
    8104: f"the product belongs to another shop. {RECONNECT_ADVICE}",
    8150: "a field is missing or invalid",
    8201: "the image file was refused (too large or not a supported format)",
    8203: "the image quality is too low",
    8251: "print areas do not cover all variants",
    8254: "the shop is not connected to a sales channel: connect it in Printify (Manage stores), then publish again",
    10300: "Printify could not complete the operation (an image URL must be reachable from the internet)",
    61003: "the title contains excessive capital letters",
}


SHOP_CODES = frozenset({8104, 8254})  # refusals that speak of the shop, not the product: shown on the shop too


class _LeaseLost(Exception):
    """Our lease ran out and another run may have taken the product: stop before touching Printify again."""


@dataclass
class _Run:
    product: Product
    template: object  # the ProductTemplate snapshot this run builds from
    heartbeat: leases.Heartbeat
    client: object
    # What an earlier run may have done without us knowing the outcome (a crash or timeout mid-call):
    may_have_product: bool = False  # sent a create whose product id we never saved
    may_have_published: bool = False  # sent a publish for the saved product
    step: str = "the request"  # what the current Printify call is about, for error messages

    @property
    def design(self) -> Design:
        return self.product.design

    def renew(self) -> None:
        """Be sure we still own the product before a Printify call (the heartbeat keeps it; this checks it now)."""
        if self.heartbeat.lost.is_set() or not leases.renew(self.heartbeat.key, self.heartbeat.token, LEASE_SECONDS):
            raise _LeaseLost

    def save(self, **values) -> None:
        """Record progress at once (a plain UPDATE, not a state change): a crash right after keeps it."""
        values["updated_at"] = timezone.now()
        Product.objects.filter(pk=self.product.pk).update(**values)
        for name, value in values.items():
            setattr(self.product, name, value)

    def note(self, message: str) -> None:
        product_note(self.product, message, source=Source.WORKER)


def run_publish(product_id: int, *, resume: dict | None = None) -> str:
    """One publishing run for one product (the designs.tasks.publish_product task). Returns what happened.

    `resume` is set only when the previous run stopped for a rate limit: it carries what that run had already
    verified. A run that stops for a rate limit does not count as an attempt (whether it was such a continuation,
    a fresh run, or one the reconciler woke while the continuation waited for its schedule).
    """
    _wait_for_undo(product_id)
    with leases.kept(leases.product_key(product_id), seconds=LEASE_SECONDS, every=HEARTBEAT_SECONDS) as heartbeat:
        if heartbeat is None:
            return "busy"  # another run holds this product: a duplicate delivery
        try:
            return _run(product_id, heartbeat, resume)
        except (OperationalError, InterfaceError):
            # Locked or lost database: not the product's fault. It stays in flight; the lease frees within
            # seconds and the reconciler starts a new run, which resumes from the saved ids.
            logger.exception("Product %s: database error during publishing; the reconciler will resume it", product_id)
            return "database error"


def _wait_for_undo(product_id: int) -> None:
    """A person's go-live or discard is carried out only after the undo grace (services/mockups.py)."""

    product = Product.objects.filter(pk=product_id).first()
    grace = undo_grace(product) if product else 0
    if grace:
        time.sleep(grace)


def _run(product_id: int, heartbeat: leases.Heartbeat, resume: dict | None) -> str:
    product = (
        Product.objects.select_related("design", "design__batch", "template", "shop").filter(pk=product_id).first()
    )
    if product is None or product.state not in IN_FLIGHT:
        return "not publishing"
    from designs.clients import product_client

    if not product.template_snapshot and product.template is not None:
        # Rows recorded before snapshots existed: this run's version is the template as it is now.
        Product.objects.filter(pk=product_id).update(template_snapshot=template_snapshot(product.template))
        product.template_snapshot = template_snapshot(product.template)
    # Every run counts as an attempt (one killed mid-way too); a run stopped by a rate limit takes its count back
    # below: waiting out Printify's pace is not an attempt, so only runs that met a real failure use up MAX_ATTEMPTS.
    Product.objects.filter(pk=product_id).update(attempts=F("attempts") + 1, updated_at=timezone.now())
    product.attempts += 1
    if resume is None:
        resume = {
            # Every create follows a saved upload, so no upload id means no product can exist yet.
            "may_have_product": bool(product.printify_upload_id) or product.attempts > 1,
            "may_have_published": bool(product.printify_id),
        }
    template = template_from_snapshot(product.template_snapshot) if product.template_snapshot else None
    run = _Run(product=product, template=template, heartbeat=heartbeat, client=product_client(product), **resume)
    try:
        return _steps(run)
    except _LeaseLost:
        logger.warning("Product %s: publishing lease lost; another run continues.", product_id)
        return "lease lost"
    except RateLimited as error:
        # Ours or a 429: the limited call was not performed, so what this run verified still holds.
        wait = error.retry_after if error.retry_after is not None else RATE_LIMIT_DEFAULT_WAIT
        Product.objects.filter(pk=product_id, attempts__gt=0).update(attempts=F("attempts") - 1)
        run.save()  # touch updated_at: the reconciler sees a live product, not a lost run
        verified = {"may_have_product": run.may_have_product, "may_have_published": run.may_have_published}
        enqueue_publish(product_id, delay=wait, resume=verified)
        logger.info("Product %s: Printify rate limit, publishing continues in %.0f s.", product_id, wait)
        return "rate limited"
    except IntegrationError as error:
        return _handle_failure(run, error)
    except (OperationalError, InterfaceError):
        raise
    except OSError:
        logger.exception("Product %s: could not read the image", product_id)
        return _fail(run, "The design's image file could not be read from storage.")
    except MoveConflict:
        return "moved by someone else"
    except Exception as error:
        # Our own bug or bad data: fail visibly instead of leaving the product in flight for the reconciler
        # to retry forever. The details (which may quote data) go to the worker log only.
        logger.exception("Product %s: publishing stopped", product_id)
        kind = type(error).__name__
        return _fail(run, f"Publishing stopped on an unexpected error ({kind}); see the worker log.")


def _steps(run: _Run) -> str:
    product, design, template, client = run.product, run.design, run.template, run.client
    if product.state == ProductState.DISCARDING:
        return _discard(run)
    if template is None:
        return _fail(run, "The product's template was deleted before publishing started; publish with another one.")
    try:
        check_template(template)
        check_texts(template, design)  # an empty title or description is refused here, before any request
    except (TemplateInvalid, TextsInvalid) as error:
        return _fail(run, str(error))
    blocked = compliance.blocked_designs([design.pk])  # the copy may have changed since publishing was asked
    if blocked:
        return _fail(run, f"Publishing refused: {blocked[design.pk]}.")
    printable = publishing_run_gate(design, template)  # print quality, before any request
    if printable.prepare:  # queued for publishing but not for its print file: ask for it now (resumable)
        transaction.on_commit(partial(enqueue, "prepare_print_file", design.pk, template.pk))
    if printable.wait:
        run.save()  # a live design for the reconciler; the print job wakes this run when it ends
        return "waiting for the print file"
    if printable.refusal:
        return _fail(run, printable.refusal)

    if not product.printify_upload_id:
        if not design.image:
            return _fail(run, "The design has no image to upload.")
        if refusal := upload_refusal(design):
            return _fail(run, refusal)
        run.renew()
        run.step = "the image upload"
        upload = _upload(run)
        run.save(printify_upload_id=str(upload["id"]))

    if not product.printify_id:
        run.step = "the product"
        adopted = _find_product(run) if run.may_have_product else None
        run.may_have_product = False
        if adopted:
            run.save(printify_id=adopted)
            run.may_have_published = True  # the run that made it may have got as far as publishing
            run.note(f"Found Printify product {adopted} from an earlier attempt and kept it (no second product).")
        else:
            try:
                fixed_upload_id = _fixed_upload(run) if template.fixed_image else None
            except OSError:
                logger.exception("Product %s: could not read the template's fixed image", product.pk)
                return _fail(
                    run,
                    f"The fixed image of template “{template.name}” could not be read from storage: add it to the "
                    "template again, then retry publishing.",
                )
            run.step = "the product"
            payload = build_product_payload(
                template,
                design,
                product.printify_upload_id,
                image_size(design),
                sku=product.sku_prefix,
                fixed_upload_id=fixed_upload_id,
            )
            run.renew()  # creating is the one call that must not happen twice: be sure we still own the product
            created = client.create_product(payload)
            run.save(printify_id=str(created["id"]))
            listing_changes.record_sent(product, payload)  # what the store listing says, until its next update
            # The answer names each colour's hex codes (the catalog does not): kept for the contrast check.
            garment_colours.learn(
                template.blueprint_id, template.print_provider_id, created, f"Printify product {created['id']}"
            )

    if template.publish_after_create and template.review_mockups and product.mockups_approved_at is None:
        return _stop_for_mockup_review(run)

    if template.publish_after_create and (lane := _paced_lane(run)) is not None:
        return _schedule(run, lane)

    if template.publish_after_create:
        run.renew()
        run.step = "the publish request"
        try:
            already = run.may_have_published and _already_published(run)
            run.may_have_published = False
            if not already:
                client.publish(product.printify_id, publish_parts(template))
        except NotFound:
            # Deleted in Printify since we saved its id: forget it and make a new one on the next run.
            lost = product.printify_id
            run.save(printify_id="")
            run.note(f"Printify product {lost} no longer exists; a new product will be created.")
            if product.state == ProductState.PUBLISHING:
                move_product(product, to=ProductState.CREATING, source=Source.WORKER, message="Making it again.")
            enqueue_publish(product.pk)
            return "product vanished"
        target, message = ProductState.LIVE, f"Published to Printify as product {product.printify_id}."
    else:
        target = ProductState.ON_PRINTIFY
        message = f"Created Printify product {product.printify_id} (the template does not publish it to the store)."
    move_product(
        product,
        to=target,
        sources=MAKING,
        source=Source.WORKER,
        message=message,
        updates={"published_at": timezone.now(), "last_error": "", "deleted_at": None},
    )
    return "published"


def _stop_for_mockup_review(run: _Run) -> str:
    """The product exists on Printify, not in the store: read its mockups (Printify renders them on create; the
    create answer's list is not the one a GET returns) and wait for a person to send it live or discard it."""
    run.renew()
    run.step = "reading the mockups"
    mockups = mockup_urls(run.client.get_product(run.product.printify_id))
    move_product(
        run.product,
        to=ProductState.MOCKUP_REVIEW,
        sources=MAKING,
        source=Source.WORKER,
        message=f"Created Printify product {run.product.printify_id} with {len(mockups)} mockups; waiting for "
        "someone to look at them and send it live or discard it.",
        updates={"mockups": mockups, "last_error": ""},
    )
    return "mockups to review"


def _paced_lane(run: _Run):
    """The going-live queue this product waits in before the store (None: it goes now). A product let go by the
    queue (its latest move) goes now; so does one whose shop and template set no pace."""
    lane = pacing.lane_of(run.product)
    if lane is None or pacing.released_from_queue(run.product):
        return None
    return lane


def _schedule(run: _Run, lane) -> str:
    """Created on Printify (not in the store): wait in the going-live queue for the release pass."""
    run.renew()
    planned = pacing.schedule(run.product, lane, now=timezone.now())
    transaction.on_commit(wake_release)
    logger.info("Product %s scheduled to go live at %s (%s).", run.product.pk, planned.isoformat(), lane.name)
    return "scheduled"


def _discard(run: _Run) -> str:
    """Delete the product a person discarded after looking at its mockups (gone already counts as done)."""
    product = run.product
    run.step = "the deletion"
    if product.printify_id:
        run.renew()
        try:
            run.client.delete_product(product.printify_id)
        except NotFound:
            pass  # deleted in Printify already: the outcome we wanted
    move_product(
        product,
        to=ProductState.DELETED,
        sources=[ProductState.DISCARDING],
        source=Source.WORKER,
        message=f"Discarded: Printify product {product.printify_id or '(none)'} deleted.",
        updates={"printify_id": "", "mockups": [], "external": {}, "deleted_at": timezone.now(), "last_error": ""},
    )
    return "discarded"


def upload_file(design: Design):
    """What Printify gets: the print file when there is one (sized for print), else the original."""
    return design.print_file or design.image


def upload_refusal(design: Design) -> str:
    """Why the file cannot be uploaded (too large to send inline, and no URL Printify could fetch it from), or ""."""
    file = upload_file(design)
    size = file.size
    if size <= settings.PRINTIFY_UPLOAD_BY_URL_ABOVE or printify_can_fetch():
        return ""
    return (
        f"The {'print file' if design.print_file else 'image'} is {_megabytes(size)}, more than "
        f"PRINTIFY_UPLOAD_BY_URL_ABOVE ({_megabytes(settings.PRINTIFY_UPLOAD_BY_URL_ABOVE)}): Printify must fetch it "
        "by URL, and media in this machine's folder has no address Printify can reach. Set MEDIA_STORAGE=s3 (a "
        "bucket; Printify gets a signed URL) or PUBLIC_BASE_URL, or raise PRINTIFY_UPLOAD_BY_URL_ABOVE to send it "
        "inline, then retry publishing."
    )


def printify_can_fetch() -> bool:
    """A file in a bucket gets a signed URL; one in the local folder needs the public site's address."""
    return settings.MEDIA_STORAGE == "s3" or bool(settings.PUBLIC_BASE_URL)


def fetch_url(file) -> str:
    """The URL Printify fetches `file` from (when printify_can_fetch()): signed for PRINTIFY_FETCH_SECONDS in a
    bucket, else under PUBLIC_BASE_URL."""
    if settings.MEDIA_STORAGE == "s3":  # django-storages' S3Storage: url() signs
        return file.storage.url(file.name, expire=PRINTIFY_FETCH_SECONDS)
    return f"{settings.PUBLIC_BASE_URL}{file.url}"


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _upload(run: _Run) -> dict:
    """Above PRINTIFY_UPLOAD_BY_URL_ABOVE by URL (Printify fetches it), else the contents inline (base64)."""
    design, client = run.design, run.client
    file = upload_file(design)
    file_name = f"design-{design.pk}{'-print' if design.print_file else ''}.{file.name.rsplit('.', 1)[-1]}"
    if file.size > settings.PRINTIFY_UPLOAD_BY_URL_ABOVE:
        return client.upload_image(file_name, url=fetch_url(file))
    with file.open("rb") as image:
        return client.upload_image(file_name, contents=image.read())


def _fixed_upload(run: _Run) -> str:
    """Printify's upload id of the template's fixed image: the one cached on the template for this file, else
    uploaded now (inline: it is at most fixed_images.MAX_BYTES) and cached for the template's next products."""
    template = run.template
    name = template.fixed_image.name
    cached = fixed_images.cached_upload(template.pk, name)
    if cached:
        return cached
    run.renew()
    run.step = "the fixed image upload"
    with template.fixed_image.open("rb") as handle:
        upload = run.client.upload_image(fixed_images.upload_name(template), contents=handle.read())
    fixed_images.remember_upload(template.pk, name, str(upload["id"]))
    return str(upload["id"])


def image_size(design: Design) -> tuple[int, int] | None:
    """The size of what is uploaded (upload_file): placement ("fit") is computed from it."""
    if design.print_file and design.print_width and design.print_height:
        return design.print_width, design.print_height
    if design.image_width and design.image_height:
        return design.image_width, design.image_height
    if not design.image:
        return None
    from PIL import Image

    with design.image.open("rb") as handle, Image.open(handle) as image:
        return image.size


def _find_product(run: _Run) -> str | None:
    """The id of a product already made for this product record (its SKU marker), scanning the newest pages."""
    for page in range(1, ADOPT_SCAN_PAGES + 1):
        run.renew()
        envelope = run.client.list_products(page=page, limit=ADOPT_PAGE_SIZE)
        for found in envelope.get("data") or []:
            if product_matches(found, run.product.sku_prefix):
                return str(found["id"])
        if not envelope.get("next_page_url"):
            return None
    return None


def _already_published(run: _Run) -> bool:
    """On a resumed run: did an earlier run's publish call already go through? (Locked or listed: don't repeat.)"""
    found = run.client.get_product(run.product.printify_id)
    return bool(found.get("is_locked") or found.get("external"))


def _handle_failure(run: _Run, error: IntegrationError) -> str:
    product = run.product
    if error.retryable and not isinstance(error, AuthError) and product.attempts < MAX_ATTEMPTS:
        wait = BACKOFF_SECONDS[min(product.attempts, len(BACKOFF_SECONDS)) - 1]
        run.save(last_error=f"{error} (attempt {product.attempts} of {MAX_ATTEMPTS}; trying again in {wait} s)")
        enqueue_publish(product.pk, delay=wait)
        return "retrying"
    message = describe_error(error, what=run.step, attempts=product.attempts)
    if isinstance(error, Rejected) and int_or_none(error.code) in SHOP_CODES:
        record_problem(product.shop_id, message)
    return _fail(run, message)


def describe_error(error: IntegrationError, *, what: str = "the request", attempts: int = 0) -> str:
    """A Printify failure in words a person can act on (never a secret: the client's messages hold none)."""
    if isinstance(error, AuthError):
        return f"Printify refused our credentials (HTTP {error.status}): check PRINTIFY_API_TOKEN; {RECONNECT_ADVICE}"
    if isinstance(error, Rejected):
        code = int_or_none(error.code)
        meaning = PRINTIFY_CODES.get(code)
        label = code if code is not None else f"HTTP {error.status}"
        words = "; ".join(part for part in (meaning, error.reason) if part) or str(error)
        return f"Printify refused {what} ({label}): {words}"
    if error.retryable:
        return f"{error}. Gave up after {attempts} attempts; retry publishing when Printify is reachable."
    return str(error)


def _fail(run: _Run, message: str) -> str:
    if run.product.state == ProductState.DISCARDING:
        # The product is still on Printify: it goes back to its mockup review, with the reason.
        message = f"Could not discard it: {message}"
        target, sources, outcome = ProductState.MOCKUP_REVIEW, [ProductState.DISCARDING], "discard failed"
    else:
        target, sources, outcome = ProductState.FAILED, MAKING, "failed"
    move_product(
        run.product,
        to=target,
        sources=sources,
        source=Source.WORKER,
        message=message,
        updates={"last_error": message},
    )
    return outcome
