"""Publishing end to end: real qcluster processes, the sandbox's Printify over real sockets, real PNG files.

- 30 approved designs are published; the sandbox holds exactly 30 products.
- kill -9 the whole cluster mid-run, start a new one: still one product per design, none left in publishing.
- with the sandbox's limits scaled down (and ours matching), a run finishes with at most 1% of requests answered 429.
- designs published as a tee and a mug at once: two products each, exactly once, after a kill -9 too.
"""

import time

import pytest

from designs.models import Design, Product
from designs.services import publishing as publish_service
from designs.services.templates import placeholders_from_catalog
from designs.workflow import Source, Status
from integrations.sandbox import catalog
from tests.designs.publishing_support import make_template
from tests.system.conftest import wait_until

pytestmark = pytest.mark.system


def sandbox_template(blueprint=3, provider=3, **fields):
    variants = catalog.VARIANTS[(blueprint, provider)]
    return make_template(
        blueprint_id=blueprint,
        print_provider_id=provider,
        variants=[{"id": v["id"], "title": v["title"], "price": 2500, "is_enabled": True} for v in variants],
        placeholders=placeholders_from_catalog(variants),
        placement={"mode": "fit", "x": 0.5, "y": 0.5, "scale": 1, "angle": 0},
        **fields,
    )


def approved_designs(make_design, count: int) -> list[Design]:
    designs = []
    for n in range(count):
        design = make_design(status=Status.APPROVED, prompt=f"design number {n}")
        # Distinct pixels: uploads are content-addressed, every design gets its own image.
        design.image.save("x.png", _png(n), save=False)
        design.image_width, design.image_height = 256, 320
        design.save()
        designs.append(design)
    return designs


def _png(n: int):
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (256, 320), (n * 7 % 256, n * 13 % 256, 100)).save(buffer, format="PNG")
    return ContentFile(buffer.getvalue())


@pytest.fixture(autouse=True)
def no_print_gate(settings):
    settings.MIN_PRINT_DPI = 0  # as in cluster_env: the requests made here publish the same small images


def cluster_env(sandbox, **extra) -> dict:
    # MIN_PRINT_DPI=0: 256 px images on purpose (publishing is under test; test_print_e2e.py covers the gate).
    return {"POD_SANDBOX": "1", "SANDBOX_URL": sandbox.url, "Q_WORKERS": "4", "MIN_PRINT_DPI": "0", **extra}


def purge_broker():
    """Wake-up calls left in a shared Redis by an earlier run must not reach this test's cluster."""
    from django_q.brokers import get_broker

    get_broker().purge_queue()


def statuses(ids) -> dict:
    return dict(Design.objects.filter(pk__in=ids).values_list("pk", "status"))


def assert_one_product_per_design(sandbox, ids, templates: int = 1):
    """Exactly one Printify product per design and template: recorded, existing, and never created twice."""
    state = sandbox.state()["printify"]
    rows = list(Product.objects.filter(design_id__in=ids).values_list("design_id", "template_id", "printify_id"))
    assert len(rows) == len(ids) * templates == len({(d, t) for d, t, _ in rows})
    product_ids = [printify_id for _, _, printify_id in rows]
    assert all(product_ids) and len(set(product_ids)) == len(rows)
    assert sorted(p["id"] for p in state["products"]) == sorted(product_ids)
    assert state["products_created"] == len(rows)
    return state


def test_thirty_designs_are_published_once_each(child_env, qcluster, sandbox, make_design):
    purge_broker()
    sandbox_template()
    designs = approved_designs(make_design, 30)
    ids = [d.pk for d in designs]
    cluster = qcluster(**cluster_env(sandbox))
    result = publish_service.request_publish(ids, actor=None, source=Source.COMMAND)
    assert len(result.moved) == 30

    wait_until(
        lambda: set(statuses(ids).values()) == {Status.PUBLISHED},
        timeout=120,
        message=f"all published; now {statuses(ids)}\n{cluster.log()[-3000:]}",
    )
    state = assert_one_product_per_design(sandbox, ids)
    assert state["uploads"] == 30
    assert all(p["enabled_variants"] == 7 for p in state["products"])
    assert Product.objects.filter(design_id__in=ids, published_at__isnull=False).count() == 30


