"""designs/admin/status_filter.py: "Published" means for sale, so a design with any product live counts."""

import pytest
from django.urls import reverse

from designs.workflow import Status
from tests.designs.publishing_support import make_product, make_template
from tests.designs.review_support import admin_settings, make_reviewable  # noqa: F401  (admin_settings: fixture)

pytestmark = pytest.mark.usefixtures("admin_settings")

CHANGELIST = reverse("admin:designs_design_changelist")


def change_url(design):
    return reverse("admin:designs_design_change", args=[design.pk])


def test_published_counts_partly_live_designs_and_other_statuses_filter_as_they_are(client, superuser, make_design):
    partly = make_design(status=Status.MOCKUPS, title="Fox")
    make_product(partly, make_template(name="Tee"), state="live")
    make_product(partly, make_template(name="Mug", is_default=False), state="mockup_review")
    waiting = make_design(status=Status.MOCKUPS, title="Not live")
    make_product(waiting, make_template(name="Bag", is_default=False), state="mockup_review")
    in_review = make_design(status=Status.REVIEW)
    client.force_login(superuser)

    def shown(status):
        return {d.pk for d in client.get(CHANGELIST, {"status__exact": status}).context["cl"].result_list}

    assert shown("published") == {partly.pk}
    assert shown("mockups") == {partly.pk, waiting.pk}
    assert shown("review") == {in_review.pk}
    assert "Published (or partly live)" in client.get(CHANGELIST).content.decode()
