"""The page a locked-out login sees (podsite/lockout.py)."""

import pytest
from django.test import Client

from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)
from tests.podsite.login_support import PASSWORD, lock_out, log_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_settings")]


def test_the_right_password_is_refused_after_too_many_wrong_ones(superuser, limit):
    lock_out("boss", limit)

    client = Client()
    response = log_in("boss", PASSWORD, client=client)

    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed logins" in page and "Try again in 15 minutes" in page
    assert "podsite" in page  # the admin's own page, not a bare error
    assert client.get("/admin/").status_code == 302  # still not logged in
