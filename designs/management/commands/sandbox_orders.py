"""Sandbox mode: customers order the published products (their webhooks reach this site, duplicates and all)."""

from django.core.management.base import BaseCommand, CommandError

from designs.services.orders import SandboxOff, place_sandbox_orders


class Command(BaseCommand):
    help = "Place sandbox orders against published products, spread over the last --days, and send their webhooks."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=200)
        parser.add_argument("--days", type=float, default=30)
        parser.add_argument("--seed", type=int, default=None, help="The same orders for the same seed.")

    def handle(self, *args, count, days, seed, **options):
        try:
            placed = place_sandbox_orders(count, days, seed=seed)
        except (SandboxOff, ValueError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{placed['placed']} orders placed; {placed['events']} order webhooks sent (replays, duplicates and "
            "updates out of order among them). Workers read them; `manage.py sync_orders` catches any missed."
        )
