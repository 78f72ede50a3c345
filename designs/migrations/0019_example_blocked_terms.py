"""A short example list of blocked terms, so the compliance screen does something on a fresh install.

Examples only: which names are protected, and where, is the shop's responsibility (Admin → Blocked terms).
Terms a shop already has (or deleted and re-added) are left alone.
"""

from django.db import migrations

EXAMPLES = [
    ("Disney", "Trademark (example)"),
    ("Mickey Mouse", "Character (example)"),
    ("Marvel", "Trademark (example)"),
    ("Star Wars", "Trademark (example)"),
    ("Pokémon", "Trademark (example)"),
    ("Hello Kitty", "Character (example)"),
    ("Harry Potter", "Character (example)"),
    ("Nike", "Trademark (example)"),
    ("Taylor Swift", "Celebrity (example)"),
    ("NFL", "Trademark (example)"),
]


def add_examples(apps, schema_editor):
    blocked_term = apps.get_model("designs", "BlockedTerm")
    for term, reason in EXAMPLES:
        blocked_term.objects.get_or_create(term=term, defaults={"reason": reason})


class Migration(migrations.Migration):
    dependencies = [("designs", "0013_listing_copy_and_blocked_terms")]

    operations = [migrations.RunPython(add_examples, migrations.RunPython.noop)]
