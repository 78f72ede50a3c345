"""Near-duplicates: real pHashes of real images, the banded lookup against brute force, the threshold setting,
and the hashes written at ingest (the import's: services/test_imports.py, the fill command's:
test_fingerprint_designs_command.py)."""

import random

import pytest
from django.core.exceptions import ImproperlyConfigured

from designs import duplicates
from designs.models import ImageFingerprint, NearDuplicate
from tests.designs.review_support import artwork, encoded, near_copy


def test_a_re_encoded_copy_is_near_and_a_different_picture_is_far():
    original = artwork(1)
    first = duplicates.phash_of(encoded(original))
    copy = duplicates.phash_of(near_copy(original))
    other = duplicates.phash_of(encoded(artwork(2)))

    assert len(first) == 16
    assert duplicates.distance(first, copy) <= 4
    assert duplicates.distance(first, other) > 16


def test_an_unreadable_image_has_no_hash():
    assert duplicates.phash_of(b"not an image") is None


def fingerprint(design_id: int, phash: str) -> None:
    b0, b1, b2, b3 = duplicates.bands(phash)
    ImageFingerprint.objects.create(design_id=design_id, phash=phash, band0=b0, band1=b1, band2=b2, band3=b3)


def test_the_banded_lookup_finds_exactly_what_brute_force_finds(make_design, settings):
    settings.NEAR_DUPLICATE_DISTANCE = 8
    rng = random.Random(7)
    query = rng.getrandbits(64)
    hashes = {}
    for n in range(300):
        value = rng.getrandbits(64)
        if n % 3 == 0:  # many within reach: flip 0..12 random bits of the query
            value = query
            for bit in rng.sample(range(64), rng.randrange(13)):
                value ^= 1 << bit
        design = make_design(prompt=f"p{n}")
        hashes[design.pk] = f"{value:016x}"
        fingerprint(design.pk, hashes[design.pk])
    wanted = f"{query:016x}"

    expected = sorted(
        ((pk, duplicates.distance(wanted, h)) for pk, h in hashes.items() if duplicates.distance(wanted, h) <= 8),
        key=lambda pair: (pair[1], pair[0]),
    )
    assert expected  # the test means something
    assert duplicates.similar(wanted) == expected


@pytest.mark.parametrize("threshold, near", [(0, False), (3, True), (8, True)])
def test_the_threshold_is_a_setting(make_design, settings, threshold, near):
    settings.NEAR_DUPLICATE_DISTANCE = threshold
    first, second = make_design(), make_design()
    duplicates.record(first.pk, "ffff0000ffff0000")
    matches = duplicates.record(second.pk, "ffff0000ffff0007")  # 3 bits apart

    assert (matches == [(first.pk, 3)]) is near
    assert NearDuplicate.objects.filter(design=first, other=second).exists() is near


def test_a_threshold_out_of_range_is_refused_in_words(settings):
    settings.NEAR_DUPLICATE_DISTANCE = 40
    with pytest.raises(ImproperlyConfigured, match="between 0 and 15"):
        duplicates.similar("0" * 16)
