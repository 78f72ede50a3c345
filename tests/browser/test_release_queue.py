"""The going-live queue in a real browser: a publisher moves the last product to the front with its row's button
(a button of another form, form="pod-queue-move") and the planned times follow; looked at at 1280×720."""

from datetime import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from designs import pacing
from designs.models import Design
from designs.shops import Shop
from designs.workflow import Status
from tests.designs.publishing_support import make_product, make_template

pytestmark = pytest.mark.browser


def test_a_publisher_reorders_the_queue_and_sees_the_new_times(page, publisher, artifacts):
    shop = Shop.objects.create(printify_id="1", title="Etsy main", channel="etsy", time_zone="Europe/Berlin")
    template = make_template(shop=shop, listings_per_day=8, listing_hours_start=time(9), listing_hours_end=time(17))
    lane = pacing.lane_for(template, shop)
    products = []
    for n, title in enumerate(["Snow fox", "Night owl", "Red panda"]):
        design = Design.objects.create(prompt=title.lower(), title=title, status=Status.PUBLISHING)
        products.append(make_product(design, template, state="publishing", shop=shop, printify_id=f"{n:024x}"))
    now = timezone.now()
    for product in products:
        pacing.schedule(product, lane, now=now)

    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto("/admin/designs/product/queue/")
    page.fill("#id_username", publisher.username)
    page.fill("#id_password", "pw-for-tests-only")
    page.click("input[type=submit]")
    rows = page.locator(".pod-queue-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Snow fox")
    expect(page.locator(".pod-queue h3")).to_contain_text("8 a day, 09:00–17:00 Europe/Berlin")
    first_time = rows.nth(0).locator("time").inner_text()
    rows.nth(2).get_by_role("button", name="⤒ front").click()
    expect(page.locator(".messagelist")).to_contain_text("moved to the front: now 1st in line")
    expect(rows.nth(0)).to_contain_text("Red panda")
    expect(rows.nth(1)).to_contain_text("Snow fox")
    assert rows.nth(0).locator("time").inner_text() == first_time  # the front takes the first slot
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # no sideways scrolling
    page.screenshot(path=str(artifacts / "going-live-queue-1280.png"), full_page=True)
