"""Load: S staff sessions click through the admin while the workers generate and publish N designs.

    .venv/bin/python bench/load.py [--designs 500] [--sessions 20] [--time-limit 1800]
                                   [--postgres [postgres://user:password@host:5432]] [--redis redis://host:6379]

Every piece is a real process on loopback, in a temp work dir (nothing of the checkout is touched):
- the sandbox (`manage.py sandbox`): RunPod with --gpu-workers GPUs of --latency s each and its rate limit
  raised out of the way; Printify at its real request limit (600/min) and its publish limit of 200 per
  --publish-window s (real: 1800 s; scaled so a run is minutes, not hours; PRINTIFY_* settings match);
- the web server: gunicorn podsite.wsgi, 2 workers × 4 threads, DEBUG=false (SSL redirect and secure cookies
  off: plain HTTP on loopback) after collectstatic into a temp STATIC_ROOT. PUBLIC_BASE_URL points at it, so
  RunPod webhooks and Printify's image fetches (SERVE_MEDIA) hit it too, as on a one-box install;
- default: a SQLite file + the ORM broker and ONE `qcluster` (Q_WORKERS=2);
  --postgres [SERVER_URL]: a PostgreSQL database created for the run on that server (default
  postgres://postgres@127.0.0.1:5432; the URL names a server and a user allowed to CREATE DATABASE, no database)
  and dropped after it; the Redis broker on its own database number of the --redis server (default
  redis://127.0.0.1:6379): the run claims the first EMPTY database number (DBSIZE 0, then a claim key set with
  NX, so two runs never share one), flushes that one only, after its processes stopped and only if its claim key
  is still there, and never touches a database number another process uses (it stops with a message when all
  are in use); and TWO `qcluster` processes of 2 workers, as two hosts would run them.
A superuser pastes N prompts into the admin's Batch add page; then S threads, each a requests.Session logged
in as its own staff user (Reviewers + Publishers), click as people do (think time around --think s): the
changelist (plain, filtered, searched), change pages, the review page, approve/reject through the review
endpoint (about --approve-share approved), and every --publish-every s one of them runs the Publish admin
action on a page of approved designs. Like the review page's script, a session decides the cards the page
showed it in their order (its own claims first), asks for a refill with its last few decisions and adds the
cards that come back. It stops when every design is published, rejected, generation_failed
or publish_failed, or at --time-limit. It prints figures (exit status 1 when a target is missed); it is not a test:
- requests, median and p95 latency per page type and overall; 5xx answers (target 0), other unexpected answers;
- review decisions: lost races (409: someone else decided first; target ≤ 1 %) and decisions per minute;
- "database is locked" lines in the web and worker logs (target 0), with the first few shown;
- designs per final status (their sum must be N), sandbox counts (jobs, products), total wall time.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import re
import secrets
import signal
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._support import (  # noqa: E402 (needs ROOT on sys.path)
    POSTGRES_SERVER,
    REDIS_SERVER,
    Processes,
    RedisClaim,
    create_database,
    create_tee_template,
    free_port,
    percentile,
    release_run,
    server_url,
)

FINAL = ("published", "rejected", "generation_failed", "publish_failed")
STATUSES = ("draft", "queued", "generating", "review", "approved", "publishing", *FINAL)
LOCKED = re.compile(r"database is locked", re.IGNORECASE)
CHANGELIST = "/admin/designs/design/"
REVIEW = "/admin/designs/design/review/"
REQUEST_TIMEOUT = 60  # seconds; a request that hangs longer is counted as "no answer"
REFILL_BELOW = 4  # as the review page (designs/admin/review.py): ask for more cards when fewer are left


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--designs", "-n", type=int, default=500)
    parser.add_argument("--sessions", "-s", type=int, default=20)
    parser.add_argument("--time-limit", type=float, default=1800, help="seconds from the batch to giving up")
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=POSTGRES_SERVER,
        metavar="SERVER_URL",
        help=f"PostgreSQL (a database made on this server; default {POSTGRES_SERVER}) + Redis + 2 qcluster hosts",
    )
    parser.add_argument(
        "--redis", default=REDIS_SERVER, metavar="SERVER_URL", help="with --postgres: the run claims an empty db on it"
    )
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds a person pauses between clicks")
    parser.add_argument("--approve-share", type=float, default=0.8)
    parser.add_argument("--publish-every", type=float, default=10.0, help="seconds between Publish actions")
    parser.add_argument("--latency", type=float, default=1.0, help="seconds one RunPod job runs on a GPU")
    parser.add_argument("--gpu-workers", type=int, default=20, help="sandbox GPUs = RUNPOD_MAX_IN_FLIGHT")
    parser.add_argument("--size", type=int, default=512, help="image side (the sandbox renders real PNGs)")
    parser.add_argument("--publish-window", type=int, default=60, help="seconds per 200 publishes (real: 1800)")
    parser.add_argument("--keep", action="store_true", help="keep the work dir (database, media, logs)")
    args = parser.parse_args()

    # `timeout` or a kill sends SIGTERM: unwind through the finally below so every process started is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="podsite-bench-load-"))
    stack = Stack(workdir)
    database = f"podsite_load_{secrets.token_hex(4)}" if args.postgres else None
    redis_claim = None
    try:
        if args.postgres:
            redis_claim = RedisClaim.first_empty(args.redis)
        env = environment(args, workdir, database, redis_claim)
        os.environ.update(env)
        if not args.postgres:
            os.environ.pop("REDIS_URL", None)
        prepare_django(args)
        password = secrets.token_urlsafe(16)
        users = create_users(args.sessions, password)

        sandbox = ["manage.py", "sandbox", "--quiet", "--port", env["SANDBOX_PORT"], "--publish-delay", "1"]
        stack.start("sandbox", [*sandbox, "--latency", str(args.latency), "--gpu-workers", str(args.gpu_workers)], env)
        wait_for(f"{env['SANDBOX_URL']}/_sandbox/state", stack)
        requests.post(
            f"{env['SANDBOX_URL']}/_sandbox/config",
            json={"runpod_rate_limit": 1_000_000, "printify_publish_window": args.publish_window},
            timeout=10,
        ).raise_for_status()
        gunicorn = [str(Path(sys.executable).parent / "gunicorn"), "podsite.wsgi:application", "--bind"]
        no_control = ["--no-control-socket"]  # its default path is shared by every gunicorn on the machine
        access_log = ["--access-logfile", str(workdir / "access.log"), "--access-logformat", "%(s)s %(m)s %(U)s %(D)s"]
        stack.start(
            "web", [*gunicorn, env["WEB_ADDRESS"], "--workers", "2", "--threads", "4", *access_log, *no_control], env
        )
        wait_for(f"{env['PUBLIC_BASE_URL']}/admin/login/", stack)
        for host in range(2 if args.postgres else 1):
            stack.start(f"qcluster-{host + 1}", ["manage.py", "qcluster"], env)
        time.sleep(3)  # let the clusters fork their workers

        base = env["PUBLIC_BASE_URL"]
        stores = (
            f"PostgreSQL + Redis {redis_claim.url}, 2 qcluster" if args.postgres else "SQLite + ORM broker, 1 qcluster"
        )
        print(
            f"{stores} × 2 "
            f"workers; gunicorn 2×4 threads; N={args.designs} designs, S={args.sessions} sessions; "
            f"RunPod {args.gpu_workers} GPUs × {args.latency:g} s; Printify 600 requests/min, "
            f"200 publishes/{args.publish_window} s; work dir {workdir}",
            flush=True,
        )
        recorder = Recorder()
        started = time.monotonic()
        lead = StaffSession("lead", password, base, recorder, args, Shared())
        lead.login()
        lead.start_batch(args.designs, args.size)
        outcome = drive(args, users, password, base, recorder, stack, started)
        wall = time.monotonic() - started
        sandbox_state = requests.get(f"{env['SANDBOX_URL']}/_sandbox/state", timeout=10).json()
    finally:
        stack.stop_all()
        release_run(args.postgres, database, redis_claim, workdir, keep=args.keep)
    return 0 if report(args, recorder, outcome, wall, sandbox_state, stack) else 1


# --- set-up -----------------------------------------------------------------------------------------------------


def environment(args, workdir: Path, database: str | None, redis_claim: RedisClaim | None) -> dict:
    """The environment of every process; creates the PostgreSQL database when there is one."""
    web_port, sandbox_port = free_port(), free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "podsite.settings",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "MEDIA_ROOT": str(workdir / "media"),
        "STATIC_ROOT": str(workdir / "static"),
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SERVE_MEDIA": "true",
        "WEB_ADDRESS": f"127.0.0.1:{web_port}",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
        "POD_SANDBOX": "1",
        "SANDBOX_PORT": str(sandbox_port),
        "SANDBOX_URL": f"http://127.0.0.1:{sandbox_port}",
        "RUNPOD_MAX_IN_FLIGHT": str(args.gpu_workers),
        "PRINTIFY_RATE_PER_MINUTE": "600",
        "PRINTIFY_PUBLISH_LIMIT": "200",
        "PRINTIFY_PUBLISH_WINDOW_SECONDS": str(args.publish_window),
        "Q_WORKERS": "2",
        "Q_CLUSTER_NAME": f"podsite-load-{os.getpid()}",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    if database:
        create_database(args.postgres, database)
        env["DATABASE_URL"] = server_url(args.postgres, f"/{database}")
        env["REDIS_URL"] = redis_claim.url
    else:
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'load.sqlite3'}"
        env.pop("REDIS_URL", None)
    return env


def prepare_django(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    create_tee_template("Load tee")


def create_users(count: int, password: str) -> list[str]:
    """A superuser `lead` (starts the batch) and `staff01`… in Reviewers + Publishers (approve and publish)."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User

    hashed = make_password(password)  # hashed once: PBKDF2 twenty times over would only slow the set-up
    User.objects.create(username="lead", password=hashed, is_staff=True, is_superuser=True)
    groups = list(Group.objects.filter(name__in=["Reviewers", "Publishers"]))
    assert len(groups) == 2, "migration 0002 installs the Reviewers and Publishers groups"
    names = [f"staff{n + 1:02d}" for n in range(count)]
    for name in names:
        User.objects.create(username=name, password=hashed, is_staff=True).groups.set(groups)
    return names


