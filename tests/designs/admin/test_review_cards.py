"""What the review page knows about each card (designs/admin/review_cards.py): in the order asked, in constant
queries, with the look-alike, the variations, print quality against the default template, and mockup cards."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from designs.admin.review_cards import NO_TEMPLATE, cards, mockup_cards, pixel_size, shown_image_url
from designs.models import NearDuplicate
from designs.workflow import Status
from tests.designs.publishing_support import make_product, make_template
from tests.designs.review_support import make_reviewable

pytestmark = pytest.mark.django_db


def test_cards_come_in_the_order_asked_and_missing_ids_are_left_out():
    first, second = make_reviewable(), make_reviewable(color_index=1, prompt="an owl")
    found = cards([second.pk, 999_999, first.pk], mine=[first.pk])
    assert [(card["id"], card["mine"]) for card in found] == [(second.pk, False), (first.pk, True)]
    assert cards([]) == []


def test_a_card_says_what_it_looks_like_and_how_many_variations_of_its_prompt_wait():
    live = make_reviewable(status=Status.PUBLISHED, prompt="a fox")
    fox = make_reviewable(color_index=1, prompt="a fox")
    make_reviewable(color_index=3, prompt="a fox")  # another variation in review (the published one is not)
    owl = make_reviewable(color_index=2, prompt="an owl")
    NearDuplicate.objects.create(design=fox, other=live, distance=3)

    by_id = {card["id"]: card for card in cards([fox.pk, owl.pk])}

    duplicate = by_id[fox.pk]["duplicate"]
    assert (duplicate["id"], duplicate["distance"]) == (live.pk, 3)
    assert duplicate["text"] == f"Looks like #{live.pk} (published)"
    assert by_id[fox.pk]["variations"] == 2 and by_id[fox.pk]["compare_url"].endswith(f"?design={fox.pk}")
    assert by_id[owl.pk]["duplicate"] is None and by_id[owl.pk]["compare_url"] == ""


def test_print_quality_is_measured_against_the_default_template_or_said_to_be_impossible():
    design = make_reviewable()
    [without] = cards([design.pk])
    assert (without["dpi"], without["dpi_text"], without["print_template"]) == ("", NO_TEMPLATE, "")

    make_template()
    [card] = cards([design.pk])
    assert card["dpi"] and card["print_template"] == "Kids tee" and card["dpi_text"] != NO_TEMPLATE


def test_the_number_of_queries_does_not_grow_with_the_cards():
    make_template()
    few = [make_reviewable(color_index=n).pk for n in range(2)]
    many = few + [make_reviewable(color_index=n).pk for n in range(2, 8)]
    with CaptureQueriesContext(connection) as for_few:
        cards(few)
    with CaptureQueriesContext(connection) as for_many:
        cards(many)
    assert len(for_many) == len(for_few)


def test_the_large_view_is_a_preview_never_the_print_file_and_the_size_is_in_pixels(make_design):
    design = make_reviewable()
    assert shown_image_url(design) == design.image.url  # no preview: small enough to be its own
    assert pixel_size(design) == "256 × 256 px"
    empty = make_design()
    assert (shown_image_url(empty), pixel_size(empty)) == ("", "size unknown")


def test_a_mockup_card_per_product_waiting_with_its_prices_as_money(settings):
    settings.SHOP_CURRENCY = "USD"
    design = make_reviewable(status=Status.MOCKUPS, title="Fox tee")
    product = make_product(
        design,
        make_template(),
        state="mockup_review",
        printify_id="a" * 24,
        mockups=["https://images.printify.com/1.jpg", "javascript:alert(1)"],
    )
    make_product(make_reviewable(color_index=1, status=Status.PUBLISHED), make_template(name="Mug", is_default=False))

    [card] = mockup_cards([product.pk], mine=[product.pk])

    assert (card["id"], card["design_id"], card["title"], card["mine"]) == (product.pk, design.pk, "Fox tee", True)
    assert card["price_range"] == "$24.99–$26.99" and card["variants"] == 3
    assert card["mockups"] == ["https://images.printify.com/1.jpg"]
    assert card["printify_url"].endswith("a" * 24)


def test_a_transparent_design_is_flagged_with_the_default_templates_colours_it_nearly_vanishes_on(make_design):
    from tests.designs.contrast_support import colour_tee, transparent_design

    colour_tee(is_default=True)
    black = transparent_design(make_design, status=Status.REVIEW)
    white = transparent_design(make_design, ink=(250, 250, 250), status=Status.REVIEW)
    found = {card["id"]: card for card in cards([black.pk, white.pk])}
    assert found[black.pk]["contrast_colours"] == "Black, Navy"
    assert found[black.pk]["contrast"].startswith(f"Design {black.pk} nearly vanishes on Black and Navy")
    assert found[white.pk]["contrast_colours"] == "White, Heather Grey"
