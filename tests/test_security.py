"""Security across the whole site: every URL × every role, CSRF on every state-changing endpoint, webhook
authentication, remote file names that try to leave media/designs/, SSRF through RunPod outputs, the security
headers of a production response, and no configured secret on any admin page.

The URL matrix is driven by an explicit table keyed by URL name (or route, for unnamed patterns). A URL the site
gains without a row in the table fails test_every_url_is_classified: decide who may open it, then add the row.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
import responses
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from designs.models import BlockedTerm, Design
from designs.services import generation as generation_service
from designs.workers.pump import Pump
from designs.workflow import Source, Status
from integrations.http import RetryPolicy
from integrations.runpod import RunPodClient, parse_output
from tests.designs.generation_support import IMAGE_HOST, JOBS, b64, completed, image_bytes
from tests.designs.publishing_support import API as PRINTIFY_API
from tests.designs.publishing_support import CATALOG_VARIANTS, configure_printify
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)
from tests.security_support import (
    ANON,
    NON_STAFF,
    PUBLISHER,
    REFUSALS,
    REVIEWER,
    STAFF_USERS,
    SUPERUSER,
    USERS,
    fingerprint,
    make_world,
    media_served,
    outcome,
    resolved_key,
    walk_urls,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_settings")]

# Distinctive values: if any of them shows up in a page, a secret leaked.
RUNPOD_KEY = "rpa_SECRETKEY_5f1e0c9a7b3d44e2"
PRINTIFY_TOKEN = "pfy_SECRETTOKEN_9c2b7a41e0d3"
WEBHOOK_SECRET = "whsec_SECRETHOOK_0a8e6d2c4b19"
SECRETS = (RUNPOD_KEY, PRINTIFY_TOKEN, WEBHOOK_SECRET)
NEW_PASSWORD = "Brand-new-pass-8172!"


@pytest.fixture
def secret_settings(settings):
    configure_printify(settings)
    settings.RUNPOD_API_KEY = RUNPOD_KEY
    settings.RUNPOD_ENDPOINT_ID = "ep-security"
    settings.RUNPOD_API_BASE = JOBS.rsplit("/", 1)[0]
    settings.PRINTIFY_API_TOKEN = PRINTIFY_TOKEN
    settings.PRINTIFY_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.POD_SANDBOX = False
    settings.DOWNLOAD_ALLOW_HOSTS = []
    return settings


@pytest.fixture
def printify_catalog():
    """Printify's catalog and product reads, for the template pages a superuser opens."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get(f"{PRINTIFY_API}/catalog/blueprints.json", json=[{"id": 3, "title": "Kids Regular Fit Tee"}])
        rsps.get(f"{PRINTIFY_API}/catalog/blueprints/3/print_providers/3/variants.json", json=CATALOG_VARIANTS)
        rsps.get(f"{PRINTIFY_API}/catalog/blueprints/3.json", json={"id": 3, "title": "Kids Regular Fit Tee"})
        rsps.get(f"{PRINTIFY_API}/catalog/blueprints/3/print_providers.json", json=[{"id": 3, "title": "Dream"}])
        rsps.get(re.compile(rf"{re.escape(PRINTIFY_API)}/shops/.*/products/.*"), status=404, json={"error": "nope"})
        yield rsps


@pytest.fixture
def world(make_user, secret_settings):
    from django_q.brokers import get_broker

    yield make_world(make_user)
    broker = get_broker()
    if broker.__class__.__name__ != "ORM":  # tasks enqueued here (resubmit, webhook) outlive the test in Redis
        broker.purge_queue()


# --- the expectation table ------------------------------------------------------------------------------


def page(*open_to, opened="ok", denied="forbidden") -> dict:
    """A staff-only page: anonymous and non-staff users are sent to the admin login."""
    return {ANON: "login", NON_STAFF: "login", **{who: opened if who in open_to else denied for who in STAFF_USERS}}


def everyone(result: str) -> dict:
    return dict.fromkeys(USERS, result)


# ok or redirect: a form with errors or saved and redirected; for an action a user may not run, the changelist
# again (Django drops actions the user lacks permission for). Whether anything changed is checked separately.
ALLOWED = "ok or redirect"


@dataclass
class Post:
    label: str
    data: dict
    outcomes: dict
    allowed: tuple = ()  # users who may change something; for every other user nothing may change
    changes: tuple = ()  # users for whom this request must change something


@dataclass
class Case:
    key: str
    path: str
    get: dict
    posts: list = field(default_factory=list)


def model_cases(app, model, obj_id, *, view, add, change, delete, add_post=None, change_post=None, actions=()):
    """The changelist, add, change, delete and history pages of one registered model, and its actions.

    view/add/change/delete: the roles holding that permission. add_post/change_post: (data, roles it must change).
    actions: (action name, extra POST data, roles that may run it, whether it changes something).
    """
    prefix = f"admin:{app}_{model}"
    viewers = tuple(sorted({*view, *change}))
    base = f"/admin/{app}/{model}/"
    changelist_posts = [
        Post(
            f"action {name}",
            {"action": name, "_selected_action": ids, **extra},
            page(*viewers, opened=ALLOWED),
            allowed=roles,
            changes=roles if changes else (),
        )
        for name, ids, extra, roles, changes in actions
    ]
    add_data, add_changes = add_post or ({}, ())
    change_data, change_changes = change_post or ({}, ())
    return [
        Case(f"{prefix}_changelist", base, page(*viewers), changelist_posts),
        Case(
            f"{prefix}_add",
            f"{base}add/",
            page(*add),
            [Post("add", add_data, page(*add, opened=ALLOWED), allowed=add, changes=add_changes)],
        ),
        Case(
            f"{prefix}_change",
            f"{base}{obj_id}/change/",
            page(*viewers),
            [Post("save", change_data, page(*change, opened=ALLOWED), allowed=change, changes=change_changes)],
        ),
        Case(
            f"{prefix}_delete",
            f"{base}{obj_id}/delete/",
            page(*delete),
            [Post("confirm", {"post": "yes"}, page(*delete, opened="redirect"), allowed=delete, changes=delete)],
        ),
        Case(f"{prefix}_history", f"{base}{obj_id}/history/", page(*viewers)),
        # /admin/<app>/<model>/<id>/ only redirects to the change page (which then decides).
        Case(f"route:admin/{app}/{model}/<path:object_id>/", f"{base}{obj_id}/", page(*STAFF_USERS, opened="redirect")),
    ]


