"""The commands' --wait output: a bar of done/total with the counts shown, one line per change in a log, and the
outcome with exit status 1 when designs failed or are unfinished."""

import io

import pytest
from django.core.management.base import BaseCommand, CommandError

from designs.management.progress import progress_line, report_outcome, wait_and_report
from designs.models import Design
from designs.workflow import Status


def progress(pending=0, elapsed=1.25, **counts):
    full = dict.fromkeys(Status.values, 0) | counts
    return {"counts": full, "total": sum(full.values()), "pending": pending, "elapsed": elapsed}


def command(out: io.StringIO | None = None) -> BaseCommand:
    return BaseCommand(stdout=out or io.StringIO(), stderr=io.StringIO())


def test_the_bar_shows_done_of_total_and_the_counts_of_the_statuses_shown():
    line = progress_line(progress(pending=1, queued=1, review=3), (Status.QUEUED, Status.REVIEW), width=8)
    assert line == "[######..] 3/4 done (queued 1, in review 3)"
    assert progress_line(progress(), (Status.QUEUED,), width=4) == "[....] 0/0 done ()"


def test_a_log_gets_one_line_per_change_and_the_last_progress_is_returned(make_design):
    design = make_design(status=Status.REVIEW)
    out = io.StringIO()

    last = wait_and_report(
        command(out), Design.objects.filter(pk=design.pk), pending=frozenset(), shown=(Status.REVIEW,), timeout=10
    )

    assert last["pending"] == 0 and last["counts"][Status.REVIEW] == 1
    assert out.getvalue().splitlines() == ["[" + "#" * 30 + "] 1/1 done (in review 1)"]


def test_the_outcome_lists_failures_and_exits_1_for_failures_or_unfinished_work():
    out = io.StringIO()
    failures = [(7, "a fox " * 20, "RunPod said no")]
    with pytest.raises(CommandError, match="1 of 3 designs failed."):
        report_outcome(
            command(out), progress(review=2, generation_failed=1), failures, timeout=60, summary="2 in review"
        )
    lines = out.getvalue().splitlines()
    assert lines[0] == "Done in 1.2 s: 2 in review."
    assert lines[1].startswith("  design 7 (a fox a fox") and lines[1].endswith("): RunPod said no")

    with pytest.raises(CommandError, match="Gave up waiting after 60 s; 2 designs are unfinished."):
        report_outcome(command(), progress(pending=2, queued=2), [], timeout=60, summary="")
    report_outcome(command(), progress(review=1), [], timeout=60, summary="1 in review")  # nothing left: exit 0
