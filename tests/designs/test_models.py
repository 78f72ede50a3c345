"""What the database itself guarantees (designs/models.py): one default template, one product per design and
template, one design per job output, one receipt per webhook event; storage names of our own; siblings."""

import re

import pytest
from django.db import IntegrityError, transaction

from designs.models import VariantCost, WebhookReceipt, design_image_path, design_preview_path, print_file_path
from designs.workflow import Status
from tests.designs.publishing_support import make_product, make_template

pytestmark = pytest.mark.django_db


def refused(create) -> bool:
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


def test_two_default_templates_cannot_exist():
    make_template(name="Tee", is_default=True)
    make_template(name="Mug", is_default=False)  # any number of others
    assert refused(lambda: make_template(name="Sticker", is_default=True))


def test_a_design_has_one_product_per_template(make_design):
    design, tee = make_design(status=Status.PUBLISHED), make_template()
    make_product(design, tee)
    assert refused(lambda: make_product(design, tee))
    make_product(design, None)  # a product whose template was deleted does not block a new one
    make_product(design, None)


def test_a_job_output_becomes_one_design_once(make_design):
    make_design(runpod_job_id="job-1", job_output_index=0)
    make_design(runpod_job_id="job-1", job_output_index=1)
    make_design(runpod_job_id="", job_output_index=0)
    make_design(runpod_job_id="", job_output_index=0)  # designs not made by a job are not limited
    assert refused(lambda: make_design(runpod_job_id="job-1", job_output_index=1))


def test_a_webhook_event_is_received_once_per_provider():
    WebhookReceipt.objects.create(provider="printify", event_id="e1", topic="product:deleted")
    WebhookReceipt.objects.create(provider="other", event_id="e1", topic="product:deleted")
    assert refused(lambda: WebhookReceipt.objects.create(provider="printify", event_id="e1", topic="x"))


def test_one_cost_per_variant_of_a_blueprint_and_provider():
    from django.utils import timezone

    VariantCost.objects.create(blueprint_id=3, print_provider_id=3, variant_id=1, cost=100, learned_at=timezone.now())
    VariantCost.objects.create(blueprint_id=3, print_provider_id=29, variant_id=1, cost=90, learned_at=timezone.now())
    assert refused(
        lambda: VariantCost.objects.create(blueprint_id=3, print_provider_id=3, variant_id=1, learned_at=timezone.now())
    )


@pytest.mark.parametrize(
    ("name_for", "uploaded", "pattern"),
    [
        (design_image_path, "../../etc/My Fox.JPG", r"designs/\d{4}/\d{2}/[0-9a-f]{32}\.jpg"),
        (design_image_path, "fox.exe", r"designs/\d{4}/\d{2}/[0-9a-f]{32}\.png"),
        (design_preview_path, "fox.gif", r"designs/previews/\d{4}/\d{2}/[0-9a-f]{32}\.webp"),
        (print_file_path, "fox.tiff", r"designs/print/\d{4}/\d{2}/[0-9a-f]{32}\.png"),
    ],
)
def test_stored_files_get_our_own_names_never_the_uploaded_one(name_for, uploaded, pattern):
    assert re.fullmatch(pattern, name_for(None, uploaded))


def test_siblings_are_the_other_designs_of_the_same_job(make_design):
    first = make_design(runpod_job_id="job-1", job_output_index=0)
    second = make_design(runpod_job_id="job-1", job_output_index=1)
    make_design(runpod_job_id="job-2", job_output_index=0)
    alone = make_design()
    assert list(first.siblings) == [second]
    assert list(alone.siblings) == []


def test_a_design_is_named_by_its_title_else_its_number(make_design):
    design = make_design()
    assert str(design) == f"Design {design.pk}"
    design.title = "Fox in snow"
    assert str(design) == "Fox in snow"
    assert design.get_absolute_url() == f"/admin/designs/design/{design.pk}/change/"
