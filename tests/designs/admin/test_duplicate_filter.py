"""The design changelist's "near-duplicate" filter: designs that look like another, like a published one, or like
none."""

import pytest
from django.urls import reverse

from designs.models import NearDuplicate
from designs.workflow import Status
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_settings")]


def listed(client, choice) -> set[int]:
    response = client.get(reverse("admin:designs_design_changelist"), {"near_duplicate": choice})
    assert response.status_code == 200
    return {design.pk for design in response.context["cl"].result_list}


def pair(first, second):
    NearDuplicate.objects.create(design=first, other=second, distance=2)
    NearDuplicate.objects.create(design=second, other=first, distance=2)


def test_each_choice_lists_the_designs_it_names(client, superuser, make_design):
    live = make_design(status=Status.PUBLISHED, title="live")
    like_live = make_design(status=Status.REVIEW, title="like live")
    first, second = make_design(status=Status.REVIEW), make_design(status=Status.APPROVED)
    alone = make_design(status=Status.REVIEW)
    pair(live, like_live)
    pair(first, second)
    client.force_login(superuser)

    assert listed(client, "yes") == {live.pk, like_live.pk, first.pk, second.pk}
    assert listed(client, "published") == {like_live.pk}
    assert listed(client, "no") == {alone.pk}
    page = client.get(reverse("admin:designs_design_changelist")).content.decode()
    assert "Looks like a published design" in page
