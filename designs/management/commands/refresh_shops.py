"""Read the account's shops from Printify (as the Shops page's "Refresh shops" button does, but now)."""

from django.core.management.base import BaseCommand, CommandError

from designs.workers.shops import refresh_shops
from integrations.http import IntegrationError


class Command(BaseCommand):
    help = "Read the Printify account's shops: new ones are added, gone or disconnected ones are marked so."

    def handle(self, *args, **options):
        try:
            lines = refresh_shops()
        except IntegrationError as error:
            raise CommandError(str(error)) from error
        for line in lines:
            self.stdout.write(line)
        self.stdout.write(f"{len(lines)} line(s); see the Shops page for each shop's currency, time zone and country.")
