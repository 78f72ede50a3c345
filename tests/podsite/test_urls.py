"""The site's addresses (podsite/urls.py): the root leads to the admin, which carries the site's name; the
webhooks are at the top level."""

import pytest
from django.urls import resolve

from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_settings")]


def test_the_root_leads_to_the_admin(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_the_admin_carries_the_sites_name(client, superuser):
    client.force_login(superuser)
    html = client.get("/admin/").content.decode()
    assert "<title>Print-on-demand designs | podsite</title>" in html
    assert "Django administration" not in html and "Django site admin" not in html


def test_the_webhooks_are_at_the_top_level():
    assert resolve("/hooks/printify/").url_name == "printify_webhook"
