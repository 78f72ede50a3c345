"""What a publishing run does about print quality before any Printify request: go on, wait for the print file,
or fail with the reason (a design below MIN_PRINT_DPI without override). The DPI math is designs/print_quality.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from designs import print_quality
from designs.models import Design, ProductTemplate
from designs.print_status import PRINT_PENDING, PrintStatus


@dataclass(frozen=True)
class RunGate:
    wait: bool = False
    prepare: bool = False  # wait, and ask for the print file first: publishing was queued without it
    refusal: str = ""


def publishing_run_gate(design: Design, template: ProductTemplate) -> RunGate:
    if design.print_status in PRINT_PENDING:
        return RunGate(wait=True)
    readiness = print_quality.print_readiness(design, template)
    if not readiness.below_minimum or design.print_gate_overridden:
        return RunGate()
    if design.print_status == PrintStatus.FAILED and template.prepare_print_files:
        return RunGate(refusal=f"The print file could not be prepared: {design.print_error}")
    if template.prepare_print_files and design.print_status == PrintStatus.NONE:
        return RunGate(wait=True, prepare=True)
    return RunGate(refusal=readiness.refusal())
