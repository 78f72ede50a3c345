"""python manage.py prepare_print_files (--ids … | --batch NAME | --all-approved) [--preset NAME] [--template NAME]
[--wait]: the same request_print_files() the admin action calls."""

from django.core.management.base import BaseCommand, CommandError

from designs import selectors
from designs.admin.display import usd
from designs.management.progress import report_outcome, wait_and_report
from designs.management.selection import add_approved_selection, selected_designs, template_named
from designs.models import Design
from designs.print_status import PRINT_PENDING, PrintStatus
from designs.services.generation import TooManyDesigns
from designs.services.print_files import PrintRefused, estimated_cost, preset_for, request_print_files
from designs.workflow import Source


class Command(BaseCommand):
    help = "Prepare print files on RunPod (upscale, background removal) for approved designs; --wait follows them."

    def add_arguments(self, parser):
        add_approved_selection(parser)
        parser.add_argument("--preset", metavar="NAME", help="Print preset (default: as the template needs).")
        parser.add_argument(
            "--template",
            metavar="NAME",
            help="Size for this product template (default: each design's own, else the default template).",
        )
        parser.add_argument(
            "--again",
            action="store_true",
            help="Prepare designs already at TARGET_PRINT_DPI too (skipped otherwise: an upscale costs and changes "
            "nothing).",
        )
        parser.add_argument("--wait", action="store_true", help="Show progress until every print file is done.")
        parser.add_argument("--timeout", type=float, default=3600, help="With --wait: give up after this many seconds.")

    def handle(self, *args, **options):
        template = template_named(options["template"])
        designs = selected_designs(options)
        try:
            preset = preset_for(template, options["preset"]) if options["preset"] else None
            result = request_print_files(
                designs, actor=None, source=Source.COMMAND, preset=preset, template=template, again=options["again"]
            )
        except (PrintRefused, TooManyDesigns) as error:
            raise CommandError(str(error)) from error
        if not result.moved and not result.skipped:
            raise CommandError("No designs match.")
        self.stdout.write(f"{result.summary()}; estimated RunPod cost {usd(estimated_cost(len(result.moved)))}.")
        if not options["wait"] or not result.moved:
            return
        moved = Design.objects.filter(pk__in=result.moved)
        shown = (PrintStatus.QUEUED, PrintStatus.PREPARING, PrintStatus.READY, PrintStatus.FAILED)
        progress = wait_and_report(
            self,
            moved,
            pending=PRINT_PENDING,
            shown=shown,
            timeout=options["timeout"],
            measure=selectors.print_progress,
            label=lambda status: PrintStatus(status).label,
        )
        counts = progress["counts"]
        summary = (
            f"{counts[PrintStatus.READY]} ready, {counts[PrintStatus.FAILED]} failed, {progress['pending']} "
            f"unfinished, {len(result.skipped)} skipped; cost {usd(progress['cost'])}"
        )
        report_outcome(self, progress, selectors.print_failures(moved), timeout=options["timeout"], summary=summary)
