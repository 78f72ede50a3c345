"""Publishing use cases: request, retry (templates checked before anything changes)."""

import pytest

from designs.models import DesignEvent
from designs.services import publishing as publish_service
from designs.workflow import Source, Status
from tests.designs.publishing_support import (
    make_template,
    reload,
)

pytestmark = pytest.mark.usefixtures("printify_settings")


def test_request_publish_moves_approved_and_failed_designs_and_wakes_a_run_after_commit(
    make_design, template, django_capture_on_commit_callbacks
):
    approved = make_design(status=Status.APPROVED, title="Fox")
    failed = make_design(status=Status.PUBLISH_FAILED, last_error="old trouble", publish_attempts=3, title="Owl")
    in_review = make_design(status=Status.REVIEW)
    with django_capture_on_commit_callbacks() as callbacks:
        result = publish_service.request_publish([approved, failed, in_review], actor=None, source=Source.ADMIN)
    assert sorted(result.moved) == sorted([approved.pk, failed.pk])
    assert result.skipped == {in_review.pk: Status.REVIEW}
    assert len(callbacks) == 2  # one wake-up per moved design, only after commit
    for design in (approved, failed):
        reload(design)
        assert design.status == Status.PUBLISHING
        assert design.product_template == template
        assert design.last_error == "" and design.publish_attempts == 0


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
    assert reload(design).product_template is None


def test_an_explicit_template_is_given_to_designs_without_a_product_only(make_design, template):
    other = make_template(name="Stickers", is_default=False)
    fresh = make_design(status=Status.APPROVED, product_template=template)
    with_product = make_design(status=Status.PUBLISH_FAILED, product_template=template, printify_product_id="a" * 24)
    publish_service.request_publish([fresh, with_product], actor=None, source=Source.ADMIN, template=other)
    assert reload(fresh).product_template == other
    assert reload(with_product).product_template == template  # its product was made from this one


def test_retry_publish_only_takes_failed_designs(make_design, template):
    failed = make_design(status=Status.PUBLISH_FAILED)
    approved = make_design(status=Status.APPROVED)
    result = publish_service.retry_publish([failed, approved], actor=None, source=Source.ADMIN)
    assert result.moved == [failed.pk]
    assert result.skipped == {approved.pk: Status.APPROVED}
