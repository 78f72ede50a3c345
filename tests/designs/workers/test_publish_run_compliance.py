"""The publishing run screens the copy again (it may have been edited after publishing was asked) and sends the
template's GPSR safety information."""

import json

import pytest
import responses

from designs.models import Design
from designs.services import publishing as publish_service
from designs.workers import publish_run
from designs.workflow import Source, Status
from tests.designs.publishing_support import FakePrintify, attach_image, configure_printify, make_template, product_of


@pytest.fixture(autouse=True)
def printify_settings(settings):
    configure_printify(settings)


@pytest.fixture
def printify():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakePrintify(rsps)


def publishing(make_design, **fields):
    design = attach_image(make_design(status=Status.APPROVED, **fields))
    assert publish_service.request_publish([design], actor=None, source=Source.COMMAND).moved == [design.pk]
    return design


def test_a_blocked_term_added_after_the_request_stops_the_run_before_any_request(make_design, printify):
    make_template()
    design = publishing(make_design, title="Fox tee")
    Design.objects.filter(pk=design.pk).update(title="Star Wars fox tee")
    assert publish_run.run_publish(product_of(design).pk) == "failed"
    design.refresh_from_db()
    assert design.status == Status.PUBLISH_FAILED
    assert design.last_error == "Kids tee: Publishing refused: it names the blocked term “Star Wars” (in the title)."
    assert printify.calls("POST", "uploads") == [] and printify.created == []


def test_the_templates_safety_information_is_sent(make_design, printify):
    make_template(safety_information="Not suitable for children under 3.")
    design = publishing(make_design, title="Owl tee")
    assert publish_run.run_publish(product_of(design).pk) == "published"
    sent = json.loads(printify.calls("POST", "products.json")[0].request.body)
    assert sent["safety_information"] == "Not suitable for children under 3."
