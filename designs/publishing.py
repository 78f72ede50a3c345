"""Publishing to Printify: upload → create product → publish, each step resumable, never two products per design.

Staff ask with request_publish() (admin action, publish_designs command); a django-q2 task then runs
run_publish(design_id) on a worker. The run:
- holds the lease "publish:<id>" so a task delivered twice at once does the work once, and exits quietly when
  the design is not in publishing (someone else finished or moved it);
- saves each Printify id the moment it exists (printify_upload_id, printify_product_id) and skips the steps
  whose id is saved, so a retry or a run after a crash resumes where the last one stopped;
- before creating a product on a design that had an earlier attempt, looks for a product already carrying the
  design's SKU marker (a crash between "Printify created it" and "we saved the id") and adopts it.

Errors: a rate limit (ours or Printify's 429) puts the run back in the queue after the wait without counting an
attempt; server errors and timeouts are retried a bounded number of times with backoff; a refusal (4xx) moves
the design to publish_failed with Printify's reason in plain words.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from designs import leases
from designs.models import Design, DesignEvent, ProductTemplate
from designs.product_templates import (
    TemplateInvalid,
    build_product_payload,
    check_template,
    product_matches_design,
    publish_parts,
)
from designs.workflow import (
    Source,
    Status,
    TransitionConflict,
    TransitionResult,
    _design_ids,  # the one way designs/ids/querysets become ids (shared with transition())
    transition,
    transition_one,
)
from integrations.http import AuthError, IntegrationError, NotFound, RateLimited, Rejected

logger = logging.getLogger(__name__)

# A run renews its lease before every Printify call; one call waits at most for the limiter plus the HTTP
# timeouts, well under this. A run killed with its worker frees the design when the lease runs out.
LEASE_SECONDS = 60
MAX_ATTEMPTS = 3  # runs ending in a server error or timeout before the design is marked publish_failed
BACKOFF_SECONDS = (10, 30, 90)  # wait before the 2nd, 3rd… run after a server error or timeout
RATE_LIMIT_DEFAULT_WAIT = 20.0  # a 429 without Retry-After
# Printify's list cannot be filtered (printify-api.md §4), so adoption pages through the newest products.
# The reference does not say the list is newest-first; the sandbox and observed behaviour are. A product older
# than these pages would be missed, so the scan is generous: a crash and its resume are minutes apart.
ADOPT_SCAN_PAGES = 4
ADOPT_PAGE_SIZE = 50
STALE_AFTER = timedelta(minutes=5)  # reconcile(): a publishing design untouched this long has lost its run
REFRESH_WINDOW = timedelta(days=2)  # reconcile(): how long after publishing we keep looking for the store link
REFRESH_BATCH = 20
REFRESH_BATCH_WHILE_PUBLISHING = 2
BASE64_WARN_BYTES = 5 * 1024 * 1024  # Printify asks for URL uploads above 5 MB (printify-api.md §3)

PRINTIFY_CODES = {
    8104: "the product belongs to another shop",
    8150: "a field is missing or invalid",
    8201: "the image file was refused (too large or not a supported format)",
    8203: "the image quality is too low",
    8251: "print areas do not cover all variants",
    8254: "the shop is not connected to a sales channel",
    10300: "Printify could not complete the operation (an image URL must be reachable from the internet)",
    61003: "the title contains excessive capital letters",
}


class PublishRefused(ValueError):
    """request_publish() could not start: no usable product template. Nothing was changed."""


# --- staff side -----------------------------------------------------------------------------------


def default_template() -> ProductTemplate | None:
    return ProductTemplate.objects.filter(is_default=True).first()


def request_publish(designs, *, actor, source: str, template: ProductTemplate | None = None) -> TransitionResult:
    """approved / publish_failed → publishing, then a publishing run per design once the change is committed.

    `template` (or else the default template) is given to designs that have no product yet; a design whose
    product already exists keeps the template it was made from. Every template involved is checked before any
    status changes: a design never sits in publishing with a template Printify would refuse.
    """
    return _start_publishing(designs, actor=actor, source=source, template=template, sources=None)


def retry_publish(designs, *, actor, source: str) -> TransitionResult:
    """publish_failed → publishing; the run resumes at the first step without a saved id."""
    return _start_publishing(designs, actor=actor, source=source, template=None, sources=[Status.PUBLISH_FAILED])


def _start_publishing(designs, *, actor, source, template, sources) -> TransitionResult:
    ids = _design_ids(designs)
    rows = Design.objects.filter(pk__in=ids).values_list("pk", "product_template_id", "printify_product_id")
    takes_chosen, keeps_own = [], []
    for design_id, own_template, product_id in rows:
        (takes_chosen if not product_id and (template or not own_template) else keeps_own).append(design_id)
    unknown = sorted(set(ids) - set(takes_chosen) - set(keeps_own))
    chosen = template or default_template()
    if takes_chosen and chosen is None:
        raise PublishRefused(
            "There is no product template to publish with: create one under Product templates and mark it "
            "default, or choose one."
        )
    used = {t.pk: t for t in ProductTemplate.objects.filter(design__pk__in=keeps_own)}
    if takes_chosen:
        used[chosen.pk] = chosen
    for each in used.values():
        try:
            check_template(each)
        except TemplateInvalid as error:
            raise PublishRefused(str(error)) from error

    fresh_start = {"last_error": "", "publish_attempts": 0}
    result = TransitionResult(target=Status.PUBLISHING)
    with transaction.atomic():
        for group, updates in (
            (takes_chosen, {**fresh_start, "product_template": chosen}),
            (keeps_own + unknown, fresh_start),
        ):
            if not group:
                continue
            part = transition(
                group,
                to=Status.PUBLISHING,
                sources=sources,
                actor=actor,
                source=source,
                message="Publishing to Printify requested.",
                updates=updates,
            )
            result.moved += part.moved
            result.skipped.update(part.skipped)
        for design_id in result.moved:
            enqueue_publish(design_id)
    return result


def request_unpublish(designs, *, actor, source: str, delete: bool) -> list[int]:
    """Take published designs off the store (and, with delete, remove the Printify product) on a worker.

    Returns the ids queued. The design moves back to approved once Printify confirms.
    """
    queued = list(
        Design.objects.filter(pk__in=_design_ids(designs), status=Status.PUBLISHED)
        .exclude(printify_product_id="")
        .values_list("pk", flat=True)
    )
    actor_id = getattr(actor, "pk", actor)
    for design_id in queued:
        transaction.on_commit(
            partial(
                _async, "designs.tasks.unpublish_design", design_id, delete=delete, actor_id=actor_id, source=source
            )
        )
    return queued


# --- queueing -------------------------------------------------------------------------------------


def _async(func: str, *args, **kwargs):
    from django_q.tasks import async_task

    return async_task(func, *args, **kwargs)


def enqueue_publish(design_id: int, *, delay: float = 0, resume: dict | None = None) -> None:
    """Wake a publishing run once the current transaction commits (now, or after `delay` seconds)."""
    transaction.on_commit(partial(_enqueue_now, design_id, delay, resume))


def _enqueue_now(design_id: int, delay: float, resume: dict | None) -> None:
    if delay <= 0:
        _async("designs.tasks.publish_design", design_id, resume=resume)
        return
    # django-q2 has no delayed task; a one-off schedule fires it (the cluster checks schedules about every 30 s).
    from django_q.models import Schedule
    from django_q.tasks import schedule

    schedule(
        "designs.tasks.publish_design",
        design_id,
        resume=resume,
        schedule_type=Schedule.ONCE,
        next_run=timezone.now() + timedelta(seconds=delay),
        repeats=-1,
    )


# --- the run --------------------------------------------------------------------------------------


class _LeaseLost(Exception):
    """Our lease ran out and another run may have taken the design: stop before touching Printify again."""


@dataclass
class _Run:
    design: Design
    token: str
    client: object
    # What an earlier run may have done without us knowing the outcome (a crash or timeout mid-call):
    may_have_product: bool = False  # sent a create whose product id we never saved
    may_have_published: bool = False  # sent a publish for the saved product
    step: str = "the request"  # what the current Printify call is about, for error messages

    @property
    def key(self) -> str:
        return f"publish:{self.design.pk}"

    def renew(self) -> None:
        if not leases.renew(self.key, self.token, LEASE_SECONDS):
            raise _LeaseLost

    def save(self, **values) -> None:
        """Record progress at once (a plain UPDATE, not a status change): a crash right after keeps it."""
        values["updated_at"] = timezone.now()
        Design.objects.filter(pk=self.design.pk).update(**values)
        for name, value in values.items():
            setattr(self.design, name, value)

    def note(self, message: str) -> None:
        DesignEvent.objects.create(design=self.design, source=Source.WORKER, message=message)


def run_publish(design_id: int, *, resume: dict | None = None) -> str:
    """One publishing run for one design (the designs.tasks.publish_design task). Returns what happened.

    `resume` is set only when the previous run stopped for a rate limit: it carries what that run had already
    verified, and such a continuation does not count as an attempt.
    """
    key = f"publish:{design_id}"
    token = leases.acquire(key, LEASE_SECONDS)
    if not token:
        return "busy"  # another run holds this design: a duplicate delivery
    try:
        design = Design.objects.select_related("product_template", "batch").filter(pk=design_id).first()
        if design is None or design.status != Status.PUBLISHING:
            return "not publishing"
        from designs.clients import printify_client

        if resume is None:
            Design.objects.filter(pk=design_id).update(
                publish_attempts=F("publish_attempts") + 1, updated_at=timezone.now()
            )
            design.publish_attempts += 1
            resume = {
                # Every create follows a saved upload, so no upload id means no product can exist yet.
                "may_have_product": bool(design.printify_upload_id) or design.publish_attempts > 1,
                "may_have_published": bool(design.printify_product_id),
            }
        run = _Run(design=design, token=token, client=printify_client(), **resume)
        try:
            return _steps(run)
        except _LeaseLost:
            logger.warning("Design %s: publishing lease lost; another run continues.", design_id)
            return "lease lost"
        except RateLimited as error:
            # Ours or a 429: the limited call was not performed, so what this run verified still holds.
            wait = error.retry_after if error.retry_after is not None else RATE_LIMIT_DEFAULT_WAIT
            run.save()  # touch updated_at: the reconciler sees a live design, not a lost run
            verified = {"may_have_product": run.may_have_product, "may_have_published": run.may_have_published}
            enqueue_publish(design_id, delay=wait, resume=verified)
            logger.info("Design %s: Printify rate limit, publishing continues in %.0f s.", design_id, wait)
            return "rate limited"
        except IntegrationError as error:
            return _handle_failure(run, error)
        except OSError:
            logger.exception("Design %s: could not read the image", design_id)
            return _fail(run, "The design's image file could not be read from storage.")
        except TransitionConflict:
            return "moved by someone else"
        except Exception as error:
            # Our own bug or bad data: fail visibly instead of leaving the design in publishing for the reconciler
            # to retry forever. The details (which may quote data) go to the worker log only.
            logger.exception("Design %s: publishing stopped", design_id)
            kind = type(error).__name__
            return _fail(run, f"Publishing stopped on an unexpected error ({kind}); see the worker log.")
    finally:
        leases.release(key, token)


def _steps(run: _Run) -> str:
    design, client = run.design, run.client
    template = design.product_template
    if template is None:
        return _fail(run, "The design has no product template; choose one and publish again.")
    try:
        check_template(template)
    except TemplateInvalid as error:
        return _fail(run, str(error))

    if not design.printify_upload_id:
        if not design.image:
            return _fail(run, "The design has no image to upload.")
        run.renew()
        run.step = "the image upload"
        upload = _upload(run)
        run.save(printify_upload_id=str(upload["id"]))

    if not design.printify_product_id:
        run.step = "the product"
        adopted = _find_product(run) if run.may_have_product else None
        run.may_have_product = False
        if adopted:
            run.save(printify_product_id=adopted)
            run.may_have_published = True  # the run that made it may have got as far as publishing
            run.note(f"Found Printify product {adopted} from an earlier attempt and kept it (no second product).")
        else:
            payload = build_product_payload(template, design, design.printify_upload_id, image_size(design))
            run.renew()  # creating is the one call that must not happen twice: be sure we still own the design
            product = client.create_product(payload)
            run.save(printify_product_id=str(product["id"]))

    if template.publish_after_create:
        run.renew()
        run.step = "the publish request"
        try:
            already = run.may_have_published and _already_published(run)
            run.may_have_published = False
            if not already:
                client.publish(design.printify_product_id, publish_parts(template))
        except NotFound:
            # Deleted in Printify since we saved its id: forget it and make a new one on the next run.
            lost = design.printify_product_id
            run.save(printify_product_id="")
            run.note(f"Printify product {lost} no longer exists; a new product will be created.")
            enqueue_publish(design.pk)
            return "product vanished"
        message = f"Published to Printify as product {design.printify_product_id}."
    else:
        message = (
            f"Created Printify product {design.printify_product_id} (the template does not publish it to the store)."
        )
    transition_one(
        design,
        to=Status.PUBLISHED,
        sources=[Status.PUBLISHING],
        source=Source.WORKER,
        message=message,
        updates={"published_at": timezone.now(), "last_error": "", "printify_deleted_at": None},
    )
    return "published"


def _upload(run: _Run) -> dict:
    design, client = run.design, run.client
    file_name = f"design-{design.pk}.{design.image.name.rsplit('.', 1)[-1]}"
    if settings.PUBLIC_BASE_URL:
        return client.upload_image(file_name, url=f"{settings.PUBLIC_BASE_URL}{design.image.url}")
    with design.image.open("rb") as image:
        contents = image.read()
    if len(contents) > BASE64_WARN_BYTES:
        warning = (
            f"The image is {len(contents) / 1024 / 1024:.1f} MB; Printify asks for uploads above 5 MB by URL "
            "(set PUBLIC_BASE_URL so Printify can fetch media) and may stop accepting them as base64."
        )
        logger.warning("Design %s: %s", design.pk, warning)
        run.note(warning)
    return client.upload_image(file_name, contents=contents)


def image_size(design: Design) -> tuple[int, int] | None:
    if design.image_width and design.image_height:
        return design.image_width, design.image_height
    if not design.image:
        return None
    from PIL import Image

    with design.image.open("rb") as handle, Image.open(handle) as image:
        return image.size


def _find_product(run: _Run) -> str | None:
    """The id of a product already made for this design (by its SKU marker), scanning the newest pages."""
    for page in range(1, ADOPT_SCAN_PAGES + 1):
        run.renew()
        envelope = run.client.list_products(page=page, limit=ADOPT_PAGE_SIZE)
        for product in envelope.get("data") or []:
            if product_matches_design(product, run.design.pk):
                return str(product["id"])
        if not envelope.get("next_page_url"):
            return None
    return None


def _already_published(run: _Run) -> bool:
    """On a resumed run: did an earlier run's publish call already go through? (Locked or listed: don't repeat.)"""
    product = run.client.get_product(run.design.printify_product_id)
    return bool(product.get("is_locked") or product.get("external"))


def _handle_failure(run: _Run, error: IntegrationError) -> str:
    design = run.design
    if error.retryable and not isinstance(error, AuthError) and design.publish_attempts < MAX_ATTEMPTS:
        wait = BACKOFF_SECONDS[min(design.publish_attempts, len(BACKOFF_SECONDS)) - 1]
        run.save(last_error=f"{error} (attempt {design.publish_attempts} of {MAX_ATTEMPTS}; trying again in {wait} s)")
        enqueue_publish(design.pk, delay=wait)
        return "retrying"
    return _fail(run, describe_error(error, what=run.step, attempts=design.publish_attempts))


def describe_error(error: IntegrationError, *, what: str = "the request", attempts: int = 0) -> str:
    """A Printify failure in words a person can act on (never a secret: the client's messages hold none)."""
    if isinstance(error, AuthError):
        return (
            f"Printify refused our credentials (HTTP {error.status}): check PRINTIFY_API_TOKEN and "
            "PRINTIFY_SHOP_ID (a reconnected store gets a new shop id)."
        )
    if isinstance(error, Rejected):
        code = _int_or_none(error.code)
        meaning = PRINTIFY_CODES.get(code)
        label = code if code is not None else f"HTTP {error.status}"
        words = "; ".join(part for part in (meaning, error.reason) if part) or str(error)
        return f"Printify refused {what} ({label}): {words}"
    if error.retryable:
        return f"{error}. Gave up after {attempts} attempts; retry publishing when Printify is reachable."
    return str(error)


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _fail(run: _Run, message: str) -> str:
    transition_one(
        run.design,
        to=Status.PUBLISH_FAILED,
        sources=[Status.PUBLISHING],
        source=Source.WORKER,
        message=message,
        updates={"last_error": message},
    )
    return "failed"


# --- unpublishing ---------------------------------------------------------------------------------


def run_unpublish(design_id: int, *, delete: bool, actor_id: int | None = None, source: str = Source.WORKER) -> str:
    """Take the design's product off the store (and delete it when asked); then published → approved."""
    key = f"publish:{design_id}"
    with leases.held(key, LEASE_SECONDS) as token:
        if not token:
            return "busy"
        design = Design.objects.filter(pk=design_id, status=Status.PUBLISHED).first()
        if design is None or not design.printify_product_id:
            return "not published"
        from designs.clients import printify_client

        client = printify_client()
        product_id = design.printify_product_id
        try:
            try:
                client.unpublish(product_id)
                if delete:
                    client.delete_product(product_id)
            except NotFound:
                pass  # already gone in Printify: the outcome we wanted
        except IntegrationError as error:
            message = f"Could not unpublish product {product_id}: {describe_error(error, what='the unpublish')}"
            Design.objects.filter(pk=design_id).update(last_error=message, updated_at=timezone.now())
            DesignEvent.objects.create(design=design, source=source, actor_id=actor_id, message=message)
            return "failed"
        updates = {"printify_external": {}, "printify_mockups": [], "last_error": ""}
        if delete:
            updates.update(printify_product_id="", printify_deleted_at=timezone.now())
        verb = "deleted" if delete else "unpublished"
        transition(
            design,
            to=Status.APPROVED,
            sources=[Status.PUBLISHED],
            actor=actor_id,
            source=source,
            message=f"Printify product {product_id} {verb}.",
            updates=updates,
        )
        return verb


# --- keeping up with Printify: reconciler, product refresh, webhooks -------------------------------


def reconcile(*, stale_after: timedelta = STALE_AFTER) -> dict:
    """Wake publishing runs that were lost (killed worker, lost task) and collect missing store links."""
    cutoff = timezone.now() - stale_after
    stuck = list(
        Design.objects.filter(status=Status.PUBLISHING, updated_at__lt=cutoff).values_list("pk", flat=True)[:500]
    )
    woken = []
    for design_id in stuck:
        if leases.is_held(f"publish:{design_id}"):
            continue
        # Touch it, so the next pass waits another `stale_after` before waking it again.
        if Design.objects.filter(pk=design_id, status=Status.PUBLISHING, updated_at__lt=cutoff).update(
            updated_at=timezone.now()
        ):
            enqueue_publish(design_id)
            woken.append(design_id)
    if woken:
        logger.info("Reconcile: woke publishing for %d designs: %s", len(woken), woken[:20])
    needs_refresh = _missing_store_links().exists()
    if needs_refresh:
        transaction.on_commit(partial(_async, "designs.tasks.refresh_published_products"))
    return {"woken": woken, "refresh": needs_refresh}


def _missing_store_links():
    return Design.objects.filter(
        status=Status.PUBLISHED,
        printify_external={},
        published_at__gte=timezone.now() - REFRESH_WINDOW,
    ).exclude(printify_product_id="")


def refresh_published_products(limit: int = REFRESH_BATCH) -> int:
    """Read recently published products still lacking their store link; fill link and mockups. One at a time.

    Publishing goes first: while designs wait in publishing, only a few reads per pass take from the shared
    request budget (the store links can wait; the webhook usually brings them anyway).
    """
    if Design.objects.filter(status=Status.PUBLISHING).exists():
        limit = min(limit, REFRESH_BATCH_WHILE_PUBLISHING)
    with leases.held("publish:refresh", LEASE_SECONDS * 2) as token:
        if not token:
            return 0
        # Least recently looked at first: each look touches updated_at, so a long wait rotates fairly.
        ids = list(_missing_store_links().order_by("updated_at").values_list("pk", flat=True)[:limit])
        return sum(1 for design_id in ids if refresh_product(design_id))


def refresh_product(design_id: int) -> bool:
    """Copy the store link (`external`) and mockups from Printify's product onto the design. True if it changed."""
    design = Design.objects.filter(pk=design_id).exclude(printify_product_id="").first()
    if design is None:
        return False
    from designs.clients import printify_client

    try:
        product = printify_client().get_product(design.printify_product_id)
    except NotFound:
        return False  # the product:deleted webhook (or staff) deals with deletions
    except IntegrationError as error:
        logger.warning("Design %s: could not read its Printify product: %s", design_id, error)
        return False
    external = product.get("external") or {}
    mockups = [image["src"] for image in product.get("images") or [] if image.get("src")]
    changed = external != design.printify_external or mockups != design.printify_mockups
    Design.objects.filter(pk=design_id, printify_product_id=design.printify_product_id).update(
        printify_external=external if isinstance(external, dict) else {},
        printify_mockups=mockups,
        updated_at=timezone.now(),
    )
    return changed


@dataclass(frozen=True)
class WebhookOutcome:
    status: int
    detail: str


PRODUCT_TOPICS = ("product:publish:started", "product:updated", "product:deleted")


def handle_webhook_event(event: dict) -> WebhookOutcome:
    """Apply one verified Printify webhook event once (de-duplicated by its id)."""
    from django.db import IntegrityError

    from designs.models import WebhookReceipt

    event_id, topic = str(event.get("id") or ""), str(event.get("type") or "")
    resource = event.get("resource") if isinstance(event.get("resource"), dict) else {}
    if not event_id or not topic:
        return WebhookOutcome(400, "The event has no id or type.")
    shop_id = (resource.get("data") or {}).get("shop_id") if isinstance(resource.get("data"), dict) else None
    if shop_id is not None and str(shop_id) != str(settings.PRINTIFY_SHOP_ID):
        return WebhookOutcome(200, "Event for another shop; ignored.")
    product_id = str(resource.get("id") or "")
    try:
        with transaction.atomic():
            WebhookReceipt.objects.create(provider="printify", event_id=event_id[:100], topic=topic[:100])
            detail = _apply_product_event(topic, product_id, resource)
    except IntegrityError:
        return WebhookOutcome(200, "Already handled.")
    return WebhookOutcome(200, detail)


def _apply_product_event(topic: str, product_id: str, resource: dict) -> str:
    if topic not in PRODUCT_TOPICS:
        return f"Topic {topic} is not used."
    designs = list(Design.objects.filter(printify_product_id=product_id)) if product_id else []
    if not designs:
        return "Unknown product; ignored."
    for design in designs:
        if topic == "product:publish:started":
            action = ((resource.get("data") or {}).get("action")) or "create"
            DesignEvent.objects.create(
                design=design, source=Source.WEBHOOK, message=f"Printify started publishing the product ({action})."
            )
        elif topic == "product:updated":
            # The body says only that something changed; read the product itself (not trusting the body).
            transaction.on_commit(partial(_async, "designs.tasks.refresh_product", design.pk))
        else:
            _product_deleted(design, product_id)
    return f"{topic} applied to {len(designs)} design(s)."


def _product_deleted(design: Design, product_id: str) -> None:
    message = f"The product was deleted in Printify (product {product_id})."
    updates = {
        "printify_deleted_at": timezone.now(),
        "printify_product_id": "",
        "printify_external": {},
        "printify_mockups": [],
    }
    moved = transition(
        design,
        to=Status.APPROVED,
        sources=[Status.PUBLISHED],
        source=Source.WEBHOOK,
        message=message,
        updates=updates,
    ).moved
    if not moved:
        # Not published (e.g. mid-run or failed): forget the product so the next attempt makes a new one.
        Design.objects.filter(pk=design.pk, printify_product_id=product_id).update(**updates, updated_at=timezone.now())
        DesignEvent.objects.create(design=design, source=Source.WEBHOOK, message=message)
