"""The admin index dashboard: designs per status, and who decides what (decisions per reviewer, approval rates per
batch, preset and prompt)."""

import re

import pytest
from django.urls import reverse

from designs.models import Batch, GenerationPreset
from designs.services import review
from designs.workflow import Source, Status
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_settings")]


def rows(html, table_id):
    table = html.split(f'id="{table_id}"')[1].split("</table>")[0]
    return [re.sub(r"<[^>]+>", " ", row).split() for row in table.split("<tr>")[2:]]


def test_dashboard_shows_each_reviewers_decisions_and_approval_rates(
    client,
    superuser,
    make_user,
    make_design,
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


def test_the_statistics_are_for_staff_who_may_view_designs(client, make_user, make_design):
    client.force_login(make_user("plain-staff"))
    assert "Who decides what" not in client.get(reverse("admin:index")).content.decode()


def test_admin_index_dashboard_counts_in_flight_and_failures(client, superuser, make_design):
    for status, count in [("review", 3), ("queued", 2), ("generating", 1), ("publishing", 4), ("approved", 1)]:
        for _ in range(count):
            make_design(status=status)
    make_design(status=Status.GENERATION_FAILED, title="Broken fox", last_error="RunPod job timed out after 30 min.")
    make_design(status=Status.PUBLISH_FAILED, title="Refused owl", last_error="Printify refused: print area (8251).")
    client.force_login(superuser)

    html = client.get(reverse("admin:index")).content.decode()

    assert re.search(r'id="pod-in-flight">7<', html)
    assert re.search(r'id="pod-waiting">3<', html)
    assert re.search(r'id="pod-total">13<', html)
    assert re.search(r'data-status="publishing"><span[^>]*>Publishing</span> <span class="pod-count">4<', html)
    assert "Broken fox" in html and "RunPod job timed out after 30 min." in html
    assert "Refused owl" in html and "print area (8251)" in html
    assert reverse("admin:designs_design_review") in html


def test_admin_index_hides_the_dashboard_from_staff_who_cannot_view_designs(client, make_user, make_design):
    make_design(status=Status.GENERATION_FAILED, last_error="secret-ish detail")
    client.force_login(make_user("plain-staff"))

    html = client.get(reverse("admin:index")).content.decode()

    assert "pod-dashboard" not in html and "secret-ish detail" not in html
