"""Helpers for tests/test_security.py: every URL pattern of the site, a world of real objects to fill their
parameters, users in every role, response classification and a fingerprint of everything a request may change."""

from __future__ import annotations

import hashlib
import importlib
import json
from contextlib import contextmanager
from dataclasses import dataclass

from django.test import override_settings
from django.urls import URLPattern, URLResolver, clear_url_caches, get_resolver, reverse

ANON, NON_STAFF, STAFF, REVIEWER, PUBLISHER, SUPERUSER = USERS = (
    "anonymous",
    "non_staff",
    "staff_without_perms",
    "reviewer",
    "publisher",
    "superuser",
)
STAFF_USERS = (STAFF, REVIEWER, PUBLISHER, SUPERUSER)
# Outcomes that must leave the database (and the task queue) exactly as it was.
REFUSALS = {"login", "forbidden", "missing", "method", "unauthorized", "csrf"}


def url_key(name: str | None, route: str) -> str:
    """The expectation table's key: the namespaced URL name, or the route for unnamed patterns."""
    return name or f"route:{route}"


def walk_urls(patterns=None, prefix: str = "", namespace: str = ""):
    """(key, route) for every URL pattern of the site, recursing into includes and admin.site.urls."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from walk_urls(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            yield url_key(f"{namespace}{pattern.name}" if pattern.name else None, route), route


def resolved_key(path: str) -> str:
    from django.urls import resolve

    match = resolve(path.split("?", 1)[0])
    return url_key(match.view_name if match.url_name else None, match.route)


@contextmanager
def media_served():
    """podsite/urls.py as a one-box install loads it (SERVE_MEDIA on), restored afterwards."""
    import podsite.urls

    with override_settings(SERVE_MEDIA=True):
        importlib.reload(podsite.urls)
        clear_url_caches()
        try:
            yield
        finally:
            clear_url_caches()
    importlib.reload(podsite.urls)
    clear_url_caches()


def outcome(response) -> str:
    code = response.status_code
    if code in (301, 302):
        return "login" if response["Location"].startswith(reverse("admin:login")) else "redirect"
    if code == 403 and b"CSRF verification failed" in response.content:
        return "csrf"
    names = {200: "ok", 401: "unauthorized", 403: "forbidden", 404: "missing", 405: "method", 400: "bad"}
    return names.get(code, str(code))


def fingerprint() -> str:
    """A digest of every row a request could change, plus the task queue's length (Redis is outside the DB)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.admin.models import LogEntry
    from django.contrib.auth.models import Group, User
    from django_q.brokers import get_broker
    from django_q.models import OrmQ, Schedule, Task

    from designs.models import (
        ActionJob,
        Batch,
        Design,
        DesignEvent,
        FeeSchedule,
        GenerationPreset,
        Order,
        OrderEvent,
        OrderLine,
        Product,
        ProductEvent,
        ProductTemplate,
        Shop,
        WebhookReceipt,
    )

    digest = hashlib.sha256()
    models = [Design, DesignEvent, Product, ProductEvent, Batch, GenerationPreset, ProductTemplate, WebhookReceipt]
    models += [ActionJob, Order, OrderLine, OrderEvent, FeeSchedule, Shop]
    models += [LogEntry]
    models += [User, Group, User.groups.through, User.user_permissions.through, Group.permissions.through]
    models += [Schedule, Task, OrmQ, AccessAttempt, AccessLog, AccessFailureLog]
    for model in models:
        rows = list(model.objects.order_by("pk").values())
        digest.update(json.dumps([model._meta.label, rows], default=str, sort_keys=True).encode())
    digest.update(str(get_broker().queue_size()).encode())
    return digest.hexdigest()


@dataclass
class World:
    """Real objects in every state the admin pages and actions act on."""

    users: dict
    review: object
    approved: object
    draft: object
    queued: object
    publish_failed: object
    published: object
    batch: object
    preset: object
    template: object
    schedule: object
    success: object
    failure: object
    ormq: object | None
    access_attempt: object
    access_log: object
    access_failure: object
    mockup_product: object = None  # a product waiting for its mockup review (its design in "mockups")
    action_job: object = None  # a large action carried out on a worker, started by the superuser
    order: object = None  # an order of the published design's product, as Printify reported it
    fee_schedule: object = None  # the sales channel's fees in use (a data migration makes Etsy's)
    scheduled_product: object = None  # a product waiting in the going-live queue of a paced template
    shop: object = None  # the default shop

    def design_ids(self) -> list[int]:
        designs = [self.review, self.approved, self.draft, self.queued, self.publish_failed, self.published]
        return [design.pk for design in designs]


