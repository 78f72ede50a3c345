"""Publishing use cases: request, retry (templates checked before anything changes)."""

import pytest

from designs.models import DesignEvent, Product
from designs.product_templates import template_snapshot
from designs.products import ProductState
from designs.services import publishing as publish_service
from designs.workflow import Source, Status
from tests.designs.publishing_support import (
    make_product,
    make_template,
    product_of,
    reload,
)

pytestmark = pytest.mark.usefixtures("printify_settings")


def test_request_publish_moves_approved_and_failed_designs_and_wakes_a_run_after_commit(
    make_design, template, django_capture_on_commit_callbacks
):
    approved = make_design(status=Status.APPROVED, title="Fox")
    failed = make_design(status=Status.PUBLISH_FAILED, last_error="old trouble", title="Owl")
    make_product(failed, template, state="failed", last_error="old trouble", attempts=3)
    in_review = make_design(status=Status.REVIEW)
    with django_capture_on_commit_callbacks() as callbacks:
        result = publish_service.request_publish([approved, failed, in_review], actor=None, source=Source.ADMIN)
    assert sorted(result.moved) == sorted([approved.pk, failed.pk])
    assert result.skipped == {in_review.pk: Status.REVIEW}
    assert len(callbacks) == 2  # one wake-up per product, only after commit
    for design in (approved, failed):
        reload(design)
        assert design.status == Status.PUBLISHING and design.last_error == ""
        product = product_of(design)
        assert product.template == template and product.state == ProductState.CREATING
        assert product.last_error == "" and product.attempts == 0
        assert product.template_snapshot == template_snapshot(template)
    assert not Product.objects.filter(design=in_review).exists()


def test_two_templates_make_two_products_of_one_design_and_never_a_third(make_design, template):
    mug = make_template(name="Mug", is_default=False)
    design = make_design(status=Status.APPROVED)
    result = publish_service.request_publish([design], actor=None, source=Source.ADMIN, templates=[template, mug])
    assert result.moved == [design.pk] and len(result.products) == 2
    assert result.summary("queued for publishing") == "1 queued for publishing (2 products)"
    products = Product.objects.filter(design=design)
    assert sorted(p.template_name for p in products) == ["Kids tee", "Mug"]
    assert len({p.sku_prefix for p in products}) == 2
    # Asking again (both being made) does nothing: still two products.
    again = publish_service.request_publish([design], actor=None, source=Source.ADMIN, templates=[template, mug])
    assert again.moved == [] and again.skipped == {design.pk: Status.PUBLISHING}
    assert products.count() == 2
    [event] = DesignEvent.objects.filter(design=design, to_status=Status.PUBLISHING)
    assert event.message == "Publishing to Printify requested (Kids tee, Mug)."


def test_the_database_refuses_a_second_product_of_one_template(make_design, template):
    from django.db import IntegrityError, transaction

    design = make_design(status=Status.APPROVED)
    make_product(design, template)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_product(design, template)


def test_a_published_design_gets_another_product_and_keeps_its_live_one(make_design, template):
    mug = make_template(name="Mug", is_default=False)
    design = make_design(status=Status.PUBLISHED)
    tee = make_product(design, template, state="live", printify_id="a" * 24)
    result = publish_service.request_publish([design], actor=None, source=Source.ADMIN, templates=[template, mug])
    assert result.moved == [design.pk] and len(result.products) == 1
    assert reload(design).status == Status.PUBLISHING
    tee.refresh_from_db()
    assert tee.state == ProductState.LIVE  # untouched
    assert product_of(design, mug).state == ProductState.CREATING


def test_an_unpublished_product_goes_live_again_from_its_saved_id(make_design, template):
    design = make_design(status=Status.PUBLISHED)
    kept = make_product(design, template, state="on_printify", printify_id="a" * 24)
    publish_service.request_publish([design], actor=None, source=Source.ADMIN)
    kept.refresh_from_db()
    assert kept.state == ProductState.PUBLISHING and kept.printify_id == "a" * 24


