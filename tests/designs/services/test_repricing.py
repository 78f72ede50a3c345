"""Which products carry outdated prices, and starting (or joining) the job that fixes them."""

import pytest

from designs.models import RepriceJob
from designs.selectors import unfinished_reprice_jobs
from designs.services.repricing import request_reprice
from designs.workflow import Status
from tests.designs.publishing_support import make_product, make_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def tee():
    return make_template()


def on_printify(make_design, template, n=0, **fields):
    fields.setdefault("printify_id", f"{n:024d}")
    return make_product(make_design(status=Status.PUBLISHED), template, **fields)


def reprice(template, **prices):
    """Give variants new prices in the template (the products keep the snapshot they were made with)."""
    template.variants = [{**v, "price": prices.get(f"v{v['id']}", v["price"])} for v in template.variants]
    template.save()


def test_a_second_request_joins_the_unfinished_job(make_design, tee, superuser, django_capture_on_commit_callbacks):
    on_printify(make_design, tee)
    reprice(tee, v17390=2999)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = request_reprice(tee, actor=superuser)
        second = request_reprice(tee, actor=superuser)

    assert first.pk == second.pk and first.total == 1 and first.created_by == superuser
    assert len(queued) == 2  # the worker is asked again; it resumes the one job
    assert list(unfinished_reprice_jobs()) == [first]
    RepriceJob.objects.filter(pk=first.pk).update(state=RepriceJob.State.DONE)
    assert request_reprice(tee, actor=None).pk != first.pk  # a finished job is not joined
