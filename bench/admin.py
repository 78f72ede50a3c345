"""Admin speed: the Design changelist, the review page and compare mode over 10,000 designs with real thumbnails.

    .venv/bin/python bench/admin.py [--designs 10000] [--requests 7]

A temp SQLite database and media folder (nothing of the checkout is touched), migrated; N designs with small
real WEBP thumbnails (one file per design), half of them in review, four variations per prompt. Then, through
the test client as a superuser, each page is rendered R times (one warm-up first; the pages take turns, so a
burst of load elsewhere hits all of them alike) and the script prints the median render time (wall clock), the
median CPU time of this process (what a busy shared machine disturbs least: the request runs in this process),
the number of SQL queries per request, and two ratios:
- against fixed targets: changelist ≤ 300 ms, review page and compare mode ≤ 200 ms;
- against the floor of the same run: a vanilla admin changelist over the same rows (a plain ModelAdmin on its
  own AdminSite: six columns, one filter, search, 100 a page). Targets: the Design changelist ≤ 2× the floor,
  the review page and compare mode ≤ 1.5× (both by wall clock and, in "cpu × floor", by CPU time).
It prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS_MS = {"changelist": 300, "review page": 200, "compare mode": 200, "vanilla (floor)": None}
FLOOR_RATIO = {"changelist": 2.0, "review page": 1.5, "compare mode": 1.5}
urlpatterns: list = []  # this module is the URLconf while the bench runs: the site plus the floor's AdminSite


def install_floor() -> None:
    """A vanilla changelist over the same Design rows: what Django's admin costs with nothing of ours."""
    from django.conf import settings
    from django.contrib import admin
    from django.urls import clear_url_caches, path

    from designs.models import Design
    from podsite.urls import urlpatterns as site

    class PlainDesignAdmin(admin.ModelAdmin):
        list_display = ("id", "prompt", "title", "status", "cost", "created_at")
        list_filter = ("status",)
        search_fields = ("prompt",)
        list_per_page = 100
        change_list_template = "admin/change_list.html"  # Django's own, not our Design changelist's

    floor = admin.AdminSite(name="floor")
    floor.register(Design, PlainDesignAdmin)
    urlpatterns[:] = [path("floor/", floor.urls), *site]
    settings.ROOT_URLCONF = __name__
    clear_url_caches()


def configure(workdir: Path) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="podsite.settings",
        DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}",
        MEDIA_ROOT=str(workdir / "media"),
        STATIC_ROOT=str(workdir / "static"),
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        DEBUG="false",
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("REDIS_URL", None)
    (workdir / "static").mkdir()
    import django

    django.setup()
    from django.conf import settings

    # The pages are measured without collectstatic: static URLs come from the finders, as in development.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.ALLOWED_HOSTS = ["testserver"]


def populate(count: int):
    from django.contrib.auth.models import User
    from django.core.files.storage import default_storage
    from django.db import transaction
    from PIL import Image

    from designs.models import Batch, Design, GenerationPreset
    from designs.workflow import Status

    admin = User.objects.create_superuser("bench", password=None)
    preset = GenerationPreset.objects.first()
    batches = [Batch.objects.create(name=f"Batch {n}", preset=preset, created_by=admin) for n in range(20)]
    statuses = [Status.REVIEW, Status.APPROVED, Status.REVIEW, Status.REJECTED, Status.PUBLISHED, Status.DRAFT]
    started = time.perf_counter()
    designs = []
    for index in range(count):
        buffer = io.BytesIO()
        Image.new("RGB", (40, 40), ((index * 37) % 256, (index * 11) % 256, 160)).save(buffer, "WEBP")
        name = default_storage.save(f"designs/thumbs/bench/{index}.webp", io.BytesIO(buffer.getvalue()))
        designs.append(
            Design(
                prompt=f"design number {index // 4}: a fox in the snow, woodcut, limited palette " * 2,
                title=f"Fox {index}" if index % 3 else "",
                status=Status.REVIEW if index % 2 == 0 else statuses[index % len(statuses)],
                batch=batches[index % len(batches)],
                preset=preset,
                created_by=admin,
                thumbnail=name,
                image=name,  # the bench never opens it; any stored file will do
                seed=index,
                width=1024,
                height=1024,
                cost="0.00440",
                runpod_job_id=f"bench-job-{index}",
            )
        )
    with transaction.atomic():
        Design.objects.bulk_create(designs, batch_size=1000)
    in_review = Design.objects.filter(status=Status.REVIEW).count()
    print(f"created {count} designs ({in_review} in review) with thumbnails in {time.perf_counter() - started:.1f} s")
    return admin


