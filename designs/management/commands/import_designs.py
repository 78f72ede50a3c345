"""python manage.py import_designs PATH... [--batch NAME]"""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from designs import generation
from designs.models import Batch

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp"}


class Command(BaseCommand):
    help = (
        "Import existing image files (or folders of them, e.g. a ComfyUI output folder) as designs in review. "
        "Each file is validated like RunPod output; files whose content is already known are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="image files or folders")
        parser.add_argument("--batch", help="put the imported designs in a new batch with this name")

    def handle(self, *args, **options):
        batch = None
        imported = skipped = 0
        for path in _image_files(options["paths"]):
            outcome = self._import(path, options["batch"], batch)
            if outcome.design is not None:
                batch = outcome.design.batch
                imported += 1
                self.stdout.write(f"imported {path} → design {outcome.design.pk}")
            else:
                skipped += 1
                self.stdout.write(f"skipped  {path}: {outcome.skipped}")
        self.stdout.write(f"{imported} imported, {skipped} skipped.")
        if not imported and not skipped:
            raise CommandError("No image files found.")

    def _import(self, path: Path, batch_name: str | None, batch: Batch | None):
        limit = min(settings.MAX_IMAGE_BYTES, settings.MAX_UPLOAD_BYTES)
        try:
            size = path.stat().st_size
            if size > limit:
                return generation.ImportOutcome(str(path), skipped=f"the file is larger than {limit} bytes")
            data = path.read_bytes()
        except OSError as error:
            return generation.ImportOutcome(str(path), skipped=f"cannot read it ({error.strerror})")
        if batch is None and batch_name:
            batch = Batch(name=batch_name, origin=Batch.Origin.IMPORT, source_name=batch_name)
        outcome = generation.import_image(data, path=str(path), batch=batch)
        return outcome


def _image_files(paths):
    """Files named on the command line as given; inside folders, image files only, sorted, symlinks not followed."""
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
