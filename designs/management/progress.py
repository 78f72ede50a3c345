"""Progress output shared by the commands' --wait: a bar redrawn in place on a terminal, one line per change in
a log, then the outcome. Exit status 1 (CommandError) when designs failed or are still unfinished."""

from __future__ import annotations

from django.core.management.base import CommandError

from designs import selectors
from designs.print_status import PrintStatus
from designs.services.waiting import follow
from designs.workflow import Status


def wait_and_report(
    command, designs, *, pending: frozenset[str], shown: tuple[str, ...], timeout: float, print_files: bool = False
) -> dict:
    """Follow `designs` until none is in `pending`, drawing a bar with the counts of `shown` statuses (print
    statuses with print_files)."""
    interactive = command.stdout.isatty()
    last_line = ""
    progress = None
    measure, labels = (selectors.print_progress, PrintStatus) if print_files else (selectors.progress, Status)
    for progress in follow(designs, pending=pending, timeout=timeout, measure=measure):
        line = progress_line(progress, shown, labels)
        if interactive:
            command.stdout.write(f"\r{line}", ending="")
            command.stdout.flush()
        elif line != last_line:
            command.stdout.write(line)
        last_line = line
    if interactive:
        command.stdout.write("")
    return progress


def progress_line(progress: dict, shown: tuple[str, ...], labels=Status, width: int = 30) -> str:
    total = progress["total"] or 1
    done = progress["total"] - progress["pending"]
    filled = round(width * done / total)
    counts = progress["counts"]
    parts = ", ".join(f"{labels(status).label.lower()} {counts[status]}" for status in shown if counts[status])
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
