"""django-axes' admin pages: unlocking by deleting an attempt; the logs stay read-only."""

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)
from tests.podsite.login_support import HOME, PASSWORD, lock_out, log_in, logged_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_settings")]


def test_a_superuser_unlocks_in_the_admin(superuser, make_user, limit):
    lock_out("boss", limit)
    attempt = AccessAttempt.objects.get(username="boss", ip_address=HOME)
    other_admin = Client()
    other_admin.force_login(make_user("second-boss", superuser=True))

    listed = other_admin.get("/admin/axes/accessattempt/?locked_out=yes")
    assert listed.status_code == 200 and f"/admin/axes/accessattempt/{attempt.pk}/change/" in listed.content.decode()
    response = other_admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert logged_in(log_in("boss", PASSWORD))


def test_access_logs_are_records_nobody_changes_or_deletes(superuser, limit):
    from axes.models import AccessLog

    assert logged_in(log_in("boss", PASSWORD))
    entry = AccessLog.objects.get(username="boss")
    boss = Client()
    boss.force_login(superuser)

    page = boss.get(f"/admin/axes/accesslog/{entry.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert boss.post(f"/admin/axes/accesslog/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AccessLog.objects.filter(pk=entry.pk).exists()
