"""Will a transparent design show on the garment? Its ink's contrast against each enabled colour of a template.

A design with a transparent background prints its ink only: black art on a black tee all but vanishes. Contrast is
WCAG's: relative luminance L of sRGB, and the ratio (L_lighter + 0.05) / (L_darker + 0.05), from 1:1 (the same)
to 21:1 (black on white). A design's ink is measured once per file (ink_profile, from its thumbnail or print
preview: both keep the transparency) as an alpha-weighted histogram of its opaque pixels' luminance in BINS bins
spaced evenly in log(L + 0.05), so that any garment's contrast with each bin is one division. A colour is flagged
when most of the ink (more than VANISH_SHARE) is below VANISH_RATIO against it: the design's dominant luminance, not its
average (a half-black, half-white design averages grey, which vanishes on nothing).

Colours' hex codes come from designs/garment_colours.py (learned from Printify products, else approximate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from designs.garment_colours import Swatch, swatches
from designs.product_templates import enabled_variants
from designs.variant_grid import options_of

BINS = 24
_LOW, _HIGH = math.log(0.05), math.log(1.05)  # log(L + 0.05) for L = 0 (black) and L = 1 (white)
_STEP = (_HIGH - _LOW) / BINS  # one bin spans a contrast ratio of e^0.127 ≈ 1.14
MEASURE_SIDE = 128  # pixels on the longer side the ink is measured at: plenty for shares of the ink
MIN_INK = 0.05  # a share of the area below this is no ink to speak of (stray pixels of an all-transparent file)

# Why 2:1. WCAG 2.x asks 3:1 for graphics a person must make out (SC 1.4.11) and 4.5:1 for text; those are
# legibility thresholds for interfaces. Print art is often tone-on-tone on purpose (red on maroon is about 1.8:1 yet
# a deliberate look; black on red is 3.8:1 and reads well on a tee), so 3:1 would flag ordinary designs. Below 2:1
# the ink nearly disappears into the fabric: black ink on navy is 1.5:1, on black 1.0:1, white ink on heather
# grey about 1.7:1. So a colour is flagged when the ink's dominant part is under 2:1 against it.
VANISH_RATIO = 2.0
VANISH_SHARE = 0.5  # "dominant": more than half of the ink (alpha-weighted) is below VANISH_RATIO


def relative_luminance(hex_code: str) -> float:
    """WCAG 2.x relative luminance of #RRGGBB (sRGB linearised; the 0.04045 knee of the sRGB standard)."""
    code = hex_code.lstrip("#")
    channels = [int(code[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    red, green, blue = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: float, second: float) -> float:
    """WCAG contrast ratio of two relative luminances, 1.0 … 21.0."""
    light, dark = max(first, second), min(first, second)
    return (light + 0.05) / (dark + 0.05)


def garment_luminance(swatch: Swatch) -> float:
    """A heather's yarns mix in the eye: the mean of its codes' luminances."""
    return sum(relative_luminance(code) for code in swatch.hexes) / len(swatch.hexes)


def _bin_luminance(index: int) -> float:
    return math.exp(_LOW + (index + 0.5) * _STEP) - 0.05


# --- measuring a file ---------------------------------------------------------------------------------------------


def ink_profile(picture) -> dict:
    """{"bins": [share of the ink per luminance bin], "coverage": share of the area that is ink, "median": the
    ink's weighted median luminance} of a Pillow image.

    Each pixel counts by its alpha (an anti-aliased edge counts half); a fully opaque image is all ink.
    """
    import numpy as np

    picture = picture.convert("RGBA") if picture.mode != "RGBA" else picture.copy()
    picture.thumbnail((MEASURE_SIDE, MEASURE_SIDE))  # Pillow resamples RGBA premultiplied: no dark fringes
    pixels = np.asarray(picture, dtype=np.float64) / 255.0
    rgb, alpha = pixels[..., :3], pixels[..., 3]
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    luminance = linear @ np.array([0.2126, 0.7152, 0.0722])
    index = np.clip(((np.log(luminance + 0.05) - _LOW) / _STEP).astype(int), 0, BINS - 1)
    histogram = np.bincount(index.ravel(), weights=alpha.ravel(), minlength=BINS)
    total = float(histogram.sum())
    coverage = total / alpha.size if alpha.size else 0.0
    bins = [round(float(value) / total, 4) for value in histogram] if total else [0.0] * BINS
    median = 0.0
    if total:  # the luminance half of the ink (by alpha) is below: the figure a contrast ratio is quoted for
        order = np.argsort(luminance.ravel(), kind="stable")
        weights = np.cumsum(alpha.ravel()[order])
        median = float(luminance.ravel()[order][np.searchsorted(weights, weights[-1] / 2)])
    return {"bins": bins, "coverage": round(coverage, 4), "median": round(median, 5)}


def measure_file(file) -> dict:
    """ink_profile() of a stored image (a FieldFile), read through the storage API."""
    from PIL import Image

    with file.open("rb") as handle, Image.open(handle) as picture:
        picture.load()
        return ink_profile(picture)


def _ink_source(design):
    """(column, stored profile, the file publishing uploads, its small rendition, whether it has transparency)."""
    if design.print_file and design.print_width:
        small = design.print_preview or design.print_file
        return "print_ink", design.print_ink, design.print_file, small, design.print_has_alpha
    return "image_ink", design.image_ink, design.image, design.thumbnail or design.image, design.image_has_alpha


def ink_of(design, *, measure: bool = True, save: bool = False) -> tuple[dict | None, bool | None]:
    """(ink profile, has transparency) of the file publishing would upload: the print file when there is one,
    else the original. A profile is valid for the file it names ("of"). Ingest and print jobs store it with the
    file; one missing (a design stored before profiles existed) is measured now from the file's small rendition,
    unless `measure` is False (then None). It is kept on the design only with `save` (pages that only show
    something never write: a GET changes nothing), else save_measured() may keep it later in one query."""
    from designs.models import Design

    column, stored, file, small, alpha = _ink_source(design)
    if stored and stored.get("bins") and stored.get("of") == file.name:
        if save and design.__dict__.get("_ink_unsaved") == column:  # measured by an earlier look, not kept yet
            Design.objects.filter(pk=design.pk).update(**{column: stored})
            del design.__dict__["_ink_unsaved"]
        return stored, alpha
    if not measure or not small:
        return None, alpha
    try:
        profile = {**measure_file(small), "of": file.name}
    except (OSError, ValueError, SyntaxError):
        return None, alpha  # unreadable: not checked (the review and print-quality checks say why elsewhere)
    setattr(design, column, profile)
    if save:
        Design.objects.filter(pk=design.pk).update(**{column: profile})
    else:
        design._ink_unsaved = column
    return profile, alpha


def save_measured(designs) -> None:
    """Keep the profiles ink_of(save=False) measured: one UPDATE per column however many designs. A profile names
    its file, so one written after the file changed is simply measured again."""
    from designs.models import Design

    by_column: dict[str, list] = {}
    for design in designs:
        column = design.__dict__.pop("_ink_unsaved", None)
        if column:
            by_column.setdefault(column, []).append(design)
    for column, rows in by_column.items():
        Design.objects.bulk_update(rows, [column])


# --- a design on a template ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColourContrast:
    swatch: Swatch
    ratio: float  # the dominant ink's contrast against the colour
    share: float  # share of the ink below VANISH_RATIO against it

    @property
    def vanishes(self) -> bool:
        return self.share > VANISH_SHARE

    @property
    def label(self) -> str:
        return f"{self.swatch.name}{' (approximate colour)' if self.swatch.approximate else ''}"


@dataclass(frozen=True)
class ContrastReport:
    design_id: int
    template_id: int | None
    template_name: str
    checked: bool  # False: not a transparent design, no ink, or not measured (reason says which)
    reason: str = ""
    colours: tuple[ColourContrast, ...] = ()
    unknown: tuple[str, ...] = ()  # enabled colours without a hex code, not checked

    @property
    def vanishing(self) -> tuple[ColourContrast, ...]:
        return tuple(colour for colour in self.colours if colour.vanishes)

    @property
    def vanishing_names(self) -> list[str]:
        return [colour.swatch.name for colour in self.vanishing]

    def text(self) -> str:
        """One sentence for a card, a badge's title and the confirmation ("" when nothing is flagged)."""
        if not self.vanishing:
            return ""
        named = _joined([f"{colour.label}, {colour.ratio:.1f}:1" for colour in self.vanishing])
        return (
            f"Design {self.design_id} nearly vanishes on {_joined(self.vanishing_names)} of “{self.template_name}”: "
            f"most of its ink is below {VANISH_RATIO:.0f}:1 contrast against those colours ({named})."
        )


def _joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def enabled_colours(template) -> list[str]:
    """The colour names of the template's enabled variants, in grid order."""
    names = []
    for variant in enabled_variants(template):
        colour = options_of(variant).get("color")
        if colour:
            names.append(str(colour))
    return list(dict.fromkeys(names))


def template_swatches(template) -> tuple[list[Swatch], list[str]]:
    """(swatches of the enabled colours, names with no code at all)."""
    found = swatches(template.blueprint_id, template.print_provider_id, enabled_colours(template))
    return [s for s in found.values() if s is not None], [name for name, s in found.items() if s is None]


def compare(profile: dict, swatch: Swatch) -> ColourContrast:
    bins = profile["bins"]
    garment = garment_luminance(swatch)
    low = sum(
        share for index, share in enumerate(bins) if contrast_ratio(_bin_luminance(index), garment) < VANISH_RATIO
    )
    return ColourContrast(
        swatch=swatch, ratio=round(contrast_ratio(dominant_luminance(profile), garment), 2), share=low
    )


def dominant_luminance(profile: dict) -> float:
    """The ink's weighted median luminance (measured; else the bin where half of the ink is reached)."""
    if isinstance(profile.get("median"), (int, float)):
        return float(profile["median"])
    reached = 0.0
    for index, share in enumerate(profile["bins"]):
        reached += share
        if reached >= 0.5:
            return _bin_luminance(index)
    return _bin_luminance(BINS - 1)


def check(design, template, *, measure: bool = True, swatches_of=None, save: bool = False) -> ContrastReport:
    """How `design`'s ink shows on each enabled colour of `template` (checked only for transparent designs: an
    opaque one prints as a rectangle of its own colours). `swatches_of`: template_swatches(template), when asked
    for many designs."""
    report = {"design_id": design.pk, "template_id": template.pk, "template_name": template.name}
    profile, has_alpha = ink_of(design, measure=measure, save=save)
    if not has_alpha:
        reason = "its background is not transparent (it prints as a rectangle of its own colours)"
        return ContrastReport(**report, checked=False, reason=reason)
    if not profile:
        return ContrastReport(**report, checked=False, reason="its image has not been measured yet")
    if profile.get("coverage", 0) < MIN_INK:
        return ContrastReport(**report, checked=False, reason="it has almost no ink")
    found, unknown = swatches_of if swatches_of is not None else template_swatches(template)
    return ContrastReport(
        **report, checked=True, colours=tuple(compare(profile, swatch) for swatch in found), unknown=tuple(unknown)
    )


def vanishing_among(design, found: list[Swatch], *, measure: bool = True) -> list[str]:
    """The names of `found` colours the design nearly vanishes on (any colour the grid offers, enabled or not: the
    placement preview shows them all); [] for an opaque design or one without ink."""
    profile, has_alpha = ink_of(design, measure=measure)
    if not has_alpha or not profile or profile.get("coverage", 0) < MIN_INK:
        return []
    return [swatch.name for swatch in found if compare(profile, swatch).vanishes]


def checks(designs, template, *, measure_limit: int = 200, save: bool = False) -> dict[int, ContrastReport]:
    """check() for many designs on one template (its colours read once); at most `measure_limit` designs without
    a stored profile are measured now (the rest are reported unchecked), and kept with `save` (one query)."""
    colours = template_swatches(template)
    designs = list(designs)
    reports = {}
    budget = measure_limit
    for design in designs:
        _, stored, file, _, _ = _ink_source(design)
        measure = budget > 0
        if not (stored and stored.get("of") == file.name):
            budget -= 1
        reports[design.pk] = check(design, template, measure=measure, swatches_of=colours, save=False)
    if save:
        save_measured(designs)
    return reports


CONTRAST_FIELDS = (
    "pk",
    "image",
    "thumbnail",
    "image_has_alpha",
    "image_ink",
    "print_file",
    "print_preview",
    "print_width",
    "print_has_alpha",
    "print_ink",
)
