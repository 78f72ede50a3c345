"""django-q2's admin is read-only for everyone (podsite/q_admin.py): a schedule's func is any importable
callable, so adding or changing one would run code as the worker user."""

import pytest
from django.test import Client
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import Schedule, Task

from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_settings")]

HOSTILE = {"name": "pwn", "func": "os.system", "args": "'touch /tmp/pwned'", "schedule_type": "O", "repeats": "-1"}


@pytest.fixture
def boss(superuser):
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def schedule():
    return Schedule.objects.get(name="designs.reconcile")  # created by a designs migration


def finished_task(success: bool) -> Task:
    now = timezone.now()
    return Task.objects.create(
        id=("a" if success else "b") * 32,
        name="task",
        func="designs.tasks.reconcile",
        started=now,
        stopped=now,
        success=success,
    )


def test_a_superuser_cannot_add_a_schedule(boss):
    assert boss.get("/admin/django_q/schedule/add/").status_code == 403
    assert boss.post("/admin/django_q/schedule/add/", HOSTILE).status_code == 403

    assert not Schedule.objects.exclude(func__startswith="designs.tasks.").exists()


def test_a_schedule_change_page_is_read_only(boss, schedule):
    page = boss.get(f"/admin/django_q/schedule/{schedule.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "designs.tasks.reconcile" in html and 'name="func"' not in html and 'name="_save"' not in html

    response = boss.post(f"/admin/django_q/schedule/{schedule.pk}/change/", {**HOSTILE, "name": schedule.name})

    assert response.status_code == 403
    schedule.refresh_from_db()
    assert schedule.func == "designs.tasks.reconcile"


def test_schedules_and_queued_or_successful_tasks_cannot_be_deleted(boss, schedule):
    success = finished_task(success=True)
    for path in (f"/admin/django_q/schedule/{schedule.pk}/delete/", f"/admin/django_q/success/{success.pk}/delete/"):
        assert boss.post(path, {"post": "yes"}).status_code == 403, path
    assert Schedule.objects.filter(pk=schedule.pk).exists() and Task.objects.filter(pk=success.pk).exists()


def test_finished_tasks_cannot_be_resubmitted(boss):
    failure = finished_task(success=False)
    changelist = boss.get("/admin/django_q/failure/")
    assert changelist.status_code == 200 and "resubmit_task" not in changelist.content.decode()
    queued = get_broker().queue_size()

    boss.post("/admin/django_q/failure/", {"action": "resubmit_task", "_selected_action": [failure.pk]})

    assert get_broker().queue_size() == queued and Task.objects.filter(pk=failure.pk).exists()


def test_failed_tasks_can_be_deleted(boss):
    failure = finished_task(success=False)

    response = boss.post(f"/admin/django_q/failure/{failure.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302 and not Task.objects.filter(pk=failure.pk).exists()
