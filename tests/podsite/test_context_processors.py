"""The sandbox banner on every admin page (podsite/context_processors.py)."""

import pytest

from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)

BANNER = "Sandbox — nothing is sent to RunPod or Printify."


@pytest.mark.parametrize("sandbox", [True, False])
def test_every_admin_page_says_when_it_is_the_sandbox(client, superuser, settings, admin_settings, sandbox):  # noqa: F811
    settings.POD_SANDBOX = sandbox
    client.force_login(superuser)

    for url in ("/admin/", "/admin/designs/design/"):
        page = client.get(url).content.decode()
        assert "Django administration" not in page and "podsite" in page  # an admin page was rendered
        assert (BANNER in page) is sandbox, url
