"""Claims across web hosts: two gunicorn processes (as two hosts would run them) share one database; reviewers
served by different processes are shown different designs, renewals and releases made through one process
are seen by the other, and nobody decides a design twice."""

import re
import sys
import time

import pytest
import requests

from designs.models import Design, DesignEvent, ReviewClaim
from designs.workflow import Status
from tests.system.conftest import free_port

pytestmark = pytest.mark.system

CARD = re.compile(r'class="pod-card[^"]*" data-id="(\d+)"')
REVIEW = "/admin/designs/design/review/"


@pytest.fixture
def two_web_hosts(start_process, child_env, collected_static):
    env = {
        **child_env,
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "STATIC_ROOT": str(collected_static),
        "REVIEW_CLAIM_SIZE": "4",
    }
    urls = []
    for host in (1, 2):
        port = free_port()
        argv = [sys.executable, "-m", "gunicorn", "podsite.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"]
        process = start_process(f"gunicorn-{host}", argv, env)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while not _answers(f"{url}/admin/login/"):
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail(f"gunicorn {host} did not answer:\n{process.log()[-3000:]}")
            time.sleep(0.1)
        urls.append(url)
    return urls


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except (requests.ConnectionError, requests.Timeout):  # not up yet, or slow to answer on a busy machine
        return False


class Reviewer:
    def __init__(self, base: str, username: str):
        self.base = base
        self.http = requests.Session()
        self.http.get(f"{base}/admin/login/", timeout=10)
        answer = self.http.post(
            f"{base}/admin/login/?next=/admin/",
            data={"username": username, "password": "pw-for-tests-only", "csrfmiddlewaretoken": self.csrf()},
            timeout=10,
        )
        assert answer.ok and "sessionid" in self.http.cookies, answer.text[:500]

    def csrf(self) -> str:
        return self.http.cookies.get("csrftoken", "")

    def cards(self) -> list[int]:
        """The review page as its script leaves it: opening it claims nothing; the script's POST claims."""
        page = self.http.get(self.base + REVIEW, timeout=10)
        assert page.status_code == 200, page.status_code  # the Reviewers role exists (installed_defaults)
        assert CARD.findall(page.text)  # what the reviewer would be given, shown at once
        answer = self.post("claims/")
        assert answer.status_code == 200, answer.text[:500]
        return [card["id"] for card in answer.json()["cards"]]

    def post(self, path: str, **data):
        return self.http.post(
            self.base + REVIEW + path,
            data=data,
            headers={"Accept": "application/json", "X-CSRFToken": self.csrf(), "Referer": self.base + REVIEW},
            timeout=10,
        )


def test_claims_hold_across_two_web_processes(two_web_hosts, installed_defaults, make_user):
    designs = Design.objects.bulk_create(Design(prompt=f"design {n}", status=Status.REVIEW) for n in range(12))
    make_user("ann", groups=["Reviewers"])
    make_user("bob", groups=["Reviewers"])
    ann, bob = Reviewer(two_web_hosts[0], "ann"), Reviewer(two_web_hosts[1], "bob")

    shown_to_ann, shown_to_bob = ann.cards(), bob.cards()
    assert shown_to_ann == [d.pk for d in designs[:4]]
    assert shown_to_bob == [d.pk for d in designs[4:8]]

    # Ann decides all of hers through host 1, each asking for a refill: never one of Bob's.
    for design_id in list(shown_to_ann):
        body = ann.post("decide/", design=design_id, decision="approve", refill="1").json()
        assert body["ok"], body
        shown_to_ann += [card["id"] for card in body["cards"] if card["id"] not in shown_to_ann]
    assert not set(shown_to_ann) & set(shown_to_bob)

    # Bob leaves (host 2): host 1 hands his designs to the next reviewer at once, not when his claims expire.
    assert bob.post("release/").status_code == 204
    assert not ReviewClaim.objects.filter(reviewer__username="bob").exists()
    make_user("cat", groups=["Reviewers"])
    assert Reviewer(two_web_hosts[0], "cat").cards() == shown_to_bob
    assert DesignEvent.objects.filter(to_status=Status.APPROVED).count() == 4
    assert DesignEvent.objects.values("design_id").distinct().count() == 4  # nobody decided a design twice
