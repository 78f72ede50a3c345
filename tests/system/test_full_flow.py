"""The whole shop on real processes, driven over HTTP the way a person uses it, and the "no secret anywhere" check.

Three separate processes on loopback share the test database: the sandbox (`manage.py sandbox`), the web server
as production runs it (gunicorn, DEBUG=false, whitenoise static files, media served by Django for the
sandbox to fetch) and a `qcluster`. PUBLIC_BASE_URL points at the web server, so RunPod webhooks, Printify
image fetches and signed Printify webhooks all travel over real sockets too.

The API keys are random values shaped like real ones, and the sandbox is told to accept exactly those: had any
process used another key, nothing would work. At the end everything the run produced (logs, pages, events,
errors, task rows, the sandbox's own state) is searched for them.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin

import pytest
import requests
from django.conf import settings

from designs.models import Batch, Design, DesignEvent, ProductEvent, ProductTemplate
from designs.workers import pump as pump_worker
from designs.workers import reconcile as reconciler
from designs.workflow import Source, Status
from tests.form_support import forms_of
from tests.system.conftest import free_port

pytestmark = pytest.mark.system

PASSWORD = "pw-for-tests-only"  # the `superuser` fixture's
PROMPTS = [
    "a red fox in the snow, woodcut",
    "a lighthouse at dusk, risograph",
    "an owl reading a book, line art",
    "a koi pond from above, watercolour",
    "a mountain cabin, flat vector",
    "a bicycle made of leaves, collage",
    "a whale in the clouds, gouache",
    "a cactus with sunglasses, sticker",
    "a paper boat on a puddle, linocut",
    "a cat astronaut, retro poster",
]
# The template made from the sandbox's catalog: Kids tee (blueprint 3, provider 3), two XS variants at the
# "price for all" and one L variant with its own price. Prices are whole numbers in minor units.
TEMPLATE_PRICES = {"17390": 2500, "17426": 2500, "17393": 2900}
IMAGE_SIDE = 512


# --- secrets --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Secrets:
    runpod_api_key: str = field(default_factory=lambda: "rpa_" + secrets.token_hex(20).upper())
    # A Printify personal access token is a long JWT.
    printify_api_token: str = field(
        default_factory=lambda: "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9." + secrets.token_urlsafe(300)
    )
    printify_webhook_secret: str = field(default_factory=lambda: secrets.token_hex(20))

    def named(self) -> dict[str, str]:
        return {
            "RUNPOD_API_KEY": self.runpod_api_key,
            "PRINTIFY_API_TOKEN": self.printify_api_token,
            "PRINTIFY_WEBHOOK_SECRET": self.printify_webhook_secret,
        }

    def redact(self, text: str) -> str:
        """For failure messages: a leaked secret must not reach the test output either."""
        for name, value in self.named().items():
            text = text.replace(value, f"<{name}>")
        return text

    def leaks(self, haystack: dict[str, str]) -> list[str]:
        """'<where>: <which secret>' for every place holding a secret, whole or a 16-character piece of it
        (a secret cut short by a message length limit still leaks)."""
        found = []
        for where, text in haystack.items():
            for name, value in self.named().items():
                pieces = [value] + [value[i : i + 16] for i in range(0, len(value) - 15, 8)]
                if any(piece in text for piece in pieces):
                    found.append(f"{where}: {name}")
        return found


# --- the processes --------------------------------------------------------------------------------------------


@dataclass
class Stack:
    sandbox_url: str
    web_url: str
    env: dict
    secrets: Secrets
    processes: dict = field(default_factory=dict)  # name -> ClusterProcess
    outputs: dict = field(default_factory=dict)  # name -> output of one-off commands

    def logs(self) -> dict[str, str]:
        return {**{f"{name} log": p.log() for name, p in self.processes.items()}, **self.outputs}

    def tail(self) -> str:
        """The end of every log, for a failure message (secrets redacted)."""
        return self.secrets.redact("\n".join(f"--- {name}\n{text[-2500:]}" for name, text in self.logs().items()))

    def sandbox(self, method: str, path: str, body: dict | None = None):
        response = requests.request(method, f"{self.sandbox_url}{path}", json=body, timeout=10)
        response.raise_for_status()
        return response

    def sandbox_state(self) -> dict:
        return self.sandbox("GET", "/_sandbox/state").json()

    def configure_sandbox(self, **changes) -> None:
        self.sandbox("POST", "/_sandbox/config", changes)


def wait_for(condition, *, timeout: float, what: str, stack: Stack, interval: float = 0.25):
    """Poll condition() until it is truthy; on timeout fail with the statuses and every process's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        for name, process in stack.processes.items():
            if process.poll() is not None:
                pytest.fail(
                    f"the {name} process exited ({process.returncode}) while waiting for {what}\n{stack.tail()}"
                )
        time.sleep(interval)
    now = list(Design.objects.order_by("pk").values_list("pk", "status", "last_error"))
    pytest.fail(
        f"timed out after {timeout} s waiting for {what}\ndesigns: {stack.secrets.redact(str(now))}\n{stack.tail()}"
    )


