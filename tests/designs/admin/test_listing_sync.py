"""The listing on Printify in the admin: the products inline says whether each listing is in sync, saving a copy
edit of a design with a product on Printify offers "Update on Printify" (a POST with the CSRF token), the
changelist action queues the updates, and only publishers get either."""

import re
from html import unescape

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from designs.listing_changes import listing_change, record_sent
from designs.models import ListingSync, Product
from designs.workflow import Status
from tests.designs.publishing_support import make_product, make_template
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture: static files, plain HTTP)

pytestmark = pytest.mark.usefixtures("admin_settings")
CHANGELIST = reverse("admin:designs_design_changelist")


@pytest.fixture
def live(make_design):
    """A live product whose listing matches its design."""
    design = make_design(status=Status.PUBLISHED, title="Fox", description="A fox.", tags=["fox"])
    product = make_product(design, make_template(), printify_id="a" * 24)
    record_sent(product, listing_change(product).texts)
    return Product.objects.get(pk=product.pk)


def change_url(design):
    return reverse("admin:designs_design_change", args=[design.pk])


def save_title(client, design, title):
    return client.post(
        change_url(design),
        {
            "title": title,
            "title__shown": design.title,
            "description": design.description,
            "description__shown": design.description,
            "tags": ", ".join(design.tags),
            "tags__shown": ", ".join(design.tags),
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
            "products-TOTAL_FORMS": "0",
            "products-INITIAL_FORMS": "0",
            "_continue": "1",
        },
        follow=True,
    )


def listing_cell(page: str) -> str:
    return unescape(re.search(r'<span class="pod-sync pod-sync-[\w-]+">(.*?)</span>', page).group(1))


def test_the_change_page_shows_in_sync_then_out_of_sync_with_what_changed(client, publisher, live):
    client.force_login(publisher)
    page = client.get(change_url(live.design)).content.decode()
    assert "Listing on Printify" in page and listing_cell(page) == "In sync"

    page = save_title(client, live.design, "Winter fox").content.decode()
    assert re.fullmatch(r"Out of sync since \d+ \w+ \d{4} \d\d:\d\d \(title changed\)", listing_cell(page))


def test_saving_a_copy_edit_offers_the_update_as_a_post_with_csrf(publisher, live):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(publisher)
    strict.get(change_url(live.design))  # the CSRF cookie
    token = strict.cookies["csrftoken"].value
    page = strict.post(
        change_url(live.design),
        {
            "csrfmiddlewaretoken": token,
            "title": "Winter fox",
            "title__shown": "Fox",
            "description": "A fox.",
            "description__shown": "A fox.",
            "tags": "fox",
            "tags__shown": "fox",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
            "products-TOTAL_FORMS": "0",
            "products-INITIAL_FORMS": "0",
            "_continue": "1",
        },
        follow=True,
    ).content.decode()
    assert "Its listing on Printify (Kids tee) is now out of sync." in page
    form = re.search(r'<form method="post" action="([^"]+)" class="pod-sync-offer">(.*?)</form>', page, re.S)
    assert form and form.group(1) == CHANGELIST
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2)))
    assert fields["action"] == "update_on_printify" and fields[ACTION_CHECKBOX_NAME] == str(live.design.pk)
    assert fields["csrfmiddlewaretoken"]

    response = strict.post(form.group(1), fields)  # the button: back to the design's page
    assert response.status_code == 302 and response.url == change_url(live.design)
    product = Product.objects.get(pk=live.pk)
    assert product.listing_sync == ListingSync.PENDING
    assert listing_cell(strict.get(change_url(live.design)).content.decode()) == "Update queued"


def test_nothing_is_offered_when_nothing_on_printify_changed_or_to_someone_who_may_not_publish(
    client, reviewer, publisher, live, make_design
):
    client.force_login(publisher)
    unpublished = make_design(status=Status.APPROVED, title="Owl")
    assert "pod-sync-offer" not in save_title(client, unpublished, "Snow owl").content.decode()
    client.force_login(reviewer)
    assert "pod-sync-offer" not in save_title(client, live.design, "Winter fox").content.decode()
    client.post(CHANGELIST, {"action": "update_on_printify", ACTION_CHECKBOX_NAME: [live.design.pk]})
    assert Product.objects.get(pk=live.pk).listing_sync == ListingSync.IDLE  # not an action a reviewer has


def test_the_action_reports_what_it_queued_and_a_failure_shows_its_reason(client, publisher, live, make_design):
    Product.objects.filter(pk=live.pk).update(listing_sent={"title": "Old fox"})
    other = make_design(status=Status.APPROVED)
    client.force_login(publisher)
    response = client.post(
        CHANGELIST, {"action": "update_on_printify", ACTION_CHECKBOX_NAME: [live.design.pk, other.pk]}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["1 product queued for an update on Printify."]
    Product.objects.filter(pk=live.pk).update(
        listing_sync=ListingSync.FAILED, listing_error="Printify refused the listing update (8150): bad tags"
    )
    page = client.get(change_url(live.design)).content.decode()
    assert listing_cell(page) == "Failed: Printify refused the listing update (8150): bad tags"


def test_the_review_pages_copy_save_says_when_the_listing_is_out_of_sync(client, reviewer, live):
    client.force_login(reviewer)
    data = {"design": live.design.pk, "revision": live.design.copy_revision, "title": "Winter fox"}
    reply = client.post(reverse("admin:designs_design_copy_save"), data, HTTP_ACCEPT="application/json").json()
    assert reply["ok"] and reply["message"] == (
        f"Design {live.design.pk}: title saved. Its listing on Printify is now out of sync: "
        "“Update on Printify” sends the change."
    )
