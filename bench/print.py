"""Print files: N approved designs → print files through the sandbox with real qcluster workers; ingest of one print
file against a bare Pillow baseline; the review page with print-ready designs.

    .venv/bin/python bench/print.py [--designs 50] [--concurrency 10] [--latency 15] [--workers 2]

A temp SQLite database and media folder, the sandbox as its own process (RunPod latency L, C GPU workers; print
results come back as s3_url and are downloaded), RUNPOD_MAX_IN_FLIGHT=C, a real `manage.py qcluster` with W
workers. The designs are 1020×1224 (the tee's 5:6), so their print files for a 4500×5400 tee front are exactly
4500×5400 RGBA ("Upscale + remove background"); print files keep a design's aspect ratio, so a 1024² design gets
4500×4500 (--size 1024x1024). Prints:
- wall time from queueing to the last print file ready, the ideal ceil(N/C)×L (bench/generation.py's formula), and
  their ratio (target ≤ 1.3); the workers' peak RSS (VmHWM over the qcluster tree; target ≤ 500 MB per process);
- ingest of one 4500×5400 RGBA PNG (validate with the print caps, preview and thumbnail, sha256, write) against a bare
  Pillow decode + verify + write + thumbnail of the same file, each in a fresh process (target ≤ 1.3×);
- the review page with 1,000 designs in review, first without print files, then with all of them print-ready:
  median time and queries per request (target: the same).
The sandbox paints every print file (resize + PNG encode of ~100 MB of pixels) on this machine's CPU, a cost real
RunPod does not put on us; on a 2-core machine it competes with the workers. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._support import SandboxProcess, running_cluster, sample_rss, sandbox_environment  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--designs", "-n", type=int, default=50)
    parser.add_argument("--concurrency", "-c", type=int, default=10, help="sandbox GPU workers = max in flight")
    parser.add_argument("--latency", "-l", type=float, default=15.0, help="seconds one print job runs on a GPU")
    parser.add_argument("--workers", "-w", type=int, default=2, help="django-q2 workers")
    parser.add_argument("--size", default="1020x1224", help="design size WxH")
    parser.add_argument("--review-designs", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--phase", choices=["all", "review"], default="all", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "review":
        return review_page(args.review_designs)

    workdir = Path(tempfile.mkdtemp(prefix="podsite-bench-print-"))
    sandbox = SandboxProcess(
        "--latency", str(args.latency), "--gpu-workers", str(args.concurrency), log_path=workdir / "sandbox.log"
    )
    env = sandbox_environment(workdir, sandbox.url, args.workers, RUNPOD_MAX_IN_FLIGHT=str(args.concurrency))
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    width, height = (int(side) for side in args.size.lower().split("x"))
    print(
        f"N={args.designs} C={args.concurrency} L={args.latency}s W={args.workers} designs {width}×{height}; {workdir}"
    )
    ids = approved_designs(args.designs, (width, height))
    with running_cluster(env, workdir / "qcluster.log") as cluster:
        time.sleep(3)  # let the cluster fork its workers before the clock starts
        wall, peak, sizes = prepare_all(ids, cluster.pid, args.timeout)
    ideal = math.ceil(args.designs / args.concurrency) * args.latency
    state = sandbox.state()["runpod"]
    print(f"print files          {', '.join(f'{n}× {s}' for s, n in sizes.items())}")
    print(f"wall time            {wall:8.2f} s")
    print(f"ideal ceil(N/C)×L    {ideal:8.2f} s")
    print(f"ratio                {wall / ideal:8.2f}   (target ≤ 1.3)")
    print(f"peak jobs in flight  {state['peak_in_progress']:8d}   (target {args.concurrency})")
    print(
        f"worker peak RSS      {peak['max'] / 1024:8.1f} MB (largest process; target ≤ 500), "
        f"{peak['sum'] / 1024:.1f} MB (all {peak['count']} processes of the cluster)"
    )
    sandbox.close()
    ours, bare = ingest_comparison(workdir, env)
    print(f"ingest 4500×5400 RGBA {ours:6.2f} s, bare Pillow {bare:6.2f} s: ratio {ours / bare:.2f} (target ≤ 1.3)")
    review = subprocess.run(
        [sys.executable, __file__, "--phase", "review", "--review-designs", str(args.review_designs)],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MEDIA_ROOT")},
        capture_output=True,
        text=True,
        check=False,
    )
    print(review.stdout.strip() or review.stderr[-2000:])
    return 0


def approved_designs(count: int, size: tuple[int, int]) -> list[int]:
    """Approved designs with real stored PNGs (the sandbox's own renderer), and the tee template as default."""
    from bench._support import create_tee_template
    from designs import images
    from designs.models import Design
    from integrations.sandbox.images import render_design

    template = create_tee_template("Bench tee")
    template.placeholders = {k: {"front": {"width": 4500, "height": 5400}} for k in template.placeholders}
    template.needs_transparency = True
    template.save()
    ids = []
    for number in range(count):
        image, renditions = images.prepare(render_design(f"print bench {number}", number, *size))
        stored = images.store(image, renditions)
        ids.append(Design.objects.create(prompt=f"print bench {number}", status="approved", **stored.field_values()).pk)
    return ids


def prepare_all(ids: list[int], cluster_pid: int, timeout: float):
    from designs.models import Design
    from designs.print_status import PRINT_PENDING
    from designs.services.print_files import request_print_files
    from designs.workflow import Source

    started = time.monotonic()
    result = request_print_files(ids, actor=None, source=Source.COMMAND)
    assert len(result.moved) == len(ids), result.skipped
    peak: dict[int, int] = {}
    while time.monotonic() - started < timeout:
        sample_rss(cluster_pid, peak)
        if not Design.objects.filter(pk__in=ids, print_status__in=PRINT_PENDING).exists():
            break
        time.sleep(0.1)
    wall = time.monotonic() - started
    sample_rss(cluster_pid, peak)
    rows = Design.objects.filter(pk__in=ids).values_list("print_status", "print_width", "print_height", "print_error")
    sizes: dict[str, int] = {}
    for status, width, height, error in rows:
        key = f"{width}×{height}" if status == "ready" else f"{status}: {error[:80]}"
        sizes[key] = sizes.get(key, 0) + 1
    return wall, {"max": max(peak.values()), "sum": sum(peak.values()), "count": len(peak)}, sizes


OURS = """
import sys, time, django
django.setup()
from django.conf import settings
from designs import images
data = open(sys.argv[1], "rb").read()
started = time.perf_counter()
image, renditions = images.prepare(data, max_bytes=settings.MAX_PRINT_FILE_BYTES, max_pixels=settings.MAX_PRINT_PIXELS)
preview = images.preview_name("designs/previews/bench.x", renditions)
images.write_files([("designs/print/bench.png", image.data), (preview, renditions.preview)])
print(time.perf_counter() - started)
"""
BARE = """
import io, sys, time
from PIL import Image
Image.MAX_IMAGE_PIXELS = None
data = open(sys.argv[1], "rb").read()
started = time.perf_counter()
with Image.open(io.BytesIO(data)) as picture:
    picture.verify()
with Image.open(io.BytesIO(data)) as picture:
    picture.load()
    open(sys.argv[2], "wb").write(data)
    picture.thumbnail((512, 512))
    picture.save(sys.argv[2] + ".webp", "WEBP")
print(time.perf_counter() - started)
"""


def ingest_comparison(workdir: Path, env: dict, runs: int = 3) -> tuple[float, float]:
    """Median seconds of our print-file ingest and of the bare baseline, each in fresh processes, same file."""
    import statistics

    from PIL import Image, ImageDraw

    path = workdir / "print.png"
    picture = Image.linear_gradient("L").resize((4500, 5400)).convert("RGBA")
    draw = ImageDraw.Draw(picture)
    for n in range(0, 4500, 37):
        draw.line([(n, 0), (4500 - n, 5400)], fill=(n % 255, 90, 200 - n % 200, 255), width=3)
    noise = Image.effect_noise((4500, 5400), 30).convert("RGBA")  # detail, so it does not compress to nothing
    picture = Image.blend(picture, noise, 0.2)
    picture.putalpha(Image.linear_gradient("L").resize((4500, 5400)).point(lambda v: 0 if v < 60 else 255))
    picture.save(path, "PNG")
    print(f"(4500×5400 RGBA test PNG: {path.stat().st_size / 1e6:.1f} MB)")
    ours, bare = [], []
    for _ in range(runs):
        ours.append(_timed([sys.executable, "-c", OURS, str(path)], env))
        bare.append(_timed([sys.executable, "-c", BARE, str(path), str(workdir / "bare-copy.png")], env))
    return statistics.median(ours), statistics.median(bare)


def _timed(argv: list[str], env: dict) -> float:
    result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return float(result.stdout.split()[-1])


def review_page(count: int) -> int:
    """The review page over `count` designs in review, without then with print files (its own temp database)."""
    from bench.admin import configure, measure

    with tempfile.TemporaryDirectory(prefix="podsite-bench-print-review-") as tmp:
        configure(Path(tmp))
        from django.contrib.auth.models import User
        from django.core.management import call_command
        from django.test import Client
        from django.test.utils import setup_test_environment
        from django.urls import reverse

        from bench._support import create_tee_template
        from designs.models import Design

        setup_test_environment()
        call_command("migrate", verbosity=0)
        create_tee_template("Bench tee")
        admin = User.objects.create_superuser("bench", password=None)
        Design.objects.bulk_create(
            Design(
                prompt=f"review design {n}",
                status="review",
                image=f"designs/b/{n}.png",
                thumbnail=f"designs/b/{n}.webp",
                image_width=1024,
                image_height=1024,
                image_has_alpha=False,
            )
            for n in range(count)
        )
        client = Client()
        client.force_login(admin)
        url = reverse("admin:designs_design_review")
        [without] = measure(client, {"review page": url}, 7).values()
        Design.objects.update(
            print_status="ready",
            print_file="designs/print/b.png",
            print_preview="designs/previews/b.webp",
            print_width=4500,
            print_height=5400,
            print_has_alpha=True,
        )
        [with_files] = measure(client, {"review page": url}, 7).values()
        print(
            f"review page, {count} in review: {without.wall_ms:.1f} ms / {without.queries[0]} queries without print "
            f"files, {with_files.wall_ms:.1f} ms / {with_files.queries[0]} queries all print-ready "
            f"(ratio {with_files.wall_ms / without.wall_ms:.2f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
