# Merges issue 12 (products: 0012 → 0017 data → 0018 field removal) with main (print, listings, review).
# On a fresh database Django applies main's branch (0011 … 0021) first, then 0012/0017/0018: 0017 moves each
# design's Printify fields into a Product row, 0018 then removes those fields. Neither touches what main added.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("designs", "0018_products_and_prices"),
        ("designs", "0021_merge_20261202_0206"),
    ]

    operations = []
