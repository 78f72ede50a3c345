"""Review claims: each reviewer gets designs (in mockup mode, products) no one else holds; claims renew, expire and
are released; opening the page only peeks."""

from datetime import timedelta

import pytest
from django.utils import timezone

from designs.models import Batch, ProductClaim, ReviewClaim
from designs.products import ProductState as P
from designs.services import claims, mockups, review
from designs.workflow import Source, Status
from tests.designs.publishing_support import make_product, make_template


@pytest.fixture
def queue(make_design):
    """Ten designs in review, oldest first, each with its own prompt."""
    return [make_design(prompt=f"prompt {n}", status=Status.REVIEW) for n in range(10)]


@pytest.fixture
def two_reviewers(make_user):
    return make_user("ann", groups=["Reviewers"]), make_user("bob", groups=["Reviewers"])


def ids(designs):
    return [design.pk for design in designs]


def test_two_reviewers_get_different_designs_while_the_queue_is_large_enough(queue, two_reviewers):
    ann, bob = two_reviewers

    first = claims.claim_next(ann, size=4)
    second = claims.claim_next(bob, size=4)

    assert first.mine == ids(queue[:4]) and first.shared == []
    assert second.mine == ids(queue[4:8]) and second.shared == []
    assert ReviewClaim.objects.count() == 8


def test_claiming_again_renews_and_keeps_the_same_designs(queue, two_reviewers):
    ann, _ = two_reviewers
    claims.claim_next(ann, size=3)
    before = ReviewClaim.objects.get(design=queue[0]).expires_at

    again = claims.claim_next(ann, size=3)

    assert again.mine == ids(queue[:3])
    assert ReviewClaim.objects.get(design=queue[0]).expires_at >= before


def test_expired_claims_go_to_the_next_reviewer(queue, two_reviewers, settings):
    ann, bob = two_reviewers
    claims.claim_next(ann, size=3)
    ReviewClaim.objects.update(expires_at=timezone.now() - timedelta(seconds=1))  # ann walked away

    taken = claims.claim_next(bob, size=3)

    assert taken.mine == ids(queue[:3])
    assert set(ReviewClaim.objects.values_list("reviewer", flat=True)) == {bob.pk}


def test_a_renewal_before_expiry_keeps_others_off(queue, two_reviewers, settings):
    ann, bob = two_reviewers
    settings.REVIEW_CLAIM_SECONDS = 60
    claims.claim_next(ann, size=3)
    ReviewClaim.objects.update(expires_at=timezone.now() + timedelta(seconds=5))  # about to expire
    claims.claim_next(ann, size=3)  # the heartbeat of an active reviewer

    assert min(ReviewClaim.objects.values_list("expires_at", flat=True)) > timezone.now() + timedelta(seconds=50)
    assert claims.claim_next(bob, size=3).mine == ids(queue[3:6])


def test_decided_designs_leave_the_claims_and_the_queue_is_topped_up(queue, two_reviewers):
    ann, _ = two_reviewers
    claims.claim_next(ann, size=3)
    review.approve([queue[0]], actor=ann, source=Source.REVIEW)

    assert claims.claim_next(ann, size=3).mine == ids(queue[1:4])
    assert not ReviewClaim.objects.filter(design=queue[0]).exists()


def test_a_short_queue_is_split_fairly_taking_the_cards_the_holder_reaches_last(make_design, two_reviewers):
    ann, bob = two_reviewers
    designs = [make_design(prompt=f"p{n}", status=Status.REVIEW) for n in range(4)]
    assert claims.claim_next(ann, size=4).mine == ids(designs)  # alone: all of them

    second = claims.claim_next(bob, size=4)  # two reviewers, four designs: two each

    assert second.mine == ids(designs[2:]) and second.shared == []
    assert claims.taken_from(ann, ids(designs)) == ids(designs[2:])  # ann's page drops them at her next decision
    assert claims.claim_next(ann, size=4).mine == ids(designs[:2])
    claims.release(bob)
    review.approve([designs[3]], actor=bob, source=Source.REVIEW)  # decided by someone sharing it
    assert claims.taken_from(ann, ids(designs)) == [designs[3].pk]


def test_someone_over_their_share_gives_the_rest_back(make_design, two_reviewers):
    ann, bob = two_reviewers
    designs = [make_design(prompt=f"p{n}", status=Status.REVIEW) for n in range(4)]
    claims.claim_next(ann, size=4)
    ReviewClaim.objects.filter(design__in=designs[2:]).delete()
    claims.claim_next(bob, size=4)  # takes the two free ones: ann still holds two, her share

    assert claims.claim_next(ann, size=4).mine == ids(designs[:2])
    review.approve(designs[:1], actor=ann, source=Source.REVIEW)
    make_design(prompt="late", status=Status.REVIEW)
    assert len(claims.claim_next(ann, size=4).mine) == 2


