"""Admin login: throttling per username and client address (django-axes), the lockout page, unlocking in the
admin, where the client address comes from, and where a successful login lands."""

import logging

import pytest
from axes.exceptions import AxesBackendRequestParameterRequired
from axes.models import AccessAttempt
from django.test import Client, RequestFactory

from podsite.client_ip import client_ip
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_settings")]

PASSWORD = "pw-for-tests-only"  # the make_user fixture's
WRONG = "wrong-Guess-4417"
HOME, OTHER_PLACE = "192.0.2.10", "198.51.100.20"


@pytest.fixture
def limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    return settings.AXES_FAILURE_LIMIT


def log_in(username: str, password: str, address: str = HOME, client: Client | None = None):
    client = client or Client()
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def fail(username: str, times: int, address: str = HOME):
    for _ in range(times):
        assert log_in(username, WRONG, address).status_code == 200  # the form again, with its error


def lock_out(username: str, limit: int, address: str = HOME):
    fail(username, limit - 1, address)
    assert log_in(username, WRONG, address).status_code == 429  # the failure that reaches the limit


def test_the_right_password_is_refused_after_too_many_wrong_ones(superuser, limit):
    lock_out("boss", limit)

    client = Client()
    response = log_in("boss", PASSWORD, client=client)

    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed logins" in page and "Try again in 15 minutes" in page
    assert "podsite" in page  # the admin's own page, not a bare error
    assert client.get("/admin/").status_code == 302  # still not logged in


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


def test_the_lockout_is_counted_per_client_address_from_settings(superuser, limit, settings):
    """Behind one trusted proxy: the address the proxy saw counts, whatever the client wrote further left."""
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for forged in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):
        log_in("boss", WRONG, proxy, client=Client(HTTP_X_FORWARDED_FOR=f"{forged}, {HOME}"))

    assert log_in("boss", PASSWORD, proxy, client=Client(HTTP_X_FORWARDED_FOR=HOME)).status_code == 429
    assert logged_in(log_in("boss", PASSWORD, proxy, client=Client(HTTP_X_FORWARDED_FOR=OTHER_PLACE)))


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, None, "203.0.113.9"),
        (0, "192.0.2.1", "203.0.113.9"),  # no trusted proxy: the header is the client's own words
        (1, "192.0.2.1", "192.0.2.1"),
        (1, "6.6.6.6, 192.0.2.1", "192.0.2.1"),  # the forged entry on the left is ignored
        (2, "6.6.6.6, 192.0.2.1, 10.0.0.1", "192.0.2.1"),
        (1, "2001:db8::1", "2001:db8::1"),
        (2, "192.0.2.1", "203.0.113.9"),  # fewer entries than proxies: a misconfiguration, not the client
        (1, "not-an-address", "203.0.113.9"),
        (1, "", "203.0.113.9"),
    ],
)
def test_client_ip(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9", **headers)

    assert client_ip(request) == expected


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
