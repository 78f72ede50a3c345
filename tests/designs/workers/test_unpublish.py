"""Unpublishing and deleting products on a worker, and deleting a design together with its products."""

import pytest
import responses

from designs.models import Design
from designs.products import ProductState
from designs.services import deletion
from designs.workers import unpublish
from designs.workflow import Status
from tests.designs.publishing_support import API, SHOP, configure_printify, make_product, make_template


@pytest.fixture(autouse=True)
def printify_settings(settings):
    configure_printify(settings)


@pytest.fixture
def template(db):
    return make_template()


def base(printify_id: str) -> str:
    return f"{API}/shops/{SHOP}/products/{printify_id}"


@pytest.mark.parametrize("delete", [False, True])
def test_unpublish_takes_the_product_off_the_store(make_design, template, delete):
    design = make_design(status=Status.PUBLISHED)
    product = make_product(design, template, printify_id="b" * 24, external={"id": "1"})
    with responses.RequestsMock() as rsps:
        rsps.post(f"{base('b' * 24)}/unpublish.json", json={})
        if delete:
            rsps.delete(f"{base('b' * 24)}.json", json={})
        assert unpublish.run_unpublish(product.pk, delete=delete) == ("deleted" if delete else "unpublished")
    product.refresh_from_db()
    design.refresh_from_db()
    assert product.external == {} and product.printify_id == ("" if delete else "b" * 24)
    assert product.state == (ProductState.DELETED if delete else ProductState.ON_PRINTIFY)
    assert (product.deleted_at is not None) is delete
    # Deleted: no product left, the design is approved again. Unpublished: its product is still on Printify.
    assert design.status == (Status.APPROVED if delete else Status.PUBLISHED)


def test_an_unpublish_failure_keeps_the_product_live_with_a_reason(make_design, template):
    design = make_design(status=Status.PUBLISHED)
    product = make_product(design, template, printify_id="c" * 24)
    with responses.RequestsMock() as rsps:
        rsps.post(f"{base('c' * 24)}/unpublish.json", status=400, json={"code": 8104})
        assert unpublish.run_unpublish(product.pk, delete=True) == "failed"
    product.refresh_from_db()
    assert product.state == ProductState.LIVE
    assert "(8104): the product belongs to another shop" in product.last_error
    assert Design.objects.get(pk=design.pk).status == Status.PUBLISHED


def test_deleting_a_design_deletes_each_of_its_products_first(
    make_design, template, django_capture_on_commit_callbacks
):
    mug = make_template(name="Mug", is_default=False)
    design = make_design(status=Status.PUBLISHED)
    make_product(design, template, printify_id="d" * 24)
    make_product(design, mug, state="on_printify", printify_id="e" * 24)
    with django_capture_on_commit_callbacks() as callbacks:
        result = deletion.delete_designs([design], actor=None, products=deletion.DELETE_PRODUCTS)
    assert result.products_queued == [design.pk] and len(callbacks) == 2  # no files to delete yet, the task
    with responses.RequestsMock() as rsps:
        rsps.post(f"{base('d' * 24)}/unpublish.json", json={})  # live: off the store first
        rsps.delete(f"{base('d' * 24)}.json", json={})
        rsps.delete(f"{base('e' * 24)}.json", status=404, json={"error": "Not found"})  # gone already: fine
        assert unpublish.run_delete_design_and_products(design.pk) == "deleted"
    assert not Design.objects.filter(pk=design.pk).exists()


def test_a_refused_product_deletion_keeps_the_design_with_the_reason(make_design, template):
    design = make_design(status=Status.PUBLISHED)
    make_product(design, template, printify_id="f" * 24)
    with responses.RequestsMock() as rsps:
        rsps.post(f"{base('f' * 24)}/unpublish.json", json={})
        rsps.delete(f"{base('f' * 24)}.json", status=400, json={"code": 8104})
        assert unpublish.run_delete_design_and_products(design.pk) == "failed"
    design.refresh_from_db()
    assert "so the design was kept" in design.last_error and "8104" in design.last_error
