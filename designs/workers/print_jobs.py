"""Print preparation jobs, run by the one pump (workers/pump.py): the design's image in, a print file out.

A design's print status goes queued → preparing (the pump claimed it and POSTs /run) → ready (the file is stored)
or failed; Design.status is never touched. The job input is worker-comfyui's: the preset's graph plus the design's
image in `input.images` (runpod-workers/worker-comfyui, handler.py @d2a5572: validate_input() wants a list of
{"name", "image"} objects, "image" base64 with an optional data-URI prefix; upload_images() writes each into
ComfyUI's input folder under its name, where the LoadImage node finds it; ComfyUI refuses a LoadImage naming a
file that is not there, and the handler fails the job with "Workflow validation failed" and the node's error).

Storing is idempotent like ingest: file names derive from the job id, the move to ready only succeeds while the
design is still preparing that job, and files of a call that loses are deleted. The original image and its
thumbnail are never changed.
"""

from __future__ import annotations

import base64
import io
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from designs import images
from designs.models import Design, PresetKind
from designs.print_status import PrintStatus, print_transition, print_transition_one
from designs.workers.ingest import Checked
from designs.workers.jobs import JobInputError, JobKind
from designs.workflow import Source, Status
from integrations.comfyui import WorkflowError, build_print_workflow, validate_print_workflow
from integrations.download import download_image
from integrations.http import IntegrationError
from integrations.runpod import MAX_RUN_PAYLOAD_BYTES, OutputError, parse_output

logger = logging.getLogger(__name__)

P = PrintStatus
# The /run body may hold 10 MB (runpod-api.md §1); base64 grows the image by 4/3 and the graph takes a few kB.
MAX_INPUT_IMAGE_BYTES = (MAX_RUN_PAYLOAD_BYTES - 64 * 1024) * 3 // 4


class PrintJobs(JobKind):
    name = "print"
    status_field = "print_status"
    queued = P.QUEUED
    running = P.PREPARING
    changed_field = "print_status_changed_at"
    job_field = "print_job_id"
    submitted_field = "print_submitted_at"
    attempts_field = "print_attempts"
    error_field = "print_error"
    retry_hint = "use Prepare print files again."
    # A print file is 20–40 MB to download and ~100 MB decoded: one at a time per pump, download included.
    prepare_threads = 1

    def waiting(self):
        return super().waiting().select_related("print_preset")

    def claim(self, design: Design):
        preset = design.print_preset
        target = (design.print_target_width, design.print_target_height)
        if preset is None or preset.kind != PresetKind.PRINT:
            raise JobInputError("the design has no print preparation preset; choose one and prepare again.")
        if not all(target):
            raise JobInputError("the print size is unknown; prepare again with a product template.")
        if not design.image:
            raise JobInputError("the design has no image to prepare.")
        try:
            validate_print_workflow(preset.workflow, preset.parameter_map)
        except WorkflowError as error:
            raise JobInputError(f"the preset “{preset.name}” is unusable: {error}") from None
        moved = print_transition_one(
            design,
            to=P.PREPARING,
            sources=[P.QUEUED],
            source=Source.WORKER,
            message=f"Submitting “{preset.name}” to RunPod for {target[0]}×{target[1]} px "
            f"(attempt {design.print_attempts + 1}).",
            updates={"print_job_id": "", "print_submitted_at": None, "print_error": ""},
        )
        if not moved:
            return None
        workflow, parameter_map = preset.workflow, preset.parameter_map
        return lambda: print_job_input(design, workflow, parameter_map, target)

    def prepare(self, design: Design, job) -> Checked:
        return prepare_print_file(job, (design.print_target_width, design.print_target_height))

    def store(self, design: Design, checked: Checked) -> bool:
        return store_print_file(design, checked)

    def move(self, design, *, to, sources, message, updates) -> bool:
        result = print_transition(
            design, to=to, sources=sources, source=Source.WORKER, message=message, updates=updates
        )
        return bool(result.moved)

    def fail(self, design, message, *, sources=None, updates=None) -> bool:
        moved = self.move(
            design,
            to=P.FAILED,
            sources=sources or [P.QUEUED, P.PREPARING],
            message=message,
            updates={"print_error": message, **(updates or {})},
        )
        if moved:
            logger.info("Design %s: print preparation failed: %s", design.pk, message)
            _continue_publishing(design.pk)
        return moved


def print_job_input(design: Design, workflow: dict, parameter_map: dict, target: tuple[int, int]) -> dict:
    """worker-comfyui's input: the graph loading `design-<id>.<ext>`, and that image in input.images (base64).

    Runs in a pool thread (reads the stored image, no database). An image too large for the 10 MB /run body is
    re-encoded (WEBP, alpha kept), then halved until it fits: the upscaler enlarges it anyway.
    """
    try:
        with design.image.open("rb") as handle:
            data = handle.read()
    except OSError as error:
        raise JobInputError(f"the design's image could not be read from storage ({error}).") from None
    data, extension = fit_input_image(data, MAX_INPUT_IMAGE_BYTES)
    name = f"design-{design.pk}.{extension}"
    graph = build_print_workflow(workflow, parameter_map, image_name=name, width=target[0], height=target[1])
    return {"workflow": graph, "images": [{"name": name, "image": base64.b64encode(data).decode("ascii")}]}


