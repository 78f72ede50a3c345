"""The review's own tables (designs/review_models.py): one claim per design, one near-duplicate row per direction,
and both gone with their design."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from designs.models import Design, ImageFingerprint, NearDuplicate, ReviewClaim

pytestmark = pytest.mark.django_db


def test_a_design_is_claimed_by_one_reviewer_at_a_time(make_design, reviewer, make_user):
    design = make_design()
    now = timezone.now()
    ReviewClaim.objects.create(design=design, reviewer=reviewer, claimed_at=now, expires_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewClaim.objects.create(design=design, reviewer=make_user("second"), claimed_at=now, expires_at=now)


def test_a_pair_of_look_alikes_is_stored_once_per_direction(make_design):
    first, second = make_design(), make_design()
    NearDuplicate.objects.create(design=first, other=second, distance=3)
    NearDuplicate.objects.create(design=second, other=first, distance=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        NearDuplicate.objects.create(design=first, other=second, distance=4)


def test_claims_fingerprints_and_pairs_go_with_their_design(make_design, reviewer):
    first, second = make_design(), make_design()
    now = timezone.now()
    ReviewClaim.objects.create(design=first, reviewer=reviewer, claimed_at=now, expires_at=now)
    ImageFingerprint.objects.create(design=first, phash="0" * 16, band0=0, band1=0, band2=0, band3=0)
    NearDuplicate.objects.create(design=first, other=second, distance=3)
    NearDuplicate.objects.create(design=second, other=first, distance=3)

    Design.objects.filter(pk=first.pk).delete()

    assert not ReviewClaim.objects.exists() and not ImageFingerprint.objects.exists()
    assert not NearDuplicate.objects.exists()  # the pair both ways: no row names a deleted design
