"""The Shops page as a seller uses it: refresh from Printify, set what Printify lacks, choose the default."""

import pytest
from django.urls import reverse

from designs.shops import Shop
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)
from tests.form_support import forms_of, submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_settings")]


@pytest.fixture
def shops(settings):
    settings.PRINTIFY_SHOP_ID = ""
    Shop.objects.all().delete()
    etsy = Shop.objects.create(printify_id="10", title="My Etsy", channel="etsy", is_default=True)
    shopify = Shop.objects.create(printify_id="11", title="My Shopify", channel="shopify")
    return etsy, shopify


def test_the_refresh_button_queues_the_read_and_says_to_reload(as_superuser, shops):
    url = reverse("admin:designs_shop_changelist")
    page = as_superuser.get(url).content.decode()
    button = next(form for form in forms_of(page) if form.action.endswith("/shop/refresh/"))
    assert "Refresh shops from Printify" in page and button.action == reverse("admin:designs_shop_refresh")

    answer = as_superuser.post(button.action, button.post_data(), follow=True)

    assert "Reading your shops from Printify: reload this page in a few seconds." in answer.content.decode()


def test_a_wrong_time_zone_or_currency_is_said_in_words_and_nothing_is_saved(as_superuser, shops):
    etsy, _ = shops
    url = reverse("admin:designs_shop_change", args=[etsy.pk])

    answer = submit(as_superuser, url, {"time_zone": "Mars/Olympus", "currency": "US$"}, "time_zone")

    page = answer.content.decode()
    assert answer.status_code == 200
    assert "“Mars/Olympus” is not a time zone; write it like Europe/Berlin" in page
    assert "Three letters" in page
    assert Shop.objects.get(pk=etsy.pk).time_zone == "UTC"


def test_the_seller_sets_currency_zone_country_and_a_title_limit(as_superuser, shops):
    etsy, _ = shops
    url = reverse("admin:designs_shop_change", args=[etsy.pk])
    changes = {"time_zone": "Europe/Berlin", "currency": "eur", "country": "de", "title_max_chars": "120"}

    assert submit(as_superuser, url, changes, "time_zone").status_code == 302

    etsy.refresh_from_db()
    assert (etsy.currency, etsy.time_zone, etsy.country, etsy.title_max_chars) == ("EUR", "Europe/Berlin", "DE", 120)


def test_make_default_takes_exactly_one_shop(as_superuser, shops):
    etsy, shopify = shops
    url = reverse("admin:designs_shop_changelist")
    both = {"action": "make_default", "_selected_action": [etsy.pk, shopify.pk]}
    assert "Choose exactly one shop" in as_superuser.post(url, both, follow=True).content.decode()

    as_superuser.post(url, {"action": "make_default", "_selected_action": [shopify.pk]})
    assert Shop.objects.get(is_default=True) == shopify


def test_a_publisher_sees_the_shops_but_cannot_refresh_or_edit(as_publisher, shops):
    page = as_publisher.get(reverse("admin:designs_shop_changelist")).content.decode()
    assert "My Shopify" in page and "Refresh shops from Printify" not in page


def test_the_shop_page_says_which_limits_a_listing_must_fit(as_superuser, shops):
    etsy, _ = shops
    page = as_superuser.get(reverse("admin:designs_shop_change", args=[etsy.pk])).content.decode()
    assert "title at most 140 characters; 13 tags of at most 20 characters; % : &amp; at most once each" in page
    Shop.objects.filter(pk=etsy.pk).update(title_max_chars=60, title_min_chars=10)
    page = as_superuser.get(reverse("admin:designs_shop_change", args=[etsy.pk])).content.decode()
    assert "title 10–60 characters" in page
