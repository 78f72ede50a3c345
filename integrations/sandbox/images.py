"""Images the sandbox returns: real PNGs rendered deterministically from prompt + seed, product mockups, and the
broken ones (fake decompression bomb, huge image, non-image bytes) that fault modes need."""

from __future__ import annotations

import colorsys
import hashlib
import io
import random
import struct
import textwrap
import zlib

from PIL import Image, ImageDraw, ImageFont, ImageOps

# Shapes are drawn on a small canvas and scaled up: a 1024×1024 design renders in a few tens of ms.
SKETCH_SIDE = 256


def render_design(prompt: str, seed: int, width: int, height: int, index: int = 0) -> bytes:
    """A PNG of exactly width × height that looks like a sticker design; same arguments, same bytes."""
    rng = random.Random(hashlib.sha256(f"{prompt}\x00{seed}\x00{index}".encode()).digest())
    scale = SKETCH_SIDE / max(width, height)
    sketch_size = (max(8, round(width * scale)), max(8, round(height * scale)))
    palette = _palette(rng)

    gradient = Image.linear_gradient("L").rotate(rng.choice((0, 45, 90, 135)), expand=False)
    image = ImageOps.colorize(gradient.resize(sketch_size), palette[0], palette[1])
    draw = ImageDraw.Draw(image)
    side_w, side_h = sketch_size
    for _ in range(rng.randint(4, 9)):
        x, y = rng.uniform(0, side_w), rng.uniform(0, side_h)
        radius = rng.uniform(0.08, 0.3) * min(side_w, side_h)
        colour = rng.choice(palette[2:])
        box = (x - radius, y - radius, x + radius, y + radius)
        shape = rng.choice(("ellipse", "polygon", "star"))
        if shape == "ellipse":
            draw.ellipse(box, fill=colour, outline=palette[0], width=2)
        else:
            sides = rng.randint(3, 7) if shape == "polygon" else 5
            draw.regular_polygon((x, y, radius), sides, rotation=rng.uniform(0, 360), fill=colour)
    image = image.resize((width, height), Image.Resampling.BILINEAR)
    _caption(image, prompt, seed, palette)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _palette(rng: random.Random) -> list[tuple[int, int, int]]:
    base = rng.random()
    colours = []
    for offset, lightness in ((0, 0.25), (0.5, 0.85), (0.15, 0.6), (0.33, 0.55), (0.66, 0.65), (0.85, 0.5)):
        r, g, b = colorsys.hls_to_rgb((base + offset) % 1, lightness, 0.75)
        colours.append((round(r * 255), round(g * 255), round(b * 255)))
    return colours


def _caption(image: Image.Image, prompt: str, seed: int, palette) -> None:
    """The prompt (and seed) on a band at the bottom, at full resolution so it stays sharp."""
    width, height = image.size
    font_size = max(10, min(width, height) // 24)
    try:
        font = ImageFont.load_default(size=font_size)
    except (OSError, ValueError, TypeError):  # Pillow built without FreeType: fixed-size bitmap font
        font = ImageFont.load_default()
    line_chars = max(8, int(width / (font_size * 0.6)))
    lines = textwrap.wrap(prompt, line_chars)[:3] + [f"seed {seed}"]
    band = (len(lines) + 1) * font_size * 1.2
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, height - band, width, height), fill=palette[0])
    for number, line in enumerate(lines):
        draw.text((font_size / 2, height - band + font_size * (0.5 + number * 1.2)), line, fill=palette[1], font=font)


MOCKUP_SIDE = 800
MAX_MOCKUP_SOURCE_PIXELS = 40_000_000  # above a 4500×5400 print file; bigger uploads are left out of mockups


def render_mockup(colour: str, print_area: tuple[int, int], placements: list[tuple[bytes | None, dict]]) -> bytes:
    """A square PNG standing in for Printify's mockup photo: the product in its colour with the print area outlined,
    and each placed image (bytes, {x, y, scale, angle}) where Printify would put it: x and y are its centre as a
    share of the print area, scale its width as a share of the print area's width (printify-api.md §4). Like a
    print, the images are cut off at the edge of the print area; bytes that do not decode are left out."""
    canvas = Image.new("RGB", (MOCKUP_SIDE, MOCKUP_SIDE), colour)
    area_width, area_height = print_area
    fit = min(0.6 * MOCKUP_SIDE / area_width, 0.7 * MOCKUP_SIDE / area_height)
    box = (max(1, round(area_width * fit)), max(1, round(area_height * fit)))
    area = Image.new("RGBA", box, (0, 0, 0, 0))
    for data, placement in placements:
        art = _mockup_art(data, box, placement)
        if art is not None:
            layer = Image.new("RGBA", box, (0, 0, 0, 0))
            centre_x, centre_y = placement["x"] * box[0], placement["y"] * box[1]
            layer.paste(art, (round(centre_x - art.width / 2), round(centre_y - art.height / 2)))
            area = Image.alpha_composite(area, layer)
    left, top = (MOCKUP_SIDE - box[0]) // 2, (MOCKUP_SIDE - box[1]) // 2
    canvas.paste(area, (left, top), area)
    red, green, blue = canvas.getpixel((0, 0))
    outline = (40, 40, 40) if red * 0.3 + green * 0.59 + blue * 0.11 > 128 else (215, 215, 215)
    ImageDraw.Draw(canvas).rectangle((left - 1, top - 1, left + box[0], top + box[1]), outline=outline)
    out = io.BytesIO()
    canvas.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _mockup_art(data: bytes | None, box: tuple[int, int], placement: dict) -> Image.Image | None:
    """The placed image sized and turned for a print area drawn box[0] pixels wide, or None if it cannot be shown."""
    try:
        art = Image.open(io.BytesIO(data or b""))
        if art.width * art.height > MAX_MOCKUP_SOURCE_PIXELS:
            return None
        art.thumbnail((MOCKUP_SIDE, MOCKUP_SIDE))  # the mockup never shows more pixels than this
        art = art.convert("RGBA")
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    # Anything wider than four print areas is cut off anyway: the cap keeps an absurd scale from using memory.
    width = max(1, min(round(box[0] * placement["scale"]), 4 * box[0]))
    art = art.resize((width, max(1, round(width * art.height / art.width))), Image.Resampling.BILINEAR)
    # guess: the reference does not say which way a positive angle turns; clockwise, as design tools do
    return art.rotate(-placement["angle"], resample=Image.Resampling.BILINEAR, expand=True)


