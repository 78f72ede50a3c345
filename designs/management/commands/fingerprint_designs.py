"""python manage.py fingerprint_designs [--redo]"""

from django.core.management.base import BaseCommand

from designs.duplicates import fill_missing


class Command(BaseCommand):
    help = (
        "Compute the perceptual hash of every design that has none yet (designs made before near-duplicate "
        "checks existed) and record which designs look alike. Safe to run again; --redo hashes every design."
    )

    def add_arguments(self, parser):
        parser.add_argument("--redo", action="store_true", help="hash every design again, not only the missing")

    def handle(self, *args, **options):
        done = total = pairs = 0
        for done, total, pairs in fill_missing(redo=options["redo"]):
            self.stdout.write(f"{done} of {total} designs hashed, {pairs} near-duplicate matches so far")
        self.stdout.write(f"Done: {done} designs hashed, {pairs} near-duplicate matches.")
