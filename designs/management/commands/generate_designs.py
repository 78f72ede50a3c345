"""python manage.py generate_designs FILE [--variations N] [--preset NAME] [--batch NAME] [--wait] [--dry-run]"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from designs import generation
from designs.models import Batch, GenerationPreset
from designs.workflow import Source, Status


class Command(BaseCommand):
    help = (
        "Create a batch of designs from a prompt file and queue them for generation. FILE is a text file (one "
        "prompt per line, # comments) or a CSV with a 'prompt' column and optional title, tags, seed, width, "
        "height; '-' reads standard input. Every line is checked before anything is created."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="prompt file (.txt or .csv), or - for standard input")
        parser.add_argument("--variations", type=int, default=1, help="designs per prompt, each its own seed")
        parser.add_argument("--preset", help="generation preset name (default: the active 'Flux dev fp8')")
        parser.add_argument("--batch", help="batch name (default: the file name)")
        parser.add_argument("--wait", action="store_true", help="show progress until every design is done")
        parser.add_argument("--timeout", type=float, default=3600, help="seconds --wait waits at most")
        parser.add_argument("--dry-run", action="store_true", help="check the file and say what would be created")

    def handle(self, *args, **options):
        name = options["file"]
        text = sys.stdin.read() if name == "-" else self._read(name)
        try:
            rows = generation.parse_prompts(text, csv_format=True if name.lower().endswith(".csv") else None)
        except generation.PromptFileError as error:
            raise CommandError(f"{name}: nothing was created.\n  " + "\n  ".join(error.errors)) from None
        preset = self._preset(options["preset"])
        variations = options["variations"]
        if not 1 <= variations <= 50:
            raise CommandError("--variations must be from 1 to 50.")
        total = len(rows) * variations
        if options["dry_run"]:
            self.stdout.write(
                f"{len(rows)} prompts × {variations} = {total} designs would be queued with preset “{preset}”."
            )
            return
        batch_name = options["batch"] or ("stdin" if name == "-" else Path(name).name)
        batch, result = generation.create_batch(
            rows,
            name=batch_name,
            origin=Batch.Origin.FILE,
            source_name=batch_name,
            preset=preset,
            variations=variations,
            source=Source.COMMAND,
        )
        self.stdout.write(f"Batch #{batch.pk} “{batch}”: {result.summary('designs queued')}.")
        if options["wait"]:
            self._wait(batch, options["timeout"])

    def _read(self, name: str) -> str:
        try:
            return Path(name).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {name}: {error}") from None

    def _preset(self, name: str | None) -> GenerationPreset:
        if name is None:
            preset = generation.default_preset()
            if preset is None:
                raise CommandError("There is no active generation preset; create one in the admin.")
            return preset
        preset = GenerationPreset.objects.filter(name=name, is_active=True).first()
        if preset is None:
            known = ", ".join(GenerationPreset.objects.filter(is_active=True).values_list("name", flat=True))
            raise CommandError(f"No active preset named “{name}”. Active presets: {known or 'none'}.")
        return preset

    def _wait(self, batch: Batch, timeout: float) -> None:
        interactive = self.stdout.isatty()
        last_line = ""
        progress = None
        for progress in generation.wait_for_batch(batch.pk, timeout=timeout):
            line = _progress_line(progress)
            if interactive:
                self.stdout.write(f"\r{line}", ending="")
                self.stdout.flush()
            elif line != last_line:  # plain text when not a terminal: one line per change
                self.stdout.write(line)
            last_line = line
        if interactive:
            self.stdout.write("")
        counts = progress["counts"]
        failures = generation.batch_failures([batch.pk])
        self.stdout.write(
            f"Done in {progress['elapsed']:.1f} s: {counts[Status.REVIEW]} in review, "
            f"{counts[Status.GENERATION_FAILED]} failed, {progress['pending']} unfinished; "
            f"total cost ${progress['cost']:.4f}."
        )
        for design_id, prompt, error in failures:
            self.stdout.write(f"  design {design_id} ({prompt[:60]}): {error}")
        if progress["pending"]:
            raise CommandError(f"Gave up waiting after {timeout:g} s; {progress['pending']} designs are unfinished.")
        if failures:
            raise CommandError(f"{len(failures)} of {progress['total']} designs failed.")


def _progress_line(progress: dict, width: int = 30) -> str:
    total = progress["total"] or 1
    done = progress["total"] - progress["pending"]
    filled = round(width * done / total)
    counts = progress["counts"]
    parts = ", ".join(
        f"{Status(status).label.lower()} {counts[status]}"
        for status in (Status.QUEUED, Status.GENERATING, Status.REVIEW, Status.GENERATION_FAILED)
        if counts[status]
    )
    return f"[{'#' * filled}{'.' * (width - filled)}] {done}/{progress['total']} done ({parts})"
