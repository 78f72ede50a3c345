"""designs/audit.py: the admin's LogEntry trail for what staff did, written in bulk, wherever the work ran."""

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry

from designs import audit
from designs.models import Product
from tests.designs.publishing_support import make_product, make_template

pytestmark = pytest.mark.django_db


def test_one_entry_per_design_named_by_its_title_or_prompt(make_design, superuser, monkeypatch):
    monkeypatch.setattr(audit, "CHUNK", 2)  # several bulk inserts
    designs = [make_design(title="Fox"), make_design(prompt="an owl"), make_design(title="Hare")]
    audit.log_changes(superuser, [d.pk for d in designs], "Approved.")
    entries = LogEntry.objects.order_by("object_id")
    assert [(e.action_flag, e.change_message, e.user_id) for e in entries] == [(CHANGE, "Approved.", superuser.pk)] * 3
    assert sorted(e.object_id for e in entries) == sorted(str(d.pk) for d in designs)


def test_additions_and_deletions_have_their_own_flags(make_design, superuser):
    design = make_design(title="Fox")
    audit.log_additions(superuser, [design.pk], "Added as a variation.")
    audit.log_deletions(superuser, [design.pk])
    assert sorted(LogEntry.objects.values_list("action_flag", flat=True)) == [ADDITION, DELETION]


def test_products_are_logged_as_products(make_design, superuser):
    product = make_product(make_design(title="Fox"), make_template())
    audit.log_changes(superuser, [product.pk], "Sent live.", model=Product, fields=("pk", "template_name", "design_id"))
    [entry] = LogEntry.objects.all()
    assert (entry.content_type.model, entry.object_id) == ("product", str(product.pk))


def test_work_nobody_asked_for_in_person_logs_nothing(make_design):
    audit.log_changes(None, [make_design().pk], "By a command.")
    audit.log_changes(None, [], "Nothing.")
    assert not LogEntry.objects.exists()
