"""designs/admin/products.py: the products list and page."""

import pytest
from django.urls import reverse

from tests.designs.publishing_support import make_product, make_template
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture: static files, plain HTTP)

pytestmark = pytest.mark.usefixtures("admin_settings")


def test_the_products_list_names_each_design_once(client, superuser, make_design):
    # Issue 19: an untitled design read "Design 1: Design 1".
    template = make_template()
    untitled = make_design(status="published")
    titled = make_design(status="published", title="Snowy fox")
    make_product(untitled, template)
    make_product(titled, template)
    client.force_login(superuser)
    html = client.get(reverse("admin:designs_product_changelist")).content.decode()
    assert f">Design {untitled.pk}</a>" in html and f"Design {untitled.pk}: Design {untitled.pk}" not in html
    assert f">Design {titled.pk}: Snowy fox</a>" in html