def _wait_until_serving(url: str, stack: Stack, name: str) -> None:
    def answers():
        try:
            return requests.get(url, timeout=2).status_code == 200
        except requests.RequestException:  # not listening yet, or too busy starting to answer in time
            return False

    wait_for(answers, timeout=30, what=f"the {name} to answer at {url}", stack=stack, interval=0.1)


def _purge_broker() -> None:
    """Wake-up calls left in a shared Redis by an earlier run must not reach this test's cluster."""
    from django_q.brokers import get_broker

    get_broker().purge_queue()


@pytest.fixture
def stack(child_env, start_process, qcluster, collected_static, installed_defaults):
    """Sandbox, gunicorn and a qcluster, each its own process, sharing this test's database and media."""
    # child_env copies the parent's environment: on the scale path the children use the same Redis broker.
    assert child_env.get("REDIS_URL", "") == settings.REDIS_URL
    _purge_broker()
    keys = Secrets()
    sandbox_port, web_port = free_port(), free_port()
    sandbox_url, web_url = f"http://127.0.0.1:{sandbox_port}", f"http://127.0.0.1:{web_port}"
    extra = {
        "POD_SANDBOX": "1",
        "SANDBOX_URL": sandbox_url,
        "RUNPOD_API_KEY": keys.runpod_api_key,
        "RUNPOD_ENDPOINT_ID": "fullflow",
        "PRINTIFY_API_TOKEN": keys.printify_api_token,
        "PRINTIFY_WEBHOOK_SECRET": keys.printify_webhook_secret,
        "PUBLIC_BASE_URL": web_url,
        "PRINTIFY_UPLOAD_BY_URL_ABOVE": "0",  # every upload by URL: Printify fetches each image from the web server
        "RUNPOD_MAX_IN_FLIGHT": "10",
        "MIN_PRINT_DPI": "0",  # the flow publishes sandbox images as they come (test_print_e2e.py covers the gate)
        "MOCKUP_UNDO_SECONDS": "1",  # a go-live is carried out 1 s after the decision (5 s by default)
        # Production settings, except plain http on loopback.
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "STATIC_ROOT": str(collected_static),
        "SERVE_MEDIA": "true",  # the one-box set-up: Django serves media (here: to the sandbox's Printify)
        # As much logging as anyone would switch on while debugging: more places a secret could slip into.
        "LOG_LEVEL": "DEBUG",
        "Q_LOG_LEVEL": "INFO",
    }
    env = {**child_env, **extra}
    found = Stack(sandbox_url=sandbox_url, web_url=web_url, env=env, secrets=keys)
    manage = [sys.executable, "manage.py"]
    found.processes["sandbox"] = start_process(
        "sandbox",
        [*manage, *f"sandbox --port {sandbox_port} --latency 0.2 --gpu-workers 10 --publish-delay 0.2".split()],
        env,
    )
    found.processes["web"] = start_process(
        "web",
        [
            *[sys.executable, "-m", "gunicorn", "podsite.wsgi", "--bind", f"127.0.0.1:{web_port}"],
            *"--workers 2 --threads 4 --graceful-timeout 5 --access-logfile - --error-logfile -".split(),
        ],
        env,
    )
    found.processes["qcluster"] = qcluster(**extra)
    _wait_until_serving(f"{sandbox_url}/_sandbox/state", found, "sandbox")
    # The sandbox accepts exactly our key and token from now on (and its state shows them only as "(set)").
    found.configure_sandbox(
        runpod_api_key=keys.runpod_api_key, printify_token=keys.printify_api_token, webhook_retry_delay=0.2
    )
    _wait_until_serving(f"{web_url}/admin/login/", found, "web server")

    # Printify's product webhooks, signed with PRINTIFY_WEBHOOK_SECRET, as the README has staff register them.
    registered = subprocess.run(
        [*manage, "printify_webhooks", "--register"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    found.outputs["printify_webhooks --register"] = registered.stdout + registered.stderr
    assert registered.returncode == 0, keys.redact(registered.stdout + registered.stderr)
    yield found


# --- a person at a browser -------------------------------------------------------------------------------------


class Browser:
    """One staff member: a cookie-keeping session, CSRF token from the page's form, Referer on every POST.

    Every page and JSON answer is kept (`pages`) for the secrets check."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.session = requests.Session()
        self.pages: dict[str, str] = {}

    def _keep(self, response: requests.Response) -> requests.Response:
        for step in [*response.history, response]:
            self.pages[f"{step.request.method} {step.url} #{len(self.pages)}"] = step.text
        assert response.ok, f"{response.status_code} from {response.url}"  # every step here expects success
        return response

    def get(self, path: str, **params) -> requests.Response:
        return self._keep(self.session.get(urljoin(self.base_url, path), params=params, timeout=20))

    def post(self, url: str, data, *, referer: str, headers: dict | None = None) -> requests.Response:
        headers = {"Referer": referer, **(headers or {})}
        return self._keep(self.session.post(url, data=data, headers=headers, timeout=20))

    def submit(self, page: requests.Response, changes: dict | None = None, *, having: str, method: str = "post"):
        """Fill in and send the form of `page` that has a field named `having`, as its button would."""
        form = next(f for f in forms_of(page.text) if f.method == method and f.has(having))
        url = urljoin(page.url, form.action) if form.action else page.url
        if method == "get":
            return self._keep(self.session.get(url, params=form.data(changes), timeout=20))
        return self.post(url, form.data(changes), referer=page.url)

    def log_in(self, username: str, password: str) -> requests.Response:
        page = self.get("/admin/login/", next="/admin/")
        dashboard = self.submit(page, {"username": username, "password": password}, having="password")
        assert dashboard.url == urljoin(self.base_url, "/admin/"), "login failed"
        assert "Log out" in dashboard.text
        return dashboard


# --- what a person does ------------------------------------------------------------------------------------------


def make_template_from_catalog(browser: Browser, name: str, *, review_mockups: bool = False) -> ProductTemplate:
    """Product templates → fill from catalog: blueprint, provider, variants and prices (three pages and a form)."""
    blueprints = browser.get("/admin/designs/producttemplate/catalog/", q="delta 11736")
    # Each blueprint is a card (a button with its picture, title, brand and model): clicking one chooses it.
    cards = next(f for f in forms_of(blueprints.text) if f.method == "get" and f.has("blueprint"))
    tee = next(card for card in cards.buttons() if "Kids Regular Fit Tee" in card.get("text", ""))
    providers = browser.get("/admin/designs/producttemplate/catalog/", **dict(cards.data(press=tee["value"])))
    # The tee's one provider, The Dream Junction, is preselected.
    variants = browser.submit(providers, {"to_variants": "Next"}, having="provider", method="get")
    assert 'data-variant="17393"' in variants.text, "the editor's grid lists the catalog's variants"
    # Prices typed by hand (the rule needs Printify's costs, which a worker may still be looking up), in money.
    saved = browser.submit(
        variants,
        {
            "name": name,
            "use_rule": [],
            "enable_17390": "on",
            "enable_17426": "on",
            "enable_17393": "on",
            "price_17390": "25.00",
            "price_17426": "25.00",
            "price_17393": "29.00",
            "review_mockups": "on" if review_mockups else [],
            # These designs go live under their prompts (no listing copy is written here): the template says so.
            "prompt_is_title": "on",
        },
        having="placement_mode",
    )
    assert "/admin/designs/producttemplate/" in saved.url and "saved" in saved.text, saved.text[-3000:]
    return ProductTemplate.objects.get(name=name)


def start_batch(browser: Browser, name: str, prompts: list[str]) -> Batch:
    page = browser.get("/admin/designs/batch/add/")
    # The default preset is preselected; the person names the batch, pastes the prompts and picks a size.
    changes = {"name": name, "prompts": "\n".join(prompts), "width": IMAGE_SIDE, "height": IMAGE_SIDE}
    done = browser.submit(page, changes, having="prompts")
    batch_id = int(re.search(r"/admin/designs/batch/(\d+)/change/", done.url).group(1))
    assert f"{len(prompts)} designs queued." in done.text, done.text[-2000:]
    return Batch.objects.get(pk=batch_id)


def review(browser: Browser, batch: Batch, *, reject: int) -> tuple[list[int], list[int]]:
    """The review page for the batch; approve all cards but the last `reject`, with the page's own POSTs."""
    page = browser.get("/admin/designs/design/review/", batch=batch.pk)
    card_ids = [int(i) for i in re.findall(r'<li class="pod-card[^"]*" data-id="(\d+)"', page.text)]
    # What review.js sends: the decide form's fields, the design and decision, Accept JSON and X-CSRFToken.
    form = next(f for f in forms_of(page.text) if f.has("decision"))
    token = dict(form.data())["csrfmiddlewaretoken"]
    url = urljoin(page.url, form.action)
    approved, rejected = card_ids[: len(card_ids) - reject], card_ids[len(card_ids) - reject :]
    left = len(card_ids)
    for design_id in card_ids:
        decision = "approve" if design_id in approved else "reject"
        changes = {"design": design_id, "decision": decision}
        if decision == "reject":
            changes["reason"] = "Too busy for a shirt."
        answer = browser.post(
            url,
            form.data(changes),
            referer=page.url,
            headers={"Accept": "application/json", "X-CSRFToken": token},
        )
        body = answer.json()
        left -= 1
        assert (answer.status_code, body["ok"], body["left"]) == (200, True, left), body
        assert body["design"]["status"] == ("approved" if decision == "approve" else "rejected")
    return approved, rejected


def run_action(browser: Browser, ids: list[int], action: str, query: dict) -> requests.Response:
    """Tick the designs on the changelist (filtered by `query`) and run an action on them."""
    changelist = browser.get("/admin/designs/design/", **query)
    listed = {int(i) for i in re.findall(r'name="_selected_action" value="(\d+)"', changelist.text)}
    assert set(ids) <= listed, f"{ids} not all listed: {listed}"
    return browser.submit(changelist, {"action": action, "_selected_action": ids, "index": 0}, having="action")


def publish(browser: Browser, ids: list[int], template: ProductTemplate, query: dict) -> requests.Response:
    confirmation = run_action(browser, ids, "publish_to_printify", query)
    assert f"<strong>{len(ids)}</strong> designs will be published as" in confirmation.text
    # Tick the template and look at it ("Show these templates"), then confirm with the button that publishes.
    ticked = {"templates": [str(template.pk)]}
    shown = browser.submit(confirmation, {**ticked, "show": "Show these templates"}, having="templates")
    card = re.search(
        rf'<section class="pod-template-card" id="pod-template-{template.pk}">.*?</section>', shown.text, re.S
    )
    for variant_id, price in TEMPLATE_PRICES.items():
        money = re.escape(f"${price / 100:.2f}")  # shown as money, stored as minor units
        assert re.search(rf"<td>{variant_id}</td><td>[^<]*</td><td>{money}</td>", card.group(0)), card.group(0)
    done = browser.submit(shown, {**ticked, "post": "yes"}, having="templates")
    assert f"{len(ids)} queued for publishing." in done.text, done.text[-2000:]
    return done


def go_live_in_mockup_mode(browser: Browser, count: int) -> list[int]:
    """The review page's mockup mode: each card's mockups are shown; G sends it live (the page's own POST)."""
    page = browser.get("/admin/designs/design/review/mockups/")
    product_ids = [int(i) for i in re.findall(r'<li class="pod-card[^"]*" data-id="(\d+)"', page.text)]
    assert len(product_ids) == count, page.text[-3000:]
    assert "/_sandbox/mockups/" in page.text  # Printify's mockups, read back after the create
    form = next(f for f in forms_of(page.text) if f.has("decision"))
    token = dict(form.data())["csrfmiddlewaretoken"]
    for product_id in product_ids:
        answer = browser.post(
            urljoin(page.url, form.action),
            form.data({"product": product_id, "decision": "live"}),
            referer=page.url,
            headers={"Accept": "application/json", "X-CSRFToken": token},
        )
        assert (answer.status_code, answer.json()["ok"]) == (200, True), answer.text
    return product_ids


def statuses(batch: Batch) -> dict[int, str]:
    return dict(Design.objects.filter(batch=batch).values_list("pk", "status"))


def visit_everything(browser: Browser, batch: Batch) -> None:
    """The pages staff look at: dashboard, changelist, every change page, the batch, the review page, templates."""
    browser.get("/admin/")
    browser.get("/admin/designs/design/", batch__id__exact=batch.pk)
    for design_id in statuses(batch):
        browser.get(f"/admin/designs/design/{design_id}/change/")
    browser.get(f"/admin/designs/batch/{batch.pk}/change/")
    browser.get("/admin/designs/design/review/")
    browser.get("/admin/designs/producttemplate/")


def everything_produced(stack: Stack, browser: Browser) -> dict[str, str]:
    """Logs, pages, and every row of the run a secret could have been written into."""
    from django.contrib.admin.models import LogEntry
    from django_q.models import Schedule, Task

    haystack = {**stack.logs(), **browser.pages}
    haystack["sandbox state"] = json.dumps(stack.sandbox_state())
    haystack["sandbox config"] = stack.sandbox("GET", "/_sandbox/config").text
    for design in Design.objects.all():
        haystack[f"design {design.pk}"] = " | ".join(
            str(value) for value in (design.last_error, design.title, design.description)
        )
        for product in design.products.all():
            haystack[f"product {product.pk}"] = f"{product.last_error} | {product.external}"
    haystack["events"] = "\n".join(DesignEvent.objects.values_list("message", flat=True))
    haystack["product events"] = "\n".join(ProductEvent.objects.values_list("message", flat=True))
    haystack["admin log"] = "\n".join(f"{e.object_repr} {e.change_message}" for e in LogEntry.objects.all())
    haystack["tasks"] = "\n".join(f"{t.name} {t.func} {t.args!r} {t.kwargs!r} {t.result!r}" for t in Task.objects.all())
    haystack["schedules"] = "\n".join(f"{s.func} {s.args} {s.kwargs}" for s in Schedule.objects.all())
    return haystack


def assert_no_secret_anywhere(stack: Stack, browser: Browser) -> dict[str, str]:
    haystack = everything_produced(stack, browser)
    # The check can find what it looks for (and it looked at a real run, not at empty logs).
    assert stack.secrets.leaks({"probe": f"Bearer {stack.secrets.printify_api_token[:40]}…"})
    assert "Listening at: http://127.0.0.1" in haystack["web log"]
    assert "POST /admin/designs/design/review/decide/" in haystack["web log"]
    assert haystack["tasks"] and haystack["events"] and len(browser.pages) > 20
    leaks = stack.secrets.leaks(haystack)
    assert not leaks, f"secrets found in: {leaks}"
    return haystack


# --- the tests ---------------------------------------------------------------------------------------------------


def test_ten_prompts_to_eight_products_through_the_admin(stack, superuser):
    browser = Browser(stack.web_url)
    browser.log_in(superuser.username, PASSWORD)
    template = make_template_from_catalog(browser, "Kids tee", review_mockups=True)

    batch = start_batch(browser, "Full flow", PROMPTS)
    wait_for(
        lambda: list(statuses(batch).values()).count(Status.REVIEW) == 10,
        timeout=45,
        what="all 10 designs in review",
        stack=stack,
    )
    approved, rejected = review(browser, batch, reject=2)
    assert len(approved) == 8 and len(rejected) == 2

    publish(browser, approved, template, {"batch__id__exact": batch.pk, "status__exact": "approved"})
    wait_for(
        lambda: list(statuses(batch).values()).count(Status.MOCKUPS) == 8,
        timeout=45,
        what="the 8 products created on Printify, waiting for their mockup review",
        stack=stack,
    )
    assert stack.sandbox_state()["printify"]["publishes"] == 0  # nothing in the store before someone looked
    go_live_in_mockup_mode(browser, 8)
    wait_for(
        lambda: list(statuses(batch).values()).count(Status.PUBLISHED) == 8,
        timeout=45,
        what="the 8 approved designs published",
        stack=stack,
    )
    # Printify tells us it started publishing each product: a signed webhook the web server verified.
    wait_for(
        lambda: ProductEvent.objects.filter(product__design__batch=batch, source=Source.WEBHOOK).count() == 8,
        timeout=20,
        what="8 product:publish:started webhooks accepted",
        stack=stack,
    )

    # --- the sandbox holds exactly the 8 products, with the template's prices and the designs' images
    state = stack.sandbox_state()
    products = {product["id"]: product for product in state["printify"]["products"]}
    designs = {d.pk: d for d in Design.objects.filter(batch=batch)}
    # Plus the one draft product the cost lookup makes and deletes when the template editor first opens.
    assert len(products) == 8 and state["printify"]["products_created"] == 8 + 1
    assert state["printify"]["products_deleted"] == 1
    assert state["runpod"]["submissions"] == 10
    assert state["printify"]["publishes"] == 8
    for design_id in approved:
        design = designs[design_id]
        record = design.products.get()
        product = products[record.printify_id]
        assert (product["blueprint_id"], product["print_provider_id"]) == (3, 3)
        assert product["prices"] == TEMPLATE_PRICES
        assert all(type(price) is int for price in product["prices"].values())
        assert product["images"] == [record.printify_upload_id]
        # The upload the product shows is the design's image file, byte for byte (fetched from our web server).
        uploaded = requests.get(f"{stack.sandbox_url}/_sandbox/uploads/{record.printify_upload_id}", timeout=10)
        assert uploaded.status_code == 200
        assert hashlib.sha256(uploaded.content).hexdigest() == design.image_sha256
        with design.image.open("rb") as image:
            assert image.read() == uploaded.content
    # PUBLIC_BASE_URL is set, so Printify was given image URLs and fetched them from our web server.
    assert len(re.findall(r'"GET /media/designs/\S+ HTTP/1.1" 200', stack.processes["web"].log())) >= 8
    deliveries = state["webhook_deliveries"]["counts"]
    assert deliveries.get("delivered", 0) >= 10 + 8 and not deliveries.get("failed"), deliveries

    # --- the database agrees
    assert sorted(statuses(batch).values()) == sorted([Status.PUBLISHED] * 8 + [Status.REJECTED] * 2)
    for design_id in approved:
        assert designs[design_id].status == Status.PUBLISHED and designs[design_id].products.get().published_at
    assert {designs[i].status for i in rejected} == {Status.REJECTED}
    assert len({designs[i].products.get().printify_id for i in approved}) == 8
    moves = set(
        DesignEvent.objects.filter(design__batch=batch).values_list(
            "design", "from_status", "to_status", "source", "actor"
        )
    )
    user = superuser.pk
    for design_id in designs:
        expected = {
            (design_id, "draft", "queued", "admin", user),
            (design_id, "queued", "generating", "worker", None),
            (design_id, "generating", "review", "worker", None),
        }
        if design_id in approved:
            expected |= {
                (design_id, "review", "approved", "review", user),
                (design_id, "approved", "publishing", "admin", user),
                (design_id, "publishing", "mockups", "worker", None),
                (design_id, "mockups", "publishing", "review", user),
                (design_id, "publishing", "published", "worker", None),
            }
        else:
            expected.add((design_id, "review", "rejected", "review", user))
        assert expected <= moves, expected - moves
    rejection = DesignEvent.objects.get(design=rejected[0], to_status=Status.REJECTED)
    assert "Too busy for a shirt." in rejection.message

    # --- what staff see afterwards, then: no secret in anything the run produced
    visit_everything(browser, batch)
    review_page = browser.get("/admin/designs/design/review/")
    script = re.search(r'src="(/static/podsite/review\.[0-9a-f]+\.js)"', review_page.text)
    assert script, "DEBUG=false serves hashed static files (whitenoise manifest)"
    assert 'getElementById("pod-review")' in browser.get(script.group(1)).text
    assert_no_secret_anywhere(stack, browser)


def test_refused_keys_leave_plain_messages_and_no_secret(stack, superuser):
    """RunPod refuses the key at first and Printify answers 401: the designs wait or fail with a message a
    person can act on, naming the setting but never its value; once the keys work, the same designs finish."""
    wrong_key = "rpa_" + secrets.token_hex(20).upper()
    stack.configure_sandbox(runpod_api_key=wrong_key)
    browser = Browser(stack.web_url)
    browser.log_in(superuser.username, PASSWORD)
    template = make_template_from_catalog(browser, "Kids tee")

    batch = start_batch(browser, "Refused keys", PROMPTS[:2])
    wait_for(
        lambda: (
            set(Design.objects.filter(batch=batch).values_list("status", "last_error"))
            == {(Status.QUEUED, pump_worker.AUTH_MESSAGE)}
        ),
        timeout=30,
        what="both designs waiting with RunPod's refusal explained",
        stack=stack,
    )
    some_design = Design.objects.filter(batch=batch).first()
    change_page = browser.get(f"/admin/designs/design/{some_design.pk}/change/")
    assert "RunPod refused the API key (check RUNPOD_API_KEY)" in change_page.text

    # The key is fixed (here: the sandbox now takes it); the scheduled reconcile wakes the pump within a
    # minute. Run what it runs, now, so the test need not wait for the scheduler.
    stack.configure_sandbox(runpod_api_key=stack.secrets.runpod_api_key)
    reconciler.reconcile()
    wait_for(
        lambda: list(statuses(batch).values()) == [Status.REVIEW] * 2, timeout=30, what="both in review", stack=stack
    )
    approved, _ = review(browser, batch, reject=0)

    stack.configure_sandbox(printify_unauthorized=True)
    query = {"batch__id__exact": batch.pk}
    publish(browser, approved, template, query)
    wait_for(
        lambda: list(statuses(batch).values()) == [Status.PUBLISH_FAILED] * 2,
        timeout=30,
        what="both publishes failed on Printify's 401",
        stack=stack,
    )
    for design in Design.objects.filter(batch=batch):
        refused = "Kids tee: Printify refused our credentials (HTTP 401): check PRINTIFY_API_TOKEN"
        assert design.last_error.startswith(refused)
        page = browser.get(f"/admin/designs/design/{design.pk}/change/")
        assert "Printify refused our credentials" in page.text

    stack.configure_sandbox(printify_unauthorized=False)
    retried = run_action(browser, approved, "retry_publishing", query)
    assert "2 queued to retry publishing" in retried.text, retried.text[-2000:]
    wait_for(
        lambda: list(statuses(batch).values()) == [Status.PUBLISHED] * 2, timeout=30, what="both published", stack=stack
    )
    assert len(stack.sandbox_state()["printify"]["products"]) == 2

    visit_everything(browser, batch)
    assert_no_secret_anywhere(stack, browser)