def cases(world) -> list[Case]:
    su = (SUPERUSER,)
    deciders = (REVIEWER, SUPERUSER)
    publishers = (PUBLISHER, SUPERUSER)
    design_viewers = (REVIEWER, PUBLISHER, SUPERUSER)
    designs = world.design_ids()
    users = world.users
    design_type = ContentType.objects.get_for_model(Design).pk
    review = world.review
    password_change = {
        "old_password": "pw-for-tests-only",
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    }
    rows = [
        Case("route:", "/", everyone("redirect")),
        Case("admin:index", "/admin/", page(*STAFF_USERS)),
        Case("admin:login", "/admin/login/", {ANON: "ok", NON_STAFF: "ok", **dict.fromkeys(STAFF_USERS, "redirect")}),
        Case(
            "admin:logout",
            "/admin/logout/",
            {ANON: "redirect", NON_STAFF: "redirect", **dict.fromkeys(STAFF_USERS, "method")},
            # Logging out writes the logout time into axes' access log.
            [
                Post(
                    "log out",
                    {},
                    {ANON: "redirect", NON_STAFF: "redirect", **dict.fromkeys(STAFF_USERS, "ok")},
                    allowed=STAFF_USERS,
                )
            ],
        ),
        Case(
            "admin:password_change",
            "/admin/password_change/",
            page(*STAFF_USERS),
            [
                Post(
                    "change own password",
                    password_change,
                    page(*STAFF_USERS, opened="redirect"),
                    allowed=STAFF_USERS,
                    changes=STAFF_USERS,
                )
            ],
        ),
        Case("admin:password_change_done", "/admin/password_change/done/", page(*STAFF_USERS)),
        # Django answers an autocomplete lookup for any relation to a searchable admin, to whoever may view the
        # related model: batches to reviewers and publishers, user names to superusers only.
        Case(
            "admin:autocomplete",
            "/admin/autocomplete/?app_label=designs&model_name=design&field_name=batch&term=a",
            page(*design_viewers),
        ),
        Case(
            "admin:autocomplete",
            "/admin/autocomplete/?app_label=designs&model_name=design&field_name=created_by&term=b",
            page(*su),
        ),
        Case("admin:jsi18n", "/admin/jsi18n/", page(*STAFF_USERS)),
        Case("admin:view_on_site", f"/admin/r/{design_type}/{review.pk}/", page(*STAFF_USERS, opened="redirect")),
        Case("admin:app_list", "/admin/designs/", page(*design_viewers, denied="missing")),
        Case("admin:app_list", "/admin/auth/", page(*su, denied="missing")),
        Case("admin:app_list", "/admin/django_q/", page(*su, denied="missing")),
        Case("admin:app_list", "/admin/axes/", page(*su, denied="missing")),
        Case("route:admin/(?P<url>.*)$", "/admin/no-such-page/", page(denied="missing")),
        Case(
            "admin:auth_user_password_change",
            f"/admin/auth/user/{users[NON_STAFF].pk}/password/",
            page(*su),
            [
                Post(
                    "set password",
                    {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
                    page(*su, opened="redirect"),
                    allowed=su,
                    changes=su,
                )
            ],
        ),
        # --- the review page and its endpoints
        Case("admin:designs_design_review", "/admin/designs/design/review/", page(*design_viewers)),
        # --- the sales dashboard and its CSV downloads: read-only, for whoever may view designs
        Case("admin:designs_design_sales", "/admin/designs/design/sales/", page(*design_viewers)),
        Case("admin:designs_design_sales_csv", "/admin/designs/design/sales/by-country.csv", page(*design_viewers)),
        Case(
            "admin:designs_design_review_decide",
            "/admin/designs/design/review/decide/",
            page(*STAFF_USERS, opened="method"),
            [
                Post(
                    "approve",
                    {"design": review.pk, "decision": "approve"},
                    page(*deciders, opened="redirect"),
                    allowed=deciders,
                    changes=deciders,
                ),
                Post(
                    "reject",
                    {"design": review.pk, "decision": "reject", "reason": "blurry"},
                    page(*deciders, opened="redirect"),
                    allowed=deciders,
                    changes=deciders,
                ),
            ],
        ),
        Case(
            "admin:designs_design_review_undo",
            "/admin/designs/design/review/undo/",
            page(*STAFF_USERS, opened="method"),
            [Post("undo", {}, page(*deciders, opened="redirect"), allowed=deciders)],
        ),
        Case(
            "admin:designs_design_review_compare",
            f"/admin/designs/design/review/compare/?design={review.pk}",
            page(*design_viewers),
        ),
        Case(
            "admin:designs_design_review_best",
            "/admin/designs/design/review/best/",
            page(*STAFF_USERS, opened="method"),
            [
                Post(
                    "best of group",
                    {"design": review.pk, "group": [review.pk]},
                    page(*deciders, opened="redirect"),
                    allowed=deciders,
                    changes=deciders,
                )
            ],
        ),
        Case(
            "admin:designs_design_review_claims",
            "/admin/designs/design/review/claims/",
            page(*STAFF_USERS, opened="method"),
            [Post("renew claims", {}, page(*deciders, opened="redirect"), allowed=deciders)],
        ),
        Case(
            "admin:designs_design_review_hold",
            "/admin/designs/design/review/hold/",
            page(*STAFF_USERS, opened="method"),
            # Compare mode holds the variations it shows (POST from its script, never on the GET).
            [Post("hold variations", {"design": [review.pk]}, page(*deciders, opened="204"), allowed=deciders)],
        ),
        Case(
            "admin:designs_design_review_release",
            "/admin/designs/design/review/release/",
            page(*STAFF_USERS, opened="method"),
            # Mockup mode's claims are released here too: whoever may decide designs or mockups.
            [Post("release claims", {}, page(*deciders, PUBLISHER, opened="204"), allowed=(*deciders, PUBLISHER))],
        ),
        # --- the review page's mockup mode: seen by whoever may view designs, decided by publishers
        Case("admin:designs_design_review_mockups", "/admin/designs/design/review/mockups/", page(*design_viewers)),
        Case(
            "admin:designs_design_review_mockups_decide",
            "/admin/designs/design/review/mockups/decide/",
            page(*STAFF_USERS, opened="method"),
            [
                Post(
                    f"mockups {decision}",
                    {"product": world.mockup_product.pk, "decision": decision},
                    page(*publishers, opened="redirect"),
                    allowed=publishers,
                    changes=publishers,
                )
                for decision in ("live", "discard")
            ],
        ),
        Case(
            "admin:designs_design_review_mockups_undo",
            "/admin/designs/design/review/mockups/undo/",
            page(*STAFF_USERS, opened="method"),
            [Post("undo", {}, page(*publishers, opened="redirect"), allowed=publishers)],
        ),
        Case(
            "admin:designs_design_review_mockups_claims",
            "/admin/designs/design/review/mockups/claims/",
            page(*STAFF_USERS, opened="method"),
            [Post("renew claims", {}, page(*publishers, opened="redirect"), allowed=publishers)],
        ),
        # --- a large action's progress: seen by whoever started it (here the superuser); not found for others
        Case(
            "admin:designs_design_action_job",
            f"/admin/designs/design/jobs/{world.action_job.pk}/",
            {**page(*su), **dict.fromkeys(tuple(set(design_viewers) - set(su)), "missing")},
        ),
        # --- listing copy on the review page: read by whoever may view designs, edited by whoever may change them
        Case(
            "admin:designs_design_review_copy", f"/admin/designs/design/review/copy/{review.pk}/", page(*design_viewers)
        ),
        Case(
            "admin:designs_design_copy_save",
            "/admin/designs/design/review/copy/save/",
            page(*STAFF_USERS, opened="method"),
            [
                Post(
                    "save copy",
                    {"design": review.pk, "revision": "0", "title": "Secured title"},
                    page(*design_viewers, opened="redirect"),
                    allowed=design_viewers,
                    changes=design_viewers,
                )
            ],
        ),
        Case(
            "admin:designs_design_copy_write",
            "/admin/designs/design/review/copy/write/",
            page(*STAFF_USERS, opened="method"),
            # No LLM is configured in tests: the request is refused with the setting to set, nothing changes.
            [
                Post(
                    "write copy",
                    {"design": review.pk},
                    page(*design_viewers, opened="redirect"),
                    allowed=design_viewers,
                )
            ],
        ),
        # --- product template pages
        Case("admin:designs_producttemplate_catalog", "/admin/designs/producttemplate/catalog/", page(*su)),
        Case(
            "admin:designs_producttemplate_catalog",
            "/admin/designs/producttemplate/catalog/?blueprint=3&provider=3",
            page(*su),
            [
                Post(
                    "save from catalog",
                    {"name": "Catalog tee", "print_position": "front", "placement_mode": "fit", "x": "0.5"}
                    | {"y": "0.5", "scale": "1", "angle": "0", "basis": "percent", "percent": "40", "rounding": "99"}
                    | {"title_template": "{{ prompt }}", "description_template": "{{ prompt }}"}
                    | {"enable_17390": "on", "enable_17393": "on", "price_17390": "24.99", "price_17393": "26.99"},
                    page(*su, opened="redirect"),
                    allowed=su,
                    changes=su,
                )
            ],
        ),
        Case(
            "admin:designs_producttemplate_import",
            "/admin/designs/producttemplate/import/",
            page(*su),
            [
                Post(
                    "import",
                    {"name": "Imported", "product_id": "5d39b411749d0a000f30e0f4"},
                    page(*su, opened="ok"),  # the mocked Printify says 404: the form shows the error
                    allowed=su,
                )
            ],
        ),
        Case(
            "admin:designs_producttemplate_costs",
            f"/admin/designs/producttemplate/{world.template.pk}/costs/",
            page(*su, opened="method"),
            [Post("refresh", {}, page(*su, opened="redirect"), allowed=su)],  # a wake-up after commit only
        ),
        Case(
            "admin:designs_producttemplate_lookup_all_costs",
            f"/admin/designs/producttemplate/catalog/{world.template.blueprint_id}/costs/",
            page(*su, opened="method"),
            [Post("look up all", {"country": "US"}, page(*su, opened="redirect"), allowed=su)],  # wake-ups only
        ),
        Case(
            "admin:designs_producttemplate_lookup_costs",
            f"/admin/designs/producttemplate/catalog/{world.template.blueprint_id}/{world.template.print_provider_id}/costs/",
            page(*su, opened="method"),
            [Post("look up", {}, page(*su, opened="redirect"), allowed=su)],  # a wake-up after commit only
        ),
        Case(
            "admin:designs_producttemplate_reprice",
            f"/admin/designs/producttemplate/{world.template.pk}/reprice/",
            # Repricing changes live products' prices: the publish permission, not template editing (issue 19).
            page(*publishers, opened="method"),
            [Post("reprice", {}, page(*publishers, opened="redirect"), allowed=publishers, changes=publishers)],
        ),
        Case(
            "admin:designs_producttemplate_fixed_image",
            f"/admin/designs/producttemplate/{world.template.pk}/fixed-image/",
            # A file upload on a template: those who may change templates (superusers here); without a file the
            # page only says to choose one.
            page(*su, opened="method"),
            [Post("no file", {"fixed-position": "back"}, page(*su, opened="redirect"), allowed=su)],
        ),
        Case(
            "admin:designs_producttemplate_preview",
            f"/admin/designs/producttemplate/preview/{world.approved.pk}/",
            page(*publishers),
        ),
        # --- webhooks: no login; the token or signature is the authentication
        Case(
            "designs:runpod_webhook",
            f"/hooks/runpod/{review.pk}/not-the-token/",
            everyone("method"),
            [Post("wrong token", {}, everyone("missing"))],
        ),
        Case(
            "designs:printify_webhook",
            "/hooks/printify/",
            everyone("method"),
            [Post("unsigned", {"type": "product:deleted"}, everyone("unauthorized"))],
        ),
        # Design images are public on purpose: Printify fetches them from PUBLIC_BASE_URL + MEDIA_URL.
        Case("route:^media/(?P<path>.*)$", f"/media/{review.thumbnail.name}", everyone("ok")),
    ]
    design_actions = [
        ("approve_designs", designs, {}, deciders, True),
        ("reject_designs", designs, {"post": "yes", "reason": "off-brand"}, deciders, True),
        ("reopen_designs", designs, {}, deciders, True),
        ("generate_designs", designs, {"post": "yes"}, su, True),
        ("cancel_generation", designs, {"post": "yes"}, su, True),
        ("generate_variations", designs, {"post": "yes", "count": "1"}, su, True),
        ("publish_to_printify", designs, {"post": "yes", "template": ""}, publishers, True),
        ("retry_publishing", designs, {}, publishers, True),
        ("unpublish_products", designs, {"post": "yes", "mode": "unpublish"}, publishers, True),
        ("preview_printify_payload", [world.approved.pk], {}, publishers, False),
        ("go_live_with_mockups", [world.mockup_product.design_id], {}, publishers, True),
        ("discard_mockup_products", [world.mockup_product.design_id], {"post": "yes"}, publishers, True),
        (
            "write_listing_copy",
            designs,
            {"post": "yes"},
            publishers,
            False,
        ),  # no LLM in tests: refused, nothing changes
        ("delete_designs", designs, {"post": "yes", "products": "keep_products"}, su, True),
    ]

    def delete_only(obj):
        return [("delete_selected", [obj.pk], {"post": "yes"}, su, True)]

    design_change = {"title": "Renamed", "description": "", "tags": "a, b"}
    design_change |= {"events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0"}
    design_change |= {"products-TOTAL_FORMS": "0", "products-INITIAL_FORMS": "0"}
    rows += model_cases(
        "designs",
        "design",
        review.pk,
        view=design_viewers,
        add=su,
        change=design_viewers,
        delete=su,
        add_post=({"prompt": "a new tile", "preset": world.preset.pk, "tags": ""}, su),
        change_post=(design_change, design_viewers),
        actions=design_actions,
    )
    rows += model_cases(
        "designs",
        "batch",
        world.batch.pk,
        view=design_viewers,
        add=su,
        change=su,
        delete=su,
        add_post=({"name": "Spring", "prompts": "a tulip\na crocus", "preset": world.preset.pk, "variations": 1}, su),
        change_post=({"name": "Renamed batch"}, su),
        actions=delete_only(world.batch),
    )
    blocked_term = BlockedTerm.objects.get_or_create(term="Security test term")[0]
    rows += model_cases(
        "designs",
        "blockedterm",
        blocked_term.pk,
        view=su,
        add=su,
        change=su,
        delete=su,
        add_post=({"term": "Another brand", "reason": "", "is_active": "on"}, su),
        change_post=({"term": "Renamed brand", "reason": "", "is_active": "on"}, su),
        actions=delete_only(blocked_term),
    )
    rows += model_cases(
        "designs",
        "generationpreset",
        world.preset.pk,
        view=su,
        add=su,
        change=su,
        delete=su,
        actions=delete_only(world.preset),
    )
    rows += model_cases(
        "designs",
        "producttemplate",
        world.template.pk,
        view=publishers,
        add=su,
        change=su,
        delete=su,
        actions=delete_only(world.template),
    )
    # Products are read-only for everyone: they change through the design actions and the workers.
    rows += model_cases(
        "designs",
        "product",
        world.product.pk,
        view=design_viewers,
        add=(),
        change=(),
        delete=(),
        actions=[("delete_selected", [world.product.pk], {"post": "yes"}, (), False)],
    )
    # The going-live queue: seen by whoever may view products, changed by publishers (moving the only product of
    # its queue changes nothing; taking it out does).
    scheduled = world.scheduled_product.pk
    rows += [
        Case("admin:designs_product_queue", "/admin/designs/product/queue/", page(*design_viewers)),
        Case(
            "admin:designs_product_queue_move",
            "/admin/designs/product/queue/move/",
            page(*STAFF_USERS, opened="method"),
            [Post("move", {"move": f"{scheduled}:front"}, page(*publishers, opened="redirect"), allowed=publishers)],
        ),
        Case(
            "admin:designs_product_queue_cancel",
            "/admin/designs/product/queue/cancel/",
            page(*STAFF_USERS, opened="method"),
            [
                Post(
                    "take out",
                    {"product": [scheduled]},
                    page(*publishers, opened="redirect"),
                    allowed=publishers,
                    changes=publishers,
                )
            ],
        ),
    ]
    # Orders are Printify's: read-only, seen by superusers; marking a refund needs its own permission.
    rows += model_cases(
        "designs",
        "order",
        world.order.pk,
        view=su,
        add=(),
        change=(),
        delete=(),
        actions=[("mark_refunded", [world.order.pk], {"post": "yes"}, su, True)],
    )
    rows.append(
        Case(
            "admin:designs_order_sandbox_orders",
            "/admin/designs/order/sandbox-orders/",
            page(*STAFF_USERS, opened="redirect"),
            # Sandbox mode only (off here): the POST says so and places nothing.
            [Post("place sandbox orders", {}, page(*STAFF_USERS, opened="redirect"))],
        )
    )
    # Shops come from Printify (no add, no delete); publishers see them, the superuser sets what Printify lacks.
    rows += model_cases(
        "designs",
        "shop",
        world.shop.pk,
        view=(PUBLISHER, SUPERUSER),
        add=(),
        change=su,
        delete=(),
        actions=[("make_default", [world.shop.pk], {}, su, True)],
    )
    rows.append(
        Case(
            "admin:designs_shop_refresh",
            "/admin/designs/shop/refresh/",
            page(*STAFF_USERS, opened="redirect"),
            [Post("refresh shops", {}, page(*STAFF_USERS, opened="redirect"), allowed=su, changes=su)],
        )
    )
    rows += model_cases(
        "designs",
        "feeschedule",
        world.fee_schedule.pk,
        view=su,
        add=su,
        change=su,
        delete=su,
        actions=delete_only(world.fee_schedule),
    )
    rows += model_cases(
        "auth",
        "user",
        users[NON_STAFF].pk,
        view=su,
        add=su,
        change=su,
        delete=su,
        actions=delete_only(users[NON_STAFF]),
    )
    rows += model_cases(
        "auth",
        "group",
        world.users[REVIEWER].groups.get().pk,
        view=su,
        add=su,
        change=su,
        delete=su,
        add_post=({"name": "Night shift"}, su),
        actions=delete_only(world.users[REVIEWER].groups.get()),
    )
    # django-q2's pages are read-only even for superusers (podsite/q_admin.py): a schedule's func is any callable.
    # Posting an action that is not offered (delete, resubmit) shows the changelist again and changes nothing.
    not_offered = [("delete_selected", [world.schedule.pk], {"post": "yes"}, (), False)]
    rows += model_cases(
        "django_q", "schedule", world.schedule.pk, view=su, add=(), change=(), delete=(), actions=not_offered
    )
    rows += model_cases(
        "django_q",
        "success",
        world.success.pk,
        view=su,
        add=(),
        change=(),
        delete=(),
        actions=[("resubmit_task", [world.success.pk], {}, (), False)],
    )
    # Failed tasks are never trimmed by django-q2, so they may be deleted.
    rows += model_cases(
        "django_q",
        "failure",
        world.failure.pk,
        view=su,
        add=(),
        change=(),
        delete=su,
        actions=[("resubmit_task", [world.failure.pk], {}, (), False), *delete_only(world.failure)],
    )
    if world.ormq is not None:  # registered only with the ORM broker
        rows += model_cases("django_q", "ormq", world.ormq.pk, view=su, add=(), change=(), delete=())
    # Login throttling records (podsite/axes_admin.py): deleting an access attempt unlocks; the logs stay.
    rows += model_cases(
        "axes",
        "accessattempt",
        world.access_attempt.pk,
        view=su,
        add=(),
        change=(),
        delete=su,
        actions=delete_only(world.access_attempt),
    )
    for model, record in (("accesslog", world.access_log), ("accessfailurelog", world.access_failure)):
        rows += model_cases("axes", model, record.pk, view=su, add=(), change=(), delete=())
    return rows


# --- running the matrix ----------------------------------------------------------------------------------


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def matches(expected: str, got: str) -> bool:
    return got in ("ok", "redirect") if expected == ALLOWED else got == expected


class Matrix:
    def __init__(self, world, who: str, *, enforce_csrf=False):
        self.world, self.who = world, who
        self.client = Client(enforce_csrf_checks=enforce_csrf)
        self.problems: list[str] = []
        self.requests = 0

    def login(self):
        user = self.world.users[self.who]
        self.client.logout()
        if user is not None:
            user.refresh_from_db()
            self.client.force_login(user)

    def request(self, method: str, path: str, data=None, *, with_csrf_token=False):
        """One request inside a savepoint that is rolled back: (outcome, body, changed?)."""
        self.login()
        if with_csrf_token:
            self.client.get("/admin/password_change/")  # any page with a form sets the CSRF cookie
            data = {**(data or {}), "csrfmiddlewaretoken": self.client.cookies["csrftoken"].value}
        self.requests += 1
        with transaction.atomic():
            before = fingerprint()
            try:
                response = getattr(self.client, method)(path, data or {})
            except Exception as error:  # noqa: BLE001  (a 500: recorded as a problem of this URL)
                transaction.set_rollback(True)
                return f"error {type(error).__name__}: {error}", b"", False
            body = body_of(response)
            changed = fingerprint() != before
            transaction.set_rollback(True)
        return outcome(response), body, changed

    def check(self, case: Case):
        got, body, changed = self.request("get", case.path)
        expected = case.get[self.who]
        if not matches(expected, got):
            self.problems.append(f"GET {case.path} as {self.who}: expected {expected}, got {got}")
        if changed:
            self.problems.append(f"GET {case.path} as {self.who} changed the database or the task queue")
        self.check_secrets("GET", case.path, body)
        for post in case.posts:
            got, body, changed = self.request("post", case.path, post.data)
            expected = post.outcomes[self.who]
            where = f"POST {case.path} ({post.label}) as {self.who}"
            if not matches(expected, got):
                self.problems.append(f"{where}: expected {expected}, got {got}")
            if changed and (self.who not in post.allowed or got in REFUSALS):
                self.problems.append(f"{where}: refused, yet something changed")
            if self.who in post.changes and not changed:
                self.problems.append(f"{where}: allowed, yet nothing changed")
            self.check_secrets("POST", case.path, body)

    def check_secrets(self, method: str, path: str, body: bytes):
        for secret in SECRETS:
            if secret.encode() in body:
                self.problems.append(f"{method} {path} as {self.who}: the page shows a configured secret")


@pytest.fixture
def served_media():
    with media_served():
        yield


def test_every_url_is_classified(world, served_media):
    """A new URL must get a row in the table (who may open it) before this passes."""
    table_keys = {case.key for case in cases(world)}
    site_keys = {key for key, _route in walk_urls()}
    unknown = sorted(site_keys - table_keys)
    assert not unknown, (
        f"URL patterns without a security classification: {unknown}. Add rows for them to cases() in "
        "tests/test_security.py saying which roles may GET/POST them."
    )
    # Every row's path really reaches the view its key names (no row quietly testing another page).
    wrong = [
        (case.key, case.path, resolved_key(case.path)) for case in cases(world) if resolved_key(case.path) != case.key
    ]
    assert not wrong
    assert "route:^media/(?P<path>.*)$" in site_keys and "admin:designs_design_review_decide" in site_keys


@pytest.mark.parametrize("who", USERS)
def test_url_matrix(world, who, served_media, printify_catalog):
    matrix = Matrix(world, who)
    for case in cases(world):
        matrix.check(case)
    assert not matrix.problems, "\n".join(matrix.problems)
    # A table that shrank by accident would pass trivially.
    assert matrix.requests >= 100


def test_template_editing_alone_cannot_reprice_live_products(world, make_user, served_media):
    """Staff who may edit templates but not publish save prices; they cannot put them on live products."""
    editor = make_user("template_editor", perms=["view_producttemplate", "change_producttemplate"])
    client = Client()
    client.force_login(editor)
    path = f"/admin/designs/producttemplate/{world.template.pk}/reprice/"
    before = fingerprint()
    assert outcome(client.post(path)) == "forbidden"
    assert fingerprint() == before


# Every query parameter some page reads, with values of the wrong type or shape.
MALFORMED_QUERY = {
    "template": "abc",
    "batch": "1 OR 1=1",
    "focus": "x",
    "page": "-1",
    "blueprint": "../3",
    "provider": "x",
    "q": "<script>alert(1)</script>",
    "o": "zz",
    "p": "abc",
    "next": "https://evil.example/",
}


def test_malformed_query_parameters_never_cause_a_server_error(world, served_media, printify_catalog):
    client = Client(raise_request_exception=False)
    client.force_login(world.users[SUPERUSER])
    errors = []
    for case in cases(world):
        joiner = "&" if "?" in case.path else "?"
        path = case.path + joiner + urlencode(MALFORMED_QUERY)
        response = client.get(path)
        if response.status_code >= 500 or b"<script>alert(1)" in body_of(response):
            errors.append(f"GET {path}: {response.status_code}")
    assert not errors, "\n".join(errors)


def test_remote_and_user_text_is_escaped_on_every_design_page(world, printify_catalog):
    """Prompt, title and the store link come from people and from Printify: shown as text, never as markup."""
    design = world.review
    Design.objects.filter(pk=design.pk).update(
        prompt="<script>alert(1)</script>",
        title='<img src=x onerror="alert(2)">',
        last_error="<b>boom</b>",
    )
    world.product.__class__.objects.create(
        design=design,
        template_name="<i>tee</i>",
        sku_prefix="x",
        state="failed",
        external={"handle": "javascript:alert(3)"},
        printify_id="5d39b411749d0a000f30e0f5",
        last_error="<b>boom</b>",
    )
    client = Client()
    client.force_login(world.users[SUPERUSER])
    for path in (
        "/admin/designs/design/",
        f"/admin/designs/design/{design.pk}/change/",
        "/admin/designs/design/review/",
        f"/admin/designs/design/review/?focus={design.pk}",
        f"/admin/designs/producttemplate/preview/{design.pk}/",
        "/admin/designs/product/",
        f"/admin/designs/product/{design.products.get().pk}/change/",
    ):
        body = client.get(path).content.decode()
        assert "<script>alert(1)" not in body and "<img src=x" not in body and "<b>boom" not in body, path
        assert "<i>tee" not in body, path
        assert 'href="javascript:' not in body, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/admin/designs/design/review/").content.decode()


@pytest.mark.parametrize(
    "target", ["https://evil.example/x", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"]
)
def test_the_review_endpoints_never_redirect_off_site(world, target):
    client = Client()
    client.force_login(world.users[REVIEWER])
    for path, data in (
        ("/admin/designs/design/review/decide/", {"design": world.review.pk, "decision": "approve"}),
        ("/admin/designs/design/review/undo/", {}),
    ):
        response = client.post(path, {**data, "next": target})
        assert response.status_code == 302 and response["Location"] == "/admin/designs/design/review/", path
    own = "/admin/designs/design/review/?batch=1"
    response = client.post("/admin/designs/design/review/undo/", {"next": own})
    assert response["Location"] == own  # the control: a same-site "next" is followed


# --- CSRF ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [SUPERUSER, REVIEWER, PUBLISHER])
def test_every_state_changing_post_needs_a_csrf_token(world, who, served_media, printify_catalog):
    """As a user allowed to do it: without the token 403 and nothing changes; with the token it goes through."""
    matrix = Matrix(world, who, enforce_csrf=True)
    checked = 0
    for case in cases(world):
        for post in case.posts:
            if who not in post.allowed:
                continue
            checked += 1
            where = f"POST {case.path} ({post.label}) as {who}"
            got, _body, changed = matrix.request("post", case.path, post.data)
            if got != "csrf" or changed:
                matrix.problems.append(f"{where} without a CSRF token: got {got}, changed={changed}")
            # The control: the same request with the token is not refused by CSRF (so the 403 above was CSRF's).
            got, _body, changed = matrix.request("post", case.path, post.data, with_csrf_token=True)
            if got == "csrf" or (who in post.changes and not changed):
                matrix.problems.append(f"{where} with a CSRF token: got {got}, changed={changed}")
    assert not matrix.problems, "\n".join(matrix.problems)
    assert checked >= {SUPERUSER: 30, REVIEWER: 6, PUBLISHER: 5}[who]


def test_webhooks_are_csrf_exempt_but_need_the_token_or_signature(world):
    from django_q.brokers import get_broker

    web = Client(enforce_csrf_checks=True)
    design = world.queued
    other = world.review
    broker = get_broker()
    before_queue, before = broker.queue_size(), fingerprint()

    # RunPod: another design's token, a token for a missing design, an empty-ish one: 404 and no pump woken.
    for path in (
        f"/hooks/runpod/{design.pk}/{other.webhook_token}/",
        f"/hooks/runpod/{design.pk + 10_000}/{design.webhook_token}/",
        f"/hooks/runpod/{design.pk}/{design.webhook_token[:-1]}/",
        f"/hooks/runpod/{design.pk}/{design.webhook_token}x/",
    ):
        assert web.post(path, "{}", content_type="application/json").status_code == 404, path
    # Printify: missing, malformed, signed with another secret, signed over another body.
    body = json.dumps({"id": "e1", "type": "product:deleted", "resource": {"id": world.product.printify_id}})

    def signature(secret: str, raw: str) -> str:
        return "sha256=" + hmac.new(secret.encode(), raw.encode(), hashlib.sha256).hexdigest()

    hook = "/hooks/printify/"
    assert web.post(hook, body, content_type="application/json").status_code == 401
    for header in ("sha256=", "garbage", signature("another-secret", body), signature(WEBHOOK_SECRET, body + " ")):
        response = web.post(hook, body, content_type="application/json", HTTP_X_PFY_SIGNATURE=header)
        assert response.status_code == 403, header
    assert broker.queue_size() == before_queue and fingerprint() == before

    # The controls: the right token and signature pass without any CSRF token; the right token wakes the pump.
    response = web.post(f"/hooks/runpod/{design.pk}/{design.webhook_token}/", "{}", content_type="application/json")
    assert response.status_code == 200 and broker.queue_size() == before_queue + 1
    response = web.post(
        hook, body, content_type="application/json", HTTP_X_PFY_SIGNATURE=signature(WEBHOOK_SECRET, body)
    )
    assert response.status_code == 200
    world.published.refresh_from_db()
    assert world.published.status == Status.APPROVED  # the signed product:deleted event was applied


def pfy_signature(raw: bytes, secret: str = WEBHOOK_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


class UnreadableBody:
    """A wsgi.input that fails the test if the view reads the body."""

    def read(self, *args):
        raise AssertionError("the request body was read")

    readline = read


EVENT = json.dumps({"id": "e-shop", "type": "shop:disconnected"}).encode()  # applied with 200, changes nothing
VALID = pfy_signature(b"{}")
MALFORMED_SIGNATURES = [
    "sha256=" + "\xe9" * 64,  # é as WSGI hands over the raw byte (latin-1)
    "sha256=" + "\xff\xfe" * 32,
    "sha256=" + "\u0660" * 64,  # Arabic-Indic zeros: digits, but not hex digits
    VALID[:-1] + "\xe9",
    VALID[:-1],
    VALID + "0",
    "sha256=" + "g" * 64,
    VALID + "\x00",
    "\u0455ha256=" + VALID[7:],  # a Cyrillic s
    "sha256:" + VALID[7:],
    f"{VALID},{VALID}",
    "sha256=" * 1000,
]


@pytest.mark.parametrize("header", MALFORMED_SIGNATURES)
def test_a_malformed_printify_signature_is_refused_never_a_server_error(secret_settings, header):
    web = Client(raise_request_exception=False)

    response = web.post("/hooks/printify/", "{}", content_type="application/json", HTTP_X_PFY_SIGNATURE=header)

    assert response.status_code == 403


def test_the_signature_check_accepts_upper_case_hex(secret_settings):
    header = "sha256=" + pfy_signature(EVENT)[7:].upper()

    response = Client().post("/hooks/printify/", EVENT, content_type="application/json", HTTP_X_PFY_SIGNATURE=header)

    assert response.status_code == 200


@pytest.fixture
def wsgi_server():
    """The site behind a real WSGI server (wsgiref) on 127.0.0.1, for requests Django's test client cannot make."""
    import threading
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from django.core.wsgi import get_wsgi_application

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def raw_post(port: int, path: str, extra_headers: bytes, body: bytes) -> int:
    """POST with header bytes exactly as given (an HTTP client library would refuse or re-encode them)."""
    import socket

    request = b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" % path.encode()
    request += extra_headers + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        status_line = connection.makefile("rb").readline()
    return int(status_line.split()[1])


def test_non_ascii_signature_bytes_over_a_real_socket_are_refused(secret_settings, wsgi_server):
    for raw in ("é".encode() * 32, b"\xff" * 64, b"\x80" * 64):
        assert raw_post(wsgi_server, "/hooks/printify/", b"X-Pfy-Signature: sha256=" + raw + b"\r\n", b"{}") == 403
    # The control: a correct signature gets past the check (to "not a JSON object"; the server thread must not
    # wait on the database this test's transaction holds).
    signed = b"X-Pfy-Signature: " + pfy_signature(b"[]").encode() + b"\r\n"
    assert raw_post(wsgi_server, "/hooks/printify/", signed, b"[]") == 400


def test_an_oversized_printify_body_is_refused_before_it_is_read(secret_settings):
    from designs.webhooks import PRINTIFY_MAX_BODY_BYTES

    web = Client(raise_request_exception=False)
    unread = web.generic(
        "POST",
        "/hooks/printify/",
        content_type="application/json",
        HTTP_X_PFY_SIGNATURE=VALID,
        CONTENT_LENGTH=str(PRINTIFY_MAX_BODY_BYTES + 1),
        **{"wsgi.input": UnreadableBody()},
    )
    assert unread.status_code == 413

    def padded(size: int) -> bytes:
        return EVENT.replace(b"}", b', "pad": "' + b"x" * (size - len(EVENT) - 11) + b'"}')

    for size, status in ((PRINTIFY_MAX_BODY_BYTES, 200), (PRINTIFY_MAX_BODY_BYTES + 1, 413)):
        body = padded(size)
        response = web.post(
            "/hooks/printify/", body, content_type="application/json", HTTP_X_PFY_SIGNATURE=pfy_signature(body)
        )
        assert response.status_code == status, size


def test_the_runpod_webhook_never_reads_the_body(world):
    """RunPod posts its whole /status answer (base64 images: megabytes); the token alone decides."""
    design = world.queued
    web = Client(raise_request_exception=False)
    for token, status in ((design.webhook_token, 200), ("not-the-token", 404)):
        response = web.generic(
            "POST",
            f"/hooks/runpod/{design.pk}/{token}/",
            content_type="application/json",
            CONTENT_LENGTH=str(10 * 1024**3),
            **{"wsgi.input": UnreadableBody()},
        )
        assert response.status_code == status


# --- remote file names -----------------------------------------------------------------------------------

HOSTILE_NAMES = [
    "../../../../tmp/evil.png",
    "/etc/cron.d/evil.png",
    "evil\x00.png",
    "..\\..\\windows\\evil.png",
    "..／..／evil.png",  # fullwidth solidus
    "..%2f..%2fevil.png",
    "%2e%2e%2f%2e%2e%2fevil.png",
    "evil\u202egnp.exe",  # right-to-left override: shows as evilexe.png
    "․․/․․/evil.png",  # one-dot leaders that look like ..
    "....//....//evil.png",
    "C:\\evil.png",
    "~/.ssh/authorized_keys",
    ".htaccess",
    "x" * 300 + ".png",
]
STORED_NAME = re.compile(r"^designs/(thumbs/)?\d{4}/\d{2}/[0-9a-f]{32}\.(png|jpg|webp)$")


def all_files(root) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


@pytest.fixture
def runpod_pump(secret_settings):
    settings = secret_settings
    settings.RUNPOD_ENDPOINT_ID = JOBS.rsplit("/", 1)[1]
    settings.DOWNLOAD_ALLOW_HOSTS = [IMAGE_HOST]
    no_wait = RetryPolicy(attempts=1, base=0.001, cap=0.001, sleep=lambda seconds: None)
    client = RunPodClient(RUNPOD_KEY, settings.RUNPOD_ENDPOINT_ID, settings.RUNPOD_API_BASE, retry=no_wait)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield Pump(client, sleep=lambda seconds: None), rsps


def generating_design(pump, rsps, job_id: str) -> Design:
    design = Design.objects.create(prompt="a fox")
    generation_service.request_generation([design], actor=None, source=Source.COMMAND)
    rsps.post(f"{JOBS}/run", json={"id": job_id, "status": "IN_QUEUE"})
    pump.submit()
    design.refresh_from_db()
    assert design.status == Status.GENERATING and design.runpod_job_id == job_id
    return design


def test_hostile_remote_file_names_never_leave_media_designs(runpod_pump, media_root, tmp_path):
    """Every hostile name as worker-comfyui's "filename" and as the last part of an S3 URL, through the pump."""
    pump, rsps = runpod_pump
    before = all_files(tmp_path)
    design = generating_design(pump, rsps, "job-names")
    entries = []
    for number, name in enumerate(HOSTILE_NAMES):
        entries.append({"filename": name, "type": "base64", "data": b64(image_bytes(color=(number, 9, 9)))})
        url = f"https://{IMAGE_HOST}/out/{name.replace(chr(0), '%00')}"
        entries.append({"filename": name, "type": "s3_url", "data": url})
        rsps.get(url, body=image_bytes("JPEG", color=(9, number, 9)), content_type="image/jpeg")
    rsps.get(f"{JOBS}/status/job-names", json=completed("job-names", {"images": entries}))

    pump.poll()

    design.refresh_from_db()
    assert design.status == Status.REVIEW, design.last_error
    made = Design.objects.filter(runpod_job_id="job-names")
    assert made.count() == len(entries)
    stored = [name for pair in made.values_list("image", "thumbnail") for name in pair]
    assert all(STORED_NAME.match(name) for name in stored), stored
    new_files = all_files(tmp_path) - before
    assert new_files == {f"media/{name}" for name in stored}  # nothing anywhere else under the test's folder
    assert all((media_root / name).resolve().is_relative_to((media_root / "designs").resolve()) for name in stored)
    # The hints themselves are harmless base names (for display only).
    hints = [ref.filename_hint for ref in parse_output({"images": entries[::2]}).images]
    assert all(re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}", hint) for hint in hints), hints


ODD_FILE_NAMES = [
    "..png",
    "...jpg",
    "-rf.png",
    "back\\slash.png",
    "new\nline.png",
    "evil\u202egnp.png",
    "..／fullwidth.png",
    "..%2fencoded.png",
    " spaced .webp",
    "ünïcödé ✓.jpeg",
]


def test_import_designs_with_odd_file_names_stores_only_our_own_names(tmp_path, media_root):
    folder = tmp_path / "incoming"
    folder.mkdir()
    for number, name in enumerate(ODD_FILE_NAMES):
        fmt = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "webp": "WEBP"}[name.rsplit(".", 1)[1]]
        (folder / name).write_bytes(image_bytes(fmt, color=(number * 20, 40, 60)))
    before = all_files(tmp_path)

    call_command("import_designs", str(folder), "--batch", "../../odd")

    designs = list(Design.objects.all())
    assert len(designs) == len(ODD_FILE_NAMES)
    stored = [name for design in designs for name in (design.image.name, design.thumbnail.name)]
    assert all(STORED_NAME.match(name) for name in stored), stored
    assert all_files(tmp_path) - before == {f"media/{name}" for name in stored}
    # Titles keep only printable characters: no newline or direction override reaches a page.
    assert all(design.title.isprintable() for design in designs)


def test_media_serving_refuses_paths_outside_media_root(world, served_media, media_root):
    (media_root.parent / "outside.txt").write_text("not for the web")
    client = Client()
    for path in ("/media/../outside.txt", "/media/%2e%2e/outside.txt", "/media/..%2foutside.txt", "/media//etc/passwd"):
        response = client.get(path)
        assert response.status_code in (400, 404), path  # 400: Django's safe_join saw the attempt
    assert client.get(f"/media/{world.review.thumbnail.name}").status_code == 200


# --- SSRF through RunPod outputs -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "not an http(s) URL"),
        ("ftp://images.example.com/a.png", "not an http(s) URL"),
        ("gopher://127.0.0.1:6379/_FLUSHALL", "not an http(s) URL"),
        ("http://127.0.0.1:6379/a.png", "non-public address (127.0.0.1)"),
        ("http://[::1]/a.png", "non-public address (::1)"),
        ("http://[::ffff:127.0.0.1]/a.png", "non-public address (127.0.0.1)"),
        ("http://169.254.169.254/latest/meta-data/", "non-public address (169.254.169.254)"),
        ("http://10.1.2.3/a.png", "non-public address (10.1.2.3)"),
        ("http://192.168.0.10/a.png", "non-public address (192.168.0.10)"),
        ("http://0.0.0.0/a.png", "non-public address (0.0.0.0)"),
        ("http://2130706433/a.png", "non-public address (127.0.0.1)"),  # 127.0.0.1 as one decimal number
        ("http://localhost:8000/a.png", "Refusing to download from localhost: it resolves to a non-public address"),
    ],
)
def test_output_urls_to_private_places_fail_the_design_cleanly(runpod_pump, media_root, url, message):
    pump, rsps = runpod_pump
    design = generating_design(pump, rsps, "job-ssrf")
    output = {"images": [{"filename": "a.png", "type": "s3_url", "data": url}]}
    rsps.get(f"{JOBS}/status/job-ssrf", json=completed("job-ssrf", output))

    pump.poll()

    design.refresh_from_db()
    assert design.status == Status.GENERATION_FAILED
    assert message in design.last_error
    assert design.last_error.startswith(
        ("Image 1 ('a.png') should be", "RunPod returned no usable image (image 1: Refusing")
    )
    assert design.events.filter(to_status=Status.GENERATION_FAILED, message=design.last_error).exists()
    assert not design.image and all_files(media_root) == set()
    # Only RunPod was asked: the refused URL was never fetched.
    assert [call.request.url for call in rsps.calls if "runpod" not in call.request.url] == []
    assert RUNPOD_KEY not in design.last_error


