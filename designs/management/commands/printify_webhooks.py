"""Register, list or delete this site's Printify webhooks (the product topics publishing.py handles)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from designs.publishing import PRODUCT_TOPICS
from integrations.http import IntegrationError


class Command(BaseCommand):
    help = "Manage Printify webhooks for PUBLIC_BASE_URL: --register, --list or --delete."

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--register", action="store_true", help="Register the product topics (idempotent).")
        action.add_argument("--list", action="store_true", help="List the shop's webhooks.")
        action.add_argument("--delete", action="store_true", help="Delete the webhooks pointing at this site.")

    def handle(self, *args, **options):
        from designs.clients import printify_client

        client = printify_client()
        try:
            existing = client.webhooks()
            if options["list"]:
                for hook in existing:
                    self.stdout.write(f"{hook.get('id')}  {hook.get('topic')}  {hook.get('url')}")
                self.stdout.write(f"{len(existing)} webhook(s).")
                return
            url = self._our_url()
            ours = [hook for hook in existing if hook.get("url") == url]
            if options["register"]:
                self._register(client, url, {hook.get("topic") for hook in ours})
            else:
                for hook in ours:
                    client.delete_webhook(hook["id"], urlsplit(url).hostname)
                    self.stdout.write(f"Deleted {hook.get('topic')} ({hook['id']}).")
                self.stdout.write(f"{len(ours)} webhook(s) deleted.")
        except IntegrationError as error:
            raise CommandError(str(error)) from error

    def _register(self, client, url: str, registered: set) -> None:
        if not settings.PRINTIFY_WEBHOOK_SECRET:
            raise CommandError(
                "PRINTIFY_WEBHOOK_SECRET is not set: without it every event would be refused. "
                "Generate one with `openssl rand -hex 20`."
            )
        if not url.startswith("https://"):
            self.stderr.write("Warning: Printify must reach this URL from the internet; it is not https.")
        for topic in PRODUCT_TOPICS:
            if topic in registered:
                self.stdout.write(f"{topic}: already registered.")
                continue
            hook = client.create_webhook(topic, url, secret=settings.PRINTIFY_WEBHOOK_SECRET)
            self.stdout.write(f"{topic}: registered ({hook.get('id')}).")
        self.stdout.write(f"Webhooks point at {url}")

    @staticmethod
    def _our_url() -> str:
        if not settings.PUBLIC_BASE_URL:
            raise CommandError("PUBLIC_BASE_URL is not set: Printify needs a public address to call.")
        return f"{settings.PUBLIC_BASE_URL}{reverse('designs:printify_webhook')}"
