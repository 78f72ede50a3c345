"""Publish designs to Printify from the command line: the same request_publish() the admin action calls."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from designs.models import Design, ProductTemplate
from designs.publishing import PublishRefused, request_publish
from designs.workflow import Source, Status

POLL_SECONDS = 1.0


class Command(BaseCommand):
    help = "Queue approved (or failed) designs for publishing to Printify; --wait follows them to the end."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--all-approved", action="store_true", help="Every approved design.")
        which.add_argument("--ids", nargs="+", type=int, metavar="ID", help="These designs.")
        which.add_argument("--batch", metavar="NAME", help="The approved designs of the batch with this name.")
        parser.add_argument("--template", metavar="NAME", help="Product template (default: the default template).")
        parser.add_argument("--wait", action="store_true", help="Show progress until every design is done.")
        parser.add_argument(
            "--timeout", type=float, default=3600, help="With --wait: give up waiting after this many seconds."
        )

    def handle(self, *args, **options):
        template = None
        if options["template"]:
            template = ProductTemplate.objects.filter(name=options["template"]).first()
            if template is None:
                raise CommandError(f"No product template is named “{options['template']}”.")
        if options["ids"]:
            designs = options["ids"]
        else:
            designs = Design.objects.filter(status=Status.APPROVED)
            if options["batch"]:
                designs = designs.filter(batch__name=options["batch"])
            designs = list(designs.values_list("pk", flat=True))
        if not designs:
            raise CommandError("No designs match.")
        try:
            result = request_publish(designs, actor=None, source=Source.COMMAND, template=template)
        except PublishRefused as error:
            raise CommandError(str(error)) from error
        self.stdout.write(result.summary("queued for publishing"))
        if not options["wait"] or not result.moved:
            return
        counts = self._follow(result.moved, options["timeout"])
        failed = Design.objects.filter(pk__in=result.moved, status=Status.PUBLISH_FAILED)
        for design in failed.order_by("pk"):
            self.stdout.write(f"  design {design.pk}: {design.last_error}")
        self.stdout.write(
            f"Done: {counts.get(Status.PUBLISHED, 0)} published, {counts.get(Status.PUBLISH_FAILED, 0)} failed, "
            f"{counts.get(Status.PUBLISHING, 0)} still publishing, {len(result.skipped)} skipped."
        )
        if counts.get(Status.PUBLISH_FAILED) or counts.get(Status.PUBLISHING):
            raise CommandError("Some designs were not published.")

    def _follow(self, ids: list[int], timeout: float) -> dict:
        """Poll the database (the record of truth) and draw a progress bar until nothing is publishing."""
        deadline = time.monotonic() + timeout
        interactive = self.stdout.isatty()
        last_line = None
        while True:
            counts = self._counts(ids)
            line = self._bar(counts, len(ids))
            if line != last_line:
                # On a terminal the bar redraws in place; in a log each change is one plain line.
                self.stdout.write(f"\r{line}" if interactive else line, ending="" if interactive else "\n")
                self.stdout.flush()
                last_line = line
            if not counts.get(Status.PUBLISHING) or time.monotonic() > deadline:
                if interactive:
                    self.stdout.write("")
                return counts
            time.sleep(POLL_SECONDS)

    @staticmethod
    def _counts(ids: list[int]) -> dict:
        rows = Design.objects.filter(pk__in=ids).values("status").annotate(n=Count("pk")).order_by()
        return {row["status"]: row["n"] for row in rows}

    @staticmethod
    def _bar(counts: dict, total: int, width: int = 30) -> str:
        done = total - counts.get(Status.PUBLISHING, 0)
        filled = width * done // total
        return (
            f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} done: "
            f"{counts.get(Status.PUBLISHED, 0)} published, {counts.get(Status.PUBLISH_FAILED, 0)} failed"
        )
