"""Two hosts with no shared disk: the web server and two qclusters, each with a MEDIA_ROOT of its own, share only
the database, the broker and a private S3 bucket (moto's S3 server on loopback, tests/conftest.py).

Worker A generates (the sandbox's RunPod) and ingests into the bucket; then worker B takes over and A stops, so
everything after — print files prepared from the originals A stored, uploads to Printify (by signed URLs the
sandbox fetches like Printify), mockups — runs on a host that never saw A's folder. A person drives the admin
over HTTP (gunicorn, DEBUG=false) and every image a page shows is fetched the way a browser would: 200 and an
image. At the end the three MEDIA_ROOT folders (and this process's) are still empty.
"""

from __future__ import annotations

import importlib
import io
import re
import sys
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from django.apps import apps
from PIL import Image

from designs.models import Design
from designs.print_status import PrintStatus
from designs.workflow import Status
from tests.system.conftest import free_port, stop_process_group
from tests.system.test_full_flow import (
    Browser,
    Secrets,
    Stack,
    go_live_in_mockup_mode,
    make_template_from_catalog,
    publish,
    review,
    run_action,
    start_batch,
    statuses,
    wait_for,
)

pytestmark = pytest.mark.system

PASSWORD = "pw-for-tests-only"  # the `superuser` fixture's
PROMPTS = ["a heron in the reeds, woodcut", "a lighthouse at dusk, risograph", "a koi pond, watercolour"]


@dataclass
class Hosts:
    stack: Stack  # the web server and worker A (then B) under stack.processes
    folders: dict[str, Path]  # each process's own MEDIA_ROOT
    worker_env: dict

    def start_worker_b(self, qcluster):
        self.stack.processes["worker B"] = qcluster(**self.worker_env, MEDIA_ROOT=self.folders["worker-b"])
        return self.stack.processes["worker B"]


@pytest.fixture
def hosts(child_env, start_process, qcluster, collected_static, installed_defaults, sandbox, s3_media, tmp_path):
    """The sandbox (in this process), gunicorn and worker A, each with its own MEDIA_ROOT (worker B's is ready)."""
    importlib.import_module("designs.migrations.0016_print_presets").install_print_presets(apps, None)
    from django_q.brokers import get_broker

    get_broker().purge_queue()  # wake-up calls an earlier run left in a shared Redis
    sandbox.configure(runpod_latency=0.2, runpod_gpu_workers=4, printify_publish_delay=0.2)
    folders = {name: tmp_path / f"{name}-media" for name in ("web", "worker-a", "worker-b")}
    for folder in folders.values():
        folder.mkdir()
    web_port = free_port()
    shared = {
        **s3_media.env(),
        "POD_SANDBOX": "1",
        "SANDBOX_URL": sandbox.url,
        "RUNPOD_MAX_IN_FLIGHT": "4",
        "MIN_PRINT_DPI": "0",
        "MOCKUP_UNDO_SECONDS": "1",
        "PRINTIFY_UPLOAD_BY_URL_ABOVE": "0",  # every upload by URL: Printify fetches from the bucket
        "Q_LOG_LEVEL": "INFO",
        "LOG_LEVEL": "DEBUG",  # more places a secret could slip into (searched at the end)
    }
    web_env = {
        **child_env,
        **shared,
        "MEDIA_ROOT": str(folders["web"]),
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "STATIC_ROOT": str(collected_static),
    }
    stack = Stack(sandbox_url=sandbox.url, web_url=f"http://127.0.0.1:{web_port}", env=web_env, secrets=Secrets())
    stack.processes["web"] = start_process(
        "web",
        [sys.executable, "-m", "gunicorn", "podsite.wsgi", "--bind", f"127.0.0.1:{web_port}"]
        + "--workers 2 --threads 4 --graceful-timeout 5 --access-logfile - --error-logfile -".split(),
        web_env,
    )
    stack.processes["worker A"] = qcluster(**shared, MEDIA_ROOT=folders["worker-a"])

    wait_for(
        lambda: _answers(f"{stack.web_url}/admin/login/"), timeout=30, what="the web server", stack=stack, interval=0.1
    )
    return Hosts(stack=stack, folders=folders, worker_env=shared)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:  # not listening yet, or still starting
        return False


def images_on(page: requests.Response) -> set[str]:
    """Every image the page shows or links to in full: <img src>, data-original, links into the bucket."""
    html = page.text
    found = re.findall(r'<img\b[^>]*?\bsrc="([^"]+)"', html) + re.findall(r'data-original="([^"]+)"', html)
    found += [url for url in re.findall(r'<a\b[^>]*?\bhref="([^"]+)"', html) if "X-Amz-Signature" in url]
    return {urljoin(page.url, unescape(url)) for url in found if url}


def fetch_images(browser: Browser, pages: list[requests.Response], s3_media) -> set[str]:
    """Fetch every image of `pages` as the browser would: each must answer 200 with an image. Returns the media
    names that came from the bucket (by signed URLs; the rest are our static files and the sandbox's mockups)."""
    from_bucket = set()
    bucket = f"{s3_media.server.endpoint}/{s3_media.server.bucket}/{s3_media.prefix}/"
    for url in sorted(set().union(*(images_on(page) for page in pages))):
        answer = browser.session.get(url, timeout=20)
        assert answer.status_code == 200, f"{answer.status_code} for {url}"
        kind = answer.headers.get("Content-Type", "")
        assert kind.startswith("image/"), f"{kind} for {url}"
        if url.startswith(bucket):
            assert "X-Amz-Signature=" in url and requests.get(url.split("?")[0], timeout=10).status_code == 403
            with Image.open(io.BytesIO(answer.content)) as picture:
                picture.load()
            from_bucket.add(url.split("?")[0].removeprefix(bucket))
    return from_bucket