@dataclass(frozen=True)
class PageTiming:
    """Medians over the renders of one page: wall clock, this process's CPU (the request runs here) and the time
    the database took to answer its queries; and the number of queries of each render."""

    wall_ms: float
    cpu_ms: float
    sql_ms: float
    queries: list[int]


def measure(client, pages: dict[str, str], requests: int) -> dict[str, PageTiming]:
    """Per page: its PageTiming over `requests` renders after a warm-up. Pages take turns, so a burst of load
    elsewhere hits all of them alike."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for url in pages.values():
        client.get(url)  # warm-up: template loading, caches
    wall = {label: [] for label in pages}
    cpu = {label: [] for label in pages}
    sql = {label: [] for label in pages}
    queries = {label: [] for label in pages}
    for _ in range(requests):
        for label, url in pages.items():
            with CaptureQueriesContext(connection) as captured:
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                wall[label].append((time.perf_counter() - started) * 1000)
                cpu[label].append((time.process_time() - started_cpu) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            queries[label].append(len(captured))
            sql[label].append(sum(float(query["time"]) for query in captured.captured_queries) * 1000)
    return {
        label: PageTiming(
            statistics.median(wall[label]), statistics.median(cpu[label]), statistics.median(sql[label]), queries[label]
        )
        for label in pages
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--designs", "-n", type=int, default=10_000)
    parser.add_argument("--requests", "-r", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="podsite-bench-admin-") as tmp:
        workdir = Path(tmp)
        configure(workdir)
        from django.core.management import call_command
        from django.test import Client
        from django.test.utils import setup_test_environment
        from django.urls import reverse

        setup_test_environment()  # lets the client capture the rendered template context, as tests do
        call_command("migrate", verbosity=0)
        admin = populate(args.designs)
        install_floor()
        client = Client()
        client.force_login(admin)
        from designs.models import Design

        in_review = Design.objects.filter(status="review").order_by("pk").values_list("pk", flat=True).first()
        pages = {
            "vanilla (floor)": "/floor/designs/design/",
            "changelist": reverse("admin:designs_design_changelist"),
            "review page": reverse("admin:designs_design_review"),
            "compare mode": reverse("admin:designs_design_review_compare") + f"?design={in_review}",
        }
        print(
            f"\n{'page':<16}{'median ms':>10}{'target ms':>11}{'ratio':>7}{'× floor':>9}{'cpu ms':>8}"
            f"{'cpu × floor':>13}{'target':>8}   queries"
        )
        figures = measure(client, pages, args.requests)
        floor_ms, floor_cpu_ms = figures["vanilla (floor)"].wall_ms, figures["vanilla (floor)"].cpu_ms
        for label, timing in figures.items():
            median_ms, cpu_ms, queries = timing.wall_ms, timing.cpu_ms, timing.queries
            target = TARGETS_MS[label]
            versus_target = f"{median_ms / target:.2f}" if target else ""
            floor_target = f"≤ {FLOOR_RATIO[label]:g}" if label in FLOOR_RATIO else ""
            print(
                f"{label:<16}{median_ms:>10.1f}{target or '':>11}{versus_target:>7}{median_ms / floor_ms:>9.2f}"
                f"{cpu_ms:>8.1f}{cpu_ms / floor_cpu_ms:>13.2f}{floor_target:>8}   {queries}"
            )
        print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(
            "\nQuery counts do not depend on the rows: tests/designs/admin/test_design.py and test_review.py assert it."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