class Stack(Processes):
    """The processes of the run (bench/_support.py), and what their logs say once they stopped."""

    def __init__(self, workdir: Path):
        super().__init__(workdir)
        self.locked_lines: list[str] = []
        self.access_5xx: collections.Counter = collections.Counter()
        # Requests the sessions do not make (RunPod webhooks, Printify fetching media): gunicorn's own timings.
        self.background: dict[str, list] = collections.defaultdict(list)

    def stop_all(self) -> None:
        super().stop_all()
        self.scan_logs()

    def scan_logs(self) -> None:
        for name in self.processes:
            for line in (self.workdir / f"{name}.log").read_text(errors="replace").splitlines():
                if LOCKED.search(line):
                    self.locked_lines.append(f"[{name}] {line}")
        access = self.workdir / "access.log"
        if access.exists():
            for line in access.read_text(errors="replace").splitlines():
                status, _method, path, microseconds = (line.split() + ["", "", "", ""])[:4]
                if status.startswith("5"):
                    self.access_5xx[f"{status} {path}"] += 1
                for prefix, kind in (("/hooks/", "webhook (server)"), ("/media/", "media (server)")):
                    if path.startswith(prefix) and microseconds.isdigit():
                        self.background[kind].append(
                            (int(status) if status.isdigit() else None, int(microseconds) / 1e6)
                        )