def test_request_publish_refuses_before_any_change_when_there_is_no_template(make_design):
    design = make_design(status=Status.APPROVED)
    with pytest.raises(publish_service.PublishRefused, match="no product template"):
        publish_service.request_publish([design], actor=None, source=Source.ADMIN)
    assert reload(design).status == Status.APPROVED
    assert not DesignEvent.objects.filter(design=design).exists()


def test_request_publish_refuses_an_unpriced_template_before_setting_publishing(make_design, template):
    # The predecessor checked the price after setting "publishing" and left designs stuck there.
    template.variants[0]["price"] = None
    template.save()
    design = make_design(status=Status.APPROVED)
    with pytest.raises(publish_service.PublishRefused, match="17390"):
        publish_service.request_publish([design], actor=None, source=Source.ADMIN)
    assert reload(design).status == Status.APPROVED
    assert not Product.objects.exists()


def test_retry_publish_only_takes_failed_products_with_the_template_as_it_is_now(make_design, template):
    failed = make_design(status=Status.PUBLISH_FAILED)
    product = make_product(failed, template, state="failed", last_error="nope", template_snapshot={"name": "old"})
    approved = make_design(status=Status.APPROVED)
    result = publish_service.retry_publish([failed, approved], actor=None, source=Source.ADMIN)
    assert result.moved == [failed.pk]
    assert result.skipped == {approved.pk: Status.APPROVED}
    product.refresh_from_db()
    assert product.state == ProductState.CREATING and product.template_snapshot == template_snapshot(template)
    assert reload(failed).status == Status.PUBLISHING


# --- leaving out the colours a design nearly vanishes on ---------------------------------------------------------


def test_a_design_ticked_to_leave_out_its_vanishing_colours_gets_a_product_without_them(make_design):
    from designs.models import ProductEvent
    from tests.designs.contrast_support import colour_tee, transparent_design

    tee = colour_tee()
    left_out = transparent_design(make_design, title="Black wreath")
    anyway = transparent_design(make_design, title="Black crest")
    result = publish_service.request_publish(
        [left_out, anyway],
        actor=None,
        source=Source.ADMIN,
        templates=[tee],
        drop_colours=[f"{left_out.pk}:{tee.pk}", "nonsense", f"{anyway.pk + 1000}:{tee.pk}"],
    )
    assert sorted(result.moved) == sorted([left_out.pk, anyway.pk])

    snapshot = product_of(left_out).template_snapshot
    assert snapshot["excluded_colours"] == ["Black", "Navy"]
    enabled = {v["options"]["color"] for v in snapshot["variants"] if v["is_enabled"]}
    assert enabled == {"White", "Red", "Heather Grey"}
    note = ProductEvent.objects.get(product=product_of(left_out), to_state="")
    assert note.message == "Left out Black, Navy: the design nearly vanishes on them."
    # Unticked: published anyway, in every colour, and nothing noted.
    full = product_of(anyway).template_snapshot
    assert "excluded_colours" not in full and all(v["is_enabled"] for v in full["variants"])

    # A retry keeps what the product left out.
    Product.objects.filter(pk=product_of(left_out).pk).update(state=ProductState.FAILED)
    publish_service.retry_publish([left_out], actor=None, source=Source.ADMIN)
    assert product_of(left_out).template_snapshot["excluded_colours"] == ["Black", "Navy"]


def test_leaving_out_every_colour_of_a_template_is_refused_in_words(make_design):
    from tests.designs.contrast_support import colour_tee, transparent_design

    dark = colour_tee(["Black", "Navy"], name="Dark tee")
    design = transparent_design(make_design)
    result = publish_service.request_publish(
        [design], actor=None, source=Source.ADMIN, templates=[dark], drop_colours=[f"{design.pk}:{dark.pk}"]
    )
    assert result.moved == [] and not Product.objects.filter(design=design).exists()
    assert "nearly vanishes on every colour of “Dark tee” (Black, Navy)" in result.refused[design.pk]
