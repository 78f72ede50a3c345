"""Migration 0017: each design's Printify fields become a Product row of its own, in the state its status implies."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# Main's branch (print, listings, review; 0021) is applied before 0012 on a real database, so the historical
# models must include its fields (NOT NULL columns) too.
BEFORE = [("designs", "0012_product"), ("designs", "0021_merge_20261202_0206")]
AFTER = [("designs", "0022_merge_products_into_main")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_designs_printify_fields_become_products():
    old = migrate(BEFORE)
    Design = old.get_model("designs", "Design")
    Template = old.get_model("designs", "ProductTemplate")
    tee = Template.objects.create(name="Tee", blueprint_id=6, print_provider_id=99, variants=[], placement={})
    quiet = Template.objects.create(
        name="Quiet", blueprint_id=6, print_provider_id=99, variants=[], placement={}, publish_after_create=False
    )
    rows = {
        "live": Design.objects.create(
            prompt="a",
            status="published",
            product_template=tee,
            printify_upload_id="u1",
            printify_product_id="p1",
            printify_external={"id": "9"},
            printify_mockups=["https://m"],
            publish_attempts=1,
        ),
        "on_printify": Design.objects.create(
            prompt="b", status="published", product_template=quiet, printify_product_id="p2"
        ),
        "creating": Design.objects.create(
            prompt="c", status="publishing", product_template=tee, printify_upload_id="u3"
        ),
        "publishing": Design.objects.create(
            prompt="d", status="publishing", product_template=tee, printify_product_id="p4"
        ),
        "failed": Design.objects.create(prompt="e", status="publish_failed", product_template=tee, last_error="no"),
        "kept": Design.objects.create(prompt="f", status="approved", product_template=tee, printify_product_id="p6"),
    }
    untouched = Design.objects.create(prompt="g", status="approved", product_template=tee)  # never sent

    new = migrate(AFTER)
    Product = new.get_model("designs", "Product")
    for state, design in rows.items():
        product = Product.objects.get(design_id=design.pk)
        assert product.state == (state if state != "kept" else "on_printify"), design.prompt
        assert product.sku_prefix == f"podsite-{design.pk}-"  # the marker those products were made with
        assert product.events.count() == 1
    live = Product.objects.get(design_id=rows["live"].pk)
    assert (live.printify_upload_id, live.printify_id, live.external, live.mockups, live.attempts) == (
        "u1",
        "p1",
        {"id": "9"},
        ["https://m"],
        1,
    )
    assert live.template_id == tee.pk and live.template_name == "Tee"
    assert Product.objects.get(design_id=rows["failed"].pk).last_error == "no"
    assert not Product.objects.filter(design_id=untouched.pk).exists()

    # And back: the first product's ids return to its design.
    back = migrate(BEFORE)
    assert back.get_model("designs", "Design").objects.get(pk=rows["live"].pk).printify_product_id == "p1"
    migrate(executor_leaf())


def executor_leaf():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


BEFORE_EVERY_TITLE = [("designs", "0034_order_sync_schedule")]
EVERY_TITLE = [("designs", "0035_title_template_for_every_design")]
OLD_DEFAULT = "{{ design.title|default:design.prompt|truncatechars:100 }}"


@pytest.mark.django_db(transaction=True)
def test_title_templates_keep_their_titles_once_they_apply_to_every_design():
    """Migration 0033: the old default becomes {{ title }}; any other template is wrapped so that a design's own title
    still wins, in the templates and in the snapshots products were made with."""
    from designs.models import Design, ProductTemplate
    from designs.product_templates import render_title, template_from_snapshot

    old = migrate(BEFORE_EVERY_TITLE)
    Template = old.get_model("designs", "ProductTemplate")
    Product = old.get_model("designs", "Product")
    plain = Template.objects.create(name="Plain", blueprint_id=6, print_provider_id=9, title_template=OLD_DEFAULT)
    custom = Template.objects.create(
        name="Custom", blueprint_id=6, print_provider_id=9, title_template="{{ prompt|truncatechars:12 }}"
    )
    titled = old.get_model("designs", "Design").objects.create(prompt="an owl at night, linocut", title="Night Owl")
    product = Product.objects.create(
        design_id=titled.pk, template_id=custom.pk, template_snapshot={"title_template": custom.title_template}
    )

    migrate(EVERY_TITLE)
    migrate(executor_leaf())

    plain, custom = ProductTemplate.objects.get(pk=plain.pk), ProductTemplate.objects.get(pk=custom.pk)
    assert plain.title_template == "{{ title }}"
    titled = Design.objects.get(pk=titled.pk)
    untitled = Design.objects.create(prompt="a red fox in a snowy forest")
    for template in (custom, plain):
        template.prompt_is_title = True
    assert render_title(custom, titled) == "Night Owl"  # its own title, as before
    assert render_title(custom, untitled) == "a red fox i…"  # the template's prompt, as before
    assert render_title(plain, titled) == "Night Owl" and render_title(plain, untitled) == untitled.prompt
    snapshot = product.__class__.objects.get(pk=product.pk).template_snapshot
    assert render_title(template_from_snapshot(snapshot), titled) == "Night Owl"


@pytest.mark.django_db(transaction=True)
def test_an_install_with_one_shop_keeps_working_its_templates_and_products_move_onto_it(settings):
    """Migration 0037: an install that set PRINTIFY_SHOP_ID (and had templates and products) gets that shop as the
    default record, every template and product on it; publishing, webhooks and orders then find it there."""
    from designs.clients import product_client
    from designs.models import Product, ProductTemplate
    from designs.shops import default_shop, shop_of

    settings.PRINTIFY_SHOP_ID, settings.SHOP_CURRENCY, settings.SHIPPING_COUNTRY = "4242", "GBP", "GB"
    settings.PRINTIFY_API_TOKEN = "token-for-tests"
    old = migrate([("designs", "0036_sales")])
    Template = old.get_model("designs", "ProductTemplate")
    tee = Template.objects.create(name="Tee", blueprint_id=6, print_provider_id=9)
    mug = Template.objects.create(name="Mug", blueprint_id=68, print_provider_id=1)
    design = old.get_model("designs", "Design").objects.create(prompt="an owl at night")
    products = [
        old.get_model("designs", "Product").objects.create(
            design_id=design.pk, template_id=template.pk, state="live", printify_id=f"{n:024x}"
        )
        for n, template in enumerate((tee, mug), start=1)
    ]

    migrate([("designs", "0037_shops")])
    migrate(executor_leaf())

    shop = default_shop()
    assert (shop.printify_id, shop.title, shop.currency, shop.country) == ("4242", "Shop 4242", "GBP", "GB")
    assert set(ProductTemplate.objects.values_list("shop_id", flat=True)) == {shop.pk}
    moved = Product.objects.filter(pk__in=[p.pk for p in products])
    assert set(moved.values_list("shop_id", flat=True)) == {shop.pk}
    assert shop_of(ProductTemplate.objects.get(pk=tee.pk)) == shop
    assert product_client(moved.first()).shop_id == "4242"


BEFORE_LINE_CURRENCY = [("designs", "0039_placement_contrast_fixed_image")]
LINE_CURRENCY = [("designs", "0040_sales_line_currency")]


@pytest.mark.django_db(transaction=True)
def test_lines_without_a_currency_take_their_orders():
    """Migration 0040: the sales figures group by the line's own currency; a line stored without one takes its
    order's (both of them), a line with its own keeps it."""
    from django.utils import timezone

    old = migrate(BEFORE_LINE_CURRENCY)
    Order, OrderLine = old.get_model("designs", "Order"), old.get_model("designs", "OrderLine")
    now = timezone.now()
    euros = Order.objects.create(printify_id="o-eur", currency="EUR", cost_currency="USD", created_at=now)
    bare = OrderLine.objects.create(order=euros, sold_at=now)
    kept = OrderLine.objects.create(order=euros, sold_at=now, currency="GBP", cost_currency="GBP")

    new = migrate(LINE_CURRENCY)
    OrderLine = new.get_model("designs", "OrderLine")
    assert OrderLine.objects.values_list("currency", "cost_currency").get(pk=bare.pk) == ("EUR", "USD")
    assert OrderLine.objects.values_list("currency", "cost_currency").get(pk=kept.pk) == ("GBP", "GBP")
    migrate(executor_leaf())
