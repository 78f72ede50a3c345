"""The publish confirmation worked out as a service: counts, refusals with reasons, print quality, prices, and
whether confirming may go ahead — the same answers request_publish acts on."""

import pytest

from designs.models import Design
from designs.services.publish_confirmation import confirmation
from designs.workflow import Status
from tests.designs.print_support import approved_design, areas
from tests.designs.publishing_support import configure_printify, make_product, make_template

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def print_settings(settings):
    configure_printify(settings)
    settings.MIN_PRINT_DPI, settings.TARGET_PRINT_DPI = 150, 300


def test_counts_refusals_and_skips_over_the_whole_selection(make_design):
    tee = make_template(placeholders=areas((600, 720)), placement={"mode": "fit"})
    mug = make_template(name="Mug", is_default=False, placeholders=areas((600, 720)), placement={"mode": "fit"})
    fine = approved_design(make_design, (600, 600), title="Sharp owl")
    blocked = approved_design(make_design, (600, 600), title="Pokemon fox")
    has_tee = approved_design(make_design, (600, 600), title="Old owl", status=Status.PUBLISHED)
    make_product(has_tee, tee, printify_id="a" * 24)
    in_review = make_design(status=Status.REVIEW)

    question = confirmation(Design.objects.all(), [tee, mug])

    assert (question.selected, question.designs, question.products, question.skipped) == (4, 2, 3, 1)
    assert question.refused == {blocked.pk: "it names the blocked term “Pokémon” (in the title)"}  # said once
    outcomes = {row.design.pk: row.outcome for row in question.rows}
    assert outcomes == {fine.pk: "publish", blocked.pk: "refused", has_tee.pk: "publish", in_review.pk: "skipped"}
    assert [card.template for card in question.cards] == [tee, mug]
    assert [v["price"] for v in question.cards[0].variants] == [2499, 2499, 2699]
    assert question.can_confirm and not question.print_quality


def test_a_design_below_the_minimum_is_refused_unless_overridden(make_design):
    make_template(placeholders=areas((600, 720)), placement={"mode": "fit"})
    low = approved_design(make_design, (256, 256), title="Blurry fox")
    approved_design(make_design, (600, 600), title="Sharp owl")

    refused = confirmation(Design.objects.all())
    assert refused.low_dpi_count == 1 and refused.low_dpi_refused and not refused.can_confirm
    assert refused.refused[low.pk].startswith("below the minimum DPI: Design")
    assert (refused.designs, refused.products) == (1, 1)
    [checked] = refused.print_quality
    assert [item.design_id for item in checked.low_dpi] == [low.pk]

    overridden = confirmation(Design.objects.all(), override_low_dpi=True)
    assert overridden.can_confirm and (overridden.designs, overridden.products) == (2, 2)
    row = next(row for row in overridden.rows if row.design.pk == low.pk)
    assert row.outcome == "publish" and "published anyway" in row.note


def test_nothing_can_be_confirmed_without_a_usable_template(make_design):
    approved_design(make_design, (600, 600), title="Sharp owl")
    assert not confirmation(Design.objects.all()).cards  # no default template
    assert not confirmation(Design.objects.all()).can_confirm
    make_template(variants=[{"id": 17390, "title": "XS", "price": None, "is_enabled": True}])
    question = confirmation(Design.objects.all())
    assert question.cards[0].problems and not question.can_confirm


def test_each_shop_refuses_what_its_channel_does_not_accept_and_the_other_shop_still_gets_the_design(make_design):
    from designs.models import Product
    from designs.services.publishing import request_publish
    from designs.shops import SalesChannel, Shop
    from designs.workflow import Source

    etsy = Shop.objects.create(printify_id="101", title="My Etsy shop", channel=SalesChannel.ETSY, is_default=True)
    ebay = Shop.objects.create(printify_id="102", title="My eBay", channel=SalesChannel.EBAY)
    fit = {"placeholders": areas((600, 720)), "placement": {"mode": "fit"}}
    etsy_tee = make_template(name="Etsy tee", shop=etsy, **fit)
    ebay_tee = make_template(name="eBay tee", is_default=False, shop=ebay, **fit)
    fine = approved_design(make_design, (600, 600), title="Sharp owl")
    long = approved_design(make_design, (600, 600), title="Winter fox in the snow, woodcut " * 3)  # 95 characters
    twice = approved_design(make_design, (600, 600), title="Fish & Chips & Peas")
    neither = approved_design(make_design, (600, 600), title="Fox & Hen & Owl " * 10)  # 159 characters

    question = confirmation(Design.objects.all(), [etsy_tee, ebay_tee])

    ebay_says = "eBay (My eBay): the title is 95 characters; eBay allows 80"
    etsy_says = "Etsy (My Etsy shop): the title has “&” 2 times; Etsy allows each of % : & once"
    rows = {row.design.pk: (row.outcome, row.reason) for row in question.rows}
    assert rows[fine.pk] == ("publish", "")
    assert rows[long.pk] == ("publish", f"eBay tee: {ebay_says}")  # published on Etsy, not on eBay
    assert rows[twice.pk] == ("publish", f"Etsy tee: {etsy_says}")  # published on eBay, not on Etsy
    # The product title (this template keeps 40 characters of it) holds "&" five times.
    assert question.refused == {
        neither.pk: "Etsy (My Etsy shop): the title is 159 characters; Etsy allows 140; and the title has “&” 5 "
        "times; Etsy allows each of % : & once; eBay (My eBay): the title is 159 characters; eBay allows 80"
    }
    assert (question.designs, question.products) == (3, 4) and question.can_confirm
    assert [limits.name for limits in question.shop_limits] == ["Etsy (My Etsy shop)", "eBay (My eBay)"]
    strictest = question.strictest_limits
    assert (strictest.title_max_chars, strictest.max_tags, strictest.once_each) == (80, 13, "%:&")

    # Publishing does what the page said: one product per design × template the shop accepts.
    result = request_publish(Design.objects.all(), actor=None, source=Source.ADMIN, templates=[etsy_tee, ebay_tee])
    made = set(Product.objects.values_list("design_id", "template__name", "shop__title"))
    assert made == {
        (fine.pk, "Etsy tee", "My Etsy shop"),
        (fine.pk, "eBay tee", "My eBay"),
        (long.pk, "Etsy tee", "My Etsy shop"),
        (twice.pk, "eBay tee", "My eBay"),
    }
    assert neither.pk not in result.moved and result.refused == question.refused