def wait_for(url: str, stack: Stack, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        stack.check_alive()
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {seconds:g} s")


# --- the people -------------------------------------------------------------------------------------------------


@dataclass
class Recorder:
    """(page type, HTTP status or None for no answer, seconds) of every request the sessions made."""

    samples: list = field(default_factory=list)

    def add(self, kind: str, status: int | None, seconds: float) -> None:
        self.samples.append((kind, status, seconds))  # list.append is atomic: no lock needed


@dataclass
class Shared:
    """What the sessions share: when the Publish action last ran (it runs every --publish-every s)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    last_publish: float = 0.0
    stop: threading.Event = field(default_factory=threading.Event)

    def publish_turn(self, every: float) -> bool:
        with self.lock:
            if time.monotonic() - self.last_publish < every:
                return False
            self.last_publish = time.monotonic()
            return True


CARD = re.compile(r'class="pod-card([^"]*)" data-id="(\d+)"')
SELECTABLE = re.compile(r'name="_selected_action" value="(\d+)"')
CHANGE_LINK = re.compile(r'href="/admin/designs/design/(\d+)/change/')
EXPECTED = {
    # page type: answers that are normal for it (a decision can lose the race against another reviewer: 409)
    "review decide": {200, 409},
    "publish (confirm)": {200},
    "publish (queue)": {302},
    "login": {302},
    "batch add": {200, 302},  # 200: a large batch's confirmation page
}


class StaffSession:
    def __init__(self, username: str, password: str, base: str, recorder: Recorder, args, shared: Shared):
        self.username, self.password, self.base = username, password, base
        self.recorder, self.args, self.shared = recorder, args, shared
        self.http = requests.Session()
        self.random = random.Random(username)
        self.to_review: list[int] = []
        self.shared_cards: set[int] = set()  # cards the page showed although another reviewer holds them
        self.decided: set[int] = set()
        self.seen: list[int] = []

    def request(self, kind: str, method: str, path: str, **kwargs) -> requests.Response | None:
        started = time.perf_counter()
        try:
            response = self.http.request(
                method, self.base + path, timeout=REQUEST_TIMEOUT, allow_redirects=False, **kwargs
            )
        except requests.RequestException:
            self.recorder.add(kind, None, time.perf_counter() - started)
            return None
        self.recorder.add(kind, response.status_code, time.perf_counter() - started)
        return response

    def csrf(self) -> str:
        return self.http.cookies.get("csrftoken", "")

    def login(self) -> None:
        self.http.get(f"{self.base}/admin/login/", timeout=REQUEST_TIMEOUT)
        response = self.request(
            "login",
            "POST",
            "/admin/login/?next=/admin/",
            data={"username": self.username, "password": self.password, "csrfmiddlewaretoken": self.csrf()},
        )
        if response is None or response.status_code != 302:
            raise SystemExit(f"{self.username} could not log in ({response and response.status_code})")

    def start_batch(self, count: int, size: int) -> None:
        from designs.presets import default_preset

        self.request("batch form", "GET", "/admin/designs/batch/add/")
        prompts = "\n".join(f"load design {n}: a fox in the snow, woodcut, limited palette" for n in range(count))
        form = {
            "csrfmiddlewaretoken": self.csrf(),
            "name": "Load",
            "prompts": prompts,
            "preset": default_preset().pk,
            "variations": 1,
            "width": size,
            "height": size,
        }
        response = self.request("batch add", "POST", "/admin/designs/batch/add/", data=form)
        if response is not None and response.status_code == 200 and "confirmed_total" in response.text:
            # A large batch: the page showed the count and cost; press the button again, as a person would.
            form["confirmed_total"] = count
            response = self.request("batch add", "POST", "/admin/designs/batch/add/", data=form)
        if response is None or response.status_code != 302:
            raise SystemExit(f"the batch was not created: {response and response.status_code}")

    # --- clicks
    def run(self) -> None:
        # People do not all log in at the same instant (each login is a deliberately slow PBKDF2 check).
        if self.shared.stop.wait(self.random.uniform(0, 5)):
            return
        try:
            self.login()
        except SystemExit as error:
            print(error, file=sys.stderr)
            return
        clicks = [
            (self.changelist, 3),
            (self.filtered_changelist, 2),
            (self.searched_changelist, 1),
            (self.change_page, 2),
            (self.review_page, 2),
            (self.decide, 6),
        ]
        actions, weights = zip(*clicks, strict=True)
        while not self.shared.stop.is_set():
            if self.shared.publish_turn(self.args.publish_every):
                self.publish()
            else:
                self.random.choices(actions, weights)[0]()
            self.shared.stop.wait(self.random.uniform(0.3, 1.7) * self.args.think)

    def remember(self, html: str) -> None:
        self.seen = [int(pk) for pk in CHANGE_LINK.findall(html)][:200] or self.seen

    def changelist(self) -> None:
        response = self.request("changelist", "GET", CHANGELIST)
        if response is not None and response.ok:
            self.remember(response.text)

    def filtered_changelist(self) -> None:
        status = self.random.choice(STATUSES)
        response = self.request("changelist filtered", "GET", f"{CHANGELIST}?status__exact={status}")
        if response is not None and response.ok:
            self.remember(response.text)

    def searched_changelist(self) -> None:
        term = self.random.choice([f"load design {self.random.randrange(self.args.designs)}", "fox", "woodcut"])
        self.request("changelist search", "GET", CHANGELIST, params={"q": term})

    def change_page(self) -> None:
        if self.seen:
            self.request("change page", "GET", f"{CHANGELIST}{self.random.choice(self.seen)}/change/")

    def review_page(self) -> None:
        response = self.request("review page", "GET", REVIEW)
        if response is not None and response.ok:
            # The page's order: this reviewer's claims (or, with nothing of their own, shared ones).
            cards = [(int(pk), "is-shared" in classes) for classes, pk in CARD.findall(response.text)]
            self.to_review = [pk for pk, _ in cards if pk not in self.decided]
            self.shared_cards = {pk for pk, shared in cards if shared}

    def decide(self) -> None:
        if not self.to_review:
            self.review_page()
            return
        decision = "approve" if self.random.random() < self.args.approve_share else "reject"
        design = self.to_review.pop(0)
        data = {"design": design, "decision": decision, "reason": "Rejected by the load benchmark."}
        if len(self.to_review) < REFILL_BELOW:
            data["refill"] = "1"
        else:
            data["have"] = ",".join(str(pk) for pk in self.to_review if pk not in self.shared_cards)
        response = self.request(
            "review decide",
            "POST",
            f"{REVIEW}decide/",
            data=data,
            headers={"Accept": "application/json", "X-CSRFToken": self.csrf(), "Referer": self.base + REVIEW},
        )
        if response is None or response.status_code not in (200, 404, 409):
            self.to_review.append(design)  # not saved (no answer): as the page, the card comes back
            return
        self.decided.add(design)
        if response.status_code == 404:
            return
        body = response.json()
        if "cards" in body:  # as the page: the server's list of this reviewer's cards replaces the grid
            self.to_review = [card["id"] for card in body["cards"] if card["id"] not in self.decided]
            self.shared_cards = {card["id"] for card in body["cards"] if not card["mine"]}
        taken = set(body.get("taken", []))  # another reviewer holds these now: the page drops them
        self.to_review = [pk for pk in self.to_review if pk not in taken]

    def publish(self) -> None:
        """Filter the changelist to approved, select the page, Publish to Printify…, confirm."""
        response = self.request("changelist filtered", "GET", f"{CHANGELIST}?status__exact=approved")
        if response is None or not response.ok:
            return
        selected = SELECTABLE.findall(response.text)
        if not selected:
            return
        form = {"action": "publish_to_printify", "index": "0", "select_across": "0", "_selected_action": selected}
        confirm = self.request(
            "publish (confirm)", "POST", CHANGELIST, data={**form, "csrfmiddlewaretoken": self.csrf()}
        )
        if confirm is None or not confirm.ok:
            return
        self.shared.stop.wait(self.random.uniform(0.3, 1.7) * self.args.think)  # reads the confirmation
        self.request(
            "publish (queue)",
            "POST",
            CHANGELIST,
            # The bench measures the team's load, not print quality: its small images go out below the minimum DPI.
            data={**form, "post": "yes", "template": "", "override_low_dpi": "on", "csrfmiddlewaretoken": self.csrf()},
        )


def drive(args, users, password, base, recorder, stack: Stack, started: float) -> dict:
    """Run the sessions until every design is final or the time limit; returns the final status counts."""
    from django.db.models import Count

    from designs.models import Design

    shared = Shared()
    sessions = [StaffSession(name, password, base, recorder, args, shared) for name in users]
    threads = [threading.Thread(target=session.run, name=session.username, daemon=True) for session in sessions]
    for thread in threads:
        thread.start()
    counts: dict = {}
    last_print = 0.0
    try:
        while time.monotonic() - started < args.time_limit:
            stack.check_alive()
            rows = Design.objects.values("status").annotate(n=Count("pk")).order_by()
            counts = {row["status"]: row["n"] for row in rows}
            total = sum(counts.values())
            done = sum(counts.get(status, 0) for status in FINAL)
            if time.monotonic() - last_print > 15:
                last_print = time.monotonic()
                print(
                    f"  {time.monotonic() - started:6.0f} s  {len(recorder.samples):6d} requests  {counts}", flush=True
                )
            if total >= args.designs and done == total:
                break
            time.sleep(1)
        else:
            print(f"TIME LIMIT reached after {args.time_limit:g} s", flush=True)
    finally:
        shared.stop.set()
        for thread in threads:
            thread.join(timeout=REQUEST_TIMEOUT + 5)
    return counts


# --- figures ----------------------------------------------------------------------------------------------------


def report(args, recorder: Recorder, counts: dict, wall: float, sandbox: dict, stack: Stack) -> bool:
    """Prints the figures; True when the targets hold (no 5xx, no lock errors, every design final)."""
    locked, access_5xx = stack.locked_lines, stack.access_5xx
    by_kind: dict[str, list] = collections.defaultdict(list)
    for kind, status, seconds in recorder.samples:
        by_kind[kind].append((status, seconds))
    print(f"\n{'page type':<20}{'requests':>9}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}   answers")
    for kind, rows in sorted(by_kind.items()):
        print(_latency_row(kind, rows))
    print(_latency_row("overall", [row for rows in by_kind.values() for row in rows]))
    for kind, rows in sorted(stack.background.items()):
        print(_latency_row(kind, rows))

    server_errors = sum(1 for _, status, _ in recorder.samples if status and status >= 500)
    no_answer = sum(1 for _, status, _ in recorder.samples if status is None)
    unexpected = sum(
        1
        for kind, status, _ in recorder.samples
        if status is not None and status < 500 and status not in EXPECTED.get(kind, {200})
    )
    print(f"\n5xx answers to the sessions   {server_errors:6d}   (target 0); no answer (timeout/reset) {no_answer}")
    print(f"5xx in the web access log     {sum(access_5xx.values()):6d}   (webhooks, media too) {dict(access_5xx)}")
    print(f"other unexpected answers      {unexpected:6d}   (4xx other than a 409 lost race)")
    print(f'"database is locked" lines    {len(locked):6d}   (target 0; web and worker logs)')
    decisions = [(status, seconds) for kind, status, seconds in recorder.samples if kind == "review decide"]
    lost = sum(1 for status, _ in decisions if status == 409)
    saved = sum(1 for status, _ in decisions if status == 200)
    share = 100 * lost / len(decisions) if decisions else 0.0
    print(f"review decisions              {len(decisions):6d}   {saved} saved, {lost} lost races ", end="")
    print(f"({share:.1f} %; target ≤ 1 %)")
    print(f"decisions per minute          {60 * saved / wall if wall else 0:8.1f}   (the team, over the whole run)")
    for line in locked[:10]:
        print(f"    {line[:300]}")

    total = sum(counts.values())
    print(f"\ndesigns by status             {', '.join(f'{s} {n}' for s, n in sorted(counts.items()))}")
    final = {status: counts.get(status, 0) for status in FINAL}
    verdict = "every design accounted for" if sum(final.values()) == total == args.designs else "NOT all final"
    print(f"final: {final}; sum {sum(final.values())} of {total} designs (N={args.designs}): {verdict}")
    runpod, printify = sandbox["runpod"], sandbox["printify"]
    print(
        f"sandbox: RunPod {runpod['submissions']} submissions; Printify {printify['products_created']} products "
        f"created, {printify['publish_requests']} publish requests, {printify['requests']} requests of which "
        f"{printify['rate_limited']} answered 429"
    )
    print(f"total wall time               {wall:8.1f} s")
    return not (server_errors or access_5xx or locked) and verdict == "every design accounted for"


def _latency_row(kind: str, rows: list) -> str:
    timings = [seconds * 1000 for _, seconds in rows]
    answers = collections.Counter(status or "none" for status, _ in rows)
    return (
        f"{kind:<20}{len(rows):>9}{statistics.median(timings):>11.0f}{percentile(timings, 95):>9.0f}"
        f"{max(timings):>9.0f}   {dict(sorted(answers.items(), key=str))}"
    )


if __name__ == "__main__":
    sys.exit(main())
