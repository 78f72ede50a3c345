"""Images the sandbox returns: real PNGs rendered deterministically from prompt + seed, and the broken ones
(fake decompression bomb, huge image, non-image bytes) that fault modes need."""

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
