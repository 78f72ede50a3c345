"""designs/order_models.py: orders keep no customer data, and name themselves as the shop does."""

from designs.models import Order, OrderLine

CUSTOMER_FIELDS = {"first_name", "last_name", "email", "phone", "address1", "address2", "city", "zip", "region"}


def test_no_field_can_hold_customer_data():
    names = {field.name for model in (Order, OrderLine) for field in model._meta.get_fields()}
    assert not names & CUSTOMER_FIELDS
    assert "country" in names  # the customer's country only, for sales by country


def test_an_order_is_named_by_the_shops_label_first():
    assert str(Order(printify_id="p1", shop_order_id="1042", shop_order_label="#1042")) == "Order #1042"
    assert str(Order(printify_id="p1")) == "Order p1"
    assert str(OrderLine(quantity=2, title="Fox tee")) == "2 × Fox tee"
