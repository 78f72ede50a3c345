"""The one confirmation page: select-all travels as select_across (with the filters), never one input per design."""

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from designs.models import Design
from designs.workflow import Status
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_settings")]
CHANGELIST = reverse("admin:designs_design_changelist")


def test_select_all_carries_select_across_and_the_filters_not_the_ids(client, superuser):
    drafts = Design.objects.bulk_create(Design(prompt=f"tile {n}") for n in range(300))
    Design.objects.create(prompt="in review", status=Status.REVIEW)
    client.force_login(superuser)
    url = f"{CHANGELIST}?status__exact=draft"
    data = {"action": "generate_designs", "select_across": "1", ACTION_CHECKBOX_NAME: [drafts[0].pk], "index": "0"}
    page = client.post(url, data).content.decode()
    assert "<strong>300</strong> of the 300 selected designs will be queued" in page
    assert page.count('type="hidden" name="_selected_action"') == 0
    assert '<input type="hidden" name="select_across" value="1">' in page
    assert not re.search(r"<form method=\"post\" action=", page)  # posts back to the filtered URL it came from
    assert Design.objects.filter(status=Status.QUEUED).count() == 0
    response = client.post(url, {**data, "post": "yes"}, follow=True)
    assert "300 queued for generation." in response.content.decode()
    assert Design.objects.filter(status=Status.QUEUED).count() == 300
    assert Design.objects.get(prompt="in review").status == Status.REVIEW  # outside the filter: untouched


def test_ticked_designs_travel_as_their_ids(client, superuser, make_design):
    designs = [make_design(status=Status.GENERATION_FAILED) for _ in range(3)]
    client.force_login(superuser)
    data = {"action": "generate_designs", ACTION_CHECKBOX_NAME: [d.pk for d in designs[:2]]}
    page = client.post(CHANGELIST, data).content.decode()
    carried = re.findall(r'name="_selected_action" value="(\d+)"', page)
    assert sorted(map(int, carried)) == sorted(d.pk for d in designs[:2])
