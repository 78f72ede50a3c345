"""Register, list or delete this site's Printify webhooks (the product and order topics; see printify_events.py)."""

from django.core.management.base import BaseCommand, CommandError

from designs.services import webhooks
from integrations.http import IntegrationError


class Command(BaseCommand):
    help = "Manage Printify webhooks for PUBLIC_BASE_URL: --register, --list or --delete."

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument(
            "--register",
            action="store_true",
            help="Register the shop, product and order topics in every connected shop (idempotent).",
        )
        action.add_argument("--list", action="store_true", help="List every connected shop's webhooks.")
        action.add_argument("--delete", action="store_true", help="Delete the webhooks pointing at this site.")

    def handle(self, *args, **options):
        try:
            if options["list"]:
                hooks = webhooks.list_webhooks()
                for hook in hooks:
                    self.stdout.write(f"{hook['shop']}  {hook.get('id')}  {hook.get('topic')}  {hook.get('url')}")
                self.stdout.write(f"{len(hooks)} webhook(s).")
            elif options["register"]:
                url = webhooks.our_url()
                if not url.startswith("https://"):
                    self.stderr.write("Warning: Printify must reach this URL from the internet; it is not https.")
                for line in webhooks.register_webhooks():
                    self.stdout.write(line)
                self.stdout.write(f"Webhooks point at {url}")
            else:
                lines = webhooks.delete_webhooks()
                for line in lines:
                    self.stdout.write(line)
                self.stdout.write(f"{len(lines)} webhook(s) deleted.")
        except (IntegrationError, webhooks.WebhookSetupError) as error:
            raise CommandError(str(error)) from error
