"""The options publish_designs and prepare_print_files share: which designs, and which templates by name."""

import pytest
from django.core.management.base import CommandError, CommandParser

from designs.management.selection import add_approved_selection, selected_designs, template_named, templates_named
from designs.models import Batch
from designs.workflow import Status
from tests.designs.publishing_support import make_template

pytestmark = pytest.mark.django_db


def parse(*argv) -> dict:
    parser = CommandParser()
    add_approved_selection(parser)
    return vars(parser.parse_args(argv))


@pytest.mark.parametrize("argv", [(), ("--all-approved", "--ids", "1"), ("--ids",), ("--ids", "one")])
def test_exactly_one_selection_is_required(argv):
    with pytest.raises(CommandError):
        parse(*argv)


def test_the_ids_given_else_the_approved_designs_of_the_batch(make_design):
    autumn = Batch.objects.create(name="Autumn")
    in_batch = make_design(status=Status.APPROVED, batch=autumn)
    other = make_design(status=Status.APPROVED)
    make_design(status=Status.REVIEW, batch=autumn)

    assert selected_designs(parse("--ids", "7", "9")) == [7, 9]
    assert list(selected_designs(parse("--batch", "Autumn"))) == [in_batch]
    assert sorted(d.pk for d in selected_designs(parse("--all-approved"))) == [in_batch.pk, other.pk]


def test_templates_are_found_by_name_in_the_order_given_and_missing_ones_named():
    tee, mug = make_template(name="Tee"), make_template(name="Mug", is_default=False)

    assert templates_named(["Mug", "Tee", "Mug"]) == [mug, tee]
    with pytest.raises(CommandError, match="No product template is named “Hat”, “Cap”."):
        templates_named(["Tee", "Hat", "Cap"])
    assert template_named("Tee") == tee and template_named("") is None
    with pytest.raises(CommandError, match="No product template is named “Hat”."):
        template_named("Hat")