def make_world(make_user) -> World:
    from datetime import timedelta

    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.auth.models import Group
    from django.utils import timezone
    from django_q.brokers import get_broker
    from django_q.models import OrmQ, Schedule, Task
    from django_q.tasks import async_task

    from designs.models import ActionJob, Batch, Design, FeeSchedule, GenerationPreset, Shop
    from designs.orders import ORDER, OrderStatus
    from tests.designs.publishing_support import attach_image, make_product, make_template
    from tests.designs.review_support import make_reviewable

    users = {
        ANON: None,
        NON_STAFF: make_user("customer", staff=False),
        STAFF: make_user("staff-only"),
        REVIEWER: make_user("reviewer", groups=["Reviewers"]),
        PUBLISHER: make_user("publisher", groups=["Publishers"]),
        SUPERUSER: make_user("boss", superuser=True),
    }
    assert Group.objects.filter(name__in=["Reviewers", "Publishers"]).count() == 2
    preset = GenerationPreset.objects.get(name="Flux dev fp8")
    batch = Batch.objects.create(name="Winter foxes", preset=preset, created_by=users[SUPERUSER])
    now = timezone.now()
    ormq = None
    if get_broker().__class__.__name__ == "ORM":
        async_task("math.floor", 1.5)
        ormq = OrmQ.objects.latest("pk")
    world = World(
        users=users,
        review=make_reviewable(batch=batch, preset=preset),
        approved=attach_image(Design.objects.create(prompt="an owl", status="approved", preset=preset)),
        draft=Design.objects.create(prompt="a hare", preset=preset),
        queued=Design.objects.create(prompt="a lynx", status="queued", preset=preset),
        publish_failed=attach_image(
            Design.objects.create(prompt="a bear", status="publish_failed", last_error="Printify said no")
        ),
        published=Design.objects.create(prompt="a stag", status="published"),
        batch=batch,
        preset=preset,
        template=make_template(),
        schedule=Schedule.objects.get_or_create(func="math.floor", defaults={"name": "floor", "args": "1.5"})[0],
        success=Task.objects.create(
            id="a" * 32, name="alpha-bravo", func="math.floor", args=(1.5,), started=now, stopped=now, success=True
        ),
        failure=Task.objects.create(
            id="b" * 32, name="charlie-delta", func="math.floor", result="boom", started=now, stopped=now, success=False
        ),
        ormq=ormq,
        access_attempt=AccessAttempt.objects.create(
            username="customer", ip_address="192.0.2.7", user_agent="curl", failures_since_start=9
        ),
        access_log=AccessLog.objects.create(username="boss", ip_address="192.0.2.8", user_agent="firefox"),
        access_failure=AccessFailureLog.objects.create(username="customer", ip_address="192.0.2.7", locked_out=True),
    )
    make_product(world.publish_failed, world.template, state="failed", last_error="Printify said no")
    world.product = make_product(
        world.published, world.template, printify_id="5d39b411749d0a000f30e0f4", published_at=now
    )
    waiting = attach_image(Design.objects.create(prompt="a heron", status="mockups"))
    world.mockup_product = make_product(
        waiting, world.template, state="mockup_review", printify_id="5d39b411749d0a000f30e0f5"
    )
    paced = make_template(name="Paced tee", is_default=False, listings_per_day=10)
    world.scheduled_product = make_product(
        attach_image(Design.objects.create(prompt="a crane", status="publishing")),
        paced,
        state="scheduled",
        printify_id="5d39b411749d0a000f30e0f6",
        release_at=now + timedelta(hours=1),
        queue_position=1,
    )
    world.action_job = ActionJob.objects.create(
        action="approve_designs", label="Approve 3 designs", total=3, created_by=world.users[SUPERUSER]
    )
    world.order = ORDER.create(
        state=OrderStatus.FULFILLED,
        source="webhook",
        printify_id="5a96f649b2439217d070f507",
        order_type="external",
        currency="USD",
        cost_currency="USD",
        created_at=now,
    )
    world.fee_schedule = FeeSchedule.objects.get(in_use=True)
    world.shop = Shop.objects.create(printify_id="9001", title="Security shop", channel="etsy", is_default=True)
    return world
