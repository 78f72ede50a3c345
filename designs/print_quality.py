"""Will it print sharp? Effective DPI of a design's best file on a template's print area, and the publishing gate.

Printify's placeholder sizes are pixels at the product's print resolution, 300 DPI for DTG apparel (merchandising.md),
and `scale` is the image's width as a fraction of the placeholder's width (printify-api.md §4). So the printed
width is placeholder width × scale (at 300 DPI) and

    effective DPI = 300 × image width ÷ (placeholder width × scale)

computed per group of enabled variants sharing a placeholder size (garment sizes differ), the worst counting.
The reference does not say whether any product prints at another resolution than 300; PRINT_AREA_DPI is the one
place to change if one does.

Pure reads: the review page, the changelist, the publish confirmation, request_publish and the publishing run all
ask here, so they cannot disagree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings

from designs.product_templates import DEFAULT_PLACEMENT, enabled_variants, placeholder_size, placement_scale

PRINT_AREA_DPI = 300

GOOD, LOW, BAD, UNKNOWN = "good", "low", "bad", "unknown"
LEVEL_WORDS = {GOOD: "print-ready", LOW: "acceptable", BAD: "too low", UNKNOWN: "unknown"}


@dataclass(frozen=True)
class AreaDpi:
    """One print area: the enabled variants sharing a placeholder size, and how the image prints there."""

    variant_ids: tuple[int, ...]
    variant_titles: tuple[str, ...]
    position: str
    placeholder: tuple[int, int]
    scale: float
    dpi: float

    def pixels_for(self, dpi: float, image_size: tuple[int, int]) -> tuple[int, int]:
        """Image pixels (same aspect ratio) that print at `dpi` here."""
        width = math.ceil(dpi / PRINT_AREA_DPI * self.placeholder[0] * self.scale)
        return width, math.ceil(width * image_size[1] / image_size[0])


@dataclass(frozen=True)
class DpiReport:
    image_size: tuple[int, int] | None
    areas: tuple[AreaDpi, ...]

    @property
    def worst(self) -> AreaDpi | None:
        return min(self.areas, key=lambda area: area.dpi) if self.areas else None

    @property
    def dpi(self) -> int | None:
        return math.floor(self.worst.dpi) if self.worst else None

    @property
    def level(self) -> str:
        return dpi_level(self.worst.dpi if self.worst else None)

    def needed_pixels(self, dpi: float | None = None) -> tuple[int, int] | None:
        """Pixels the image needs so that every print area reaches `dpi` (default MIN_PRINT_DPI)."""
        if not self.areas or not self.image_size:
            return None
        dpi = settings.MIN_PRINT_DPI if dpi is None else dpi
        return max((area.pixels_for(dpi, self.image_size) for area in self.areas), key=lambda size: size[0])


def dpi_level(dpi: float | None) -> str:
    if dpi is None:
        return UNKNOWN
    if dpi >= settings.TARGET_PRINT_DPI:
        return GOOD
    return LOW if dpi >= settings.MIN_PRINT_DPI else BAD


def effective_dpi(image_size: tuple[int, int] | None, template) -> DpiReport:
    """How `image_size` prints on every enabled variant group of `template` (no areas: sizes unknown)."""
    if not image_size or not all(image_size) or template is None:
        return DpiReport(image_size, ())
    placement = {**DEFAULT_PLACEMENT, **(template.placement or {})}
    groups: dict[tuple[int, int], list[dict]] = {}
    for variant in enabled_variants(template):
        size = placeholder_size(template, variant["id"])
        if size and all(size):
            groups.setdefault(size, []).append(variant)
    areas = []
    for placeholder, variants in groups.items():
        scale = placement_scale(image_size, placeholder, placement)
        areas.append(
            AreaDpi(
                variant_ids=tuple(v["id"] for v in variants),
                variant_titles=tuple(str(v.get("title") or v["id"]) for v in variants),
                position=template.print_position,
                placeholder=placeholder,
                scale=scale,
                dpi=PRINT_AREA_DPI * image_size[0] / (placeholder[0] * scale),
            )
        )
    return DpiReport(tuple(image_size), tuple(sorted(areas, key=lambda area: area.dpi)))


def fixed_image_dpi(template) -> DpiReport:
    """How the template's fixed image (a logo at its own position, placed at its own scale) prints, worst over the
    enabled variants; no areas when it has none or its size is unknown."""
    from types import SimpleNamespace

    from designs.product_templates import fixed_placement

    if not template.fixed_image or not template.fixed_image_width or not template.fixed_image_height:
        return DpiReport(None, ())
    spot = SimpleNamespace(
        variants=template.variants,
        placeholders=template.placeholders,
        print_position=template.fixed_position,
        placement={"mode": "fixed", **fixed_placement(template)},
    )
    return effective_dpi((template.fixed_image_width, template.fixed_image_height), spot)


# --- a design on a template ----------------------------------------------------------------------------------


def best_file(design) -> tuple[str, tuple[int, int] | None, bool | None]:
    """("print file" | "original", its size, whether it has transparency): what publishing uploads."""
    if design.print_file and design.print_width and design.print_height:
        return "print file", (design.print_width, design.print_height), design.print_has_alpha
    size = (design.image_width, design.image_height) if design.image_width and design.image_height else None
    return "original", size, design.image_has_alpha


@dataclass(frozen=True)
class Readiness:
    design_id: int
    template_name: str
    file: str  # "print file" | "original"
    report: DpiReport
    has_alpha: bool | None
    needs_transparency: bool

    @property
    def level(self) -> str:
        return self.report.level

    @property
    def below_minimum(self) -> bool:
        return self.level == BAD

    @property
    def lacks_transparency(self) -> bool:
        return self.needs_transparency and self.has_alpha is False

    def badge_text(self) -> str:
        """ "68 DPI" / "DPI ?" for badges; the title text says the rest."""
        return f"{self.report.dpi} DPI" if self.report.dpi is not None else "DPI ?"

    def explanation(self) -> str:
        """One sentence for a badge's title, the gate and the confirmation page."""
        size = self.report.image_size
        if size is None:
            return f"Design {self.design_id} has no image size yet."
        worst = self.report.worst
        if worst is None:
            return (
                f"The print areas of “{self.template_name}” are unknown (fill the template from the catalog), "
                "so the DPI cannot be checked."
            )
        where = f"{worst.position} {worst.placeholder[0]}×{worst.placeholder[1]} px"
        which = "every variant" if len(self.report.areas) == 1 else _titles(worst.variant_titles)
        text = (
            f"Design {self.design_id}'s {self.file} ({size[0]}×{size[1]} px) prints at {self.report.dpi} DPI on "
            f"“{self.template_name}” ({which}, {where})"
        )
        if self.level == GOOD:
            return text + "."
        minimum, target = settings.MIN_PRINT_DPI, settings.TARGET_PRINT_DPI
        needed_min, needed_target = self.report.needed_pixels(minimum), self.report.needed_pixels(target)
        return (
            f"{text}: {minimum} DPI needs {needed_min[0]}×{needed_min[1]} px, {target} DPI needs "
            f"{needed_target[0]}×{needed_target[1]} px."
        )

    def refusal(self) -> str:
        """Why the gate refuses, with the fix."""
        return (
            f"{self.explanation()} Prepare its print file (action “Prepare print files”), choose a template with "
            "smaller print areas, or publish anyway with the override on the confirmation page."
        )


