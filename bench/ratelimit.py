"""Printify refusing us below our configured pace (issue 10): the account allows fewer requests than podsite is
configured for, because other apps share it.

    .venv/bin/python bench/ratelimit.py [--designs 24] [--account-rate 30] [--configured-rate 600] [--workers 4]

The sandbox's Printify (in this process) accepts --account-rate requests per 60 s and answers 429 beyond that,
without Retry-After like Printify; podsite's PRINTIFY_RATE_PER_MINUTE is --configured-rate. N approved designs
are published by a real qcluster (temp SQLite, database rate limiter), as in bench/publishing.py. It prints:
- the share of Printify requests answered 429 (target ≤ 10 %);
- whether every design was published with one product each, i.e. every request eventually succeeded;
- the time, next to the best possible one at the account's rate (the first window's burst is free);
- the pace the shared limiter had settled at;
- the most attempts any product used (of publish_run.MAX_ATTEMPTS): waiting out the pace is not an attempt, so with
  no server error every product must end at 1.
It prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._support import running_cluster, sandbox_environment  # noqa: E402 (needs ROOT on sys.path)
from bench.publishing import REQUESTS_PER_DESIGN, populate, publish_all  # noqa: E402

SHARE_429_TARGET = 0.10


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--designs", "-n", type=int, default=24)
    parser.add_argument("--account-rate", type=int, default=30, help="requests per 60 s Printify really allows")
    parser.add_argument("--configured-rate", type=int, default=600, help="PRINTIFY_RATE_PER_MINUTE")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()

    from integrations.sandbox.server import SandboxServer

    workdir = Path(tempfile.mkdtemp(prefix="podsite-bench-ratelimit-"))
    sandbox = SandboxServer(printify_rate_limit=args.account_rate, printify_rate_window=60).start()
    env = sandbox_environment(workdir, sandbox.url, args.workers, PRINTIFY_RATE_PER_MINUTE=str(args.configured_rate))
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    ids = populate(args.designs)
    print(
        f"N={args.designs} designs; Printify accepts {args.account_rate} requests/60 s, podsite is configured for "
        f"{args.configured_rate}; {args.workers} workers; work dir {workdir}"
    )
    with running_cluster(env, workdir / "qcluster.log"):
        time.sleep(3)  # let the cluster fork its workers before the clock starts
        wall, counts = publish_all(ids, args.timeout)
    state = sandbox.state()["printify"]
    sandbox.close()
    pace = settled_pace(args.configured_rate)
    attempts = attempts_used()
    all_published = counts.get("published") == args.designs and state["products_created"] == args.designs
    report(args, wall, counts, state, pace, all_published, attempts)
    return 0 if all_published else 1


def settled_pace(configured_rate: int) -> float:
    from designs.clients import shared_rate_limiter

    return shared_rate_limiter().limit_now("printify:global", configured_rate, 60)


def attempts_used() -> dict[int, int]:
    """{attempts: products} over every product of the run."""
    from django.db.models import Count

    from designs.models import Product

    rows = Product.objects.values("attempts").annotate(products=Count("pk")).order_by("attempts")
    return {row["attempts"]: row["products"] for row in rows}


def report(
    args, wall: float, counts: dict, state: dict, pace: float, all_published: bool, attempts: dict[int, int]
) -> None:
    from designs.workers.publish_run import MAX_ATTEMPTS

    requests_needed = args.designs * REQUESTS_PER_DESIGN
    best = (math.ceil(requests_needed / args.account_rate) - 1) * 60
    share_429 = state["rate_limited"] / state["requests"] if state["requests"] else 0.0
    print(f"outcome              {counts}")
    print(
        f"Printify requests    {state['requests']:8d}, answered 429: {state['rate_limited']} = {share_429:.1%} "
        f"(target ≤ {SHARE_429_TARGET:.0%})"
    )
    print(
        f"every request        {'eventually succeeded' if all_published else 'did NOT all succeed'}: "
        f"{counts.get('published', 0)}/{args.designs} published, {state['products_created']} products created"
    )
    print(f"total time           {wall:8.1f} s (best possible at the account's rate {best:.0f} s)")
    print(f"limiter pace now     {pace:8.1f} requests/60 s (configured {args.configured_rate})")
    print(f"requests by route    {state['requests_by_route']}")
    print(
        f"attempts used        max {max(attempts, default=0)} of {MAX_ATTEMPTS} (products by attempts: {attempts}); "
        "the sandbox answers no server errors here, so the target is 1"
    )


if __name__ == "__main__":
    sys.exit(main())
