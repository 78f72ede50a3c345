"""Logging in to the admin as a browser does, for the login-throttling tests."""

from django.test import Client

PASSWORD = "pw-for-tests-only"  # the make_user fixture's
WRONG = "wrong-Guess-4417"
HOME, OTHER_PLACE = "192.0.2.10", "198.51.100.20"


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