def _titles(titles: tuple[str, ...]) -> str:
    return ", ".join(titles[:3]) + (f" and {len(titles) - 3} more" if len(titles) > 3 else "")


def print_readiness(design, template) -> Readiness:
    """How the file publishing would upload prints on `template` (the design's template, else the given one)."""
    file, size, has_alpha = best_file(design)
    return Readiness(
        design_id=design.pk,
        template_name=template.name if template else "",
        file=file,
        report=effective_dpi(size, template),
        has_alpha=has_alpha,
        needs_transparency=bool(template and template.needs_transparency),
    )


def print_target_size(design, template) -> tuple[int, int] | None:
    """The pixels a print file for `template` should have: TARGET_PRINT_DPI on every print area, the design's
    aspect ratio kept (placement then scales it exactly as it scales the original)."""
    size = (design.image_width, design.image_height) if design.image_width and design.image_height else None
    return effective_dpi(size, template).needed_pixels(settings.TARGET_PRINT_DPI)


# --- the publishing gate ---------------------------------------------------------------------------------------

GATE_FIELDS = (
    "pk",
    "image_width",
    "image_height",
    "image_has_alpha",
    "print_file",
    "print_width",
    "print_height",
    "print_has_alpha",
    "print_status",
)
SHOWN_REFUSALS = 5


