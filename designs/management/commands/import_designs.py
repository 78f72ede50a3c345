"""python manage.py import_designs PATH... [--batch NAME]"""

from django.core.management.base import BaseCommand, CommandError

from designs.services.imports import import_files


class Command(BaseCommand):
    help = (
        "Import existing image files (or folders of them, e.g. a ComfyUI output folder) as designs in review. "
        "Each file is validated like RunPod output; files whose content is already known are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="image files or folders")
        parser.add_argument("--batch", default="", help="put the imported designs in a new batch with this name")

    def handle(self, *args, **options):
        imported = skipped = 0
        for outcome in import_files(options["paths"], batch_name=options["batch"]):
            if outcome.design is not None:
                imported += 1
                self.stdout.write(f"imported {outcome.path} → design {outcome.design.pk}")
            else:
                skipped += 1
                self.stdout.write(f"skipped  {outcome.path}: {outcome.skipped}")
        self.stdout.write(f"{imported} imported, {skipped} skipped.")
        if not imported and not skipped:
            raise CommandError("No image files found.")
