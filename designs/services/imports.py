"""Import existing image files (a ComfyUI output folder, a designer's exports) as designs in review."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from designs import duplicates, images
from designs.models import Batch, Design
from designs.workflow import Source, Status, create_design

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp"}


@dataclass
class ImportOutcome:
    path: str
    design: Design | None = None
    skipped: str = ""


def import_image(
    data: bytes,
    *,
    path: str,
    batch: Batch | None = None,
    batch_name: str = "",
    actor=None,
    source: str = Source.COMMAND,
) -> ImportOutcome:
    """One existing image as a design in review (same validation as ingest); skipped if its sha256 is known.

    `path` is only named in its history; the file is stored under our own name. With batch_name (and no batch), a new
    import batch is created for this image: callers pass the design's batch on to the next image.
    """
    try:
        image, renditions = images.prepare(data)
    except images.ImageRejected as error:
        return ImportOutcome(path, skipped=str(error))
    known = Design.objects.filter(image_sha256=image.sha256).values_list("pk", flat=True).first()
    if known:
        return ImportOutcome(path, skipped=f"already imported as design {known}")
    phash = duplicates.phash_of(renditions.thumbnail)
    stored = images.store(image, renditions)
    try:
        with transaction.atomic():
            if batch is None and batch_name:
                batch = Batch.objects.create(name=batch_name, origin=Batch.Origin.IMPORT, source_name=batch_name)
            design = create_design(
                status=Status.REVIEW,
                source=source,
                actor=actor,
                # The file name is kept in the history, not as the title: "sunburst_print_ready" is no listing title
                # (publishing asks for listing copy or a typed title first).
                message=f"Imported from the image file “{file_name(path)}”.",
                prompt="",
                title="",
                batch=batch,
                created_by=actor if getattr(actor, "pk", None) else None,
                **stored.field_values(),
            )
            duplicates.record(design.pk, phash)
    except BaseException:
        images.delete_files(stored.created)
        raise
    return ImportOutcome(path, design=design)


def import_files(paths, *, batch_name: str = "", actor=None) -> Iterator[ImportOutcome]:
    """Import every image file named or found (sorted, symlinks not followed) in `paths`, one outcome each.

    With batch_name, the designs go into a new batch, created with the first image imported (a run that
    imports nothing leaves no empty batch).
    """
    limit = min(settings.MAX_IMAGE_BYTES, settings.MAX_UPLOAD_BYTES)
    batch = None
    for path in _image_files(paths):
        try:
            if path.stat().st_size > limit:
                yield ImportOutcome(str(path), skipped=f"the file is larger than {limit} bytes")
                continue
            data = path.read_bytes()
        except OSError as error:
            yield ImportOutcome(str(path), skipped=f"cannot read it ({error.strerror})")
            continue
        outcome = import_image(data, path=str(path), batch=batch, batch_name=batch_name, actor=actor)
        if outcome.design is not None:
            batch = outcome.design.batch
        yield outcome


def _image_files(paths) -> Iterator[Path]:
    for name in paths:
        path = Path(name)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for file_name in sorted(files):
                    candidate = Path(root) / file_name
                    if candidate.suffix.lower() in IMAGE_SUFFIXES and not candidate.is_symlink():
                        yield candidate
        else:
            yield path


def file_name(path: str) -> str:
    # Only shown in the design's history; the stored file name is our own (images.store).
    base = path.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable())[:200]
