"""Transparent designs of one ink colour (real PNGs through the ingest path) and a tee template in chosen colours,
for the contrast tests of the services, the admin and the browser."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from designs import images

COLOURS = ["White", "Black", "Navy", "Red", "Heather Grey"]
SIZES = ["S", "M", "L"]


def ink_png(ink=(0, 0, 0), size=(900, 1000)) -> bytes:
    """Line art in one ink on a transparent background: a wreath and a bold word-like block, as a shirt design."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.ellipse((width * 0.12, height * 0.08, width * 0.88, height * 0.74), outline=(*ink, 255), width=width // 14)
    draw.polygon(
        [(width * 0.5, height * 0.18), (width * 0.72, height * 0.6), (width * 0.28, height * 0.6)], fill=(*ink, 255)
    )
    draw.rectangle((width * 0.16, height * 0.8, width * 0.84, height * 0.92), fill=(*ink, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def transparent_design(make_design, ink=(0, 0, 0), size=(900, 1000), **fields):
    """An approved design stored as ingest stores one (its ink measured then)."""
    image, renditions = images.prepare(ink_png(ink, size))
    stored = images.store(image, renditions)
    fields.setdefault("status", "approved")
    fields.setdefault("title", "Black wreath")
    return make_design(**stored.field_values(), **fields)


def colour_variants(colours=COLOURS, sizes=SIZES, *, first_id=1) -> list[dict]:
    variants = []
    for colour in colours:
        for size in sizes:
            variant_id = first_id + len(variants)
            variants.append(
                {
                    "id": variant_id,
                    "title": f"{colour} / {size}",
                    "options": {"color": colour, "size": size},
                    "price": 2499,
                    "is_enabled": True,
                    "available": True,
                }
            )
    return variants


def colour_tee(colours=COLOURS, **fields):
    """A saved tee template with every variant of these colours enabled; front 4500×5400 and back 4500×5400 on S
    and M, larger on L (sizes differ by garment size)."""
    from tests.designs.publishing_support import make_template

    variants = colour_variants(colours)
    placeholders = {}
    for variant in variants:
        size = (4800, 5700) if variant["options"]["size"] == "L" else (4500, 5400)
        spot = {"width": size[0], "height": size[1]}
        placeholders[str(variant["id"])] = {"front": dict(spot), "back": dict(spot)}
    values = {
        "name": "Colour tee",
        "variants": variants,
        "placeholders": placeholders,
        "placement": {"mode": "fit", "x": 0.5, "y": 0.5, "scale": 1.0, "angle": 0},
    }
    values.update(fields)
    return make_template(**values)
