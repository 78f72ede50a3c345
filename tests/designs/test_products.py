"""The life of a product: the transition table, conditional moves with events, and the design as their summary."""

import threading

import pytest

from designs.machine import MoveConflict
from designs.models import ProductEvent
from designs.products import (
    PRODUCT_TRANSITIONS,
    ProductState,
    design_status_for,
    move_product,
    move_products,
)
from designs.workflow import TRANSITIONS, Source, Status
from tests.designs.publishing_support import make_product, make_template

P = ProductState


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ([], Status.APPROVED),
        ([P.DELETED], Status.APPROVED),
        ([P.LIVE], Status.PUBLISHED),
        ([P.ON_PRINTIFY, P.DELETED], Status.PUBLISHED),
        ([P.LIVE, P.FAILED], Status.PUBLISH_FAILED),
        ([P.LIVE, P.CREATING], Status.PUBLISHING),
        ([P.FAILED, P.PUBLISHING], Status.PUBLISHING),
    ],
)
def test_the_design_status_summarises_its_products(states, expected):
    assert design_status_for(states) == expected


def test_every_product_state_is_in_the_table_and_every_summary_move_is_a_design_move():
    assert set(PRODUCT_TRANSITIONS) == set(ProductState)
    # Whatever a product does, its design moves only along its own table (or stays).
    for state, targets in PRODUCT_TRANSITIONS.items():
        for target in targets:
            before, after = design_status_for([state]), design_status_for([target])
            assert before == after or after in TRANSITIONS[before], (state, target)


@pytest.fixture
def template(db):
    return make_template()


def test_a_move_writes_an_event_and_moves_the_design_with_it(make_design, template, superuser):
    design = make_design(status=Status.PUBLISHING)
    product = make_product(design, template, state="creating")
    move_product(product, to=P.LIVE, actor=superuser, source=Source.WORKER, message="Published.")
    design.refresh_from_db()
    assert product.state == P.LIVE and design.status == Status.PUBLISHED
    [event] = ProductEvent.objects.filter(product=product)
    assert (event.from_state, event.to_state, event.actor, event.message) == (
        "creating",
        "live",
        superuser,
        "Published.",
    )
    assert design.events.first().to_status == Status.PUBLISHED


def test_a_move_the_table_forbids_is_refused_and_a_stale_one_is_a_conflict(make_design, template):
    product = make_product(make_design(status=Status.PUBLISHED), template, state="live")
    with pytest.raises(ValueError, match="does not allow"):
        move_products([product], to=P.LIVE, sources=[P.DELETED], source=Source.WORKER)
    with pytest.raises(MoveConflict, match="it is live"):
        move_product(product, to=P.FAILED, sources=[P.CREATING, P.PUBLISHING], source=Source.WORKER)
    assert not ProductEvent.objects.exists()


def test_the_design_waits_for_all_its_products(make_design, template):
    mug = make_template(name="Mug", is_default=False)
    design = make_design(status=Status.PUBLISHING)
    tee_product = make_product(design, template, state="creating")
    mug_product = make_product(design, mug, state="creating")
    move_product(tee_product, to=P.LIVE, source=Source.WORKER)
    design.refresh_from_db()
    assert design.status == Status.PUBLISHING
    move_product(mug_product, to=P.FAILED, source=Source.WORKER, updates={"last_error": "Printify refused it."})
    design.refresh_from_db()
    assert design.status == Status.PUBLISH_FAILED and design.last_error == "Mug: Printify refused it."


def test_a_design_in_review_is_never_moved_by_its_products(make_design, template):
    design = make_design(status=Status.REVIEW)
    product = make_product(design, template, state="live")
    move_product(product, to=P.DELETED, source=Source.WEBHOOK)
    design.refresh_from_db()
    assert design.status == Status.REVIEW


@pytest.mark.django_db(transaction=True)
def test_two_products_finishing_at_once_leave_the_design_published(make_design):
    """Each run reads the other product's state inside its locked transaction, so one of them sees both done."""
    tee, mug = make_template(), make_template(name="Mug", is_default=False)
    for _ in range(5):
        design = make_design(status=Status.PUBLISHING)
        products = [make_product(design, t, state="creating") for t in (tee, mug)]
        assert _finish_together(products) == []
        design.refresh_from_db()
        assert design.status == Status.PUBLISHED


def _finish_together(products) -> list:
    start, errors = threading.Barrier(len(products)), []

    def finish(product):
        from django.db import connection

        try:
            start.wait(5)
            move_product(product, to=P.LIVE, source=Source.WORKER)
        except Exception as error:  # reported to the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=finish, args=(p,)) for p in products]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    return errors
