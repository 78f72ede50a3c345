"""The admin index dashboard: designs per status, and who decides what (decisions per reviewer, approval rates per
batch, preset and prompt)."""

import re

from django.urls import reverse

from designs.models import Batch, GenerationPreset
from designs.services import review
from designs.workflow import Source, Status
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)


def rows(html, table_id):
    table = html.split(f'id="{table_id}"')[1].split("</table>")[0]
    return [re.sub(r"<[^>]+>", " ", row).split() for row in table.split("<tr>")[2:]]


def test_dashboard_shows_each_reviewers_decisions_and_approval_rates(
    client,
    superuser,
    make_user,
    make_design,
    admin_settings,  # noqa: F811
):
    ann, bob = make_user("ann", groups=["Reviewers"]), make_user("bob", groups=["Reviewers"])
    preset = GenerationPreset.objects.create(name="Poster", workflow={})
    autumn, winter = Batch.objects.create(name="Autumn"), Batch.objects.create(name="Winter")
    fox = [make_design(prompt="fox", status=Status.REVIEW, batch=autumn, preset=preset) for _ in range(4)]
    owl = [make_design(prompt="owl", status=Status.REVIEW, batch=winter) for _ in range(2)]
    review.approve(fox[:3], actor=ann, source=Source.REVIEW)
    review.reject(fox[3:], actor=ann, source=Source.REVIEW)
    review.reject(owl[:1], actor=bob, source=Source.REVIEW)
    review.approve(owl[1:], actor=bob, source=Source.REVIEW)
    review.undo_last_decision(actor=bob)  # taken back: not counted
    client.force_login(superuser)

    html = client.get(reverse("admin:index")).content.decode()

    assert "Who decides what" in html
    assert rows(html, "pod-reviewer-stats") == [["ann", "4", "4", "75", "%"], ["bob", "1", "1", "0", "%"]]
    assert rows(html, "pod-rates-batch") == [["Autumn", "4", "75", "%"], ["Winter", "1", "0", "%"]]
    assert rows(html, "pod-rates-preset") == [["Poster", "4", "75", "%"]]
    assert rows(html, "pod-rates-prompt") == [["fox", "4", "75", "%"], ["owl", "1", "0", "%"]]
    assert f"?batch__id__exact={autumn.pk}" in html and "?q=fox" in html


def test_the_statistics_are_for_staff_who_may_view_designs(client, make_user, make_design, admin_settings):  # noqa: F811
    client.force_login(make_user("plain-staff"))
    assert "Who decides what" not in client.get(reverse("admin:index")).content.decode()


def test_the_index_counts_designs_per_status_with_a_link_to_each_and_the_latest_failures(
    client,
    superuser,
    make_design,
    admin_settings,  # noqa: F811
):
    for status in (Status.REVIEW, Status.REVIEW, Status.APPROVED, Status.GENERATION_FAILED):
        make_design(status=status, last_error="RunPod ran out of memory" if status == Status.GENERATION_FAILED else "")
    client.force_login(superuser)

    html = client.get(reverse("admin:index")).content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))

    assert re.search(r"In review\s+2\b", text) and re.search(r"Approved\s+1\b", text)
    assert "RunPod ran out of memory" in text


def test_staff_who_may_not_view_designs_see_no_counts(client, make_user, make_design, admin_settings):  # noqa: F811
    make_design(status=Status.REVIEW, last_error="secret-ish failure text")
    client.force_login(make_user("plain-staff"))
    html = client.get(reverse("admin:index")).content.decode()
    assert "secret-ish failure text" not in html and "In review" not in html