def fit_input_image(data: bytes, limit: int) -> tuple[bytes, str]:
    """The image as stored if it fits in `limit` bytes, else re-encoded smaller; (bytes, file extension)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as source:
        extension = images.EXTENSIONS.get(source.format, "png")
        if len(data) <= limit:
            return data, extension
        picture = source.convert("RGBA" if "A" in source.getbands() or "transparency" in source.info else "RGB")
    while True:
        buffer = io.BytesIO()
        picture.save(buffer, "WEBP", quality=95, method=4)
        if buffer.tell() <= limit:
            return buffer.getvalue(), "webp"
        if min(picture.size) < 64:
            raise JobInputError("the design's image cannot be made small enough for RunPod's 10 MB request limit.")
        picture = picture.reduce(2)


def prepare_print_file(job, target: tuple[int, int]) -> Checked:
    """Download (or decode) and check a COMPLETED print job's image: a PNG within the print caps, at least as
    large as asked. Runs in the pump's one print-preparation thread (PrintJobs.prepare_threads): no database access."""
    from designs.clients import download_allow_hosts

    try:
        parsed = parse_output(job.output)
    except OutputError as error:
        return Checked("failed", job=job, message=str(error))
    ref = parsed.images[0]
    warnings = list(parsed.warnings) + (
        [f"{len(parsed.images) - 1} extra images ignored"] if len(parsed.images) > 1 else []
    )
    try:
        data = ref.data
        if data is None:
            data = download_image(ref.url, max_bytes=settings.MAX_PRINT_FILE_BYTES, allow_hosts=download_allow_hosts())
        image, renditions = images.prepare(
            data, max_bytes=settings.MAX_PRINT_FILE_BYTES, max_pixels=settings.MAX_PRINT_PIXELS
        )
    except images.ImageRejected as error:
        return Checked("failed", job=job, message=f"RunPod's print file was refused: {error}.")
    except IntegrationError as error:
        if error.retryable:  # the file host is down for now; the result stays on RunPod for a while
            return Checked("transient", job=job, message=str(error))
        return Checked("failed", job=job, message=f"RunPod's print file could not be downloaded: {error}")
    if image.format != "PNG":
        return Checked(
            "failed",
            job=job,
            message=f"RunPod returned a {image.format} image; a print file must be a PNG (SaveImage).",
        )
    if image.width < target[0] or image.height < target[1]:
        return Checked(
            "failed",
            job=job,
            message=f"RunPod returned {image.width}×{image.height} px, smaller than the {target[0]}×{target[1]} px "
            "asked for: check the preset's final resize node.",
        )
    return Checked("completed", job=job, prepared=[(image, renditions)], warnings=warnings)


def store_print_file(design: Design, checked: Checked) -> bool:
    """Store the print file and its preview beside the original; preparing → ready. A previous print file is
    deleted once the new one is recorded."""
    job = checked.job
    image, renditions = checked.prepared[0]
    names = images.job_output_names(
        job.id, 0, "png", design.print_submitted_at or timezone.now(), folder="designs/print"
    )
    preview = images.preview_name(names[2], renditions)
    saved, created = images.write_files([(names[0], image.data), (preview, renditions.preview)])
    try:
        with transaction.atomic():
            row = (
                Design.objects.filter(pk=design.pk, print_status=P.PREPARING, print_job_id=job.id)
                .values_list("print_file", "print_preview", "status")
                .first()
            )
            if row is None:
                raise _Lost
            old_files = [name for name in row[:2] if name and name not in saved]
            alpha = " with transparency" if renditions.has_alpha else ""
            notes = "; ".join(checked.warnings)
            print_transition_one(
                design,
                to=P.READY,
                sources=[P.PREPARING],
                source=Source.WORKER,
                message=f"{image.width}×{image.height} px PNG{alpha} from RunPod job {job.id}."
                + (f" Warnings: {notes}" if notes else ""),
                updates={
                    "print_file": saved[0],
                    "print_preview": saved[1],
                    "print_width": image.width,
                    "print_height": image.height,
                    "print_sha256": image.sha256,
                    "print_has_alpha": renditions.has_alpha,
                    "print_ink": {**renditions.ink, "of": saved[0]} if renditions.ink else {},
                    "print_execution_ms": job.execution_ms,
                    "print_error": "",
                },
            )
            transaction.on_commit(lambda: images.delete_files(old_files))
            if row[2] == Status.PUBLISHING:
                _continue_publishing(design.pk)
    except _Lost:
        images.delete_files(created)
        logger.info("Design %s: print job %s was already collected or the design moved on", design.pk, job.id)
        return False
    except BaseException:
        images.delete_files(created)
        raise
    return True


class _Lost(Exception):
    """The design is no longer preparing this job (collected already, prepared again, deleted)."""


def _continue_publishing(design_id: int) -> None:
    """The design's publishing runs waiting for this print file go on (publish, or fail with the print error)."""
    from designs.models import Product
    from designs.products import IN_FLIGHT
    from designs.workers import enqueue_publish

    waiting = Product.objects.filter(design_id=design_id, state__in=IN_FLIGHT, design__status=Status.PUBLISHING)
    for product_id in waiting.values_list("pk", flat=True):
        enqueue_publish(product_id)
