"""Mockup review end to end: real qcluster processes, the sandbox's Printify over real sockets.

Twelve designs are published with a template that reviews mockups: each product is created on Printify and stops
there (not in the store) with its mockups read back. Half are sent live, half discarded, and the cluster is killed
with -9 while it carries the decisions out. After a restart: the live ones were published exactly once, the
discarded ones are deleted on Printify, and no product was created twice.
"""

import time

import pytest

from designs.models import Design, Product
from designs.products import ProductState
from designs.services import mockups
from designs.services import publishing as publish_service
from designs.workflow import Source, Status
from tests.system.conftest import wait_until
from tests.system.test_publishing_e2e import approved_designs, cluster_env, purge_broker, sandbox_template

pytestmark = pytest.mark.system


def statuses(ids) -> dict:
    return dict(Design.objects.filter(pk__in=ids).values_list("pk", "status"))


@pytest.fixture(autouse=True)
def no_print_gate(settings):
    settings.MIN_PRINT_DPI = 0  # small images on purpose, as in test_publishing_e2e.py


def test_go_live_and_discard_after_mockup_review_survive_kill_9(child_env, qcluster, sandbox, make_design, superuser):
    purge_broker()
    sandbox_template(review_mockups=True)
    ids = [d.pk for d in approved_designs(make_design, 12)]
    env = cluster_env(sandbox, MOCKUP_UNDO_SECONDS="1")
    first = qcluster(**env)
    assert len(publish_service.request_publish(ids, actor=None, source=Source.COMMAND).moved) == 12
    wait_until(
        lambda: set(statuses(ids).values()) == {Status.MOCKUPS},
        timeout=120,
        message=f"all waiting for their mockup review; now {statuses(ids)}\n{first.log()[-3000:]}",
    )
    state = sandbox.state()["printify"]
    assert state["products_created"] == 12 and state["publishes"] == 0  # on Printify, none in the store
    products = list(Product.objects.filter(design_id__in=ids).order_by("design_id"))
    assert all(p.state == ProductState.MOCKUP_REVIEW and p.mockups for p in products)
    assert all("/_sandbox/mockups/" in p.mockups[0] for p in products)  # read back from the product

    sandbox.configure(http_delay=0.3)  # slow enough that the kill lands while the decisions are carried out
    live, gone = [p.pk for p in products[:6]], [p.pk for p in products[6:]]
    assert len(mockups.go_live(live, actor=superuser).moved) == 6
    assert len(mockups.discard(gone, actor=superuser).moved) == 6
    wait_until(
        lambda: sandbox.state()["printify"]["publishes"] + sandbox.state()["printify"]["products_deleted"] >= 2,
        timeout=60,
        message=f"the cluster got going\n{first.log()[-3000:]}",
    )
    first.kill_hard()
    done = sandbox.state()["printify"]
    assert done["publishes"] + done["products_deleted"] < 12, "the kill came too late to test anything"

    sandbox.configure(http_delay=0)
    second = qcluster(**env)
    restarted = time.monotonic()
    live_designs = [p.design_id for p in products[:6]]
    gone_designs = [p.design_id for p in products[6:]]
    wait_until(
        lambda: (
            set(statuses(live_designs).values()) == {Status.PUBLISHED}
            and set(statuses(gone_designs).values()) == {Status.APPROVED}
        ),
        timeout=120,
        interval=1,
        message=f"decisions carried out after the restart; now {statuses(ids)}\n{second.log()[-3000:]}",
    )
    left = 12 - done["publishes"] - done["products_deleted"]
    print(f"mockup decisions: killed with {left} of 12 left; settled {time.monotonic() - restarted:.1f} s later")
    state = sandbox.state()["printify"]
    assert state["products_created"] == 12 and state["products_deleted"] == 6
    on_printify = {p["id"]: p for p in state["products"]}
    for product in Product.objects.filter(pk__in=live):
        assert product.state == ProductState.LIVE and product.mockups_approved_at is not None
        assert on_printify[product.printify_id]["publish_count"] == 1  # published exactly once
    for product in Product.objects.filter(pk__in=gone):
        assert product.state == ProductState.DELETED and product.printify_id == ""
    assert len(on_printify) == 6
