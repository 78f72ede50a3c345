"""prepare_print_files: the same request_print_files() as the admin action, with words and exit status."""

import pytest
from django.core.management import CommandError, call_command

from designs.print_status import PrintStatus
from tests.designs.print_support import approved_design, small_template


@pytest.fixture
def tee(db):
    return small_template()


def test_ids_are_queued_with_a_summary_and_the_estimated_cost(make_design, tee, capsys, settings):
    settings.PRINT_ESTIMATED_SECONDS, settings.RUNPOD_COST_PER_SECOND = 30, 0.001
    design = approved_design(make_design)
    draft = approved_design(make_design, status="draft")
    call_command("prepare_print_files", "--ids", str(design.pk), str(draft.pk))
    out = capsys.readouterr().out
    assert "1 queued for print preparation, 1 skipped (draft: only approved designs are prepared)" in out
    assert "estimated RunPod cost $0.03" in out
    design.refresh_from_db()
    assert design.print_status == PrintStatus.QUEUED and design.print_preset.name == "Upscale for print"


def test_all_approved_with_a_named_preset(make_design, tee):
    first, second = approved_design(make_design), approved_design(make_design)
    call_command("prepare_print_files", "--all-approved", "--preset", "Upscale + remove background")
    for design in (first, second):
        design.refresh_from_db()
        assert design.print_preset.name == "Upscale + remove background"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--all-approved", "--preset", "Sharpen"], "No active print preparation preset is named “Sharpen”"),
        (["--all-approved", "--template", "Mug"], "No product template is named “Mug”"),
        (["--ids", "999"], "0 queued for print preparation, 1 skipped (no such design)"),
    ],
)
def test_bad_input_is_refused_in_words(make_design, tee, arguments, message, capsys):
    try:
        call_command("prepare_print_files", *arguments)
    except CommandError as error:
        assert message in str(error)
    else:
        assert message in capsys.readouterr().out


def test_a_design_already_at_the_target_dpi_is_skipped_unless_again(make_design, tee, capsys, settings):
    # Issue 19: it was upscaled again and paid for.
    settings.TARGET_PRINT_DPI = 300
    sharp = approved_design(make_design, (1200, 1200))  # 600 DPI on the 2 in print area
    call_command("prepare_print_files", "--ids", str(sharp.pk))
    out = capsys.readouterr().out
    assert "0 queued for print preparation, 1 skipped (already at 300 DPI or more on “Kids tee”" in out
    assert "estimated RunPod cost $0.00" in out
    sharp.refresh_from_db()
    assert sharp.print_status == PrintStatus.NONE
    call_command("prepare_print_files", "--ids", str(sharp.pk), "--again")
    sharp.refresh_from_db()
    assert sharp.print_status == PrintStatus.QUEUED
