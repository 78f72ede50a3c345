"""Listing checks at scale: the compliance screen and the publish refusals a "select all" asks for.

    .venv/bin/python bench/listings.py [--designs 20000] [--terms 500] [--untitled 0.5]

A temp SQLite database with N approved designs (a share of them untitled, so their product title is rendered
from the template) and T blocked terms. It prints:
- the screen's match rate (texts per second) against T terms, and its build time;
- approve's blocked-term pass over N designs (one read per 2,000), per design;
- publish_refusals over N designs (blocked terms + titles already live, rendering untitled designs' titles), and
  what share of a 30 s request budget that is (the publish confirmation and the action each run it once).
It prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = "fox owl crane lake misty retro sun desert mesa autumn leaves lighthouse storm mushroom village night".split()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--designs", "-n", type=int, default=20000)
    parser.add_argument("--terms", type=int, default=500)
    parser.add_argument("--untitled", type=float, default=0.5, help="share of designs without a title")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="podsite-bench-listings-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="podsite.settings",
        DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}",
        MEDIA_ROOT=str(workdir / "media"),
        SECRET_KEY=secrets.token_urlsafe(40),
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from bench._support import create_tee_template
    from designs import compliance
    from designs.models import BlockedTerm, Design
    from designs.services.publish_checks import publish_refusals

    BlockedTerm.objects.bulk_create(BlockedTerm(term=f"brandname{n} label{n}") for n in range(args.terms))
    untitled = int(args.designs * args.untitled)
    Design.objects.bulk_create(
        Design(
            prompt=f"{WORDS[n % len(WORDS)]} {WORDS[(n * 7) % len(WORDS)]} number {n}, woodcut print",
            title="" if n < untitled else f"{WORDS[n % len(WORDS)].title()} tee {n}",
            tags=["woodcut", WORDS[n % len(WORDS)]],
            status="approved",
        )
        for n in range(args.designs)
    )
    template = create_tee_template("Bench tee")
    ids = list(Design.objects.values_list("pk", flat=True))
    terms = list(BlockedTerm.objects.filter(is_active=True).values_list("term", flat=True))
    print(f"N={args.designs} designs ({untitled} untitled), T={len(terms)} blocked terms; work dir {workdir}")

    started = time.perf_counter()
    screen = compliance.Screen(terms)
    build = time.perf_counter() - started
    texts = [f"{WORDS[n % len(WORDS)]} design number {n} with roses and a fox, woodcut" for n in range(20000)]
    started = time.perf_counter()
    for text in texts:
        screen.terms_in(text)
    rate = len(texts) / (time.perf_counter() - started)
    print(f"screen: built in {build * 1000:.1f} ms; {rate:,.0f} texts/s against {len(terms)} terms")

    started = time.perf_counter()
    blocked = compliance.blocked_designs(ids, screen)
    elapsed = time.perf_counter() - started
    print(
        f"approve's blocked-term pass: {elapsed:.2f} s for {len(ids):,} designs "
        f"({elapsed / len(ids) * 1e6:.0f} µs each), {len(blocked)} blocked"
    )

    started = time.perf_counter()
    refused = publish_refusals(dict.fromkeys(ids, template))
    elapsed = time.perf_counter() - started
    print(
        f"publish_refusals: {elapsed:.2f} s for {len(ids):,} designs ({elapsed / len(ids) * 1e6:.0f} µs each), "
        f"{len(refused)} refused; {elapsed / 30:.0%} of a 30 s request budget "
        "(the confirmation and the action each run it)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