def bomb_png(width: int = 30000, height: int = 30000) -> bytes:
    """A small PNG whose header claims a huge image (a decompression bomb as far as a decoder can tell)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    idat = zlib.compress(b"\x00" * 4096)  # far too little data for the size: the picture is never really there
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def oversized_png(side: int = 8200) -> bytes:
    """A genuine, fully decodable side × side PNG (67 Mpx by default, above podsite's 64 Mpx limit).

    1-bit pixels keep rendering and the file small; a decoder that converts it to RGB needs ~200 MB."""
    image = Image.new("1", (side, side), 1)
    draw = ImageDraw.Draw(image)
    for step in range(0, side, max(1, side // 16)):
        draw.line((0, step, side, side - step), fill=0, width=8)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


NOT_AN_IMAGE = b"%PDF-1.4\n% the sandbox says: these bytes are not a picture\n" * 4


PICTURE_SIDE = 400
# Outlines on a 100 × 100 grid, scaled to the picture: enough to tell a tee from a mug at a glance.
_OUTLINES = {
    "tee": [
        (30, 14),
        (41, 10),
        (59, 10),
        (70, 14),
        (88, 30),
        (79, 40),
        (72, 34),
        (72, 90),
        (28, 90),
        (28, 34),
        (21, 40),
        (12, 30),
    ],
    "hoodie": [
        (32, 16),
        (42, 8),
        (58, 8),
        (68, 16),
        (84, 34),
        (86, 88),
        (76, 88),
        (72, 42),
        (72, 92),
        (28, 92),
        (28, 42),
        (24, 88),
        (14, 88),
        (16, 34),
    ],
    "tote": [(20, 36), (80, 36), (84, 92), (16, 92)],
    "poster": [(24, 8), (76, 8), (76, 92), (24, 92)],
    "sticker": [(22, 22), (78, 22), (78, 78), (22, 78)],
}


def render_blueprint_picture(kind: str, colour: str, view: int) -> bytes:
    """A small product picture standing in for a blueprint's catalog photo (Printify's CDN is never called): the
    product's outline in `colour` on a light backdrop, the back view (view 1) without the print area marked."""
    side = PICTURE_SIDE
    image = Image.new("RGB", (side, side), (238, 238, 236))
    draw = ImageDraw.Draw(image)
    edge = (90, 90, 90)
    scale = side / 100

    def at(points):
        return [(x * scale, y * scale) for x, y in points]

    if kind == "mug":
        draw.ellipse(at([(66, 36), (90, 66)]), outline=edge, width=round(3 * scale))
        draw.rectangle(at([(18, 24), (72, 82)]), fill=colour, outline=edge, width=2)
        draw.ellipse(at([(18, 19), (72, 29)]), fill=colour, outline=edge, width=2)
        area = [(28, 38), (62, 68)]
    else:
        draw.polygon(at(_OUTLINES[kind]), fill=colour, outline=edge, width=2)
        if kind == "tote":
            draw.arc(at([(34, 12), (66, 52)]), 180, 360, fill=edge, width=round(2 * scale))
        areas = {"sticker": [(30, 30), (70, 70)], "poster": [(30, 14), (70, 86)], "tote": [(32, 48), (68, 84)]}
        area = areas.get(kind, [(36, 30), (64, 66)])
    if view == 0:
        red, green, blue = image.getpixel((round(50 * scale), round(60 * scale)))
        dashes = (60, 60, 60) if red * 0.3 + green * 0.59 + blue * 0.11 > 128 else (200, 200, 200)
        (left, top), (right, bottom) = at(area)
        for x in range(round(left), round(right), 12):
            draw.line([(x, top), (min(x + 6, right), top)], fill=dashes, width=2)
            draw.line([(x, bottom), (min(x + 6, right), bottom)], fill=dashes, width=2)
        for y in range(round(top), round(bottom), 12):
            draw.line([(left, y), (left, min(y + 6, bottom))], fill=dashes, width=2)
            draw.line([(right, y), (right, min(y + 6, bottom))], fill=dashes, width=2)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
