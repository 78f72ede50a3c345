"""Soak: N designs through the whole pipeline on the scale path, with every count checked at the end.

    .venv/bin/python bench/soak.py [--designs 10000] [--reject-share 0.1] [--latency 6] [--gpus 40]
        [--printify-rate 600] [--publish-limit 200] [--publish-window 60] [--orders N]
        [--postgres postgres://user@host:5432] [--redis redis://host:6379] [--redis-db N] [--database NAME]

Everything is a real process on loopback, in a temp work dir:
- PostgreSQL: a database made for the run on --postgres (default postgres://postgres@127.0.0.1:5432), dropped after
  it; Redis: the broker and the shared rate limiter on a database number of the run's own (--redis-db, else the first
  empty one; flushed after the run only if it still holds the run's claim);
- object storage: moto's S3 server (the one the tests use) as its own process, one private bucket; media is
  MEDIA_STORAGE=s3 everywhere, and every process has a MEDIA_ROOT of its own (no shared disk: all stay empty);
- the sandbox (`manage.py sandbox`): RunPod with --gpus GPUs of --latency s per job (generation and print files share
  the endpoint, as with RUNPOD_PRINT_ENDPOINT_ID unset), every API answer --http-delay s late; Printify at
  --printify-rate requests/min and --publish-limit publishes per --publish-window s (Printify's own: 600/min and
  200 per 1800 s; the window is scaled so a run takes minutes), products going live --publish-delay s after the
  publish call; PRINTIFY_* and RUNPOD_MAX_IN_FLIGHT match, and every upload goes by URL (the sandbox fetches it
  from the bucket, signed, as Printify would);
- two `qcluster` processes (--workers each), as two hosts.
This script is the staff: it creates the batches (at most MAX_PROMPTS_PER_BATCH prompts each) and then, about once
a second, decides what waits in review through the review services (approve; every design whose id hashes into
--reject-share is rejected), asks for print files for the approved (sized for the sticker template), publishes the
print-ready designs to two templates (a 4×4" sticker and a mug, both with mockup review), and sends live what waits
for its mockup review (services/mockups.go_live). Customers order (the sandbox's orders, through
services/orders.place_sandbox_orders, which asks for an order sync): half of --orders once half the products are
live, spread over 30 days, the rest when everything is live, newer than those; the workers' order sync reads them.

It prints:
- throughput per stage and end to end, each beside its floor under the configured limits (RunPod: ceil(jobs ÷ GPUs)
  × latency; Printify: requests ÷ the rate, and the publish limit's sliding window), and span ÷ floor (1.00 is as
  fast as the limits allow); beside them the CPU floor: the CPU seconds every process of the run used (the
  clusters, the sandbox, moto, PostgreSQL's backends of the run, this script) ÷ the cores;
- the resident memory (VmRSS) of each process at start, once warm (the first product live: every code path but the
  order sync has run) and at the end, with the growth from warm to end (target ≤ 10 % for the clusters; the sandbox
  and moto keep every job, upload, object and order they were given in memory, as the services' storage);
- the database size (pg_database_size) and its largest tables; the admin pages at that size, slowest first (the
  test client in this process, as bench/admin.py measures);
- the counts that must hold — every design published or rejected (none stuck), one RunPod job per design and per
  print file, one product per design × template on each side, every order and order line counted once, nothing on
  a local disk, every stored file in the bucket — and exits 1 when one does not (or when the clusters grew more
  than 10 %).
The smoke size (make bench-smoke) is --designs 40.
"""

from __future__ import annotations

import argparse
import math
import os
import secrets
import signal
import sys
import tempfile
import time
import zlib
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
    SandboxProcess,
    create_catalog_template,
    create_database,
    free_port,
    machine_cpu_seconds,
    proc_status_kb,
    process_tree,
    release_run,
    server_url,
    tree_cpu_seconds,
)

