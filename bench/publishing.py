"""Publishing pace: N approved designs published through the sandbox's Printify with real qcluster workers.

    .venv/bin/python bench/publishing.py [--designs 100] [--rate 60] [--publish-limit 20] [--publish-window 30]

A temp SQLite database and media folder, the sandbox in this process with Printify's limits scaled down
(R requests per 60 s, P publishes per W s) and our PRINTIFY_* settings matching them, N approved designs with
real PNG files, and a real `manage.py qcluster` subprocess. It prints:
- the allowed publish rate and which limit binds: every design costs 3 requests (upload, create, publish) from
  the global budget and 1 from the publish budget, so the steady allowed rate is min(R/60/3, P/W) designs/s;
- the best possible time for N designs under sliding windows (a first window's burst is free), the achieved
  time, and achieved ÷ allowed on both bases (target ≥ 0.9);
- the share of Printify requests answered 429 (target ≤ 1%), and total wall time.
It prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._support import create_tee_template, running_cluster, sandbox_environment  # noqa: E402 (needs ROOT on sys.path)

REQUESTS_PER_DESIGN = 3  # upload, create, publish (reads for store links come on top: see refresh below)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--designs", "-n", type=int, default=100)
    parser.add_argument("--rate", type=int, default=60, help="Printify requests per 60 s (real: 600)")
    parser.add_argument("--publish-limit", type=int, default=20, help="publishes per window (real: 200)")
    parser.add_argument("--publish-window", type=float, default=30, help="seconds (real: 1800)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=1200)
    args = parser.parse_args()

    from integrations.sandbox.server import SandboxServer

    workdir = Path(tempfile.mkdtemp(prefix="podsite-bench-publish-"))
    sandbox = SandboxServer(
        printify_rate_limit=args.rate,
        printify_rate_window=60,
        printify_publish_limit=args.publish_limit,
        printify_publish_window=args.publish_window,
        printify_publish_delay=0.2,
    ).start()
    env = sandbox_environment(
        workdir,
        sandbox.url,
        args.workers,
        PRINTIFY_RATE_PER_MINUTE=str(args.rate),
        PRINTIFY_PUBLISH_LIMIT=str(args.publish_limit),
        PRINTIFY_PUBLISH_WINDOW_SECONDS=str(int(args.publish_window)),
    )
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    ids = populate(args.designs)
    print(
        f"N={args.designs} designs; Printify limits scaled to {args.rate} requests/60 s and "
        f"{args.publish_limit} publishes/{args.publish_window:g} s; {args.workers} workers; work dir {workdir}"
    )
    with running_cluster(env, workdir / "qcluster.log"):
        time.sleep(3)  # let the cluster fork its workers before the clock starts
        wall, counts = publish_all(ids, args.timeout)
    state = sandbox.state()["printify"]
    sandbox.close()
    report(args, wall, counts, state)
    return 0 if counts.get("published") == args.designs else 1


def populate(count: int) -> list[int]:
    from django.core.files.base import ContentFile
    from PIL import Image

    from designs.models import Design

    create_tee_template("Bench tee")
    ids = []
    for n in range(count):
        buffer = io.BytesIO()
        Image.new("RGB", (512, 640), (n * 7 % 256, n * 13 % 256, 90)).save(buffer, format="PNG")
        design = Design(prompt=f"bench design {n}, woodcut fox", status="approved", image_width=512, image_height=640)
        design.image.save("bench.png", ContentFile(buffer.getvalue()), save=False)
        design.save()
        ids.append(design.pk)
    return ids


def publish_all(ids: list[int], timeout: float) -> tuple[float, dict]:
    from django.db.models import Count

    from designs.models import Design
    from designs.services.publishing import request_publish
    from designs.workflow import Source, Status

    started = time.monotonic()
    # The bench measures pacing, not print quality: its small images are published below the minimum DPI on purpose.
    request_publish(ids, actor=None, source=Source.COMMAND, override_low_dpi=True)
    counts: dict = {}
    while time.monotonic() - started < timeout:
        rows = Design.objects.filter(pk__in=ids).values("status").annotate(n=Count("pk")).order_by()
        counts = {row["status"]: row["n"] for row in rows}
        if not counts.get(Status.PUBLISHING):
            break
        time.sleep(0.2)
    return time.monotonic() - started, counts


def report(args, wall: float, counts: dict, state: dict) -> None:
    n = args.designs
    by_requests = args.rate / 60 / REQUESTS_PER_DESIGN
    by_publishes = args.publish_limit / args.publish_window
    allowed = min(by_requests, by_publishes)
    binding = "the request budget" if by_requests <= by_publishes else "the publish budget"
    # Sliding windows: the first window's worth goes at once, then one window per further window's worth.
    best = max(
        (math.ceil(n * REQUESTS_PER_DESIGN / args.rate) - 1) * 60,
        (math.ceil(n / args.publish_limit) - 1) * args.publish_window,
    )
    achieved = n / wall
    share_429 = state["rate_limited"] / state["requests"] if state["requests"] else 0.0
    print(f"outcome              {counts}")
    print(
        f"allowed rate         {allowed:8.3f} designs/s = min({args.rate}/60 s ÷ {REQUESTS_PER_DESIGN} requests, "
        f"{args.publish_limit}/{args.publish_window:g} s publishes): {binding} binds"
    )
    print(
        f"achieved rate        {achieved:8.3f} designs/s → achieved ÷ allowed = {achieved / allowed:.2f} (target ≥ 0.9)"
    )
    print(
        f"best possible time   {best:8.1f} s (sliding windows: the first window's burst is free) → "
        f"best ÷ achieved time = {best / wall if wall else 0:.2f}"
    )
    print(f"total time           {wall:8.1f} s")
    print(
        f"Printify requests    {state['requests']:8d}, answered 429: {state['rate_limited']} "
        f"= {share_429:.2%} (target ≤ 1%)"
    )
    print(
        f"products             {len(state['products'])} in the sandbox, {state['products_created']} created, "
        f"{state['uploads']} uploads, {state['publish_requests']} publish requests"
    )
    print(f"requests by route    {state['requests_by_route']}")


if __name__ == "__main__":
    sys.exit(main())
