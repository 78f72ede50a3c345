"""Read queries behind the review page and the dashboard, and the review undo service."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from designs import selectors
from designs.models import Batch, Design, DesignEvent
from designs.products import ProductState
from designs.services import review
from designs.workflow import Source, Status
from tests.designs.publishing_support import make_product, make_template


def test_review_queue_is_oldest_first_and_filters_by_batch(make_design):
    batch = Batch.objects.create(name="Owls")
    newer = make_design(status=Status.REVIEW)
    older = make_design(status=Status.REVIEW, batch=batch)
    older.created_at = newer.created_at - timedelta(hours=1)
    older.save(update_fields=["created_at"])
    make_design(status=Status.APPROVED, batch=batch)

    assert list(selectors.review_queue()) == [older, newer]
    assert list(selectors.review_queue(batch_id=batch.pk)) == [older]
    assert selectors.batches_in_review() == [{"batch_id": batch.pk, "batch__name": "Owls", "waiting": 1}]


def test_status_counts_cover_every_status_in_one_query(make_design):
    for status in ("review", "review", "queued", "publishing", "generating"):
        make_design(status=status)

    with CaptureQueriesContext(connection) as queries:
        counts = selectors.status_counts()

    assert len(queries) == 1
    assert set(counts) == set(Status.values)
    assert (counts["review"], counts["queued"], counts["draft"]) == (2, 1, 0)
    assert selectors.jobs_in_flight(counts) == 3


def test_latest_failures_newest_first_with_their_reasons(make_design):
    now = timezone.now()
    old = make_design(status=Status.GENERATION_FAILED, last_error="old", status_changed_at=now - timedelta(days=1))
    new = make_design(status=Status.PUBLISH_FAILED, last_error="new", status_changed_at=now)
    make_design(status=Status.REVIEW, last_error="not a failure")

    failures = selectors.latest_failures()

    assert failures == [new, old]
    assert [f.last_error for f in failures] == ["new", "old"]
    assert selectors.latest_failures(limit=1) == [new]


def test_decided_today_counts_standing_decisions_of_this_actor_today(make_design, reviewer, make_user):
    someone = make_user("someone", groups=["Reviewers"])
    first, second, third, fourth = (make_design(status=Status.REVIEW) for _ in range(4))
    review.approve([first, second, fourth], actor=reviewer, source=Source.REVIEW)
    undone, _ = review.undo_last_decision(actor=reviewer)
    assert undone.design_id == fourth.pk  # approved, then taken back: not counted
    review.reopen([first], actor=reviewer, source=Source.REVIEW)
    review.reject([first], actor=reviewer, source=Source.REVIEW)  # the same design decided twice counts once
    review.approve([third], actor=someone, source=Source.REVIEW)
    DesignEvent.objects.filter(design=second).update(created_at=selectors.start_of_today() - timedelta(seconds=1))

    assert selectors.decided_today(reviewer) == 1
    assert selectors.decided_today(someone) == 1


def test_undo_last_decision_only_touches_the_actors_own_standing_decisions(make_design, reviewer, make_user):
    someone = make_user("someone", groups=["Reviewers"])
    mine, theirs = make_design(status=Status.REVIEW), make_design(status=Status.REVIEW)
    review.approve([mine], actor=reviewer, source=Source.REVIEW)
    review.reject([theirs], actor=someone, source=Source.REVIEW)

    decision, result = review.undo_last_decision(actor=reviewer)

    assert decision.design_id == mine.pk and result.moved == [mine.pk]
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == (Status.REVIEW, Status.REJECTED)
    assert review.undo_last_decision(actor=reviewer) == (None, None)


def test_admin_bulk_decisions_are_not_undone_from_the_review_page(make_design, reviewer):
    design = make_design(status=Status.REVIEW)
    review.approve([design], actor=reviewer, source=Source.ADMIN)

    assert selectors.last_standing_decision(reviewer) is None


@pytest.mark.parametrize("hours_ago, expected", [(1, True), (13, False)])
def test_undo_reaches_back_one_working_session(make_design, reviewer, hours_ago, expected):
    design = make_design(status=Status.REVIEW)
    review.approve([design], actor=reviewer, source=Source.REVIEW)
    DesignEvent.objects.update(created_at=timezone.now() - timedelta(hours=hours_ago))

    assert (selectors.last_standing_decision(reviewer) is not None) is expected


def test_mockups_waiting_lists_only_the_products_waiting_for_their_review(make_design):
    design, other = make_design(status=Status.MOCKUPS), make_design(status=Status.MOCKUPS)
    tee, mug = make_template(name="Tee", review_mockups=True), make_template(name="Mug", is_default=False)
    waiting = make_product(design, tee, state=ProductState.MOCKUP_REVIEW, printify_id="a" * 24)
    make_product(design, mug, state=ProductState.LIVE, printify_id="b" * 24)
    elsewhere = make_product(other, tee, state=ProductState.MOCKUP_REVIEW, printify_id="c" * 24)

    assert list(selectors.mockups_waiting(Design.objects.filter(pk=design.pk))) == [waiting]
    assert set(selectors.mockups_waiting()) == {waiting, elsewhere}
    assert selectors.mockups_to_review([elsewhere.pk, waiting.pk]) == [elsewhere, waiting]  # in the order asked


def test_copy_is_checked_against_the_connected_shops_that_have_templates_or_the_default_shop(db, settings):
    from designs.shops import SalesChannel, Shop

    settings.PRINTIFY_SHOP_ID = ""
    assert selectors.selling_limits().name == ""  # no shop at all: the listing settings'

    Shop.objects.create(printify_id="1", title="Main", channel=SalesChannel.EBAY, is_default=True)
    Shop.objects.create(printify_id="2", title="Bare", channel=SalesChannel.TIKTOK)  # no templates: not counted
    assert selectors.selling_limits().name == "eBay (Main)"  # no templates anywhere: the default shop's

    etsy = Shop.objects.create(printify_id="3", title="Crafts", channel=SalesChannel.ETSY)
    make_template(shop=etsy)
    assert selectors.selling_limits().name == "Etsy (Crafts)"  # the default shop has no templates
    make_template(name="Old", is_default=False)  # from before shops: the default shop's
    limits = selectors.selling_limits()
    assert limits.shops == ("Etsy (Crafts)", "eBay (Main)") and limits.title_max_chars == 80

    Shop.objects.filter(pk=etsy.pk).update(disconnected_at=timezone.now())
    assert selectors.selling_limits().shops == ("eBay (Main)",)


def test_the_llm_copy_for_a_design_fits_its_chosen_templates_and_the_shops_it_is_in(make_design):
    from designs.shops import SalesChannel, Shop

    etsy = Shop.objects.create(printify_id="3", title="Crafts", channel=SalesChannel.ETSY, is_default=True)
    ebay = Shop.objects.create(printify_id="4", title="Bay", channel=SalesChannel.EBAY)
    etsy_tee = make_template(shop=etsy)
    ebay_tee = make_template(name="Bay tee", shop=ebay, is_default=False)
    design = make_design(status=Status.PUBLISHED)

    assert selectors.copy_limits(design, [etsy_tee.pk]).name == "Etsy (Crafts)"
    assert selectors.copy_limits(design).shops == ("Etsy (Crafts)", "eBay (Bay)")  # none chosen: every shop
    make_product(design, ebay_tee, shop=ebay, state=ProductState.LIVE)
    assert selectors.copy_limits(design, [etsy_tee.pk]).shops == ("Etsy (Crafts)", "eBay (Bay)")