BUCKET = "podsite-soak"
S3_KEY, S3_SECRET = "AKIAPODSITESOAK00001", "podsite-soak-secret-access-key-0123456789"  # moto's: made up
STICKER = (384, 1, {45744})  # blueprint, provider, the 4×4" variant: a 1200×1200 print area at 300 DPI
MUG = (68, 9, None)
GROWTH_LIMIT = 0.10
PROGRESS_EVERY = 15.0
ACTION_CHUNK = 2000  # designs or products per service call, as a large admin selection


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--designs", "-n", type=int, default=10_000)
    parser.add_argument("--reject-share", type=float, default=0.1)
    parser.add_argument("--size", type=int, default=512, help="design side in pixels (the sandbox paints them)")
    parser.add_argument("--latency", type=float, default=6.0, help="seconds one RunPod job runs on a GPU")
    parser.add_argument("--gpus", type=int, default=40, help="sandbox GPUs = RUNPOD_MAX_IN_FLIGHT")
    parser.add_argument("--http-delay", type=float, default=0.05, help="seconds every API answer is late")
    parser.add_argument("--printify-rate", type=int, default=600, help="Printify requests per minute (real: 600)")
    parser.add_argument("--publish-limit", type=int, default=200, help="publishes per window (real: 200)")
    parser.add_argument("--publish-window", type=int, default=60, help="seconds (real: 1800)")
    parser.add_argument("--publish-delay", type=float, default=2.0, help="seconds until a publish completes")
    parser.add_argument("--mockup-undo", type=float, default=5.0, help="MOCKUP_UNDO_SECONDS")
    parser.add_argument("--orders", type=int, default=None, help="sandbox orders in all (default: designs ÷ 2)")
    parser.add_argument("--workers", type=int, default=2, help="django-q2 workers per qcluster")
    parser.add_argument("--postgres", default=POSTGRES_SERVER, metavar="SERVER_URL")
    parser.add_argument("--database", help="the database to create (and drop); default podsite_soak_<random>")
    parser.add_argument("--redis", default=REDIS_SERVER, metavar="SERVER_URL")
    parser.add_argument("--redis-db", type=int, help="the Redis database number (must be empty); default: the first")
    parser.add_argument("--time-limit", type=float, default=3600, help="seconds from the batches to giving up")
    parser.add_argument("--requests", type=int, default=3, help="renders per admin page")
    parser.add_argument("--keep", action="store_true", help="keep the work dir (logs)")
    args = parser.parse_args()
    args.orders = args.designs // 2 if args.orders is None else args.orders

    # `timeout` or a kill sends SIGTERM: unwind through the finally below so every process started is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="podsite-soak-"))
    processes = Processes(workdir)
    database = args.database or f"podsite_soak_{secrets.token_hex(4)}"
    redis_claim = sandbox = None
    created = False
    try:
        redis_claim = RedisClaim.first_empty(args.redis, number=args.redis_db)
        create_database(args.postgres, database)
        created = True
        endpoint = start_object_storage(processes)
        sandbox = SandboxProcess(
            *("--latency", str(args.latency), "--gpu-workers", str(args.gpus), "--publish-delay"),
            str(args.publish_delay),
            log_path=workdir / "sandbox.log",
        )
        sandbox.configure(
            http_delay=args.http_delay,
            printify_rate_limit=args.printify_rate,
            printify_publish_limit=args.publish_limit,
            printify_publish_window=args.publish_window,
            runpod_rate_limit=1_000_000,  # RunPod's /status budget is not what this run measures
        )
        env = environment(args, workdir, server_url(args.postgres, f"/{database}"), redis_claim.url, endpoint, sandbox)
        os.environ.update(env)
        staff = prepare_django()
        for host in (1, 2):
            processes.start(f"qcluster-{host}", ["manage.py", "qcluster"], host_env(env, workdir, f"host-{host}"))
        print(
            f"N={args.designs} designs ({args.size} px), reject {args.reject_share:.0%}; RunPod {args.gpus} GPUs × "
            f"{args.latency:g} s; Printify {args.printify_rate}/min, {args.publish_limit} publishes/"
            f"{args.publish_window} s; API answers +{args.http_delay:g} s; {args.orders} orders; PostgreSQL "
            f"{database}, Redis {redis_claim.url}, moto S3 {endpoint}; 2 qclusters × {args.workers} workers; "
            f"work dir {workdir}",
            flush=True,
        )
        meter = Meter(processes, sandbox, database)
        time.sleep(3)  # let the clusters fork their workers
        meter.sample("start")
        run = Soak(args, staff, processes, meter, sandbox)
        run.drive()
        time.sleep(args.publish_delay + 1)  # the sandbox lists a product as published this long after the call
        meter.sample("end")
        state = sandbox.state()
        held = report(args, run, meter, state, workdir, endpoint)
    finally:
        processes.stop_all()
        if sandbox:
            sandbox.close()
        release_run(args.postgres, database if created else None, redis_claim, workdir, keep=args.keep)
    return 0 if held else 1


# --- set-up -----------------------------------------------------------------------------------------------------


