"""Content-Security-Policy (podsite/csp.py): on every response, and the admin still works under it, which means
no inline script, event handler attribute or javascript: URL on its pages (the policy would block them)."""

import re

import pytest
from django.test import Client

from tests.designs.review_support import admin_settings, make_reviewable  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_settings")]

POLICY = (
    "default-src 'self'; img-src 'self' data: https://images.printify.com; script-src 'self'; "
    "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)
# A script element without src runs inline, unless it only carries data (json_script's application/json).
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(src=|type=\"application/json\"))[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


@pytest.fixture
def boss(superuser):
    client = Client()
    client.force_login(superuser)
    return client


def test_the_policy_is_on_the_login_page_and_on_webhook_answers():
    client = Client()

    assert client.get("/admin/login/")["Content-Security-Policy"] == POLICY
    assert client.post("/hooks/printify/", "{}", content_type="application/json")["Content-Security-Policy"] == POLICY


def test_admin_pages_carry_the_policy_and_nothing_it_would_block(boss):
    design = make_reviewable()
    paths = [
        "/admin/",
        "/admin/designs/design/",
        f"/admin/designs/design/{design.pk}/change/",
        "/admin/designs/design/review/",
        "/admin/designs/batch/add/",
        "/admin/auth/user/add/",
        "/admin/django_q/schedule/",
        "/admin/axes/accessattempt/",
    ]
    for path in paths:
        response = boss.get(path)
        assert response.status_code == 200, path
        assert response["Content-Security-Policy"] == POLICY, path
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), (path, INLINE_SCRIPT.search(html))
        assert not EVENT_HANDLER.search(html), (path, EVENT_HANDLER.search(html))
        assert 'href="javascript:' not in html, path


def test_a_view_may_set_its_own_policy():
    from django.http import HttpResponse

    from podsite.csp import ContentSecurityPolicyMiddleware

    def own(request):
        response = HttpResponse()
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    assert ContentSecurityPolicyMiddleware(own)(None)["Content-Security-Policy"] == "default-src 'none'"
