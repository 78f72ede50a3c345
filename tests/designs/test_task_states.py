"""The small machines: a design's listing copy, a product's listing update, a repricing job — tables and history."""

import pytest

from designs.machine import Source
from designs.models import DesignEvent, ProductEvent, RepriceEvent
from designs.products import ProductState
from designs.task_states import COPY, LISTING_UPDATE, REPRICE, CopyStatus, ListingSync, RepriceState
from designs.workflow import Status
from tests.designs.publishing_support import make_product, make_template


@pytest.fixture
def tee(db):
    return make_template()


def test_only_a_worker_claims_writes_and_finishes_copy_and_a_lost_run_goes_back_to_the_queue(make_design):
    design = make_design(status=Status.REVIEW)
    COPY.move(design, to=CopyStatus.QUEUED, source=Source.ADMIN)
    with pytest.raises(ValueError, match="does not allow"):
        COPY.move(design, to=CopyStatus.WRITING, sources=[CopyStatus.QUEUED], source=Source.ADMIN)
    COPY.move(design, to=CopyStatus.WRITING, source=Source.WORKER)
    COPY.move(design, to=CopyStatus.QUEUED, source=Source.ADMIN, message="Asked again: its run was lost.")
    design.refresh_from_db()
    assert design.copy_status == CopyStatus.QUEUED
    assert list(DesignEvent.objects.filter(design=design).order_by("pk").values_list("message", flat=True)) == [
        "Listing copy: not written by the llm → waiting for the llm.",
        "Listing copy: waiting for the llm → the llm is writing.",
        "Listing copy: the llm is writing → waiting for the llm. Asked again: its run was lost.",
    ]


def test_the_small_machines_keep_their_history(make_design, tee, superuser):
    product = make_product(make_design(status=Status.PUBLISHED), tee, state=ProductState.LIVE)
    LISTING_UPDATE.move(product, to=ListingSync.PENDING, source=Source.ADMIN, actor=superuser)
    LISTING_UPDATE.move(product, to=ListingSync.UPDATING, source=Source.WORKER)
    with pytest.raises(ValueError):  # only a worker finishes an update
        LISTING_UPDATE.move(product, to=ListingSync.IDLE, sources=[ListingSync.UPDATING], source=Source.ADMIN)
    messages = list(ProductEvent.objects.filter(product=product).order_by("pk").values_list("message", flat=True))
    assert messages == [
        "Listing update: no update asked for → update queued.",
        "Listing update: update queued → updating.",
    ]

    job = REPRICE.create(state=RepriceState.QUEUED, source=Source.ADMIN, actor=superuser, template=tee)
    REPRICE.move(job, to=RepriceState.RUNNING, source=Source.WORKER)
    REPRICE.move(job, to=RepriceState.DONE, source=Source.WORKER)
    assert list(RepriceEvent.objects.filter(job=job).order_by("pk").values_list("from_state", "to_state")) == [
        ("", "queued"),
        ("queued", "running"),
        ("running", "done"),
    ]