def start_object_storage(processes: Processes) -> str:
    """moto's S3 server as its own process, with one private bucket; returns its endpoint URL."""
    import boto3

    port = free_port()
    # Objects above 256 kB go to temp files, not moto's heap (a 10,000-design run stores gigabytes).
    moto_env = {**os.environ, "MOTO_S3_DEFAULT_KEY_BUFFER_SIZE": str(256 * 1024)}
    processes.start("moto", ["-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], moto_env)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        processes.check_alive()
        try:
            requests.get(endpoint, timeout=1)
            break
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise SystemExit("moto's S3 server did not start") from None
            time.sleep(0.2)
    client = boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=S3_KEY, aws_secret_access_key=S3_SECRET
    )
    client.create_bucket(Bucket=BUCKET, ACL="private")
    client.put_public_access_block(
        Bucket=BUCKET,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    return endpoint


def environment(args, workdir: Path, database_url: str, redis_url: str, endpoint: str, sandbox) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "podsite.settings",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "MEDIA_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": endpoint,
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_ACCESS_KEY_ID": S3_KEY,
        "AWS_SECRET_ACCESS_KEY": S3_SECRET,
        "AWS_LOCATION": "soak",
        "MEDIA_ROOT": str(host_media(workdir, "bench")),
        "STATIC_ROOT": str(workdir / "static"),
        "POD_SANDBOX": "1",
        "SANDBOX_URL": sandbox.url,
        "RUNPOD_MAX_IN_FLIGHT": str(args.gpus),
        "PRINTIFY_RATE_PER_MINUTE": str(args.printify_rate),
        "PRINTIFY_PUBLISH_LIMIT": str(args.publish_limit),
        "PRINTIFY_PUBLISH_WINDOW_SECONDS": str(args.publish_window),
        "PRINTIFY_UPLOAD_BY_URL_ABOVE": "0",  # every upload by signed URL: Printify fetches from the bucket
        "MOCKUP_UNDO_SECONDS": str(args.mockup_undo),
        "Q_WORKERS": str(args.workers),
        "Q_CLUSTER_NAME": f"podsite-soak-{os.getpid()}",
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def host_media(workdir: Path, host: str) -> Path:
    (workdir / "static").mkdir(exist_ok=True)  # STATIC_ROOT (the admin pages read static files from the finders)
    folder = workdir / f"{host}-media"
    folder.mkdir(exist_ok=True)
    return folder


def host_env(env: dict, workdir: Path, host: str) -> dict:
    return {**env, "MEDIA_ROOT": str(host_media(workdir, host))}


@dataclass
class Staff:
    lead: object  # a superuser: batches, print files, publishing, the admin pages
    reviewer: object  # Reviewers: decisions and mockups
    sticker: object
    mug: object


def prepare_django() -> Staff:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # The admin pages are measured without collectstatic: static URLs come from the finders (bench/admin.py).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.ALLOWED_HOSTS = ["testserver"]
    lead = User.objects.create_superuser("soak-lead", password=None)
    reviewer = User.objects.create(username="soak-reviewer", is_staff=True)
    reviewer.groups.set(Group.objects.filter(name__in=["Reviewers", "Publishers"]))
    blueprint, provider, variants = STICKER
    sticker = create_catalog_template(
        'Soak sticker 4×4"',
        blueprint,
        provider,
        variant_ids=variants,
        price=600,
        is_default=True,
        review_mockups=True,
        needs_transparency=True,
    )
    blueprint, provider, variants = MUG
    mug = create_catalog_template(
        "Soak mug", blueprint, provider, variant_ids=variants, price=1800, review_mockups=True
    )
    return Staff(lead, reviewer, sticker, mug)


# --- what the run measures --------------------------------------------------------------------------------------


@dataclass
class Sample:
    rss_kb: dict[str, int]  # role → VmRSS of its process tree
    largest_kb: dict[str, int]  # role → the largest process of the tree


class Meter:
    """Resident memory of every process of the run at chosen moments, their peaks, and the CPU they used (with the
    PostgreSQL backends that served this run's database, sampled while they live)."""

    def __init__(self, processes: Processes, sandbox, database: str):
        self.roots = {name: process.pid for name, process in processes.processes.items()}
        self.roots["sandbox"] = sandbox.process.pid
        self.database = database
        self.samples: dict[str, Sample] = {}
        self.peak_kb: dict[str, int] = {}
        self.backend_cpu: dict[int, float] = {}
        self.cpu_start = {name: tree_cpu_seconds(pid) for name, pid in self.roots.items()}
        self.script_start = sum(os.times()[:2])
        self.machine_start = machine_cpu_seconds()
        self.wall_start = time.monotonic()

    def sample(self, moment: str) -> None:
        rss, largest = {}, {}
        for role, root in self.roots.items():
            sizes = [proc_status_kb(pid, "VmRSS") or 0 for pid in process_tree(root)]
            rss[role], largest[role] = sum(sizes), max(sizes, default=0)
        self.samples[moment] = Sample(rss, largest)
        self.track()

    def track(self) -> None:
        """Peaks (VmHWM) of every process, and the CPU of this run's PostgreSQL backends so far."""
        for role, root in self.roots.items():
            for pid in process_tree(root):
                self.peak_kb[role] = max(self.peak_kb.get(role, 0), proc_status_kb(pid, "VmHWM") or 0)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.database])
            for (pid,) in cursor.fetchall():
                seconds = tree_cpu_seconds(pid) if Path(f"/proc/{pid}").exists() else 0.0
                self.backend_cpu[pid] = max(self.backend_cpu.get(pid, 0.0), seconds)

    def cpu(self) -> dict[str, float]:
        used = {name: tree_cpu_seconds(pid) - self.cpu_start[name] for name, pid in self.roots.items()}
        used["PostgreSQL backends"] = sum(self.backend_cpu.values())
        used["this script"] = sum(os.times()[:2]) - self.script_start
        return used

    def machine_cpu(self) -> float:
        return machine_cpu_seconds() - self.machine_start


