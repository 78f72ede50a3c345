"""designs/admin/design_columns.py: what each changelist row says beside its status, read in a few queries a page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from designs import duplicates
from designs.workflow import Status
from tests.designs.publishing_support import make_product, make_template
from tests.designs.review_support import admin_settings, make_reviewable  # noqa: F401  (admin_settings: fixture)

pytestmark = pytest.mark.usefixtures("admin_settings")

CHANGELIST = reverse("admin:designs_design_changelist")


def change_url(design):
    return reverse("admin:designs_design_change", args=[design.pk])


def test_the_changelist_has_a_near_duplicate_column_read_once_per_page(client, superuser, settings):
    # Issue 19: near-duplicates were only a filter.
    settings.NEAR_DUPLICATE_DISTANCE = 8
    original = make_reviewable(status=Status.PUBLISHED, prompt="bestseller")
    copies = [make_reviewable(prompt=f"copy {n}", color_index=n + 1) for n in range(3)]
    duplicates.record(original.pk, "ffff0000ffff0000")
    for n, copy in enumerate(copies):
        duplicates.record(copy.pk, f"ffff0000ffff000{n + 1}")
    client.force_login(superuser)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(CHANGELIST).content.decode()
    link = (
        f'<a href="{change_url(original)}" title="A near-copy of design {original.pk} (published)">≈ #{original.pk}</a>'
    )
    assert html.count(link) == 3
    assert sum("designs_nearduplicate" in query["sql"] for query in queries) == 1


def test_a_partly_live_design_is_published_to_the_filter_and_says_what_its_products_do(client, superuser, make_design):
    # Issue 19: its tee live, its mug waiting for its mockup review: the status is "Mockups to review", and the
    # Published filter showed 1 of 6.
    design = make_design(status=Status.MOCKUPS, title="Fox")
    make_product(design, make_template(name="Tee"), state="live")
    make_product(design, make_template(name="Mug", is_default=False), state="mockup_review")
    published = make_design(status=Status.PUBLISHED, title="Owl")
    make_product(published, make_template(name="Cap", is_default=False))
    waiting = make_design(status=Status.MOCKUPS, title="Not live")
    make_product(waiting, make_template(name="Bag", is_default=False), state="mockup_review")
    client.force_login(superuser)

    response = client.get(CHANGELIST, {"status__exact": "published"})
    assert {d.pk for d in response.context["cl"].result_list} == {design.pk, published.pk}
    assert {d.pk for d in client.get(CHANGELIST, {"status__exact": "mockups"}).context["cl"].result_list} == {
        design.pk,
        waiting.pk,
    }
    row = client.get(CHANGELIST).content.decode()
    assert '<div class="pod-products-summary">1 live · 1 mockup to review</div>' in row
    page = client.get(change_url(design)).content.decode()
    assert "1 live · 1 mockup to review" in page