def test_nobody_is_given_the_cards_their_holder_is_about_to_decide(make_design, two_reviewers):
    ann, bob = two_reviewers
    designs = [make_design(prompt=f"last {n}", status=Status.REVIEW) for n in range(2)]
    assert claims.claim_next(ann, size=4).mine == ids(designs)

    second = claims.claim_next(bob, size=4)

    # Ann's next two cards: taking or sharing them would only be a lost race for one of the two.
    assert second.mine == [] and second.shared == []
    assert claims.held_by_others(bob) == 2


def test_a_reviewer_with_nothing_of_their_own_shares_what_holders_reach_last(make_design, two_reviewers):
    ann, bob = two_reviewers
    designs = [make_design(prompt=f"p{n}", status=Status.REVIEW) for n in range(5)]
    claims.claim_next(ann, size=5)
    # Bob may claim nothing of his own here (say a race took it), so he is shown a few of ann's last ones.
    shared = claims._shared(bob, claims.designs(), 4, exclude=[])
    assert sorted(shared) == ids(designs[2:])  # at most three, never ann's next two


def test_release_gives_the_designs_back(queue, two_reviewers):
    ann, bob = two_reviewers
    claims.claim_next(ann, size=3)

    assert claims.release(ann) == 3
    assert claims.claim_next(bob, size=3).mine == ids(queue[:3])


def test_choosing_a_batch_releases_claims_outside_it(make_design, two_reviewers):
    ann, bob = two_reviewers
    winter = Batch.objects.create(name="Winter")
    loose = [make_design(prompt=f"loose {n}", status=Status.REVIEW) for n in range(2)]
    in_winter = [make_design(prompt=f"winter {n}", status=Status.REVIEW, batch=winter) for n in range(2)]
    claims.claim_next(ann, size=2)

    assert claims.claim_next(ann, claims.designs(batch_id=winter.pk), size=2).mine == ids(in_winter)
    assert claims.claim_next(bob, size=2).mine == ids(loose)


def test_held_by_others_counts_only_live_claims_of_others(queue, two_reviewers):
    ann, bob = two_reviewers
    claims.claim_next(ann, size=4)
    assert claims.held_by_others(bob) == 4
    assert claims.held_by_others(ann) == 0


def test_peek_shows_what_claiming_would_give_and_writes_nothing(queue, two_reviewers):
    ann, bob = two_reviewers
    claims.claim_next(bob, size=3)

    peeked = claims.peek(ann, size=3)

    assert (peeked.mine, peeked.shared) == ([], ids(queue[3:6]))  # bob's three are not offered
    assert not ReviewClaim.objects.filter(reviewer=ann).exists()
    assert claims.claim_next(ann, size=3).mine == peeked.ids
    assert claims.peek(ann, size=3).mine == ids(queue[3:6])  # hers now, still nothing written


@pytest.fixture
def tees_and_mugs(make_design):
    """Two designs, each with a tee and a mug waiting for their mockup review: [tee, mug, tee, mug]."""
    tee, mug = make_template(name="Tee", review_mockups=True), make_template(name="Mug", is_default=False)
    products = []
    for n in range(2):
        design = make_design(prompt=f"fox {n}", status=Status.MOCKUPS)
        for template in (tee, mug):
            products.append(make_product(design, template, state=P.MOCKUP_REVIEW, printify_id=f"{len(products)}" * 24))
    return products


def test_products_are_claimed_one_by_one_a_designs_together(tees_and_mugs, two_reviewers):
    ann, bob = two_reviewers

    assert claims.claim_next(ann, claims.products(), size=1).mine == ids(tees_and_mugs[:1])
    assert claims.claim_next(bob, claims.products(), size=1).mine == ids(tees_and_mugs[1:2])  # the same design's mug
    assert set(ProductClaim.objects.values_list("product_id", flat=True)) == set(ids(tees_and_mugs[:2]))
    assert not ReviewClaim.objects.exists()


def test_deciding_one_product_keeps_the_claim_on_the_designs_other(tees_and_mugs, two_reviewers):
    """Issue 19: claims per design lost the mug once the tee was decided."""
    ann, _ = two_reviewers
    tee, mug = tees_and_mugs[:2]
    claims.claim_next(ann, claims.products(), size=2)

    mockups.go_live([tee.pk], actor=ann, source=Source.REVIEW)

    assert claims.claim_next(ann, claims.products(), size=2).mine == [mug.pk, tees_and_mugs[2].pk]
    assert claims.taken_from(ann, [tee.pk, mug.pk], claims.products()) == [tee.pk]  # decided: dropped; mug stays


def test_release_gives_back_designs_and_products(queue, tees_and_mugs, two_reviewers):
    ann, _ = two_reviewers
    claims.claim_next(ann, size=2)
    claims.claim_next(ann, claims.products(), size=2)

    assert claims.release(ann) == 4
    assert not ReviewClaim.objects.exists() and not ProductClaim.objects.exists()