@dataclass
class Round:
    count: int
    placed_at: float = 0.0  # monotonic
    placed_wall: float = 0.0  # time.time(), for OrderSync.finished_at
    synced_at: float = 0.0
    syncs_asked: int = 0


@dataclass
class Soak:
    """The staff of the run: what they ask for and when; the pipeline's progress as the database shows it."""

    args: argparse.Namespace
    staff: Staff
    processes: Processes
    meter: Meter
    sandbox: SandboxProcess
    marks: dict[str, float] = field(default_factory=dict)  # stage → monotonic time of its first request
    review_seconds: float = 0.0
    decisions: int = 0
    rounds: list[Round] = field(default_factory=list)
    placed: int = 0
    timed_out: bool = False

    def rejects(self, design_id: int) -> bool:
        return zlib.crc32(str(design_id).encode()) % 1000 < self.args.reject_share * 1000

    def drive(self) -> None:
        from designs.services import batches

        self.started = time.monotonic()
        self.started_wall = time.time()
        rows = [
            batches.PromptRow(line=n, prompt=f"soak design {n}: a lighthouse on a cliff at dusk, linocut print")
            for n in range(self.args.designs)
        ]
        per_batch = _max_prompts()
        for first in range(0, len(rows), per_batch):
            batches.create_batch(
                rows[first : first + per_batch],
                name=f"Soak {first // per_batch + 1}",
                origin="file",
                width=self.args.size,
                height=self.args.size,
                actor=self.staff.lead,
                source="admin",
            )
        self.marks["generation"] = self.started
        half = self.args.orders // 2
        self.rounds = [Round(half), Round(self.args.orders - half)] if self.args.orders else []
        last_print, last_change, last_counts = 0.0, time.monotonic(), None
        deadline = self.started + self.args.time_limit
        while time.monotonic() < deadline:
            self.processes.check_alive()
            if self.sandbox.process.poll() is not None:
                raise SystemExit("the sandbox exited")
            counts = self.step()
            if counts != last_counts:
                last_counts, last_change = counts, time.monotonic()
            if time.monotonic() - last_print > PROGRESS_EVERY:
                last_print = time.monotonic()
                print(f"  {last_print - self.started:6.0f} s  {counts.summary()}", flush=True)
            if counts.finished(self):
                break
            if time.monotonic() - last_change > 600:
                print("NOTHING MOVED for 600 s: stopping", flush=True)
                self.timed_out = True
                break
            time.sleep(1.0)
        else:
            print(f"TIME LIMIT reached after {self.args.time_limit:g} s", flush=True)
            self.timed_out = True
        self.finished = time.monotonic()
        print(f"  {self.finished - self.started:6.0f} s  {self.counts().summary()}", flush=True)

    def step(self) -> Counts:
        from designs.models import Design, Product
        from designs.print_status import PrintStatus
        from designs.products import ProductState
        from designs.services import mockups, review
        from designs.services.print_files import request_print_files
        from designs.services.publishing import request_publish
        from designs.workflow import Source, Status

        waiting = list(Design.objects.filter(status=Status.REVIEW).values_list("pk", flat=True)[:ACTION_CHUNK])
        if waiting:
            started = time.perf_counter()
            review.approve([pk for pk in waiting if not self.rejects(pk)], actor=self.staff.reviewer, source="review")
            rejected = [pk for pk in waiting if self.rejects(pk)]
            review.reject(rejected, actor=self.staff.reviewer, reason="Not for the shop.", source=Source.REVIEW)
            self.review_seconds += time.perf_counter() - started
            self.decisions += len(waiting)
        approved = Design.objects.filter(status=Status.APPROVED)
        unprepared = list(approved.filter(print_status=PrintStatus.NONE).values_list("pk", flat=True)[:ACTION_CHUNK])
        if unprepared:
            self.marks.setdefault("print files", time.monotonic())
            request_print_files(unprepared, actor=self.staff.lead, source=Source.ADMIN, template=self.staff.sticker)
        ready = list(approved.filter(print_status=PrintStatus.READY).values_list("pk", flat=True)[:ACTION_CHUNK])
        if ready:
            self.marks.setdefault("publishing", time.monotonic())
            templates = [self.staff.sticker, self.staff.mug]
            request_publish(ready, actor=self.staff.lead, source=Source.ADMIN, templates=templates)
        looked_at = list(
            Product.objects.filter(state=ProductState.MOCKUP_REVIEW).values_list("pk", flat=True)[:ACTION_CHUNK]
        )
        if looked_at:
            self.marks.setdefault("going live", time.monotonic())
            mockups.go_live(looked_at, actor=self.staff.reviewer, source=Source.REVIEW)
        counts = self.counts()
        self.orders(counts)
        if "warm" not in self.meter.samples and counts.live:
            self.meter.sample("warm")
        else:
            self.meter.track()
        return counts

    def counts(self) -> Counts:
        from django.db.models import Count

        from designs.models import Design, Order, Product

        designs = dict(Design.objects.values_list("status").annotate(n=Count("pk")).order_by())
        products = dict(Product.objects.values_list("state").annotate(n=Count("pk")).order_by())
        return Counts(designs, products, Order.objects.count())

    def orders(self, counts: Counts) -> None:
        """Place the rounds of orders when their moment comes; ask for a sync again if one ended short."""
        from designs.order_models import OrderSync
        from designs.services.orders import place_sandbox_orders
        from designs.workers import enqueue

        for number, round_ in enumerate(self.rounds):
            if not round_.placed_at:
                if number and not self.rounds[number - 1].synced_at:
                    return
                products = counts.products_total
                expected = 2 * counts.designs_kept  # a product per template of every design not rejected
                due = (
                    counts.live * 2 >= expected and not counts.designs_pending
                    if number == 0
                    else counts.live == products and counts.done(self)
                )
                if not (due and counts.live):
                    return
                # The second round is newer than everything the first one placed (the sync stops at what it read).
                days = 30.0 if number == 0 else max(1e-6, (time.time() - self.rounds[0].placed_wall) / 86400)
                round_.placed_wall = time.time()
                place_sandbox_orders(round_.count, days, seed=number + 1)
                round_.placed_at = time.monotonic()
                round_.syncs_asked = 1
                self.placed += round_.count
                self.marks.setdefault("orders", round_.placed_at)
                return
            if round_.synced_at:
                continue
            if counts.orders >= self.placed:
                round_.synced_at = time.monotonic()
                continue
            sync = OrderSync.objects.first()
            ended = sync and sync.finished_at and sync.finished_at.timestamp() > round_.placed_wall
            if ended and sync.next_page == 1 and time.monotonic() - round_.placed_at > 10:
                enqueue("sync_orders")  # the one asked for found another run busy: ask again, as the schedule would
                round_.placed_wall = time.time()
                round_.syncs_asked += 1
            return


