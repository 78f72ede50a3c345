"""Which designs and template a command works on: the options publish_designs and prepare_print_files share."""

from __future__ import annotations

from django.core.management.base import CommandError

from designs import selectors
from designs.models import ProductTemplate


def add_approved_selection(parser) -> None:
    """--all-approved | --ids ID… | --batch NAME (exactly one)."""
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--all-approved", action="store_true", help="Every approved design.")
    which.add_argument("--ids", nargs="+", type=int, metavar="ID", help="These designs.")
    which.add_argument("--batch", metavar="NAME", help="The approved designs of the batch with this name.")


def selected_designs(options):
    """The ids given, else the approved designs (of the named batch)."""
    return options["ids"] or selectors.publishable(batch_name=options["batch"])


def templates_named(names: list[str]) -> list[ProductTemplate]:
    """The templates with these names, in the order given (repeats dropped); a clear error naming any missing."""
    names = list(dict.fromkeys(names))
    found = {template.name: template for template in ProductTemplate.objects.filter(name__in=names)}
    missing = [name for name in names if name not in found]
    if missing:
        raise CommandError(f"No product template is named {', '.join(f'“{name}”' for name in missing)}.")
    return [found[name] for name in names]


def template_named(name: str | None) -> ProductTemplate | None:
    """The product template called `name` (None when no name was given); a clear error when there is none."""
    if not name:
        return None
    template = ProductTemplate.objects.filter(name=name).first()
    if template is None:
        raise CommandError(f"No product template is named “{name}”.")
    return template
