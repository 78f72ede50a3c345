"""Ingest: a COMPLETED RunPod job's images become the design's image (and sibling designs), in review.

Preparing (decode or download, validate, thumbnail) runs in the pump's threads with no database access;
storing is idempotent, so a worker killed during ingest leaves nothing a repeat cannot finish: file names
derive from the job id (images.job_output_names), the move to review only succeeds from generating with that
job id, and the unique (job, output index) constraint refuses a second sibling.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from designs import duplicates, images
from designs.machine import MoveConflict
from designs.models import Design
from designs.presets import prompt_settings
from designs.workers import enqueue
from designs.workflow import Source, Status, conflict, create_design, transition, transition_one
from integrations.download import download_image
from integrations.http import IntegrationError
from integrations.runpod import JobStatus, OutputError, parse_output

logger = logging.getLogger(__name__)

S = Status
# Decoding is where memory goes (a 4500×5400 PNG is ~100 MB of pixels): at most this many at once per process,
# however many downloads run in parallel.
DECODE_SLOTS = threading.BoundedSemaphore(2)


@dataclass
class Checked:
    """What a poll found for one in-flight design (computed in a thread: HTTP and Pillow only, no database)."""

    kind: str  # running | finished (images not fetched yet) | completed | failed | expired | transient | auth
    job: JobStatus | None = None
    message: str = ""
    prepared: list = field(default_factory=list)  # [(ValidatedImage, Renditions)]
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    retry_after: float | None = None


def prepare_job_images(job: JobStatus) -> Checked:
    """Decode or download, validate and thumbnail every image of a COMPLETED job. No database access."""
    from designs.clients import download_allow_hosts

    try:
        parsed = parse_output(job.output)
    except OutputError as error:
        return Checked("failed", job=job, message=str(error))
    checked = Checked("completed", job=job, warnings=list(parsed.warnings))
    for number, ref in enumerate(parsed.images, start=1):
        try:
            data = ref.data
            if data is None:
                data = download_image(ref.url, max_bytes=settings.MAX_IMAGE_BYTES, allow_hosts=download_allow_hosts())
            started = time.perf_counter()
            with DECODE_SLOTS:
                checked.prepared.append(images.prepare(data))
            logger.debug(
                "Prepared image %d of job %s in %.1f ms", number, job.id, (time.perf_counter() - started) * 1e3
            )
        except images.ImageRejected as error:
            checked.problems.append(f"image {number}: {error}")
        except IntegrationError as error:
            if error.retryable:  # the image host is down for now; the result stays on RunPod for a while
                return Checked("transient", job=job, message=str(error))
            checked.problems.append(f"image {number}: {error}")
    if not checked.prepared:
        what = "; ".join(checked.problems) or "no images"
        return Checked("failed", job=job, message=f"RunPod returned no usable image ({what}).")
    return checked


def ingest(design: Design, job: JobStatus) -> bool:
    """Collect a COMPLETED job's images into `design` (and siblings); True if this call moved it to review."""
    checked = prepare_job_images(job)
    if checked.kind == "failed":
        fail_generation(design, checked.message, sources=[S.GENERATING])
        return False
    if checked.kind == "transient":
        show_problem(design, f"Collecting the images failed for now ({checked.message}); retrying.")
        return False
    return store_job_images(design, checked)


def store_job_images(design: Design, checked: Checked) -> bool:
    """Store the prepared images and move the design to review; extra images become sibling designs in review.

    Files written by a call that loses (the design moved on, or another call collected the job) are deleted
    unless a design refers to them.
    """
    job = checked.job
    when = design.submitted_at or timezone.now()
    stored: list[images.StoredImage] = []
    try:
        for index, (image, renditions) in enumerate(checked.prepared):
            names = images.job_output_names(job.id, index, image.extension, when)
            stored.append(images.store(image, renditions, names=names))
        phashes = [duplicates.phash_of(renditions.thumbnail) for _, renditions in checked.prepared]  # CPU only
        with transaction.atomic():
            if not Design.objects.filter(pk=design.pk, status=S.GENERATING, runpod_job_id=job.id).exists():
                raise conflict(design.pk, S.REVIEW, None)
            notes = [*checked.problems, *(f"worker warning: {w}" for w in checked.warnings)]
            message = f"{len(stored)} image{'s' if len(stored) > 1 else ''} from RunPod job {job.id}."
            if notes:
                message += " Not kept / warnings: " + "; ".join(notes)
            transition_one(
                design,
                to=S.REVIEW,
                sources=[S.GENERATING],
                source=Source.WORKER,
                message=message,
                updates={
                    **stored[0].field_values(),
                    "delay_ms": job.delay_ms,
                    "execution_ms": job.execution_ms,
                    "cost": job_cost(job.execution_ms),
                    "last_error": "",
                },
            )
            duplicates.record(design.pk, phashes[0])
            for index, extra in enumerate(stored[1:], start=1):
                sibling = create_design(
                    status=S.REVIEW,
                    source=Source.WORKER,
                    message=f"Extra image {index + 1} from RunPod job {job.id} (sibling of design {design.pk}).",
                    **prompt_settings(design),
                    created_by_id=design.created_by_id,
                    seed=design.seed,
                    submitted_at=design.submitted_at,
                    runpod_job_id=job.id,
                    job_output_index=index,
                    **extra.field_values(),
                )
                duplicates.record(sibling.pk, phashes[index])
    except (MoveConflict, IntegrityError):
        images.delete_files(name for item in stored for name in item.created)
        logger.info("Design %s: job %s was already collected or the design moved on", design.pk, job.id)
        return False
    except BaseException:
        images.delete_files(name for item in stored for name in item.created)
        raise
    if settings.LISTING_COPY_AFTER_INGEST:
        ids = list(Design.objects.filter(runpod_job_id=job.id).values_list("pk", flat=True))
        transaction.on_commit(partial(enqueue, "copy_after_ingest", ids))
    return True


def job_cost(execution_ms: int | None) -> Decimal | None:
    if execution_ms is None:
        return None
    cost = Decimal(execution_ms) / 1000 * Decimal(str(settings.RUNPOD_COST_PER_SECOND))
    return cost.quantize(Decimal("0.00001"))


def fail_generation(design: Design, message: str, *, sources=(S.QUEUED, S.GENERATING), updates=None) -> bool:
    result = transition(
        design,
        to=S.GENERATION_FAILED,
        sources=list(sources),
        source=Source.WORKER,
        message=message,
        updates={"last_error": message, **(updates or {})},
    )
    if result.moved:
        logger.info("Design %s: generation failed: %s", design.pk, message)
    return bool(result.moved)


def show_problem(design: Design, message: str) -> None:
    """A passing problem (a failed poll, a refused key) shown on the design until its next change.

    Not an event: the pump polls every second or two, and a history of "still failing" lines helps nobody.
    """
    Design.objects.filter(pk=design.pk, status=design.status).exclude(last_error=message).update(last_error=message)