def files_of(design_ids, *fields) -> set[str]:
    return {name for row in Design.objects.filter(pk__in=design_ids).values_list(*fields) for name in row if name}


def test_web_and_two_workers_share_nothing_but_the_database_the_broker_and_the_bucket(
    hosts, qcluster, superuser, sandbox, s3_media, media_root
):
    stack = hosts.stack
    browser = Browser(stack.web_url)
    browser.log_in(superuser.username, PASSWORD)
    template = make_template_from_catalog(browser, "Kids tee", review_mockups=True)

    # --- worker A generates and ingests
    batch = start_batch(browser, "Two hosts", PROMPTS)
    wait_for(
        lambda: list(statuses(batch).values()).count(Status.REVIEW) == 3, timeout=60, what="3 in review", stack=stack
    )
    review_page = browser.get("/admin/designs/design/review/", batch=batch.pk)
    # The web host's pages allow the bucket's images (else a browser would block them).
    policy = review_page.headers["Content-Security-Policy"]
    assert f" {s3_media.server.endpoint}" in next(p for p in policy.split("; ") if p.startswith("img-src"))
    shown = [review_page, browser.get("/admin/designs/design/", batch__id__exact=batch.pk)]
    fetched = fetch_images(browser, shown, s3_media)
    assert files_of(statuses(batch), "thumbnail") <= fetched  # the cards and the changelist
    assert files_of(statuses(batch), "image") & fetched  # the large view of the first card (512 px: the original)
    approved, rejected = review(browser, batch, reject=1)

    # --- worker B takes over; A stops: from here on nothing A wrote to its own folder could help
    worker_b = hosts.start_worker_b(qcluster)
    worker_a = stack.processes.pop("worker A")
    stop_process_group(worker_a)
    query = {"batch__id__exact": batch.pk, "status__exact": "approved"}
    confirmation = run_action(browser, approved, "prepare_print_files", query)
    done = browser.submit(confirmation, {"post": "yes"}, having="preset")
    assert "2 queued for print preparation" in done.text, done.text[-2000:]
    wait_for(
        lambda: (
            set(Design.objects.filter(pk__in=approved).values_list("print_status", flat=True)) == {PrintStatus.READY}
        ),
        timeout=120,
        what="both print files ready (prepared on worker B)",
        stack=stack,
    )
    change_pages = [browser.get(f"/admin/designs/design/{design_id}/change/") for design_id in approved]
    assert all("Print file of" in page.text for page in change_pages)
    assert files_of(approved, "image", "print_file", "print_preview") <= fetch_images(browser, change_pages, s3_media)

    # --- publish (uploads by signed URL), look at the mockups, go live
    publish(browser, approved, template, query)
    wait_for(
        lambda: list(statuses(batch).values()).count(Status.MOCKUPS) == 2,
        timeout=60,
        what="2 products waiting for their mockup review",
        stack=stack,
    )
    mockup_page = browser.get("/admin/designs/design/review/mockups/")
    assert files_of(approved, "thumbnail") & fetch_images(browser, [mockup_page], s3_media)  # beside its mockups
    go_live_in_mockup_mode(browser, 2)
    wait_for(
        lambda: list(statuses(batch).values()).count(Status.PUBLISHED) == 2, timeout=60, what="2 live", stack=stack
    )

    # --- what Printify received is each print file, fetched from the bucket by URL
    printify = sandbox.state()["printify"]
    # (The third upload is the cost lookup's tiny inline picture, made when the template editor opened.)
    assert (printify["uploads_fetched"], printify["upload_requests"]) == (2, 3)
    for design in Design.objects.filter(pk__in=approved):
        with design.print_file.open("rb") as print_file:
            assert sandbox.printify.upload_bytes(design.products.get().printify_upload_id) == print_file.read()
    assert "Processed" in worker_a.log() and "Processed" in worker_b.log()  # each ran its half

    # --- every image staff see afterwards, and nothing on any local disk
    pages = [browser.get("/admin/designs/design/", batch__id__exact=batch.pk)]
    pages += [browser.get(f"/admin/designs/design/{design_id}/change/") for design_id in statuses(batch)]
    every_file = files_of(statuses(batch), "image", "thumbnail", "preview_file", "print_file", "print_preview")
    assert files_of(statuses(batch), "image", "thumbnail", "print_file", "print_preview") <= fetch_images(
        browser, pages, s3_media
    )
    assert every_file == set(s3_media.keys())  # every file in the bucket, nothing else there
    for folder in [media_root, *hosts.folders.values()]:
        assert [path for path in folder.rglob("*") if path.is_file()] == [], folder
    logs = "\n".join(process.log() for process in [*stack.processes.values(), worker_a])
    pages_text = "\n".join(browser.pages.values())
    assert s3_media.server.secret_key not in logs + pages_text
    assert "/media/" not in "".join(re.findall(r'"GET [^"]+"', stack.processes["web"].log()))
