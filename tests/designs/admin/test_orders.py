"""The orders admin (designs/admin/orders.py): read-only, money as money, and "Mark refunded" asked and audited."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from designs.models import Order, OrderEvent, OrderLine
from designs.sales import record_order
from tests.designs.order_support import line, order
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)
from tests.form_support import form_with

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_settings")]
CHANGELIST = reverse("admin:designs_order_changelist")


@pytest.fixture
def orders(published):
    record_order(order("o-sold", lines=[line(quantity=2), line(product_id="theirs", price=1000)]), shop_id="1")
    record_order(order("o-odd", "awaiting-moon-phase", label="#2001"), shop_id="1")
    return Order.objects.get(printify_id="o-sold")


def test_the_list_shows_printifys_word_money_and_no_add(client, superuser, orders):
    client.force_login(superuser)
    page = client.get(CHANGELIST, secure=True).content.decode()
    assert "awaiting-moon-phase (not a status Printify documents)" in page
    assert "$60.00" in page  # 2 × $25.00 + $10.00
    assert reverse("admin:designs_order_add") not in page
    counted = client.get(CHANGELIST, {"counted": "no"}, secure=True).content.decode()
    assert "#1042" not in counted


def test_the_order_page_lists_its_lines_with_links_and_money(client, superuser, orders, published):
    client.force_login(superuser)
    page = client.get(reverse("admin:designs_order_change", args=[orders.pk]), secure=True).content.decode()
    assert reverse("admin:designs_design_change", args=[published.pk]) in page
    assert "not ours" in page
    assert "https://printify.com/app/store/order/o-sold" in page
    assert "$50.00" in page and "$10.00" in page
    assert 'name="_save"' not in page  # read-only


def test_mark_refunded_asks_first_then_takes_the_order_out_of_the_figures(client, make_user, orders):
    clerk = make_user("clerk", staff=True, perms=["view_order", "refund_order"])
    client.force_login(clerk)
    changelist = client.get(CHANGELIST, secure=True).content.decode()
    chosen = form_with(changelist, "action").post_data({"action": "mark_refunded", "_selected_action": [orders.pk]})
    question = client.post(CHANGELIST, chosen, secure=True)
    assert question.status_code == 200 and "Mark these orders refunded?" in question.content.decode()
    assert Order.objects.get(pk=orders.pk).refunded_at is None  # nothing done before the answer
    confirm = form_with(question.content.decode(), "post")
    done = client.post(CHANGELIST, confirm.post_data(press="Yes, mark them refunded"), follow=True, secure=True)
    assert "1 order marked refunded." in done.content.decode()
    refunded = Order.objects.get(pk=orders.pk)
    assert (refunded.refunded_by, OrderLine.objects.filter(order=refunded, counted=True).count()) == (clerk, 0)
    assert OrderEvent.objects.filter(order=refunded, message__startswith="Marked refunded").count() == 1
    assert LogEntry.objects.filter(object_id=str(refunded.pk), user=clerk).count() == 1
    # a later read of the order keeps it out of the figures
    record_order(
        order("o-sold", "fulfilled", lines=[line(quantity=2), line(product_id="theirs", price=1000)]), shop_id="1"
    )
    assert OrderLine.objects.filter(order=refunded, counted=True).count() == 0


def test_without_the_refund_permission_there_is_no_such_action(client, make_user, orders):
    client.force_login(make_user("viewer", staff=True, perms=["view_order"]))
    assert "mark_refunded" not in client.get(CHANGELIST, secure=True).content.decode()


def test_the_sandbox_button_is_there_in_sandbox_mode_only(client, superuser, settings, orders):
    client.force_login(superuser)
    settings.POD_SANDBOX = False
    assert "Place 50 sandbox orders" not in client.get(CHANGELIST, secure=True).content.decode()
    settings.POD_SANDBOX = True
    assert "Place 50 sandbox orders" in client.get(CHANGELIST, secure=True).content.decode()