def _max_prompts() -> int:
    from django.conf import settings

    return settings.MAX_PROMPTS_PER_BATCH


@dataclass
class Counts:
    designs: dict[str, int]
    products: dict[str, int]
    orders: int

    @property
    def live(self) -> int:
        return self.products.get("live", 0)

    @property
    def products_total(self) -> int:
        return sum(self.products.values())

    @property
    def designs_kept(self) -> int:
        return sum(n for status, n in self.designs.items() if status != "rejected")

    @property
    def designs_pending(self) -> int:
        return sum(n for status, n in self.designs.items() if status in ("draft", "queued", "generating", "review"))

    def done(self, run: Soak) -> bool:
        """Every design rejected or published with every product live (or stuck where nothing moves it on)."""
        settled = sum(self.designs.get(status, 0) for status in ("rejected", "published"))
        return settled == sum(self.designs.values()) == run.args.designs and self.live == self.products_total

    def finished(self, run: Soak) -> bool:
        return self.done(run) and all(round_.synced_at for round_ in run.rounds)

    def summary(self) -> str:
        designs = ", ".join(f"{status} {n}" for status, n in sorted(self.designs.items()))
        products = ", ".join(f"{state} {n}" for state, n in sorted(self.products.items()))
        return f"designs: {designs} | products: {products or '—'} | orders {self.orders}"


