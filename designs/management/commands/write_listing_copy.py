"""Ask the LLM for listing copy from the command line: the same request_copy() the admin action calls."""

from django.core.management.base import BaseCommand, CommandError

from designs import selectors
from designs.admin.display import usd
from designs.clients import NotConfigured
from designs.management.progress import report_outcome, wait_and_report
from designs.models import CopyStatus, Design
from designs.services.generation import TooManyDesigns
from designs.services.listing_copy import request_copy
from designs.workflow import Source


class Command(BaseCommand):
    help = "Queue designs for LLM-written titles, descriptions and tags; --wait follows them to the end."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--ids", nargs="+", type=int, metavar="ID", help="These designs.")
        which.add_argument("--batch", metavar="NAME", help="Every design of the batch(es) with this name.")
        parser.add_argument(
            "--rewrite-done", action="store_true", help="Write again the copy of designs whose copy is done."
        )
        parser.add_argument("--wait", action="store_true", help="Show progress until every design's copy is done.")
        parser.add_argument(
            "--timeout", type=float, default=1800, help="With --wait: give up waiting after this many seconds."
        )

    def handle(self, *args, **options):
        if options["ids"]:
            designs = options["ids"]
        else:
            designs = Design.objects.filter(batch__name=options["batch"])
            if not designs.exists():
                raise CommandError(f"No batch named “{options['batch']}” has designs.")
        try:
            result = request_copy(designs, actor=None, source=Source.COMMAND, rewrite_done=options["rewrite_done"])
        except (NotConfigured, TooManyDesigns) as error:
            raise CommandError(str(error)) from error
        if not result.moved and not result.skipped and not result.refused:
            raise CommandError("No designs match.")
        self.stdout.write(f"{result.summary('queued for listing copy')}.")
        if not options["wait"] or not result.moved:
            return
        moved = Design.objects.filter(pk__in=result.moved)
        progress = wait_and_report(
            self,
            moved,
            pending=frozenset({CopyStatus.QUEUED, CopyStatus.WRITING}),
            shown=(CopyStatus.DONE, CopyStatus.FAILED, CopyStatus.WRITING),
            timeout=options["timeout"],
            measure=selectors.copy_progress,
            label=lambda status: CopyStatus(status).label,
        )
        counts = progress["counts"]
        summary = (
            f"{counts[CopyStatus.DONE]} written, {counts[CopyStatus.FAILED]} failed, "
            f"{progress['pending']} unfinished; {progress['tokens']:,} tokens, {usd(progress['cost'])}"
        )
        report_outcome(self, progress, selectors.copy_failures(moved), timeout=options["timeout"], summary=summary)
