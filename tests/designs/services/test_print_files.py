"""Asking for print files: which preset, what it will cost, who is queued or skipped and why, and what a
publishing run does about a design below the minimum DPI (go on, wait, or fail with the reason)."""

from decimal import Decimal

import pytest

from designs.models import GenerationPreset
from designs.services.print_files import (
    PrintRefused,
    estimated_cost,
    preset_for,
    request_print_files,
)
from designs.workflow import Source
from tests.designs.print_support import approved_design, small_template

pytestmark = pytest.mark.usefixtures("print_presets")


@pytest.fixture
def template(db):
    return small_template()  # 600×720 print areas: a 256² design is below 300 DPI on them


def test_the_preset_is_the_one_named_else_the_one_the_template_calls_for(template):
    assert preset_for(template).name == "Upscale for print"
    template.needs_transparency = True
    assert preset_for(template).name == "Upscale + remove background"
    assert preset_for(None, "Upscale for print").name == "Upscale for print"
    with pytest.raises(PrintRefused, match="No active print preparation preset is named “Sharpen”. Active ones: "):
        preset_for(template, "Sharpen")
    GenerationPreset.objects.filter(kind="print").update(is_active=False)
    with pytest.raises(PrintRefused, match="There is no active print preparation preset"):
        preset_for(template)


def test_the_cost_estimate_uses_past_run_times_else_the_setting(make_design, settings):
    settings.RUNPOD_COST_PER_SECOND = 0.001
    settings.PRINT_ESTIMATED_SECONDS = 30
    assert estimated_cost(10) == Decimal("0.30")
    make_design(print_execution_ms=50_000)
    make_design(print_execution_ms=70_000)
    assert estimated_cost(10) == Decimal("0.60")


def test_designs_being_prepared_or_missing_are_skipped_and_the_summary_says_why(make_design, template):
    design = approved_design(make_design)
    assert request_print_files([design], actor=None, source=Source.COMMAND, template=template).moved == [design.pk]

    again = request_print_files([design.pk, 999_999], actor=None, source=Source.COMMAND, template=template)

    assert again.moved == [] and again.skipped == {design.pk: "being prepared already", 999_999: "no such design"}
    assert again.summary() == "0 queued for print preparation, 2 skipped (being prepared already; no such design)"


def test_a_design_without_a_template_size_is_skipped_with_the_reason(make_design, settings):
    from tests.designs.publishing_support import make_template

    no_areas = make_template(placeholders={})
    design = approved_design(make_design)
    result = request_print_files([design], actor=None, source=Source.COMMAND, template=no_areas)
    assert result.moved == []
    assert "print areas of “Kids tee” are unknown" in result.skipped[design.pk]
    in_review = approved_design(make_design, status="review")
    result = request_print_files([in_review], actor=None, source=Source.COMMAND, template=no_areas)
    assert "only approved designs are prepared" in result.skipped[in_review.pk]
