"""Large selections in the admin: the action is handed to a worker (a message links to its progress page), the
confirmation pages answer from counts and a sample, and the progress page shows the worker's progress."""

import time

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from designs import tasks
from designs.job_models import ActionJob
from designs.models import Design
from designs.workflow import Status
from tests.designs.action_support import CHANGELIST, answer, ask, shown
from tests.designs.print_support import areas
from tests.designs.publishing_support import configure_printify, make_template
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)
from tests.form_support import as_dict, form_with

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_settings")]


def many(count: int, **fields) -> list[int]:
    made = Design.objects.bulk_create(Design(prompt=f"tile {n}", title=f"Tile {n}", **fields) for n in range(count))
    return [design.pk for design in made]


def test_select_all_approve_over_the_limit_goes_to_a_worker_with_its_progress_shown(
    client, superuser, settings, django_capture_on_commit_callbacks
):
    settings.ACTION_IN_WORKER_ABOVE = 100
    many(150, status=Status.REVIEW)
    client.force_login(superuser)

    with django_capture_on_commit_callbacks() as woken:
        done = ask(client, "approve_designs", url=f"{CHANGELIST}?status__exact=review")

    job = ActionJob.objects.get()
    [message] = shown(done)
    link = reverse("admin:designs_design_action_job", args=[job.pk])
    assert message == f'Approve 150 designs: a worker is carrying it out. <a href="{link}">Follow its progress</a>.'
    assert len(woken) == 1 and not Design.objects.filter(status=Status.APPROVED).exists()
    waiting = client.get(link).content.decode()
    assert "<strong>Waiting for a worker</strong>: 0 of 150 designs" in waiting and 'http-equiv="refresh"' in waiting

    tasks.run_action_job(job.pk)  # what the worker runs

    page = client.get(link).content.decode()
    assert "<strong>Done</strong>: 150 of 150 designs gone through (100 %)" in page
    assert "150 approved." in page and 'http-equiv="refresh"' not in page
    assert Design.objects.filter(status=Status.APPROVED).count() == 150


def test_a_confirmed_action_over_the_limit_carries_the_answers_to_the_worker(client, superuser, settings):
    settings.ACTION_IN_WORKER_ABOVE = 100
    many(120, status=Status.REVIEW)
    client.force_login(superuser)
    question = ask(client, "reject_designs", url=f"{CHANGELIST}?status__exact=review")
    answer(client, question, changes={"reason": "off-brand"})
    job = ActionJob.objects.get()
    assert job.options == {"reason": "off-brand"} and job.total == 120
    tasks.run_action_job(job.pk)
    assert Design.objects.filter(status=Status.REJECTED).count() == 120


def test_only_its_starter_or_a_superuser_sees_a_job(client, superuser, reviewer):
    job = ActionJob.objects.create(action="approve_designs", label="Approve 3 designs", total=3, created_by=superuser)
    client.force_login(reviewer)
    assert client.get(reverse("admin:designs_design_action_job", args=[job.pk])).status_code == 404


def test_the_publish_confirmation_of_thousands_answers_from_counts_and_a_sample(client, publisher, settings):
    configure_printify(settings)
    settings.MIN_PRINT_DPI = 150
    make_template(placeholders=areas((600, 720)), placement={"mode": "fit"})
    many(2400, status=Status.APPROVED, image_width=600, image_height=600)  # 300 DPI
    many(600, status=Status.APPROVED, image_width=256, image_height=256)  # 128 DPI: below the minimum
    client.force_login(publisher)

    url = f"{CHANGELIST}?status__exact=approved"
    listing = form_with(client.get(url).content.decode(), "action")
    rows = [i["value"] for i in listing.inputs if i.get("name") == ACTION_CHECKBOX_NAME]
    changes = {"action": "publish_to_printify", ACTION_CHECKBOX_NAME: rows, "select_across": "1"}
    started = time.perf_counter()
    question = client.post(url, as_dict(listing.data(changes, press="Go")))
    seconds = time.perf_counter() - started

    page = question.content.decode()
    print(f"publish confirmation over 3,000 designs: {seconds:.2f} s")
    assert seconds < 2
    assert "<strong>2400</strong> designs will be published" in page  # the 600 below the minimum are refused
    assert "below 150 DPI" not in page  # the sample (the first 48) holds none of them…
    checked = "Blocked terms, the shops' listing limits and titles already live are checked here for the designs shown"
    assert checked in page
    assert 'name="post"' not in page  # …but the count does: the override is needed before confirming
    overridden = client.post(url, as_dict(form_with(page, "action").data({"override_low_dpi": "on"}, press="show")))
    assert "<strong>3000</strong> designs will be published" in overridden.content.decode()
    assert shown(answer(client, overridden))[0].startswith("Publish 3,000 designs: a worker is carrying it out.")
