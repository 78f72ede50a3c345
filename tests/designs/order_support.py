"""Printify orders as Printify answers them (printify-api.md "Orders"), customer fields included, so that tests
which check nothing of the customer is kept are real."""

from tests.designs.webhook_support import PRODUCT

CUSTOMER = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada.lovelace@example.com",
    "phone": "+44 20 7946 0018",
    "country": "GB",
    "region": "Greater London",
    "address1": "12 Analytical Engine Row",
    "address2": "Flat 3",
    "city": "Marylebone",
    "zip": "NW1 6XE",
    "company": "Difference Ltd",
}
# What must never reach the database or the logs (the country may).
CUSTOMER_VALUES = [value for key, value in CUSTOMER.items() if key != "country"]


def line(product_id=PRODUCT, quantity=1, price=2500, cost=1000, shipping=400, status="pending", variant_id=17390):
    return {
        "product_id": product_id,
        "variant_id": variant_id,
        "quantity": quantity,
        "print_provider_id": 29,
        "cost": cost,
        "shipping_cost": shipping,
        "status": status,
        "sent_to_production_at": None,
        "fulfilled_at": None,
        "metadata": {
            "title": "Snowy fox tee",
            "price": price,
            "variant_label": "Heather Grey / M",
            "sku": f"SKU-{variant_id}",
            "country": "United States",
        },
    }


def order(
    order_id="5a96f649b2439217d070f507",
    status="pending",
    lines=None,
    *,
    order_type="external",
    is_reprint=False,
    total_tax=0,
    created_at="2026-12-01 10:00:00+00:00",
    label="#1042",
):
    lines = [line()] if lines is None else lines
    return {
        "id": order_id,
        "address_to": dict(CUSTOMER),
        "line_items": lines,
        "metadata": {
            "order_type": order_type,
            "shop_order_id": label.strip("#"),
            "shop_order_label": label,
            "shop_fulfilled_at": None,
            **({"is_reprint": True} if is_reprint else {}),
        },
        "total_price": sum(item["metadata"]["price"] * item["quantity"] for item in lines),
        "total_shipping": sum(item["shipping_cost"] for item in lines),
        "total_tax": total_tax,
        "status": status,
        "shipping_method": 1,
        "shipments": [],
        "created_at": created_at,
        "sent_to_production_at": None,
        "fulfilled_at": None,
        **({"reprinted_order_ids": ["5a96f649b2439217d070f500"]} if is_reprint else {}),
    }
