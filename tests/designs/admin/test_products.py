"""A design's Printify products in the admin: the read-only list on the design's page (links, mockups, what went
wrong) and the product page with its history."""

import pytest
from django.urls import reverse

from designs.models import ProductEvent
from designs.workflow import Status
from tests.designs.publishing_support import make_product, make_template
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_settings")]


def change_url(design):
    return reverse("admin:designs_design_change", args=[design.pk])


def test_change_page_links_printify_product_and_store(client, superuser, make_design):
    design = make_design(status=Status.PUBLISHED)
    tee, mug = make_template(), make_template(name="Mug", is_default=False)
    make_product(
        design,
        tee,
        printify_id="65f0c0ffee",
        external={"id": "991", "handle": "https://shop.example.com/products/crane"},
    )
    make_product(design, mug, state="failed", last_error="Printify refused the product (8251): print areas")
    hostile = make_design(status=Status.PUBLISHED)
    make_product(hostile, tee, external={"handle": "javascript:alert(1)"})
    client.force_login(superuser)

    html = client.get(change_url(design)).content.decode()
    assert 'href="https://printify.com/app/product-details/65f0c0ffee"' in html
    assert 'href="https://shop.example.com/products/crane"' in html
    # Every product of the design is listed: template, state, what went wrong.
    assert "Printify products" in html and ">Mug</a>" in html and ">Kids tee</a>" in html
    assert "Live in the store" in html and "Failed" in html and "print areas" in html

    assert "javascript:alert" not in client.get(change_url(hostile)).content.decode().split("Links")[1][:400]


def test_change_page_shows_printify_mockups_but_only_https_ones(client, superuser, make_design):
    design = make_design(status=Status.PUBLISHED)
    make_product(
        design,
        make_template(),
        printify_id="65f0c0ffee",
        mockups=["https://images.printify.com/mockup/1.jpg", "javascript:alert(1)", "http://x/2.jpg"],
    )
    client.force_login(superuser)

    html = client.get(change_url(design)).content.decode()

    assert '<img src="https://images.printify.com/mockup/1.jpg"' in html
    assert "javascript:alert" not in html and "http://x/2.jpg" not in html


def test_sandbox_mockups_are_shown_in_sandbox_mode_only(client, superuser, make_design, settings):
    settings.POD_SANDBOX, settings.SANDBOX_URL = True, "http://127.0.0.1:8765"
    mockup = "http://127.0.0.1:8765/_sandbox/mockups/5f1a2b3c4d5e6f7a8b9c0d1e/17390/front.png"
    elsewhere = "http://127.0.0.1:8000/admin/logout/"
    design = make_design(status=Status.PUBLISHED)
    make_product(design, mockups=[mockup, elsewhere])
    client.force_login(superuser)
    html = client.get(change_url(design)).content.decode()
    assert f'<img src="{mockup}"' in html and elsewhere not in html
    settings.POD_SANDBOX = False
    assert mockup not in client.get(change_url(design)).content.decode()


def test_a_product_waiting_for_its_mockup_review_links_to_it(client, superuser, make_design):
    design = make_design(status=Status.MOCKUPS)
    product = make_product(design, make_template(), state="mockup_review", printify_id="a" * 24)
    client.force_login(superuser)

    html = client.get(change_url(design)).content.decode()

    review = reverse("admin:designs_design_review_mockups") + f"?focus={product.pk}"
    assert f'<a href="{review}">Review its mockups</a>' in html


def test_a_product_whose_template_was_deleted_still_names_it(client, superuser, make_design):
    design = make_design(status=Status.PUBLISHED)
    tee = make_template()
    make_product(design, tee, printify_id="a" * 24)
    tee.delete()
    client.force_login(superuser)
    assert "Kids tee (template deleted)" in client.get(change_url(design)).content.decode()


def test_the_product_page_shows_its_history_and_changes_nothing(client, superuser, make_design):
    design = make_design(status=Status.PUBLISHED, title="Fox tee")
    product = make_product(design, make_template(), printify_id="a" * 24)
    ProductEvent.objects.create(product=product, from_state="publishing", to_state="live", message="Went live.")
    client.force_login(superuser)
    url = reverse("admin:designs_product_change", args=[product.pk])

    html = client.get(url).content.decode()
    assert f"Design {design.pk}: Fox tee" in html and "Went live." in html
    assert 'name="_save"' not in html
    assert client.post(url, {"printify_id": "b" * 24}).status_code == 403
    product.refresh_from_db()
    assert product.printify_id == "a" * 24


def test_the_product_page_is_for_staff_who_may_view_designs(client, make_user, reviewer, make_design):
    product = make_product(make_design(status=Status.PUBLISHED), make_template(), printify_id="a" * 24)
    url = reverse("admin:designs_product_change", args=[product.pk])
    client.force_login(make_user("plain-staff"))
    assert client.get(url).status_code == 403
    client.force_login(reviewer)
    assert client.get(url).status_code == 200


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