@dataclass
class Gate:
    """What the gate says about designs about to be published, before any status changes."""

    refused: list[Readiness]  # below MIN_PRINT_DPI: publishing them is refused
    overridden: list[Readiness]  # below, but the publisher overrode
    prepare_first: list[tuple[object, list[int]]]  # (template, design ids): their template prepares print files

    def refusal(self) -> str:
        count = len({item.design_id for item in self.refused})  # one design on two templates is one design
        lines = " ".join(item.explanation() for item in self.refused[:SHOWN_REFUSALS])
        hidden = len(self.refused) - SHOWN_REFUSALS
        more = f" …and {hidden} more." if hidden > 0 else ""
        return (
            f"Nothing was published: {count} design{'s are' if count != 1 else ' is'} below "
            f"{settings.MIN_PRINT_DPI} DPI. {lines}{more} Prepare their print files (action “Prepare print files”), "
            "leave them out, or publish anyway: tick “Publish below the minimum DPI anyway” (in the admin) or add "
            "--override-low-dpi (publish_designs)."
        )


def check_designs(assignments, *, override: bool, sources=None) -> Gate:
    """`assignments`: (template, design ids) pairs. Designs below the minimum are refused, unless their template
    prepares print files first, their print file is being prepared (the run waits for it), or `override`."""
    from designs.models import Design
    from designs.print_status import PRINT_PENDING

    gate = Gate(refused=[], overridden=[], prepare_first=[])
    for template, ids in assignments:
        if template is None or not ids:
            continue
        designs = Design.objects.filter(pk__in=ids)
        if sources is not None:
            designs = designs.filter(status__in=sources)
        prepare = []
        for design in designs.only(*GATE_FIELDS).order_by("pk"):
            readiness = print_readiness(design, template)
            if not readiness.below_minimum or design.print_status in PRINT_PENDING:
                continue
            if template.prepare_print_files:
                prepare.append(design.pk)
            elif override:
                gate.overridden.append(readiness)
            else:
                gate.refused.append(readiness)
        if prepare:
            gate.prepare_first.append((template, prepare))
    return gate


# --- the same levels as a database filter (the changelist's "print-ready" filter) ------------------------------


def best_width_height():
    """Annotations: the width and height of the file publishing would upload (best_file() in SQL)."""
    from django.db.models import Case, F, Q, When

    has_print = ~Q(print_file="") & Q(print_width__isnull=False) & Q(print_height__isnull=False)
    return {
        "best_width": Case(When(has_print, then=F("print_width")), default=F("image_width")),
        "best_height": Case(When(has_print, then=F("print_height")), default=F("image_height")),
    }


def at_least(template, dpi: float):
    """A Q matching designs (annotated with best_width_height()) that print at `dpi` or more everywhere on
    `template`; None when its print areas are unknown. The inverse of effective_dpi() per placement mode:
    fixed: 300·w/(pw·s) ≥ dpi; fit: 300·max(w/pw, h/ph) ≥ dpi; fill: 300·min(w/pw, h/ph) ≥ dpi."""
    from django.db.models import Q

    placement = {**DEFAULT_PLACEMENT, **(template.placement or {})}
    sizes = {placeholder_size(template, v["id"]) for v in enabled_variants(template)} - {None}
    if not sizes:
        return None
    ratio = dpi / PRINT_AREA_DPI
    condition = Q(best_width__isnull=False)
    for width, height in sizes:
        need_w, need_h = ratio * width, ratio * height
        mode = placement.get("mode", "fixed")
        if mode == "fit":
            condition &= Q(best_width__gte=need_w) | Q(best_height__gte=need_h)
        elif mode == "fill":
            condition &= Q(best_width__gte=need_w) & Q(best_height__gte=need_h)
        else:
            condition &= Q(best_width__gte=need_w * float(placement.get("scale") or 1.0))
    return condition


def filter_by_level(designs, template, level: str):
    """Designs whose best file is at `level` (GOOD, LOW, BAD) on `template`; none if its areas are unknown."""
    if template is None or at_least(template, settings.MIN_PRINT_DPI) is None:
        return designs.none()
    good, minimum = at_least(template, settings.TARGET_PRINT_DPI), at_least(template, settings.MIN_PRINT_DPI)
    designs = designs.annotate(**best_width_height()).filter(best_width__isnull=False)
    if level == GOOD:
        return designs.filter(good)
    if level == LOW:
        return designs.filter(minimum).exclude(good)
    return designs.exclude(minimum)
