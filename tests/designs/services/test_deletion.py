"""Deleting designs: files go with them, and a Printify product is never left orphaned without a decision."""

import pytest
import responses
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.db import transaction

from designs import leases
from designs.models import Design
from designs.services import deletion
from designs.workers.unpublish import run_delete_design_and_products as run_delete_design_and_product
from designs.workflow import Status
from tests.designs.publishing_support import API, SHOP, attach_image, configure_printify, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def printify_settings(settings):
    configure_printify(settings)


def test_plain_designs_are_deleted_with_their_files(make_design, media_root, django_capture_on_commit_callbacks):
    design = attach_image(make_design(status=Status.REJECTED))
    image = media_root / design.image.name
    assert image.exists()
    with django_capture_on_commit_callbacks(execute=True):
        result = deletion.delete_designs([design], actor=None)
    assert result.deleted == [design.pk] and not Design.objects.exists()
    assert not image.exists()


def test_designs_with_products_need_a_decision_and_nothing_is_deleted_without_one(make_design):
    plain = make_design(status=Status.REJECTED)
    with_product = make_design(status=Status.PUBLISHED)
    make_product(with_product, printify_id="5f1a2b3c4d5e6f7a8b9c0d1e")
    with pytest.raises(deletion.ProductDecisionNeeded, match="1 of these designs have Printify products"):
        deletion.delete_designs([plain, with_product], actor=None)
    assert Design.objects.count() == 2


def test_keeping_the_products_deletes_the_designs_at_once(make_design):
    with_product = make_design(status=Status.PUBLISHED)
    make_product(with_product, printify_id="5f1a2b3c4d5e6f7a8b9c0d1e")
    result = deletion.delete_designs([with_product], actor=None, products=deletion.KEEP_PRODUCTS)
    assert result.deleted == [with_product.pk] and not Design.objects.exists()


def test_deleting_the_products_deletes_each_design_after_printify_confirms(make_design, media_root):
    product_id = "5f1a2b3c4d5e6f7a8b9c0d1e"
    design = attach_image(make_design(status=Status.PUBLISHED))
    make_product(design, printify_id=product_id)
    with transaction.atomic():  # the worker task is queued after commit, not run inline
        result = deletion.delete_designs([design], actor=None, products=deletion.DELETE_PRODUCTS)
    assert result.products_queued == [design.pk] and Design.objects.filter(pk=design.pk).exists()
    with responses.RequestsMock() as rsps:
        rsps.post(f"{API}/shops/{SHOP}/products/{product_id}/unpublish.json", json={})
        rsps.delete(f"{API}/shops/{SHOP}/products/{product_id}.json", json={})
        assert run_delete_design_and_product(design.pk) == "deleted"
    assert not Design.objects.exists()
    assert not (media_root / design.image.name).exists()


def test_a_refused_product_deletion_keeps_the_design_and_says_why(make_design):
    product_id = "5f1a2b3c4d5e6f7a8b9c0d1e"
    design = make_design(status=Status.APPROVED)
    make_product(design, printify_id=product_id, state="on_printify")
    with responses.RequestsMock() as rsps:
        rsps.delete(
            f"{API}/shops/{SHOP}/products/{product_id}.json",
            status=400,
            json={"code": 8104, "message": "Validation failed.", "errors": {"reason": "not yours"}},
        )
        assert run_delete_design_and_product(design.pk) == "failed"
    design.refresh_from_db()
    assert design.last_error.startswith(f"Could not delete Printify product {product_id}, so the design was kept")
    assert design.events.filter(kind="note").exists()


def test_a_design_being_published_is_not_deleted(make_design):
    design = make_design(status=Status.PUBLISHING)
    result = deletion.delete_designs([design], actor=None)
    assert result.skipped == {design.pk: "being published"} and Design.objects.filter(pk=design.pk).exists()


def test_each_deleted_design_is_logged_before_it_goes_as_djangos_delete_selected_does(make_design, superuser):
    plain = make_design(status=Status.REJECTED, title="Old fox")
    with_product = make_design(status=Status.PUBLISHED, title="Live owl")
    make_product(with_product, printify_id="5f1a2b3c4d5e6f7a8b9c0d1e")
    with transaction.atomic():
        deletion.delete_designs([plain, with_product], actor=superuser, products=deletion.DELETE_PRODUCTS)
    gone = LogEntry.objects.get(object_id=str(plain.pk))
    assert (gone.action_flag, gone.object_repr, gone.user) == (DELETION, "Old fox", superuser)
    waiting = LogEntry.objects.get(object_id=str(with_product.pk))
    assert waiting.action_flag == CHANGE and waiting.change_message.startswith("Deletion requested")
    with responses.RequestsMock() as rsps:
        rsps.post(f"{API}/shops/{SHOP}/products/5f1a2b3c4d5e6f7a8b9c0d1e/unpublish.json", json={})
        rsps.delete(f"{API}/shops/{SHOP}/products/5f1a2b3c4d5e6f7a8b9c0d1e.json", json={})
        assert run_delete_design_and_product(with_product.pk, actor_id=superuser.pk) == "deleted"
    assert LogEntry.objects.filter(object_id=str(with_product.pk), action_flag=DELETION, user=superuser).exists()


def test_a_design_kept_because_a_run_holds_its_product_says_so(make_design):
    design = make_design(status=Status.PUBLISHED)
    product = make_product(design, printify_id="5f1a2b3c4d5e6f7a8b9c0d1e")
    assert leases.acquire(leases.product_key(product.pk), 60)  # a publishing run owns the product right now
    assert run_delete_design_and_product(design.pk) == "busy"
    note = design.events.get(kind="note")
    assert note.message.startswith("Not deleted: a publishing run holds one of its products right now.")
