"""Admin login: throttling per username and client address (django-axes), and where a successful login lands.

The lockout page, unlocking and the client address have their own files (test_lockout.py, test_axes_admin.py,
test_client_ip.py)."""

import logging

import pytest
from axes.exceptions import AxesBackendRequestParameterRequired
from axes.models import AccessAttempt
from django.test import Client, RequestFactory

from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)
from tests.podsite.login_support import HOME, OTHER_PLACE, PASSWORD, WRONG, fail, lock_out, log_in, logged_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_settings")]


def test_the_same_username_from_another_address_still_logs_in(superuser, limit):
    lock_out("boss", limit)

    assert logged_in(log_in("boss", PASSWORD, OTHER_PLACE))


def test_another_username_from_the_locked_out_address_still_logs_in(superuser, reviewer, limit):
    lock_out("boss", limit)

    assert logged_in(log_in("reviewer", PASSWORD))


def test_a_success_before_the_limit_starts_the_count_again(superuser, limit):
    fail("boss", limit - 1)
    assert logged_in(log_in("boss", PASSWORD))
    fail("boss", limit - 1)

    assert logged_in(log_in("boss", PASSWORD))


def test_the_lockout_is_counted_per_client_address_from_settings(superuser, limit, settings):
    """Behind one trusted proxy: the address the proxy saw counts, whatever the client wrote further left."""
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for forged in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):
        log_in("boss", WRONG, proxy, client=Client(HTTP_X_FORWARDED_FOR=f"{forged}, {HOME}"))

    assert log_in("boss", PASSWORD, proxy, client=Client(HTTP_X_FORWARDED_FOR=HOME)).status_code == 429
    assert logged_in(log_in("boss", PASSWORD, proxy, client=Client(HTTP_X_FORWARDED_FOR=OTHER_PLACE)))


def test_passwords_reach_neither_the_logs_nor_the_attempt_records(superuser, limit, caplog):
    with caplog.at_level(logging.DEBUG):
        lock_out("boss", limit)
        log_in("boss", PASSWORD)

    attempt = AccessAttempt.objects.get(username="boss")
    for secret in (WRONG, PASSWORD):
        assert secret not in caplog.text
        assert secret not in attempt.post_data and secret not in attempt.get_data
    assert "Locking out" in caplog.text  # the control: the lockout itself was logged


def test_test_clients_log_in_with_force_login_or_with_a_request(superuser):
    """force_login skips authenticate() and so the throttle. client.login() must pass a request: the throttle
    refuses, loudly, to check a login it cannot place."""
    client = Client()
    client.force_login(superuser)
    assert client.get("/admin/").status_code == 200

    client = Client()
    with pytest.raises(AxesBackendRequestParameterRequired):
        client.login(username="boss", password=PASSWORD)
    assert client.login(request=RequestFactory().get("/"), username="boss", password=PASSWORD)
    assert client.get("/admin/").status_code == 200


def test_a_login_without_next_lands_on_the_admin(superuser):
    response = Client().post("/admin/login/", {"username": "boss", "password": PASSWORD}, REMOTE_ADDR=HOME)

    assert response.status_code == 302 and response["Location"] == "/admin/"
