"""python manage.py generate_designs FILE [--variations N] [--preset NAME] [--batch NAME] [--wait] [--dry-run]"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from designs import selectors
from designs.admin.display import counted, usd
from designs.management.progress import report_outcome, wait_and_report
from designs.models import Batch, GenerationPreset, PresetKind
from designs.presets import default_preset
from designs.selectors import selling_limits
from designs.services.batches import PromptFileError, blocked_term_warnings, create_batch, parse_prompts
from designs.services.generation import TooManyDesigns, estimated_cost, variations_problem
from designs.workflow import FAILED, PENDING, Source, Status


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
            csv_format = True if name.lower().endswith(".csv") else None
            rows = parse_prompts(text, csv_format=csv_format, limits=selling_limits())
        except PromptFileError as error:
            raise CommandError(f"{name}: nothing was created.\n  " + "\n  ".join(error.errors)) from None
        for warning in blocked_term_warnings(rows):
            self.stderr.write(f"Warning: {name} {warning}.")
        preset = self._preset(options["preset"])
        variations = options["variations"]
        if variations_problem(variations):
            raise CommandError(f"--variations: {variations_problem(variations)}")
        total = len(rows) * variations
        estimate = f"estimated cost {usd(estimated_cost(total))}"
        if options["dry_run"]:
            self.stdout.write(
                f"{counted(len(rows), 'prompt')} × {variations} = {counted(total, 'design')} would be queued with "
                f"preset “{preset}” "
                f"({estimate})."
            )
            return
        batch_name = options["batch"] or ("stdin" if name == "-" else Path(name).name)
        try:
            batch, result = create_batch(
                rows,
                name=batch_name,
                origin=Batch.Origin.FILE,
                source_name=batch_name,
                preset=preset,
                variations=variations,
                source=Source.COMMAND,
            )
        except (TooManyDesigns, ValueError) as error:
            raise CommandError(f"{name}: nothing was created. {error}") from None
        queued = "design queued" if len(result.moved) == 1 else "designs queued"
        self.stdout.write(f"Batch #{batch.pk} “{batch}”: {result.summary(queued)} ({estimate}).")
        if options["wait"]:
            self._wait(batch, options["timeout"])

    def _read(self, name: str) -> str:
        try:
            return Path(name).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {name}: {error}") from None

    def _preset(self, name: str | None) -> GenerationPreset:
        if name is None:
            preset = default_preset()
            if preset is None:
                raise CommandError("There is no active generation preset; create one in the admin.")
            return preset
        presets = GenerationPreset.objects.filter(is_active=True, kind=PresetKind.GENERATION)
        preset = presets.filter(name=name).first()
        if preset is None:
            known = ", ".join(presets.values_list("name", flat=True))
            raise CommandError(f"No active preset named “{name}”. Active presets: {known or 'none'}.")
        return preset

    def _wait(self, batch: Batch, timeout: float) -> None:
        designs = selectors.batch_designs([batch.pk])
        shown = (Status.QUEUED, Status.GENERATING, Status.REVIEW, Status.GENERATION_FAILED)
        progress = wait_and_report(self, designs, pending=PENDING, shown=shown, timeout=timeout)
        counts = progress["counts"]
        summary = (
            f"{counts[Status.REVIEW]} in review, {sum(counts[s] for s in FAILED)} failed, "
            f"{progress['pending']} unfinished; total cost {usd(progress['cost'])}"
        )
        report_outcome(self, progress, selectors.failures(designs), timeout=timeout, summary=summary)
