"""The going-live queue page: per shop, in order, planned times in the shop's time zone and how far off they are;
publishers move and take out products by the page's own forms (as a browser submits them); others only look."""

from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from designs import pacing
from designs.models import Product, ProductEvent
from designs.products import ProductState
from designs.shops import SalesChannel, Shop
from tests.designs.publishing_support import make_template
from tests.designs.review_support import admin_settings  # noqa: F401  (a fixture)
from tests.designs.test_pacing import waiting_product
from tests.form_support import form_with, forms_of

pytestmark = pytest.mark.usefixtures("admin_settings")
P = ProductState
URL = "/admin/designs/product/queue/"


@pytest.fixture
def queue(db, make_design):
    """Three products in the queue of a Tokyo shop's template, 24 a day all day: an hour apart from now."""
    shop = Shop.objects.create(
        printify_id="77", title="Tokyo tees", channel=SalesChannel.SHOPIFY, time_zone="Asia/Tokyo"
    )
    template = make_template(shop=shop, listings_per_day=24, listing_hours_start=time(0), listing_hours_end=time(0))
    lane = pacing.lane_for(template, shop)
    products = [waiting_product(make_design, template, shop, n) for n in range(3)]
    now = timezone.now()
    for product in products:
        pacing.schedule(product, lane, now=now)
    return products


def row_order(html: str, products) -> list[int]:
    ids = [p.pk for p in products]
    return sorted(ids, key=lambda pk: html.index(f'data-product="{pk}"'))


def test_the_page_shows_each_queue_in_order_with_shop_times(as_publisher, queue):
    page = as_publisher.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Tokyo tees" in html and "Template “Kids tee”: 24 a day, all day Asia/Tokyo" in html
    assert row_order(html, queue) == [p.pk for p in queue]
    second = Product.objects.get(pk=queue[1].pk).release_at
    assert pacing.local_text(second, pacing.zone_of(queue[1].shop)) in html and "JST" in html
    assert "in 1 h" in html and "Listing now" in html
    # The changelist links to it.
    assert reverse("admin:designs_product_queue") in as_publisher.get("/admin/designs/product/").content.decode()


def test_a_publisher_moves_one_to_the_front_with_the_pages_own_button(as_publisher, queue):
    page = as_publisher.get(URL).content.decode()
    move = form_with(page, "shop")  # the move form: its buttons sit in the rows (form="pod-queue-move")
    assert move.action == reverse("admin:designs_product_queue_move")
    answer = as_publisher.post(move.action, move.post_data(press=f"{queue[2].pk}:front"), follow=True)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "moved to the front: now 1st in line" in html
    assert row_order(html, queue) == [queue[2].pk, queue[0].pk, queue[1].pk]
    first, later = Product.objects.get(pk=queue[2].pk), Product.objects.get(pk=queue[0].pk)
    assert later.release_at - first.release_at == timedelta(hours=1)


def test_a_publisher_takes_ticked_ones_out_of_the_queue(as_publisher, publisher, queue):
    page = as_publisher.get(URL).content.decode()
    [cancel] = [f for f in forms_of(page) if f.action == reverse("admin:designs_product_queue_cancel")]
    data = cancel.post_data({"product": [queue[0].pk]})
    answer = as_publisher.post(cancel.action, data, follow=True)
    assert "1 taken out of the queue. They stay on Printify, not in the store." in answer.content.decode()
    assert Product.objects.get(pk=queue[0].pk).state == P.ON_PRINTIFY
    event = ProductEvent.objects.filter(product_id=queue[0].pk).latest("pk")
    assert (event.to_state, event.actor, event.source) == (P.ON_PRINTIFY, publisher, "admin")
    nothing = as_publisher.post(cancel.action, cancel.post_data({"product": None}), follow=True)
    assert "Tick the products to take out of the queue first." in nothing.content.decode()


def test_a_reviewer_sees_the_queue_without_buttons_and_may_not_change_it(client, reviewer, queue):
    client.force_login(reviewer)
    html = client.get(URL).content.decode()
    assert row_order(html, queue) == [p.pk for p in queue]
    assert "pod-queue-move" not in html and 'name="product"' not in html
    refused = client.post(reverse("admin:designs_product_queue_cancel"), {"product": [queue[0].pk]})
    assert refused.status_code == 403 and Product.objects.get(pk=queue[0].pk).state == P.SCHEDULED
    assert client.post(reverse("admin:designs_product_queue_move"), {"move": f"{queue[1].pk}:front"}).status_code == 403


def test_a_scheduled_product_says_when_it_goes_live_on_its_page(as_publisher, queue):
    html = as_publisher.get(f"/admin/designs/product/{queue[0].pk}/change/").content.decode()
    assert "Scheduled to go live" in html and "due now" in html and reverse("admin:designs_product_queue") in html


def test_an_empty_queue_page_says_how_to_pace_a_shop(as_publisher, db):
    html = as_publisher.get(URL).content.decode()
    assert "No shop or template goes live at a pace" in html


def test_a_shops_pace_is_set_on_the_shops_page_and_its_queue_shows_it(as_superuser, db):
    from tests.form_support import submit

    shop = Shop.objects.create(printify_id="55", title="Berlin prints", channel=SalesChannel.ETSY, time_zone="UTC")
    url = f"/admin/designs/shop/{shop.pk}/change/"
    changes = {
        "time_zone": "Europe/Berlin",
        "listings_per_day": "30",
        "listing_hours_start": "09:00",
        "listing_hours_end": "21:00",
    }
    saved = submit(as_superuser, url, changes, "listings_per_day")
    assert saved.status_code == 302, saved.content.decode()[-2000:]
    shop.refresh_from_db()
    assert (shop.listings_per_day, shop.listing_hours_start, shop.listing_hours_end) == (30, time(9), time(21))
    html = as_superuser.get(URL).content.decode()
    assert "Shop “Berlin prints”: 30 a day, 09:00–21:00 Europe/Berlin (the shop&#x27;s pace)" in html