# --- figures ----------------------------------------------------------------------------------------------------


def report(args, run: Soak, meter: Meter, state: dict, workdir: Path, endpoint: str) -> bool:
    """Prints the figures; True when every count holds and the clusters did not grow more than GROWTH_LIMIT."""
    stages = stage_figures(args, run, state)
    print(f"\n{'stage':<28}{'items':>8}{'span s':>9}{'per s':>8}{'floor s':>9}{'span ÷ floor':>14}   floor from")
    for stage in stages:
        ratio = f"{stage.span / stage.floor:.2f}" if stage.floor else "—"
        print(
            f"{stage.name:<28}{stage.items:>8}{stage.span:>9.1f}{stage.items / stage.span if stage.span else 0:>8.2f}"
            f"{stage.floor:>9.1f}{ratio:>14}   {stage.why}"
        )
    print(
        "(a stage's span runs from its first request to its last item done: stages overlap, so a stage fed by a "
        "slower one shows that one's pace)"
    )
    cpu = meter.cpu()
    ours = sum(cpu.values())
    cores = os.cpu_count() or 1
    wall = run.finished - run.started
    print(
        f"\nCPU floor: {ours:.0f} CPU-s ÷ {cores} cores = {ours / cores:.0f} s against {wall:.0f} s wall "
        f"({ours / args.designs * 1000:.0f} ms of CPU per design: "
        + ", ".join(f"{name} {seconds:.0f}" for name, seconds in sorted(cpu.items(), key=lambda i: -i[1]))
        + f"); the rest of the machine took {max(0.0, meter.machine_cpu() - ours):.0f} CPU-s meanwhile"
    )
    print(f"review through the services: {run.decisions} decisions in {run.review_seconds:.1f} s")
    grew = memory_report(meter)
    database_report()
    admin_pages(args, run)
    held = check_counts(args, run, state, workdir, endpoint)
    print(f"\ntotal wall time {wall:.0f} s; {'every count holds' if held else 'A COUNT DOES NOT HOLD'}")
    return held and not grew and not run.timed_out


@dataclass
class Stage:
    name: str
    items: int
    span: float
    floor: float
    why: str


