"""Bulk moves: a select-all approve of N designs in review, while another writer keeps working.

    .venv/bin/python bench/bulk.py [--designs 100000]

A temp SQLite database (WAL, the default set-up), migrated; N designs in review. One thread approves them all
through the same service the admin's select-all action calls (designs.services.review.approve); meanwhile a second
connection writes one small UPDATE every 20 ms, as the review page or the pump would, and records how long each
write waited. Printed: the approve's wall time and rate, the moved/skipped counts, and the longest and p99 stall
of the other writer against the target (no writer blocked for more than 2 s; before chunking, one approve of
100,000 took 21 s and blocked every other writer for 16 s). It prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STALL_TARGET_S = 2.0


def configure(workdir: Path) -> Path:
    database = workdir / "bench.sqlite3"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="podsite.settings",
        DATABASE_URL=f"sqlite:///{database}",
        MEDIA_ROOT=str(workdir / "media"),
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return database


def populate(count: int) -> None:
    from designs.models import Design
    from designs.workflow import Status

    batch = 5000
    for start in range(0, count, batch):
        Design.objects.bulk_create(
            Design(prompt=f"bulk design {n}", status=Status.REVIEW) for n in range(start, min(count, start + batch))
        )


def other_writer(database: Path, stop: threading.Event, stalls: list[float]) -> None:
    """A second process's worth of small writes (30 s busy timeout, as configured), timing each."""
    connection = sqlite3.connect(database, timeout=30, isolation_level=None)
    connection.execute("CREATE TABLE IF NOT EXISTS bench_heartbeat (n INTEGER)")
    while not stop.is_set():
        started = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO bench_heartbeat VALUES (1)")
        connection.execute("COMMIT")
        stalls.append(time.perf_counter() - started)
        time.sleep(0.02)
    connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--designs", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="podsite-bench-bulk-") as tmp:
        database = configure(Path(tmp))
        populate(args.designs)
        from designs.models import Design
        from designs.services import review
        from designs.workflow import Source

        stop, stalls = threading.Event(), []
        writer = threading.Thread(target=other_writer, args=(database, stop, stalls), daemon=True)
        writer.start()
        time.sleep(0.2)
        started = time.perf_counter()
        result = review.approve(Design.objects.all(), actor=None, source=Source.ADMIN)
        elapsed = time.perf_counter() - started
        stop.set()
        writer.join()
        stalls.sort()
        worst = stalls[-1] if stalls else 0.0
        p99 = stalls[int(len(stalls) * 0.99) - 1] if stalls else 0.0
        print(
            f"select-all approve of {args.designs:,}: {elapsed:.1f} s ({args.designs / elapsed:,.0f} designs/s); "
            f"{result.summary('approved')}"
        )
        print(
            f"other writer: {len(stalls)} writes, longest stall {worst * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms "
            f"(target ≤ {STALL_TARGET_S:.0f} s; ratio {worst / STALL_TARGET_S:.2f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
