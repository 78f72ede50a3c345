"""Publishing in the admin: the Design actions with their confirmation pages and permissions, the product
template form's checks, filling a template from the catalog, importing one from a product, and the preview."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from designs.models import Design, ProductTemplate
from designs.workflow import Status
from tests.designs.publishing_support import (
    TEE_VARIANTS,
    TOKEN,
    configure_printify,
    make_product,
    make_template,
    product_of,
)
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture: static files, plain HTTP)

pytestmark = pytest.mark.usefixtures("admin_settings")
CHANGELIST = reverse("admin:designs_design_changelist")


@pytest.fixture(autouse=True)
def printify_settings(settings):
    from django.core.cache import cache

    configure_printify(settings)
    cache.clear()  # the catalog cache is the Django cache (Redis at scale): start every test without it


@pytest.fixture
def as_publisher(client, publisher):
    client.force_login(publisher)
    return client


@pytest.fixture
def as_superuser(client, superuser):
    client.force_login(superuser)
    return client


def action(client, name, designs, **extra):
    data = {"action": name, ACTION_CHECKBOX_NAME: [d.pk for d in designs], **extra}
    return client.post(CHANGELIST, data, secure=True)


def test_publish_confirmation_shows_each_shops_listing_limits_and_which_shop_refuses_a_design(
    as_publisher, make_design
):
    from designs.shops import SalesChannel, Shop

    etsy = Shop.objects.create(printify_id="31", title="My Etsy shop", channel=SalesChannel.ETSY, is_default=True)
    ebay = Shop.objects.create(printify_id="32", title="My eBay", channel=SalesChannel.EBAY)
    etsy_tee = make_template(name="Etsy tee", shop=etsy)
    ebay_tee = make_template(name="eBay tee", shop=ebay, is_default=False)
    design = make_design(status=Status.APPROVED, title="Winter fox in the snow, woodcut " * 3)

    response = action(as_publisher, "publish_to_printify", [design], templates=[etsy_tee.pk, ebay_tee.pk], show="1")

    page = response.content.decode()
    assert "Listing limits of the shops" in page
    assert (
        "<strong>Etsy (My Etsy shop)</strong>: title at most 140 characters, 13 tags of at most 20 characters, "
        "each of % : &amp; at most once in the title"
    ) in page
    assert "<strong>eBay (My eBay)</strong>: title at most 80 characters, no tags" in page
    assert "Will be published (not as eBay tee: eBay (My eBay): the title is 95 characters; eBay allows 80)" in page


def test_publish_confirmation_shows_template_variants_prices_and_counts(as_publisher, make_design):
    template = make_template()
    approved = make_design(status=Status.APPROVED, title="Fox")
    failed = make_design(status=Status.PUBLISH_FAILED, title="Owl")
    in_review = make_design(status=Status.REVIEW)
    response = action(as_publisher, "publish_to_printify", [approved, failed, in_review])
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Template “{template.name}” (default)" in page
    assert "<strong>2</strong> designs will be published as\n  <strong>2</strong> products in Printify" in page
    assert "<strong>1</strong> will be skipped" in page
    for variant in (v for v in TEE_VARIANTS if v["is_enabled"]):
        price = f"${variant['price'] / 100:.2f}"  # money, not minor units
        assert f"<td>{variant['id']}</td><td>{variant['title']}</td><td>{price}</td>" in page
    assert "17394" not in page  # disabled variant
    assert Design.objects.get(pk=approved.pk).status == Status.APPROVED  # nothing happens before confirming


def test_confirming_publishes_with_the_chosen_template(as_publisher, make_design, django_capture_on_commit_callbacks):
    make_template()
    stickers = make_template(name="Stickers", is_default=False)
    design = make_design(status=Status.APPROVED)
    with django_capture_on_commit_callbacks() as callbacks:
        response = action(as_publisher, "publish_to_printify", [design], templates=[stickers.pk], post="yes")
    assert response.status_code == 302
    design.refresh_from_db()
    assert design.status == Status.PUBLISHING and product_of(design).template == stickers
    assert len(callbacks) == 1


def test_several_templates_at_once_make_one_product_each(as_publisher, make_design, django_capture_on_commit_callbacks):
    tee = make_template()
    mug = make_template(name="Mug", is_default=False)
    designs = [make_design(status=Status.APPROVED, title=title) for title in ("Fox", "Owl")]
    page = action(as_publisher, "publish_to_printify", designs, templates=[tee.pk, mug.pk], show="1").content.decode()
    assert "<strong>2</strong> designs will be published as\n  <strong>4</strong> products" in page
    assert "Template “Kids tee” (default)" in page and "Template “Mug”" in page
    with django_capture_on_commit_callbacks() as callbacks:
        action(as_publisher, "publish_to_printify", designs, templates=[tee.pk, mug.pk], post="yes")
    assert len(callbacks) == 4
    for design in designs:
        assert sorted(design.products.values_list("template_name", flat=True)) == ["Kids tee", "Mug"]


def test_showing_another_template_does_not_publish(as_publisher, make_design):
    make_template()
    stickers = make_template(name="Stickers", is_default=False)
    design = make_design(status=Status.APPROVED)
    response = action(as_publisher, "publish_to_printify", [design], templates=[stickers.pk], show="1")
    assert "Template “Stickers”" in response.content.decode()
    assert Design.objects.get(pk=design.pk).status == Status.APPROVED


def test_an_invalid_template_is_shown_and_cannot_be_confirmed(as_publisher, make_design):
    make_template(variants=[{"id": 17390, "title": "XS", "price": None, "is_enabled": True}])
    design = make_design(status=Status.APPROVED)
    page = action(as_publisher, "publish_to_printify", [design]).content.decode()
    assert "without a valid price" in page and 'value="yes"' not in page
    response = action(as_publisher, "publish_to_printify", [design], post="yes")
    assert response.status_code == 302
    assert Design.objects.get(pk=design.pk).status == Status.APPROVED


def test_reviewers_cannot_publish(client, reviewer, make_design):
    make_template()
    client.force_login(reviewer)
    design = make_design(status=Status.APPROVED)
    page = client.get(CHANGELIST, secure=True).content.decode()
    assert "publish_to_printify" not in page
    action(client, "publish_to_printify", [design], post="yes")
    assert Design.objects.get(pk=design.pk).status == Status.APPROVED


def test_retry_publishing_moves_failed_designs_only(as_publisher, make_design):
    failed = make_design(status=Status.PUBLISH_FAILED, last_error="boom")
    make_product(failed, make_template(), state="failed", last_error="boom")
    approved = make_design(status=Status.APPROVED)
    action(as_publisher, "retry_publishing", [failed, approved])
    assert Design.objects.get(pk=failed.pk).status == Status.PUBLISHING
    assert Design.objects.get(pk=approved.pk).status == Status.APPROVED


def test_unpublish_asks_first_then_queues_the_published_ones(
    as_publisher, make_design, django_capture_on_commit_callbacks
):
    published = make_design(status=Status.PUBLISHED)
    make_product(published, make_template(), printify_id="a" * 24)
    approved = make_design(status=Status.APPROVED)
    page = action(as_publisher, "unpublish_products", [published, approved]).content.decode()
    assert "<strong>1</strong> of the selected designs has\n  <strong>1</strong> Printify product" in page
    assert "a" * 24 in page and "Unpublish and delete the Printify products" in page
    with django_capture_on_commit_callbacks() as callbacks:
        response = action(as_publisher, "unpublish_products", [published, approved], post="yes", mode="delete")
    assert response.status_code == 302
    assert len(callbacks) == 1  # one unpublish task, for the published design


def test_preview_shows_exactly_the_payload(as_publisher, make_design):
    make_template()
    design = make_design(status=Status.APPROVED, title="Winter fox", tags=["fox"])
    response = action(as_publisher, "preview_printify_payload", [design])
    assert response.status_code == 302
    page = as_publisher.get(response.url, secure=True).content.decode()
    assert "Winter fox" in page
    assert f"podsite-{design.pk}-t{ProductTemplate.objects.get().pk}-17390" in page
    assert "&quot;price&quot;: 2499" in page
    assert TOKEN not in page
