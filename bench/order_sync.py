"""The order sync of N orders through the sandbox's Printify, paced by the shared rate limiter.

    .venv/bin/python bench/order_sync.py [--orders 10000] [--rate 600]

A temp SQLite database, migrated; the sandbox (in this process) holds N orders against published products, spread
over 90 days, and enforces --rate requests a minute like Printify. One full sync (sync_orders, as the command runs
it) reads them ten a page; the floor is the requests it made ÷ the rate limit. Prints the time, the requests and
the time ÷ the floor (1.0 is as fast as the limit allows). A second sync (nothing new) shows what a scheduled run
costs. Prints figures; it is not a test.
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


def configure(workdir: Path, sandbox_url: str, rate: int) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="podsite.settings",
        DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}",
        MEDIA_ROOT=str(workdir / "media"),
        SECRET_KEY=secrets.token_urlsafe(40),
        LOG_LEVEL="WARNING",
        PRINTIFY_API_TOKEN="bench-token",  # noqa: S106 (the sandbox takes any token)
        PRINTIFY_SHOP_ID="1",
        PRINTIFY_API_BASE=f"{sandbox_url}/printify/v1",
        PRINTIFY_RATE_PER_MINUTE=str(rate),
    )
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=600, help="Printify's requests a minute (the sandbox's too).")
    options = parser.parse_args()

    from integrations.sandbox.server import SandboxServer

    with (
        tempfile.TemporaryDirectory(prefix="podsite-bench-orders-") as workdir,
        SandboxServer(printify_rate_limit=options.rate) as sandbox,
    ):
        configure(Path(workdir), sandbox.url, options.rate)
        from designs.workers.order_sync import sync_orders

        with sandbox.printify._lock:
            sandbox.printify.products["b" * 24] = {
                "id": "b" * 24,
                "title": "Bench tee",
                "print_provider_id": 99,
                "is_locked": False,
                "external": {"id": "1", "handle": "https://shop/1"},
                "variants": [{"id": 1, "cost": 900, "price": 2400, "title": "M", "sku": "S-1", "is_enabled": True}],
            }
        sandbox.printify.place_orders(options.orders, days=90, seed=1, send_webhooks=False)
        for label in ("first sync", "second sync (nothing new)"):
            before = sandbox.printify.counts["requests"]
            started = time.perf_counter()
            result = sync_orders()
            elapsed = time.perf_counter() - started
            made = sandbox.printify.counts["requests"] - before
            floor = made / options.rate * 60
            print(f"{label}: {result.summary}")
            print(
                f"  {elapsed:.1f} s for {made} requests; the rate limit's floor is {floor:.1f} s "
                f"({options.rate}/min): time ÷ floor = {elapsed / floor if floor else float('nan'):.2f}"
            )


if __name__ == "__main__":
    main()
