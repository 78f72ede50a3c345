"""Helpers for the print-file tests: approved designs with real stored images, templates with chosen print areas,
and RunPod answers carrying real PNGs."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from designs import images


def png(size=(256, 256), *, mode="RGB", background=(255, 255, 255), alpha=255, **save_args) -> bytes:
    """A red disc on a flat background (the sandbox's background removal keys the background out); in RGBA the
    background has `alpha` (0: transparent)."""
    picture = Image.new(mode, size, background if mode == "RGB" else (*background, alpha))
    width, height = size
    ImageDraw.Draw(picture).ellipse((width // 4, height // 4, 3 * width // 4, 3 * height // 4), fill=(200, 0, 0))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG", **save_args)
    return buffer.getvalue()


def approved_design(make_design, size=(256, 256), **fields):
    """An approved design whose image is a real stored PNG of `size` (with thumbnail, preview, sizes, alpha)."""
    image, renditions = images.prepare(png(size))
    stored = images.store(image, renditions)
    fields.setdefault("status", "approved")
    return make_design(**stored.field_values(), **fields)


def areas(*sizes) -> dict:
    """Placeholders for the tee test template's variants (publishing_support.TEE_VARIANTS): the enabled three get
    `sizes` in turn (the last one repeats), the disabled one the last size too."""
    ids = ["17390", "17426", "17393", "17394"]
    chosen = [sizes[min(n, len(sizes) - 1)] for n in range(len(ids))]
    return {variant: {"front": {"width": w, "height": h}} for variant, (w, h) in zip(ids, chosen, strict=True)}


def small_template(**fields):
    """The tee test template with small print areas (600×720 px = 2×2.4 in at 300 DPI), so print files stay small."""
    from tests.designs.publishing_support import make_template

    fields.setdefault("placeholders", areas((600, 720)))
    return make_template(**fields)
