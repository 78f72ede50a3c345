"""Near-duplicate lookup at scale: per-ingest cost and lookup time over N fingerprinted designs.

    .venv/bin/python bench/duplicates.py [--designs 100000] [--samples 200] [--postgres]

A temp database (SQLite file by default; --postgres: a database created on postgres@127.0.0.1:5432 for the run
and dropped after it), migrated; N designs with fingerprints. The hashes are not uniform random numbers (which
would spread evenly over the band buckets and flatter the index): they are real pHashes of --bases generated
pictures, each spread into N / bases variants 10–24 bits away (clustered like a shop's catalogue of similar
motifs, yet mostly not near-duplicates of each other).

Then, for --samples new images: the per-ingest cost (pHash of a 512 px WEBP thumbnail + duplicates.record(),
which stores the fingerprint, looks up and stores the pairs) and the lookup alone (duplicates.similar()), with
the rows the banded query touched. Targets: per-ingest ≤ 10 ms and lookup ≤ 50 ms (p50). Per ingest is also
shown in CPU time of this process (pHash and SQLite both run in it), which a busy shared machine disturbs
least; the load average is printed with the figures. Prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._support import percentile  # noqa: E402 (needs ROOT on sys.path)

POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"
TARGETS_MS = {"per ingest": 10, "per ingest, CPU time": 10, "lookup": 50}


def configure(workdir: Path, database: str | None) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="podsite.settings",
        DATABASE_URL=f"{POSTGRES_SERVER}/{database}" if database else f"sqlite:///{workdir / 'bench.sqlite3'}",
        MEDIA_ROOT=str(workdir / "media"),
        SECRET_KEY=secrets.token_urlsafe(40),
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def picture(seed: int, size: int = 512):
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", (size, size), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y, radius = rng.randrange(size), rng.randrange(size), rng.randrange(size // 8, size // 3)
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=tuple(rng.randrange(256) for _ in range(3)))
    return image


def webp(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "WEBP", quality=80, method=2)
    return buffer.getvalue()


def populate(count: int, bases: int) -> None:
    from django.db import transaction

    from designs import duplicates
    from designs.models import Design, ImageFingerprint
    from designs.workflow import Status

    started = time.perf_counter()
    base_hashes = [int(duplicates.phash_of(webp(picture(seed, 256))), 16) for seed in range(bases)]
    rng = random.Random(1)
    hashes = []
    for index in range(count):
        value = base_hashes[index % bases]
        for bit in rng.sample(range(64), rng.randrange(10, 25)):
            value ^= 1 << bit
        hashes.append(f"{value:016x}")
    statuses = [Status.PUBLISHED, Status.REJECTED, Status.APPROVED, Status.REVIEW]
    for start in range(0, count, 5000):
        with transaction.atomic():
            made = Design.objects.bulk_create(
                [Design(prompt=f"bench {n}", status=statuses[n % 4]) for n in range(start, min(count, start + 5000))]
            )
            fingerprints = []
            for design, phash in zip(made, hashes[start : start + 5000], strict=True):
                b0, b1, b2, b3 = duplicates.bands(phash)
                fingerprints.append(
                    ImageFingerprint(design_id=design.pk, phash=phash, band0=b0, band1=b1, band2=b2, band3=b3)
                )
            ImageFingerprint.objects.bulk_create(fingerprints)
    print(f"created {count:,} fingerprinted designs from {bases} pictures in {time.perf_counter() - started:.1f} s")


def candidates_touched(phash: str) -> int:
    """Rows the banded query returns (before the exact distance check): what a lookup reads."""
    from django.db import connection

    from designs import duplicates

    sql, params = duplicates.candidates_query(phash)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return len(cursor.fetchall())


def plan() -> str:
    """How the database answers the banded lookup (index probes, not a scan of every fingerprint)."""
    from django.db import connection

    from designs import duplicates

    sql, params = duplicates.candidates_query("0123456789abcdef")
    with connection.cursor() as cursor:
        cursor.execute(f"{connection.ops.explain_query_prefix()} {sql}", params)
        text = "\n".join(" ".join(str(part) for part in row) for row in cursor.fetchall())
    return " / ".join(line.strip() for line in text.splitlines() if line.strip())[:400]


def measure(samples: int) -> dict:
    from designs import duplicates
    from designs.models import Design

    thumbnails = [webp(picture(10_000 + n)) for n in range(samples)]
    duplicates.phash_of(thumbnails[0])  # loads numpy/scipy once, as the first ingest of a worker does
    hashing, recording, lookup, touched, found = [], [], [], [], 0
    cpu = []
    for data in thumbnails:
        design = Design.objects.create(prompt="new", status="review")
        started, started_cpu = time.perf_counter(), time.process_time()
        phash = duplicates.phash_of(data)
        hashed = time.perf_counter()
        found += bool(duplicates.record(design.pk, phash))
        recorded, recorded_cpu = time.perf_counter(), time.process_time()
        duplicates.similar(phash, exclude_id=design.pk)
        looked_up = time.perf_counter()
        hashing.append((hashed - started) * 1000)
        recording.append((recorded - hashed) * 1000)
        lookup.append((looked_up - recorded) * 1000)
        cpu.append((recorded_cpu - started_cpu) * 1000)
        touched.append(candidates_touched(phash))
    return {
        "pHash of the thumbnail": hashing,
        "record (store + lookup + pairs)": recording,
        "per ingest": [a + b for a, b in zip(hashing, recording, strict=True)],
        "per ingest, CPU time": cpu,
        "lookup": lookup,
        "touched": touched,
        "found": found,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--designs", "-n", type=int, default=100_000)
    parser.add_argument("--bases", type=int, default=1000, help="distinct pictures the hashes are spread from")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--postgres", action="store_true", help="a temp PostgreSQL database instead of SQLite")
    args = parser.parse_args()

    database = f"podsite_dup_{secrets.token_hex(4)}" if args.postgres else None
    with tempfile.TemporaryDirectory(prefix="podsite-bench-dup-") as tmp:
        if database:
            import psycopg

            with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
                connection.execute(f'CREATE DATABASE "{database}"')
        try:
            configure(Path(tmp), database)
            from django.conf import settings
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
            populate(args.designs, min(args.bases, args.designs))
            from django.db import connection

            with connection.cursor() as cursor:  # what autovacuum/autoanalyze does to a table in steady use
                cursor.execute("ANALYZE designs_imagefingerprint" if database else "ANALYZE")
            figures = measure(args.samples)
            print(f"query plan of a lookup: {plan()}")
            engine = "PostgreSQL" if database else "SQLite"
            print(f"\n{engine}, {args.designs:,} designs, threshold {settings.NEAR_DUPLICATE_DISTANCE} bits")
            print(f"{'step':<34}{'p50 ms':>8}{'p95 ms':>8}{'target':>9}{'ratio':>7}")
            labels = ("pHash of the thumbnail", "record (store + lookup + pairs)", "per ingest", "per ingest, CPU time")
            for label in (*labels, "lookup"):
                values = figures[label]
                median = statistics.median(values)
                target = TARGETS_MS.get(label)
                ratio = f"{median / target:.2f}" if target else ""
                print(f"{label:<34}{median:>8.2f}{percentile(values, 95):>8.2f}{target or '':>9}{ratio:>7}")
            print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
            touched = figures["touched"]
            print(
                f"rows a lookup touches: median {statistics.median(touched):.0f}, max {max(touched)} "
                f"(of {args.designs:,}); new images with a near-duplicate: {figures['found']} of {args.samples}"
            )
        finally:
            if database:
                from django.db import connections

                connections.close_all()
                with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
                    connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