def test_a_killed_cluster_leaves_one_product_per_design_and_nothing_stuck(child_env, qcluster, sandbox, make_design):
    purge_broker()
    sandbox.configure(http_delay=0.05)  # slow enough that the kill lands mid-run
    sandbox_template()
    ids = [d.pk for d in approved_designs(make_design, 30)]
    first = qcluster(**cluster_env(sandbox))
    publish_service.request_publish(ids, actor=None, source=Source.COMMAND)
    wait_until(
        lambda: sandbox.state()["printify"]["products_created"] >= 8,
        timeout=60,
        message=f"the cluster got going\n{first.log()[-3000:]}",
    )
    first.kill_hard()
    killed_at = sandbox.state()["printify"]
    assert killed_at["products_created"] < 30, "the kill came too late to test anything"

    second = qcluster(**cluster_env(sandbox))
    restarted = time.monotonic()
    # Nothing but the new cluster: it resumes on its own at start (its leases of the killed runs lapse in 15 s).
    wait_until(
        lambda: Status.PUBLISHING not in statuses(ids).values(),
        timeout=90,
        interval=1,
        message=f"nothing left in publishing within 90 s of the restart; now {statuses(ids)}\n{second.log()[-3000:]}",
    )
    settled_after = time.monotonic() - restarted
    print(
        f"publishing killed with {30 - killed_at['products_created']} left; settled {settled_after:.1f} s after restart"
    )
    assert settled_after <= 90
    assert set(statuses(ids).values()) == {Status.PUBLISHED}
    assert_one_product_per_design(sandbox, ids)


def test_pacing_keeps_429s_under_one_percent(child_env, qcluster, sandbox, make_design):
    purge_broker()
    # Scaled down: 40 requests a minute and 10 publishes per 30 s, in the sandbox and in our limiter alike.
    sandbox.configure(
        printify_rate_limit=40, printify_rate_window=60, printify_publish_limit=10, printify_publish_window=30
    )
    sandbox_template()
    ids = [d.pk for d in approved_designs(make_design, 20)]
    cluster = qcluster(
        **cluster_env(
            sandbox,
            PRINTIFY_RATE_PER_MINUTE=40,
            PRINTIFY_PUBLISH_LIMIT=10,
            PRINTIFY_PUBLISH_WINDOW_SECONDS=30,
        )
    )
    _clear_shared_limiter()
    publish_service.request_publish(ids, actor=None, source=Source.COMMAND)
    wait_until(
        lambda: set(statuses(ids).values()) == {Status.PUBLISHED},
        timeout=240,
        interval=1,
        message=f"all published; now {statuses(ids)}\n{cluster.log()[-3000:]}",
    )
    state = sandbox.state()["printify"]
    assert state["requests"] >= 60  # upload, create and publish for each of 20 designs
    assert state["rate_limited"] <= 0.01 * state["requests"], state
    assert_one_product_per_design(sandbox, ids)


def test_a_tee_and_a_mug_per_design_are_made_once_each_even_after_kill_9(child_env, qcluster, sandbox, make_design):
    purge_broker()
    sandbox.configure(http_delay=0.05)  # slow enough that the kill lands mid-run
    tee = sandbox_template()
    mug = sandbox_template(68, 9, name="Mug 11oz", is_default=False)
    ids = [d.pk for d in approved_designs(make_design, 12)]
    first = qcluster(**cluster_env(sandbox))
    result = publish_service.request_publish(ids, actor=None, source=Source.COMMAND, templates=[tee, mug])
    assert len(result.moved) == 12 and len(result.products) == 24
    wait_until(
        lambda: sandbox.state()["printify"]["products_created"] >= 6,
        timeout=60,
        message=f"the cluster got going\n{first.log()[-3000:]}",
    )
    first.kill_hard()
    killed_at = sandbox.state()["printify"]["products_created"]
    assert killed_at < 24, "the kill came too late to test anything"

    second = qcluster(**cluster_env(sandbox))
    restarted = time.monotonic()
    wait_until(
        lambda: set(statuses(ids).values()) == {Status.PUBLISHED},
        timeout=120,
        interval=1,
        message=f"all published after the restart; now {statuses(ids)}\n{second.log()[-3000:]}",
    )
    print(f"tee + mug: killed with {24 - killed_at} products left; settled {time.monotonic() - restarted:.1f} s later")
    state = assert_one_product_per_design(sandbox, ids, templates=2)
    assert sorted({p["blueprint_id"] for p in state["products"]}) == [3, 68]
    assert set(Product.objects.filter(design_id__in=ids).values_list("state", flat=True)) == {"live"}
    # Publishing them again changes nothing: each design already has both products.
    again = publish_service.request_publish(ids, actor=None, source=Source.COMMAND, templates=[tee, mug])
    assert again.moved == [] and sandbox.state()["printify"]["products_created"] == 24


def _clear_shared_limiter():
    """Slots taken by earlier tests (the Redis limiter outlives the test database) would skew the pacing."""
    from django.conf import settings

    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        for key in client.scan_iter("podsite:ratelimit:printify:*"):
            client.delete(key)
