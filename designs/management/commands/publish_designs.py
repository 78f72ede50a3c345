"""Publish designs to Printify from the command line: publish_or_retry(), request_publish() and retry_publish()
as the admin's Publish and Retry call them."""

from django.core.management.base import BaseCommand, CommandError

from designs import selectors
from designs.clients import NotConfigured
from designs.management.progress import report_outcome, wait_and_report
from designs.management.selection import add_approved_selection, selected_designs, templates_named
from designs.models import Design
from designs.services.listing_copy import request_copy
from designs.services.publish_checks import untitled_ids, untitled_way_out
from designs.services.publishing import PublishRefused, publish_or_retry
from designs.workflow import Source, Status


class Command(BaseCommand):
    help = (
        "Queue approved designs for publishing to Printify and retry the failed products of the designs named; "
        "--wait follows them to the end. Exits 1 when a design asked for was refused or failed."
    )

    def add_arguments(self, parser):
        add_approved_selection(parser)
        parser.add_argument(
            "--template",
            action="append",
            metavar="NAME",
            help="Make a product of this template; give it more than once for several products per design "
            "(default: approved designs get the default template). Failed products are retried with their own "
            "template either way.",
        )
        parser.add_argument(
            "--allow-duplicate-titles",
            action="store_true",
            help="Publish designs whose title another live product of the template already has.",
        )
        parser.add_argument(
            "--override-low-dpi",
            action="store_true",
            help="Publish designs below MIN_PRINT_DPI anyway (recorded in each design's history, as the admin's "
            "override is).",
        )
        parser.add_argument(
            "--write-missing-copy",
            action="store_true",
            help="Queue LLM listing copy at once for the designs refused for having no title of their own.",
        )
        parser.add_argument("--wait", action="store_true", help="Show progress until every design is done.")
        parser.add_argument(
            "--timeout", type=float, default=3600, help="With --wait: give up waiting after this many seconds."
        )

    def handle(self, *args, **options):
        templates = templates_named(options["template"] or [])
        designs = selected_designs(options)
        try:
            result = publish_or_retry(
                designs,
                actor=None,
                source=Source.COMMAND,
                templates=templates,
                allow_duplicate_titles=options["allow_duplicate_titles"],
                override_low_dpi=options["override_low_dpi"],
            )
        except PublishRefused as error:
            raise CommandError(str(error)) from error
        if not result.moved and not result.skipped and not result.refused:
            raise CommandError("No designs match.")
        self.stdout.write(result.summary("queued for publishing"))
        self._untitled(untitled_ids(result.refused), write=options["write_missing_copy"])
        refused = (
            CommandError(f"{len(result.refused)} of the designs asked for were refused (see above).")
            if result.refused
            else None
        )
        if not options["wait"] or not result.moved:
            if refused:
                raise refused
            return
        moved = Design.objects.filter(pk__in=result.moved)
        shown = (Status.PUBLISHED, Status.MOCKUPS, Status.PUBLISH_FAILED)
        progress = wait_and_report(
            self, moved, pending=frozenset({Status.PUBLISHING}), shown=shown, timeout=options["timeout"]
        )
        counts = progress["counts"]
        waiting = counts[Status.MOCKUPS]
        summary = (
            f"{counts[Status.PUBLISHED]} published, "
            + (f"{waiting} waiting for their mockup review (review page, mockup mode), " if waiting else "")
            + f"{counts[Status.PUBLISH_FAILED]} failed, "
            f"{counts[Status.PUBLISHING]} still publishing, {len(result.skipped)} skipped"
        )
        report_outcome(self, progress, selectors.failures(moved), timeout=options["timeout"], summary=summary)
        if refused:
            raise refused

    def _untitled(self, ids: list[int], *, write: bool) -> None:
        """The way out for designs refused for having no title of their own: their copy queued, or how to."""
        if not ids:
            return
        if not write:
            hint = (
                f"publish_designs --ids … --write-missing-copy, or write_listing_copy --ids {' '.join(map(str, ids))}"
            )
            self.stdout.write(untitled_way_out(ids, write_copy_hint=hint))
            return
        try:
            queued = request_copy(ids, actor=None, source=Source.COMMAND)
        except NotConfigured as error:
            raise CommandError(f"{error} Type the titles instead.") from error
        self.stdout.write(
            f"Listing copy: {queued.summary('queued for the LLM')}; publish them again once it is written."
        )
