"""Repricing published products against the sandbox's Printify over real sockets: the template's new prices reach
each product once, live ones are published again with their variants only, locked products wait and are done
later, refusals are recorded, and a job that is run again does nothing twice."""

import pytest

from designs.clients import printify_client
from designs.listing_changes import outdated_products
from designs.models import Product, RepriceJob
from designs.services import publishing as publish_service
from designs.services.repricing import request_reprice
from designs.workers import publish_run, repricing
from designs.workflow import Source, Status
from integrations.sandbox import catalog
from tests.designs.publishing_support import attach_image, make_template


@pytest.fixture
def printify(settings, sandbox):
    from django.core.cache import cache

    settings.PRINTIFY_API_BASE = f"{sandbox.url}/printify/v1"
    settings.PRINTIFY_API_TOKEN = "repricing-token"
    settings.PRINTIFY_SHOP_ID = "1"
    settings.PRINTIFY_RATE_PER_MINUTE = 1_000_000
    settings.PRINTIFY_PUBLISH_LIMIT = 1_000_000
    settings.PUBLIC_BASE_URL = ""
    cache.clear()
    sandbox.configure(printify_publish_delay=0)  # a connected shop that finishes publishing at once
    return sandbox


def published_products(make_design, count: int):
    variants = catalog.VARIANTS[(3, 3)]
    from designs.services.templates import placeholders_from_catalog

    template = make_template(
        variants=[{"id": v["id"], "title": v["title"], "price": 2500, "is_enabled": True} for v in variants],
        placeholders=placeholders_from_catalog(variants),
    )
    for n in range(count):
        design = attach_image(make_design(status=Status.APPROVED, prompt=f"fox {n}"), size=(64 + n, 80))
        # Print quality is not what this measures: these small images publish with the recorded override.
        publish_service.request_publish([design], actor=None, source=Source.COMMAND, override_low_dpi=True)
        assert publish_run.run_publish(design.products.get().pk) == "published"
    return template


def new_prices(template, cents: int):
    template.variants = [{**v, "price": cents} for v in template.variants]
    template.save()


def sandbox_prices(sandbox) -> list[set[int]]:
    return [set(p["prices"].values()) for p in sandbox.state()["printify"]["products"]]


def test_new_prices_reach_every_published_product_once(printify, make_design, django_capture_on_commit_callbacks):
    template = published_products(make_design, 3)
    assert outdated_products(template) == []
    new_prices(template, 2999)
    assert len(outdated_products(template)) == 3
    with django_capture_on_commit_callbacks() as callbacks:
        job = request_reprice(template, actor=None)
    assert job.total == 3 and len(callbacks) == 1
    publishes_before = printify.state()["printify"]["publish_requests"]

    assert repricing.run_reprice(job.pk) == "done"
    job.refresh_from_db()
    assert (job.state, job.updated, job.failed) == (RepriceJob.State.DONE, 3, {})
    assert sandbox_prices(printify) == [{2999}] * 3
    # Live products are published again (variants only), so the store shows the new prices.
    assert printify.state()["printify"]["publish_requests"] == publishes_before + 3
    assert outdated_products(template) == []
    assert all("Prices updated in Printify" in p.events.first().message for p in Product.objects.all())
    # Run again (a duplicate delivery): nothing left, nothing sent.
    requests_before = printify.state()["printify"]["requests"]
    assert repricing.run_reprice(job.pk) == "done"
    assert printify.state()["printify"]["requests"] == requests_before


def test_a_locked_product_waits_and_is_done_on_a_later_pass(printify, make_design):
    printify.configure(printify_publish_delay=None)  # an API shop: publishing keeps the product locked
    template = published_products(make_design, 1)
    product = Product.objects.get()
    new_prices(template, 2999)
    job = request_reprice(template, actor=None)
    assert repricing.run_reprice(job.pk) == "1 left"
    job.refresh_from_db()
    assert job.waiting == 1 and job.updated == 0 and job.state == RepriceJob.State.RUNNING
    printify_client().publishing_succeeded(product.printify_id, {"id": "1", "handle": "https://shop/1"})  # unlocked
    assert repricing.run_reprice(job.pk) == "done"
    assert sandbox_prices(printify) == [{2999}]


def test_a_refused_product_is_recorded_and_skipped(printify, make_design):
    template = published_products(make_design, 2)
    first, second = Product.objects.order_by("pk")
    printify_client().delete_product(first.printify_id)  # gone in Printify (before the webhook arrives)
    new_prices(template, 2999)
    job = request_reprice(template, actor=None)
    assert repricing.run_reprice(job.pk) == "done"
    job.refresh_from_db()
    assert job.updated == 1 and list(job.failed) == [str(first.pk)]
    assert "Printify" in job.failed[str(first.pk)]
    assert sandbox_prices(printify) == [{2999}]
