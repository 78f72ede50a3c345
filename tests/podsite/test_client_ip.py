"""Where the client address for login throttling comes from (podsite/client_ip.py)."""

import pytest
from django.test import RequestFactory

from podsite.client_ip import client_ip


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
