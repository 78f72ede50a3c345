"""Publish designs to Printify from the command line: the same request_publish() the admin action calls."""

from django.core.management.base import BaseCommand, CommandError

from designs import selectors
from designs.management.progress import report_outcome, wait_and_report
from designs.management.selection import add_approved_selection, selected_designs, templates_named
from designs.models import Design
from designs.services.publishing import PublishRefused, request_publish
from designs.workflow import Source, Status


class Command(BaseCommand):
    help = "Queue approved (or failed) designs for publishing to Printify; --wait follows them to the end."

    def add_arguments(self, parser):
        add_approved_selection(parser)
        parser.add_argument(
            "--template",
            action="append",
            metavar="NAME",
            help="Product template; give it more than once for several products per design (default: the default "
            "template).",
        )
        parser.add_argument(
            "--allow-duplicate-titles",
            action="store_true",
            help="Publish designs whose title another live product of the template already has.",
        )
        parser.add_argument("--wait", action="store_true", help="Show progress until every design is done.")
        parser.add_argument(
            "--timeout", type=float, default=3600, help="With --wait: give up waiting after this many seconds."
        )

    def handle(self, *args, **options):
        templates = templates_named(options["template"] or [])
        designs = selected_designs(options)
        try:
            result = request_publish(
                designs,
                actor=None,
                source=Source.COMMAND,
                templates=templates,
                allow_duplicate_titles=options["allow_duplicate_titles"],
            )
        except PublishRefused as error:
            raise CommandError(str(error)) from error
        if not result.moved and not result.skipped and not result.refused:
            raise CommandError("No designs match.")
        self.stdout.write(result.summary("queued for publishing"))
        if not options["wait"] or not result.moved:
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
