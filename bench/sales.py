"""Sales speed: the sales dashboard and the Design changelist sorted by profit, over 100,000 order lines and 20,000
designs on SQLite or PostgreSQL.

    .venv/bin/python bench/sales.py [--designs 20000] [--lines 100000] [--requests 5]
                                    [--postgres [postgres://user@host:5432]] [--explain]

A temp SQLite database (nothing of the checkout is touched), or with --postgres a PostgreSQL database made for the
run on that server (default postgres://postgres@127.0.0.1:5432) and dropped after it; migrated; N designs in 20
batches and 4 presets, each with a product published 1–400 days ago (a tenth never sold), and L order lines over the
last 365 days in orders of one to three lines, with their stored figures filled in as the order sync leaves them (a
few cancelled, a few in euros). Then, through the test client as a superuser, each page is rendered R times (one
warm-up first) and the script prints the median time, the queries per request, and two ratios:
- against fixed targets: each ≤ 300 ms and ≤ 15 queries;
- against the floor of the same run: the Design changelist with no sales columns (its default view; the sales
  view swaps three review-time columns for Sold, Revenue and Profit and sorts by profit).
--explain prints the plans (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite) of the dashboard's slowest
queries.
It prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_MS, TARGET_QUERIES = 300, 15


def configure(workdir: Path, database_url: str | None = None) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="podsite.settings",
        DATABASE_URL=database_url or f"sqlite:///{workdir / 'bench.sqlite3'}",
        MEDIA_ROOT=str(workdir / "media"),
        STATIC_ROOT=str(workdir / "static"),
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        DEBUG="false",
        LOG_LEVEL="WARNING",
        SHOP_CURRENCY="USD",
    )
    os.environ.pop("REDIS_URL", None)
    (workdir / "static").mkdir()
    import django

    django.setup()
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.ALLOWED_HOSTS = ["testserver"]


def populate(designs_count: int, lines_count: int):
    from django.contrib.auth.models import User
    from django.db import transaction
    from django.utils import timezone

    from designs.machine import Source
    from designs.models import Batch, Design, GenerationPreset, Order, OrderLine, Product, ProductTemplate
    from designs.orders import ORDER, OrderStatus
    from designs.workflow import Status

    rng = random.Random(20)
    now = timezone.now()
    started = time.perf_counter()
    admin = User.objects.create_superuser("bench", password=None)
    presets = [
        GenerationPreset.objects.create(name=f"Bench preset {n}", workflow={}, parameter_map={}) for n in range(4)
    ]
    batches = [Batch.objects.create(name=f"Batch {n}", preset=presets[n % 4], created_by=admin) for n in range(20)]
    templates = [
        ProductTemplate.objects.create(name=name, blueprint_id=n, print_provider_id=1, variants=[], placement={})
        for n, name in enumerate(["Tee", "Mug", "Poster"])
    ]
    words = "fox owl wolf bear deer moon forest snow river mountain skull rose woodcut ink watercolour retro".split()
    with transaction.atomic():
        Design.objects.bulk_create(
            (
                Design(
                    prompt=" ".join(rng.sample(words, 5)) + f", design {n}",
                    title=f"Design {n}" if n % 3 else "",
                    status=Status.PUBLISHED,
                    batch=batches[n % 20],
                    preset=presets[n % 4],
                    created_by=admin,
                    cost="0.00440",
                    print_execution_ms=rng.randint(5_000, 30_000),
                    copy_cost="0.00030",
                )
                for n in range(designs_count)
            ),
            batch_size=2000,
        )
        design_ids = list(Design.objects.values_list("pk", flat=True))
        Product.objects.bulk_create(
            (
                Product(
                    design_id=pk,
                    template=templates[pk % 3],
                    template_name=templates[pk % 3].name,
                    sku_prefix=f"podsite-{pk}",
                    printify_id=f"p{pk}",
                    state="live",
                    published_at=now - timedelta(days=rng.randint(1, 400)),
                )
                for pk in design_ids
            ),
            batch_size=2000,
        )
        products = dict(Product.objects.values_list("design_id", "pk"))
    sellers = [pk for pk in design_ids if pk % 10]  # a tenth never sells
    made = 0
    number = 0
    while made < lines_count:
        with transaction.atomic():
            orders, planned = [], []
            for _ in range(min(5000, lines_count - made)):
                number += 1
                sold_at = now - timedelta(seconds=rng.randint(0, 365 * 86400))
                euro = number % 25 == 0
                status = OrderStatus.CANCELED if number % 40 == 0 else OrderStatus.FULFILLED
                orders.append(
                    (
                        Order(
                            printify_id=f"bench-{number}",
                            shop_order_id=str(number),
                            order_type="external",
                            country=rng.choice(["US", "US", "US", "GB", "DE", "CA", "AU", "FR"]),
                            currency="EUR" if euro else "USD",
                            cost_currency="EUR" if euro else "USD",
                            created_at=sold_at,
                        ),
                        status,
                    )
                )
                planned.append(min(rng.randint(1, 3), lines_count - made))
                made += planned[-1]
                if made >= lines_count:
                    break
            created = []
            for status in (OrderStatus.FULFILLED, OrderStatus.CANCELED):
                chosen = [order for order, s in orders if s == status]
                if chosen:
                    created += ORDER.create_many(chosen, state=status, source=Source.COMMAND)
            lines = []
            for order, count in zip(created, planned, strict=False):
                for _ in range(count):
                    design = rng.choice(sellers)
                    quantity = rng.choice([1, 1, 1, 2, 3])
                    price, cost = 2500 + 100 * (design % 7), 1100 + 50 * (design % 5)
                    revenue = quantity * price
                    fees = round(revenue * 0.095) + 25
                    lines.append(
                        OrderLine(
                            order=order,
                            product_id=products[design],
                            design_id=design,
                            template_id=templates[design % 3].pk,
                            quantity=quantity,
                            unit_price=price,
                            unit_cost=cost,
                            currency=order.currency,  # as designs/sales.py leaves a line: its order's currencies
                            cost_currency=order.cost_currency,
                            counted=order.status != OrderStatus.CANCELED,
                            revenue=revenue,
                            fees=fees,
                            profit=revenue - quantity * cost - fees,
                            sold_at=order.created_at,
                        )
                    )
            OrderLine.objects.bulk_create(lines, batch_size=2000)
    from django.db import connection

    with connection.cursor() as cursor:
        # What a long-lived database has: the planner's statistics (and on PostgreSQL the visibility map autovacuum
        # keeps, without which no index-only scan is chosen).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(
        f"created {designs_count:,} designs, {OrderLine.objects.count():,} order lines in {number:,} orders "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return admin


def main() -> int:
    from bench._support import POSTGRES_SERVER, create_database, drop_database, server_url

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--designs", "-n", type=int, default=20_000)
    parser.add_argument("--lines", "-l", type=int, default=100_000)
    parser.add_argument("--requests", "-r", type=int, default=5)
    parser.add_argument(
        "--postgres", nargs="?", const=POSTGRES_SERVER, metavar="SERVER_URL", help="a database made on this server"
    )
    parser.add_argument("--explain", action="store_true", help="print the plans of the dashboard's slowest queries")
    args = parser.parse_args()

    database = f"podsite_sales_{secrets.token_hex(4)}" if args.postgres else None
    with tempfile.TemporaryDirectory(prefix="podsite-bench-sales-") as tmp:
        if database:
            create_database(args.postgres, database)
        try:
            configure(Path(tmp), server_url(args.postgres, f"/{database}") if database else None)
            run(args)
        finally:
            if database:
                from django.db import connections

                connections.close_all()
                drop_database(args.postgres, database)
    return 0


def run(args) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    setup_test_environment()
    call_command("migrate", verbosity=0)
    admin = populate(args.designs, args.lines)
    client = Client()
    client.force_login(admin)
    from designs.admin.design import DesignAdmin
    from designs.admin.sales_columns import SalesFilter, sales_view_url

    changelist = reverse("admin:designs_design_changelist")
    dashboard = reverse("admin:designs_design_sales")
    pages = {
        "changelist, no sales columns (floor)": changelist,
        "changelist by profit": sales_view_url(DesignAdmin.list_display),
        "changelist, sold in 30 days": sales_view_url(DesignAdmin.list_display, designs=SalesFilter.SOLD),
        "changelist, never sold": f"{changelist}?sales={SalesFilter.IDLE}",
        "dashboard (30 days by day)": dashboard,
        "dashboard (12 months by week)": f"{dashboard}?days=365&period=week",
        "CSV: top designs": reverse("admin:designs_design_sales_csv", args=["top-designs"]),
    }
    from bench.admin import measure

    print(f"\n{connection.vendor}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        f"{'page':<38}{'median ms':>10}{'÷ 300 ms':>9}{'× floor':>9}{'cpu ms':>8}{'sql ms':>8}{'queries':>9}{'÷ 15':>6}"
    )
    figures = measure(client, pages, args.requests)
    floor_ms = figures["changelist, no sales columns (floor)"].wall_ms
    for label, timing in figures.items():
        worst = max(timing.queries)
        print(
            f"{label:<38}{timing.wall_ms:>10.1f}{timing.wall_ms / TARGET_MS:>9.2f}{timing.wall_ms / floor_ms:>9.2f}"
            f"{timing.cpu_ms:>8.0f}{timing.sql_ms:>8.0f}{worst:>9}{worst / TARGET_QUERIES:>6.2f}"
        )
    print(
        "\nTargets: each ≤ 300 ms and ≤ 15 queries (ratios ≤ 1.00). The floor is the same changelist without sales. "
        "cpu ms: this process (Python); sql ms: the database's answers, as the client waited for them."
    )
    if args.explain:
        for label in ("dashboard (30 days by day)", "dashboard (12 months by week)"):
            explain_slowest(client, label, pages[label])


def explain_slowest(client, label: str, url: str, count: int = 4) -> None:
    """The plans of the `count` slowest queries of one request (the query as it ran, its parameters in place)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    slowest = sorted(captured.captured_queries, key=lambda query: -float(query["time"]))[:count]
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    for query in slowest:
        print(f"\n=== {label}: {float(query['time']) * 1000:.1f} ms\n{query['sql'][:1500]}")
        with connection.cursor() as cursor:
            cursor.execute(prefix + query["sql"])
            for row in cursor.fetchall():
                print("   ", " ".join(str(cell) for cell in row))


if __name__ == "__main__":
    sys.exit(main())
