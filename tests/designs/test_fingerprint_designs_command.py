"""manage.py fingerprint_designs: hashes for designs made before near-duplicate checks existed."""

import io

from django.core.management import call_command

from designs import images
from designs.models import Design, ImageFingerprint, NearDuplicate
from designs.workflow import Status
from tests.designs.review_support import artwork, encoded, near_copy


def test_the_command_fills_designs_made_before_hashes_existed(db, settings):
    settings.NEAR_DUPLICATE_DISTANCE = 8
    original = artwork(5)
    made = []
    for data in (encoded(original), near_copy(original), encoded(artwork(6))):
        image, thumbnail = images.prepare(data)
        stored = images.store(image, thumbnail)
        made.append(Design.objects.create(prompt="old", status=Status.PUBLISHED, **stored.field_values()))
    Design.objects.create(prompt="no image yet")
    out = io.StringIO()

    call_command("fingerprint_designs", stdout=out)

    assert ImageFingerprint.objects.count() == 3
    assert set(NearDuplicate.objects.values_list("design_id", flat=True)) == {made[0].pk, made[1].pk}
    assert "Done: 3 designs hashed, 1 near-duplicate matches." in out.getvalue()
    call_command("fingerprint_designs", stdout=io.StringIO())  # again: nothing to do, nothing doubled
    assert NearDuplicate.objects.count() == 2
