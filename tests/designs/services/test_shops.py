"""designs.services.shops: the refresh is a worker's job; choosing the default shop is audited."""

import pytest
from django.contrib.admin.models import LogEntry
from django_q.brokers import get_broker

from designs.services.shops import choose_default, request_refresh
from designs.shops import Shop, default_shop

pytestmark = pytest.mark.django_db


def test_a_refresh_is_queued_not_done_in_the_request(settings):
    settings.PRINTIFY_API_BASE = "http://127.0.0.1:9/never-called"
    before = get_broker().queue_size()
    request_refresh()
    assert get_broker().queue_size() == before + 1


def test_choosing_the_default_moves_the_mark_and_logs_who(superuser):
    Shop.objects.all().delete()
    etsy = Shop.objects.create(printify_id="10", title="Etsy", is_default=True)
    shopify = Shop.objects.create(printify_id="11", title="Shopify")

    choose_default(shopify, actor=superuser)

    assert default_shop() == shopify and not Shop.objects.get(pk=etsy.pk).is_default
    entry = LogEntry.objects.get(object_id=str(shopify.pk))
    assert (entry.user, entry.change_message) == (superuser, "Made the default shop.")
