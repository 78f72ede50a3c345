"""Batches: prompt files and pasted prompts checked line by line, then one Batch of designs queued.

The checks here are the only ones: the Batch admin form and generate_designs both call parse_prompts() and
create_batch(), so a limit (prompt length, image size, prompts per batch) is written once.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from designs import compliance, listing
from designs.machine import MoveResult
from designs.models import Batch, Design, GenerationPreset
from designs.presets import default_preset
from designs.services.generation import check_design_count, request_generation, variations_problem
from designs.workflow import DESIGN, Status
from integrations.comfyui import Limits

MAX_PROMPT_CHARS = 2000
# Designs created and queued per transaction: SQLite's single write lock is held for a fraction of a second
# at a time, so a batch of thousands never stalls the review page or the pump.
CREATE_CHUNK = 500


class PromptFileError(ValueError):
    """The prompt file has errors; `errors` lists each with its line number. Nothing was created."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


@dataclass
class PromptRow:
    line: int
    prompt: str
    title: str = ""
    tags: list[str] = field(default_factory=list)
    seed: int | None = None
    width: int | None = None
    height: int | None = None


def parse_prompts(
    text: str, *, csv_format: bool | None = None, limits: listing.Limits | None = None
) -> list[PromptRow]:
    """Prompt lines (one per line, # comments and blank lines ignored) or CSV with a `prompt` column.

    Every line is checked before anything is returned; PromptFileError lists every problem with its line. A CSV's
    titles and tags are checked against `limits` (generate_designs gives selectors.selling_limits(), the strictest
    of the shops sold in; none: the listing settings').
    """
    if csv_format is None:
        first = next((line for line in text.splitlines() if line.strip() and not line.startswith("#")), "")
        csv_format = "prompt" in [cell.strip().lower() for cell in next(csv.reader([first]), [])]
    rows = _parse_csv(text, limits or listing.limits()) if csv_format else _parse_lines(text)
    if not rows:
        raise PromptFileError(["no prompts found"])
    if len(rows) > settings.MAX_PROMPTS_PER_BATCH:
        limit = settings.MAX_PROMPTS_PER_BATCH
        raise PromptFileError([f"{len(rows):,} prompts; a batch may hold at most {limit:,} (MAX_PROMPTS_PER_BATCH)"])
    return rows


def _parse_lines(text: str) -> list[PromptRow]:
    rows, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.strip().startswith("#"):
            continue
        prompt = listing.clean_line(line)  # '"skull with roses"  ' -> 'skull with roses'
        problem = prompt_problem(prompt)
        if problem:
            errors.append(f"line {number}: {problem}")
        rows.append(PromptRow(line=number, prompt=prompt))
    if errors:
        raise PromptFileError(errors)
    return rows


def _parse_csv(text: str, limits: listing.Limits) -> list[PromptRow]:
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    fields = {name.strip().lower() for name in reader.fieldnames or []}
    if "prompt" not in fields:
        raise PromptFileError(["line 1: the CSV header has no 'prompt' column"])
    rows, errors = [], []
    for record in reader:
        number = reader.line_num
        record = {(key or "").strip().lower(): (value or "").strip() for key, value in record.items() if key}
        prompt = listing.clean_line(record.get("prompt", ""))
        row = PromptRow(line=number, prompt=prompt, title=listing.clean_title(record.get("title", "")))
        row.tags = listing.parse_tags(record.get("tags", ""))
        problems = [prompt_problem(prompt)]
        for findings in listing.copy_findings(title=row.title, tags=row.tags, shop=limits).values():
            problems += findings
        for name in ("seed", "width", "height"):
            value, problem = _whole_number(name, record.get(name, ""))
            setattr(row, name, value)
            problems.append(problem)
        problems += [size_problem(name, getattr(row, name)) for name in ("width", "height")]
        errors.extend(f"line {number}: {problem}" for problem in problems if problem)
        if row.prompt or any(problems):
            rows.append(row)
    if errors:
        raise PromptFileError(errors)
    return rows


def blocked_term_warnings(rows: list[PromptRow]) -> list[str]:
    """'line 3: the prompt names the blocked term “Disney” …' for prompts that approval will refuse later.

    A warning, not an error: the shop may still want the image (and change the words before it is approved).
    """
    screen = compliance.active_screen()
    if not screen:
        return []
    warnings = []
    for row in rows:
        hits = screen.hits({"prompt": row.prompt, "title": row.title, "tags": row.tags})
        if hits:
            warnings.append(f"line {row.line}: {compliance.describe(hits)}; approval and publishing will refuse it")
    return warnings


def prompt_problem(prompt: str) -> str:
    if not prompt:
        return "the prompt is empty"
    if len(prompt) > MAX_PROMPT_CHARS:
        return f"the prompt is {len(prompt)} characters long; at most {MAX_PROMPT_CHARS} are allowed"
    if "\x00" in prompt:
        return "the prompt contains a NUL character"
    return ""


def _whole_number(name: str, text: str) -> tuple[int | None, str]:
    if not text:
        return None, ""
    if not text.isdigit():
        return None, f"{name} must be a whole number, got {text!r}"
    value = int(text)
    if name == "seed" and value >= 2**63:
        return None, f"seed must be below 2**63, got {value}"
    return value, ""


def size_problem(name: str, value: int | None) -> str:
    """The one check of a requested image width or height (ComfyUI's limits); "" when fine or not given."""
    limits = Limits()
    if value is not None and (not limits.min_size <= value <= limits.max_size or value % limits.size_step):
        return (
            f"{name} must be a multiple of {limits.size_step} from {limits.min_size} to {limits.max_size}, got {value}"
        )
    return ""


def create_batch(
    rows: list[PromptRow],
    *,
    name: str,
    origin: str,
    source_name: str = "",
    preset: GenerationPreset | None = None,
    variations: int = 1,
    width: int | None = None,
    height: int | None = None,
    actor=None,
    source: str,
    made_from=(),
) -> tuple[Batch, MoveResult]:
    """One Batch with `variations` designs per row (each its own seed unless the row fixes one), queued.

    Created in chunks of CREATE_CHUNK designs, each chunk committed (and queued) on its own. `made_from`: the designs
    a "make more like these" batch follows up (kept on the batch, so its sales can be compared with theirs).
    """
    problem = variations_problem(variations) or size_problem("width", width) or size_problem("height", height)
    if problem:
        raise ValueError(problem)
    check_design_count(len(rows) * variations)
    preset = preset or default_preset()
    user = actor if getattr(actor, "pk", None) else None
    batch = Batch.objects.create(
        name=name, origin=origin, source_name=source_name[:255], preset=preset, created_by=user
    )
    if made_from:
        batch.made_from.set(Design.objects.filter(pk__in=list(made_from)))
    unsaved = (
        Design(
            prompt=row.prompt,
            title=row.title,
            tags=row.tags,
            seed=row.seed if variations == 1 else None,
            width=row.width or width,
            height=row.height or height,
            batch=batch,
            preset=preset,
            created_by=user,
        )
        for row in rows
        for _ in range(variations)
    )
    result = MoveResult("queued")
    while chunk := [design for _, design in zip(range(CREATE_CHUNK), unsaved, strict=False)]:
        with transaction.atomic():
            created = DESIGN.create_many(
                chunk, state=Status.DRAFT, source=source, actor=actor, message=f"Created in batch “{batch.name}”."
            )
            result.merge(request_generation(created, actor=actor, source=source))
    return batch, result
