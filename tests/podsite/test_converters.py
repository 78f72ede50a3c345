"""<id:…> (podsite/converters.py): ids too long for a 64-bit column are no match, so a 404 and never a 500."""

import pytest
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)


def test_an_id_of_up_to_18_digits_resolves_to_an_int():
    match = resolve(f"/hooks/runpod/{'9' * 18}/token/")

    assert match.kwargs == {"design_id": 999_999_999_999_999_999, "token": "token"}
    assert reverse("designs:runpod_webhook", args=[42, "token"]) == "/hooks/runpod/42/token/"


@pytest.mark.parametrize("design_id", ["9" * 19, "1" + "0" * 24, "9" * 40, "-1", "1.0", "٣"])
def test_longer_or_odd_ids_are_no_match(design_id):
    with pytest.raises(Resolver404):
        resolve(f"/hooks/runpod/{design_id}/token/")


@pytest.mark.django_db
@pytest.mark.usefixtures("admin_settings")
def test_a_40_digit_id_is_a_404():
    response = Client(raise_request_exception=False).post(f"/hooks/runpod/{'9' * 40}/token/")

    assert response.status_code == 404
