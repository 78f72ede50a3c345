"""Print file use cases: prepare print files (upscale, background removal on RunPod), their estimated cost, and
what a publishing run does about a design below the minimum DPI. The work runs in the pump
(designs/workers/print_jobs.py); the DPI math and the gate's rules live in designs/print_quality.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Avg

from designs import print_quality
from designs.models import Design, GenerationPreset, PresetKind, ProductTemplate
from designs.print_status import PREPARABLE, PRINT_PENDING, PrintStatus, print_transition
from designs.services.generation import check_design_count
from designs.workers import wake_pump
from designs.workflow import Status, design_ids, note

DEFAULT_PRINT_PRESET = "Upscale for print"
TRANSPARENT_PRINT_PRESET = "Upscale + remove background"
# Designs whose print file is worth making: chosen for the shop, not yet gone.
PRINTABLE = frozenset({Status.APPROVED, Status.PUBLISHING, Status.MOCKUPS, Status.PUBLISH_FAILED, Status.PUBLISHED})


class PrintRefused(ValueError):
    """Print files cannot be prepared as asked (no preset, no template); nothing was changed."""


@dataclass
class PrintRequest:
    moved: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)  # design id -> why, in words

    def summary(self) -> str:
        text = f"{len(self.moved)} queued for print preparation"
        if self.skipped:
            reasons = sorted(set(self.skipped.values()))
            text += f", {len(self.skipped)} skipped ({'; '.join(reasons)})"
        return text


def print_presets():
    return GenerationPreset.objects.filter(kind=PresetKind.PRINT, is_active=True)


def preset_for(template: ProductTemplate | None, name: str | None = None) -> GenerationPreset:
    """The named print preset, else the one the template calls for (transparent background or not)."""
    presets = print_presets()
    if name:
        preset = presets.filter(name=name).first()
        if preset is None:
            known = ", ".join(presets.values_list("name", flat=True)) or "none"
            raise PrintRefused(f"No active print preparation preset is named “{name}”. Active ones: {known}.")
        return preset
    wanted = TRANSPARENT_PRINT_PRESET if template is not None and template.needs_transparency else DEFAULT_PRINT_PRESET
    preset = presets.filter(name=wanted).first() or presets.order_by("pk").first()
    if preset is None:
        raise PrintRefused("There is no active print preparation preset; create one (kind “Print preparation”).")
    return preset


def estimated_cost(count: int) -> Decimal:
    """Dollars `count` preparations are likely to cost: the average run time so far (else the setting) × price."""
    ms = Design.objects.filter(print_execution_ms__isnull=False).aggregate(ms=Avg("print_execution_ms"))["ms"]
    seconds = ms / 1000 if ms else settings.PRINT_ESTIMATED_SECONDS
    # Not rounded to cents: one short job costs a fraction of a cent, which "$0.00" would hide.
    return Decimal(str(seconds)) * Decimal(str(settings.RUNPOD_COST_PER_SECOND)) * count


@dataclass
class PrintPlan:
    """Which designs a request would prepare (each with the template it sizes for) and why the others are skipped."""

    ready: list[tuple[Design, ProductTemplate]] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)  # design id -> why, in words


def plan_print_files(designs, *, template: ProductTemplate | None = None, again: bool = False) -> PrintPlan:
    """What request_print_files would do (the confirmation shows it first): sized for `template`, else each design's
    own product template, else the default. A design whose file already prints at TARGET_PRINT_DPI (with the
    transparency its template needs) is skipped unless `again`: preparing it would be paid for and change nothing."""
    from designs.selectors import design_templates

    ids = design_ids(designs)
    check_design_count(len(ids))
    own = {} if template else design_templates(ids)
    plan = PrintPlan()
    found = set()
    for design in Design.objects.filter(pk__in=ids).order_by("pk"):
        found.add(design.pk)
        chosen = template or own.get(design.pk)
        reason = _unpreparable(design, chosen) or ("" if again else _at_target(design, chosen))
        if reason:
            plan.skipped[design.pk] = reason
        else:
            plan.ready.append((design, chosen))
    for missing in set(ids) - found:
        plan.skipped[missing] = "no such design"
    return plan


def request_print_files(
    designs,
    *,
    actor,
    source: str,
    preset: GenerationPreset | None = None,
    template: ProductTemplate | None = None,
    again: bool = False,
) -> PrintRequest:
    """Queue print preparation for approved (or publishing) designs as plan_print_files() says, then wake the pump.
    A design being prepared is skipped, and so is one already at the target DPI unless `again`."""

    plan = plan_print_files(designs, template=template, again=again)
    result = PrintRequest(skipped=dict(plan.skipped))
    groups: dict[tuple, list[int]] = {}
    for design, chosen in plan.ready:
        use = preset or preset_for(chosen)
        target = print_quality.print_target_size(design, chosen)
        groups.setdefault((use.pk, target), []).append(design.pk)
    with transaction.atomic():
        for (preset_id, (width, height)), group in groups.items():
            moved = print_transition(
                group,
                to=PrintStatus.QUEUED,
                sources=PREPARABLE,
                actor=actor,
                source=source,
                message=f"Print file of {width}×{height} px requested.",
                updates={
                    "print_preset_id": preset_id,
                    "print_target_width": width,
                    "print_target_height": height,
                    "print_job_id": "",
                    "print_submitted_at": None,
                    "print_attempts": 0,
                    "print_error": "",
                },
            )
            result.moved += moved.moved
            for design_id, status in moved.skipped.items():
                result.skipped[design_id] = PrintStatus(status).label.lower() if status else "no such design"
        if result.moved:
            transaction.on_commit(wake_pump)
    result.moved.sort()
    return result


def _unpreparable(design: Design, template: ProductTemplate | None) -> str:
    if design.status not in PRINTABLE:
        return f"{Status(design.status).label.lower()}: only approved designs are prepared"
    if not design.image or not design.image_width:
        return "no image"
    if design.print_status in PRINT_PENDING:
        return "being prepared already"
    if template is None:
        return "no product template to size the print file for"
    if print_quality.print_target_size(design, template) is None:
        return f"the print areas of “{template.name}” are unknown (fill the template from the catalog)"
    return ""


def _at_target(design: Design, template: ProductTemplate) -> str:
    readiness = print_quality.print_readiness(design, template)
    if readiness.level != print_quality.GOOD or readiness.lacks_transparency:
        return ""
    return f"already at {settings.TARGET_PRINT_DPI} DPI or more on “{template.name}”: prepare again to redo it"


# --- publishing and the gate (called by services/publishing.py and workers/publish_run.py) -------------------


def after_publish_requested(gate: print_quality.Gate, moved: list[int], *, actor, source: str) -> None:
    """Inside request_publish's transaction: an event with the actor on each design published below the minimum
    on purpose, and print preparation queued for the templates that prepare first (their runs wait for it)."""
    moved_ids = set(moved)
    for item in gate.overridden:
        if item.design_id in moved_ids:
            message = f"Publishing below {settings.MIN_PRINT_DPI} DPI on purpose (override): {item.explanation()}"
            note(item.design_id, message, source=source, actor=actor)
    for template, ids in gate.prepare_first:
        ids = [design_id for design_id in ids if design_id in moved_ids]
        if ids:
            request_print_files(ids, actor=actor, source=source, template=template)