def stage_figures(args, run: Soak, state: dict) -> list[Stage]:
    from django.db.models import Max

    from designs.models import Design, DesignEvent, Product, ProductEvent
    from designs.print_status import PrintStatus

    def since(mark: str, moment) -> float:
        """Seconds from a stage's first request (monotonic) to a database time (or 0)."""
        if not moment or mark not in run.marks:
            return 0.0
        return moment.timestamp() - (run.started_wall + run.marks[mark] - run.started)

    generated = Design.objects.exclude(runpod_job_id="").count()
    in_review = DesignEvent.objects.filter(to_status="review").aggregate(last=Max("created_at"))["last"]
    prints = Design.objects.filter(print_status=PrintStatus.READY).count()
    print_done = Design.objects.filter(print_status=PrintStatus.READY).aggregate(last=Max("print_status_changed_at"))
    products = Product.objects.count()
    reviewed = ProductEvent.objects.filter(to_state="mockup_review").aggregate(last=Max("created_at"))["last"]
    live = ProductEvent.objects.filter(to_state="live").aggregate(last=Max("created_at"))["last"]
    wave = args.latency
    rate = args.printify_rate / 60
    routes = state["printify"]["requests_by_route"]
    printify_requests = state["printify"]["requests"]
    pages = sum(n for route, n in routes.items() if "orders" in route)
    publish_floor = max(0, math.ceil(products / args.publish_limit) - 1) * args.publish_window
    runpod_floor = math.ceil((generated + prints) / args.gpus) * wave
    printify_floor = (3 * products + pages) / rate
    # One design's own way through: two RunPod jobs, the mockup undo grace, the publish completing.
    path = 2 * wave + args.mockup_undo + args.publish_delay
    stages = [
        Stage(
            "generation → review",
            generated,
            since("generation", in_review),
            math.ceil(generated / args.gpus) * wave,
            f"ceil({generated}/{args.gpus}) × {wave:g} s",
        ),
        Stage(
            "print files",
            prints,
            since("print files", print_done["last"]),
            math.ceil(prints / args.gpus) * wave,
            f"ceil({prints}/{args.gpus}) × {wave:g} s",
        ),
        Stage(
            "RunPod (both, one endpoint)",
            generated + prints,
            since("generation", max(filter(None, [in_review, print_done["last"]]), default=None)),
            runpod_floor,
            "in-flight cap",
        ),
        Stage(
            "products made (to mockups)",
            products,
            since("publishing", reviewed),
            2 * products / rate,
            f"upload + create = {2 * products} requests ÷ {args.printify_rate}/min",
        ),
        Stage(
            "products live",
            products,
            since("going live", live),
            max(products / rate, publish_floor),
            f"max({products} publishes ÷ {args.printify_rate}/min, {args.publish_limit} per {args.publish_window} s)",
        ),
        Stage(
            "orders synced (placed → read)",
            run.placed,
            sum(round_.synced_at - round_.placed_at for round_ in run.rounds if round_.synced_at),
            pages / rate,
            f"{pages} order requests ÷ {args.printify_rate}/min, {len(run.rounds)} rounds summed",
        ),
        Stage(
            "end to end",
            args.designs,
            run.finished - run.started,
            max(runpod_floor, printify_floor, publish_floor, path),
            f"the largest of RunPod {runpod_floor:.0f} s, Printify {printify_floor:.0f} s (3 requests a "
            f"product + order pages; made {printify_requests}), publishing {publish_floor:.0f} s, one design's "
            f"path {path:.0f} s",
        ),
    ]
    return stages


def memory_report(meter: Meter) -> bool:
    """Prints VmRSS per process tree at start, warm and end; True when a cluster grew more than GROWTH_LIMIT."""
    moments = [moment for moment in ("start", "warm", "end") if moment in meter.samples]
    header = "".join(f"{moment + ' MB':>11}" for moment in moments)
    print(f"\n{'process (tree)':<16}{header}{'largest peak':>15}   growth")
    grew = False
    base_moment = "warm" if "warm" in meter.samples else "start"
    for role in meter.roots:
        row = "".join(f"{meter.samples[moment].rss_kb[role] / 1024:>11.0f}" for moment in moments)
        base = meter.samples[base_moment].rss_kb[role]
        growth = meter.samples["end"].rss_kb[role] / base - 1 if base else 0.0
        ours = role.startswith("qcluster")
        verdict = (
            f"{growth:+.0%} {base_moment} → end ({'≤' if growth <= GROWTH_LIMIT else 'ABOVE'} 10 %)"
            if ours
            else f"{growth:+.0%} (keeps what it was sent in memory, as the service stores it)"
        )
        grew = grew or (ours and growth > GROWTH_LIMIT)
        print(f"{role:<16}{row}{meter.peak_kb[role] / 1024:>12.0f} MB   {verdict}")
    print(
        "(MB: VmRSS summed over the process tree; a qcluster's tree is its parent, monitor, pusher and workers. "
        "Largest peak: the highest VmHWM of one process of the tree. django-q2 recycles a worker after 200 tasks "
        "or above Q_MAX_RSS_KB.)"
    )
    return grew


def database_report() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
        cursor.execute(
            "SELECT relname, pg_size_pretty(pg_total_relation_size(relid)), n_live_tup FROM pg_stat_user_tables "
            "ORDER BY pg_total_relation_size(relid) DESC LIMIT 6"
        )
        tables = ", ".join(f"{name} {pretty} ({rows:,} rows)" for name, pretty, rows in cursor.fetchall())
    print(f"\ndatabase size {size}: {tables}")


