"""Helpers for the generation tests: real image bytes made with Pillow, RunPod answers for `responses`."""

import base64
import io
import struct
import zlib

from PIL import Image

API = "https://api.runpod.test/v2"
ENDPOINT = "ep-test"
JOBS = f"{API}/{ENDPOINT}"
IMAGE_HOST = "images.runpod.test"


def image_bytes(fmt="PNG", size=(64, 48), color=(200, 30, 30), **save_args) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt, **save_args)
    return buffer.getvalue()


def bomb_png(width=20_000, height=20_000) -> bytes:
    """A tiny PNG whose header claims width×height pixels (its data would decompress to gigabytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    row = b"\x00" + b"\x00" * width
    data = zlib.compress(row * 16, 9)  # only a few rows: enough for the header to be read
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def completed(job_id: str, output, *, execution_ms=2500, delay_ms=300) -> dict:
    return {
        "id": job_id,
        "status": "COMPLETED",
        "output": output,
        "delayTime": delay_ms,
        "executionTime": execution_ms,
        "workerId": "w-1",
    }


def v5_output(*images: bytes) -> dict:
    return {
        "images": [
            {"filename": f"ComfyUI_{n:05d}_.png", "type": "base64", "data": b64(data)}
            for n, data in enumerate(images, start=1)
        ]
    }


SECRET = "rp-secret-key-0123456789"


def status_answer(rsps, job_id, body, status=200):
    rsps.get(f"{JOBS}/status/{job_id}", json=body, status=status)


def media_files(media_root):
    return sorted(str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file())


def assert_no_secret():
    from designs.models import Design, DesignEvent

    for text in [
        *Design.objects.values_list("last_error", flat=True),
        *DesignEvent.objects.values_list("message", flat=True),
    ]:
        assert SECRET not in text
