"""Progress output shared by the commands' --wait: a bar redrawn in place on a terminal, one line per change in
a log, then the outcome. Exit status 1 (CommandError) when designs failed or are still unfinished."""

from __future__ import annotations

from django.core.management.base import CommandError

from designs.services.waiting import follow
from designs.workflow import Status


def wait_and_report(
    command,
    designs,
    *,
    pending: frozenset[str],
    shown: tuple[str, ...],
    timeout: float,
    measure=None,
    label=None,
) -> dict:
    """Follow `designs` until none is in `pending`, drawing a bar with the counts of `shown` statuses.

    measure/label: another way to count (selectors.copy_progress) and its labels; statuses by default."""
    interactive = command.stdout.isatty()
    last_line = ""
    progress = None
    options = {"measure": measure} if measure else {}
    for progress in follow(designs, pending=pending, timeout=timeout, **options):
        line = progress_line(progress, shown, label=label)
        if interactive:
            command.stdout.write(f"\r{line}", ending="")
            command.stdout.flush()
        elif line != last_line:
            command.stdout.write(line)
        last_line = line
    if interactive:
        command.stdout.write("")
    return progress


def progress_line(progress: dict, shown: tuple[str, ...], width: int = 30, label=None) -> str:
    total = progress["total"] or 1
    done = progress["total"] - progress["pending"]
    filled = round(width * done / total)
    counts = progress["counts"]
    label = label or (lambda status: Status(status).label)
    parts = ", ".join(f"{label(status).lower()} {counts[status]}" for status in shown if counts[status])
    return f"[{'#' * filled}{'.' * (width - filled)}] {done}/{progress['total']} done ({parts})"


def report_outcome(command, progress: dict, failures: list, *, timeout: float, summary: str) -> None:
    """Print the summary and each failure with its reason; raise CommandError (exit 1) if anything is left."""
    command.stdout.write(f"Done in {progress['elapsed']:.1f} s: {summary}.")
    for design_id, what, error in failures:
        command.stdout.write(f"  design {design_id} ({what[:60]}): {error}")
    if progress["pending"]:
        raise CommandError(f"Gave up waiting after {timeout:g} s; {progress['pending']} designs are unfinished.")
    if failures:
        raise CommandError(f"{len(failures)} of {progress['total']} designs failed.")
