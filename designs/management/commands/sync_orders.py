"""Read Printify's orders into podsite: what webhooks missed, and the history on first use (--since DATE)."""

from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError

from designs.workers.order_sync import sync_orders
from integrations.http import IntegrationError


class Command(BaseCommand):
    help = "Read the shop's orders from Printify (newest first, down to --since or the last sync), once at a time."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="Read back to this date (YYYY-MM-DD, UTC); default: the last sync.")

    def handle(self, *args, since=None, **options):
        cutoff = None
        if since:
            try:
                cutoff = datetime.strptime(since, "%Y-%m-%d").replace(tzinfo=UTC)
            except ValueError:
                raise CommandError(f"--since {since!r} is not a date like 2026-11-01.") from None
        try:
            result = sync_orders(since=cutoff, progress=self.stdout.write)
        except IntegrationError as error:
            raise CommandError(f"{error} The sync resumes where it stopped next time.") from error
        if result.busy:
            raise CommandError(result.summary)
        self.stdout.write(result.summary)