def admin_pages(args, run: Soak) -> None:
    """The admin pages at this size, slowest first: median of --requests renders, and queries per request."""
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from bench.admin import measure
    from designs.models import Design

    setup_test_environment()
    client = Client()
    client.force_login(run.staff.lead)
    design = Design.objects.filter(status="published").order_by("pk").values_list("pk", flat=True).first()
    changelist = reverse("admin:designs_design_changelist")
    pages = {
        "design changelist": changelist,
        "… published": f"{changelist}?status__exact=published",
        "… searched": f"{changelist}?q=lighthouse",
        "design page": reverse("admin:designs_design_change", args=[design or 1]),
        "review page": reverse("admin:designs_design_review"),
        "mockup review": reverse("admin:designs_design_review_mockups"),
        "products": reverse("admin:designs_product_changelist"),
        "orders": reverse("admin:designs_order_changelist"),
        "sales dashboard": reverse("admin:designs_design_sales"),
        "batches": reverse("admin:designs_batch_changelist"),
    }
    figures = measure(client, pages, args.requests)
    print(f"\n{'admin page':<22}{'median ms':>10}{'cpu ms':>8}{'sql ms':>8}   queries")
    for label, timing in sorted(figures.items(), key=lambda item: -item[1].wall_ms):
        print(f"{label:<22}{timing.wall_ms:>10.0f}{timing.cpu_ms:>8.0f}{timing.sql_ms:>8.0f}   {max(timing.queries)}")
    print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores while measuring)")


def check_counts(args, run: Soak, state: dict, workdir: Path, endpoint: str) -> bool:
    import boto3
    from django.db.models import Count, Sum

    from designs import images
    from designs.models import Design, Order, OrderLine, Product

    designs = Design.objects.all()
    statuses = dict(designs.values_list("status").annotate(n=Count("pk")).order_by())
    published = statuses.get("published", 0)
    kept = args.designs - statuses.get("rejected", 0)  # designs that get a product per template
    runpod, printify = state["runpod"], state["printify"]
    prints = designs.exclude(print_job_id="").count()
    products = Product.objects.all()
    ids = list(products.exclude(printify_id="").values_list("printify_id", flat=True))
    on_printify = {product["id"]: product for product in printify["products"]}
    lines = OrderLine.objects.aggregate(n=Count("pk"), units=Sum("quantity"))
    planned_rejects = sum(1 for pk in designs.values_list("pk", flat=True) if run.rejects(pk))
    stored = {name for row in designs.values_list(*images.FILE_FIELDS) for name in row if name}
    client = boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=S3_KEY, aws_secret_access_key=S3_SECRET
    )
    in_bucket = {
        item["Key"].removeprefix("soak/")
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="soak/")
        for item in page.get("Contents", [])
    }
    local = [path for path in workdir.glob("*-media/**/*") if path.is_file()]
    checks = [
        ("designs created", args.designs, designs.count()),
        (
            "designs stuck (neither published nor rejected)",
            0,
            designs.exclude(status__in=["published", "rejected"]).count(),
        ),
        ("designs rejected (every id in the reject share)", planned_rejects, statuses.get("rejected", 0)),
        (
            "print files ready for every published design",
            published,
            designs.filter(status="published", print_status="ready").count(),
        ),
        ("RunPod jobs: one per design and per print file", args.designs + prints, runpod["submissions"]),
        ("designs sharing a RunPod job", 0, args.designs - designs.values("runpod_job_id").distinct().count()),
        ("products: one per design kept × template", 2 * kept, products.count()),
        ("products not live", 0, products.exclude(state="live").count()),
        ("products made on Printify (no second one)", products.count(), printify["products_created"]),
        ("products in the sandbox, each ours once", len(set(ids)), len(on_printify)),
        (
            "our products the sandbox does not list as published",
            0,
            sum(1 for i in ids if not (on_printify.get(i) or {}).get("external")),
        ),
        ("orders: every sandbox order counted once", printify["orders"], Order.objects.count()),
        ("order lines: each once", printify["order_lines"], lines["n"]),
        ("units ordered", printify["order_units"], lines["units"] or 0),
        ("order lines not linked to a product", 0, OrderLine.objects.filter(product=None).count()),
        ("files on a local disk (any process)", 0, len(local)),
        ("stored files missing from the bucket", 0, len(stored - in_bucket)),
        ("objects in the bucket no design names", 0, len(in_bucket - stored)),
    ]
    print(f"\n{'count that must hold':<56}{'expected':>10}{'found':>10}")
    held = True
    for label, expected, found in checks:
        ok = expected == found
        held = held and ok
        print(f"{label:<56}{expected:>10}{found:>10}   {'ok' if ok else 'DOES NOT HOLD'}")
    return held


if __name__ == "__main__":
    sys.exit(main())