def test_a_redirect_from_the_allowed_image_host_to_a_private_one_fails_the_design(runpod_pump, media_root):
    pump, rsps = runpod_pump
    design = generating_design(pump, rsps, "job-hop")
    start = f"https://{IMAGE_HOST}/out/a.png"
    rsps.get(start, status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/iam/"})
    output = {"images": [{"filename": "a.png", "type": "s3_url", "data": start}]}
    rsps.get(f"{JOBS}/status/job-hop", json=completed("job-hop", output))

    pump.poll()

    design.refresh_from_db()
    assert design.status == Status.GENERATION_FAILED
    assert "non-public address (169.254.169.254)" in design.last_error
    assert [call.request.url for call in rsps.calls if IMAGE_HOST in call.request.url] == [start]
    assert all_files(media_root) == set()


def test_one_refused_url_does_not_lose_the_good_images_of_the_job(runpod_pump, media_root):
    pump, rsps = runpod_pump
    design = generating_design(pump, rsps, "job-mixed")
    output = {
        "images": [
            {"filename": "good.png", "type": "base64", "data": b64(image_bytes())},
            {"filename": "bad.png", "type": "s3_url", "data": "http://127.0.0.1/bad.png"},
        ]
    }
    rsps.get(f"{JOBS}/status/job-mixed", json=completed("job-mixed", output))

    pump.poll()

    design.refresh_from_db()
    assert design.status == Status.REVIEW
    assert "image 2" in design.events.latest("pk").message and "127.0.0.1" in design.events.latest("pk").message
    assert len(all_files(media_root)) == 2


# --- production headers ----------------------------------------------------------------------------------


def test_security_headers_and_cookies_of_a_production_response(settings, make_user):
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    make_user("boss", superuser=True)
    client = Client(enforce_csrf_checks=True)

    plain = client.get("/admin/login/")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/admin/login/"

    page = client.get("/admin/login/", secure=True)
    assert page.status_code == 200
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert page["X-Content-Type-Options"] == "nosniff"
    assert page["X-Frame-Options"] == "DENY"
    assert page["Referrer-Policy"] == "same-origin"
    assert page["Cross-Origin-Opener-Policy"] == "same-origin"
    csrf = page.cookies["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"

    logged_in = client.post(
        "/admin/login/?next=/admin/",
        {"username": "boss", "password": "pw-for-tests-only", "csrfmiddlewaretoken": csrf.value},
        secure=True,
        HTTP_REFERER="https://testserver/admin/login/",  # over HTTPS, Django's CSRF check also wants the Referer
    )
    assert logged_in.status_code == 302 and logged_in["Location"] == "/admin/"
    session = logged_in.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert client.get("/admin/", secure=True).status_code == 200
