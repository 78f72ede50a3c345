"""Shops become records. An install that set PRINTIFY_SHOP_ID keeps working unchanged: that shop becomes the
default (its title a placeholder until "Refresh shops" reads Printify's) and every existing template and product
moves onto it. Publishers may see the shops (the publish confirmation names them)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from designs.shops import legacy_shop_fields


def move_onto_default_shop(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    shop_model = apps.get_model("designs", "Shop")
    if settings.PRINTIFY_SHOP_ID:
        shop, _ = shop_model.objects.get_or_create(
            printify_id=str(settings.PRINTIFY_SHOP_ID), defaults=legacy_shop_fields(settings)
        )
        apps.get_model("designs", "ProductTemplate").objects.filter(shop__isnull=True).update(shop=shop)
        apps.get_model("designs", "Product").objects.filter(shop__isnull=True).update(shop=shop)

    app_config = apps.get_app_config("designs")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    permission = apps.get_model("auth", "Permission").objects.get(
        content_type__app_label="designs", codename="view_shop"
    )
    for group in apps.get_model("auth", "Group").objects.filter(name="Publishers"):
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("designs", "0036_sales"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.CreateModel(
            name="Shop",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("printify_id", models.CharField(max_length=64, unique=True, verbose_name="Printify shop id")),
                ("title", models.CharField(max_length=200)),
                (
                    "sales_channel",
                    models.CharField(
                        blank=True,
                        help_text="Printify's word for the channel, as it said it (e.g. etsy, shopify).",
                        max_length=60,
                    ),
                ),
                (
                    "channel",
                    models.CharField(
                        choices=[
                            ("etsy", "Etsy"),
                            ("shopify", "Shopify"),
                            ("ebay", "eBay"),
                            ("tiktok", "TikTok Shop"),
                            ("custom_integration", "API shop (custom integration)"),
                            ("disconnected", "Disconnected"),
                            ("generic", "Other channel"),
                        ],
                        default="generic",
                        max_length=20,
                    ),
                ),
                (
                    "currency",
                    models.CharField(
                        default="USD",
                        help_text="The currency the shop sells in (prices are entered and shown in it).",
                        max_length=3,
                    ),
                ),
                (
                    "time_zone",
                    models.CharField(
                        default="UTC",
                        help_text="The shop's time zone, e.g. America/New_York (for listing hours).",
                        max_length=64,
                    ),
                ),
                (
                    "country",
                    models.CharField(
                        default="US",
                        help_text="Where most orders ship (two letters, e.g. US, GB, DE): shipping costs.",
                        max_length=2,
                    ),
                ),
                (
                    "is_default",
                    models.BooleanField(
                        default=False,
                        help_text="New templates are made for the default shop; orders without a shop belong to it.",
                    ),
                ),
                ("title_min_chars", models.PositiveIntegerField(blank=True, null=True, verbose_name="shortest title")),
                ("title_max_chars", models.PositiveIntegerField(blank=True, null=True, verbose_name="longest title")),
                ("max_tags", models.PositiveIntegerField(blank=True, null=True, verbose_name="most tags")),
                ("tag_max_chars", models.PositiveIntegerField(blank=True, null=True, verbose_name="longest tag")),
                ("disconnected_at", models.DateTimeField(blank=True, null=True)),
                (
                    "problem",
                    models.TextField(
                        blank=True, help_text="What is wrong with the shop, in words (empty when all is well)."
                    ),
                ),
                (
                    "refreshed_at",
                    models.DateTimeField(blank=True, help_text="When Printify last listed this shop.", null=True),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "ordering": ["-is_default", "title", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("is_default", True)), fields=("is_default",), name="one_default_shop"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="product",
            name="shop",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="products",
                to="designs.shop",
            ),
        ),
        migrations.AddField(
            model_name="producttemplate",
            name="shop",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="templates", to="designs.shop"
            ),
        ),
        migrations.RunPython(move_onto_default_shop, migrations.RunPython.noop),
    ]
