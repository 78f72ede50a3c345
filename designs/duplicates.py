"""Near-duplicates: a perceptual hash per design image, and which designs look alike.

The hash is imagehash's pHash (64 bits, DCT of a 32×32 greyscale image): resizing, re-encoding and small edits
change few bits, a different picture about half of them. Two designs whose hashes differ in at most
NEAR_DUPLICATE_DISTANCE bits are near-duplicates; the pairs are stored both ways (NearDuplicate), so the review
card and the changelist filter read them without comparing anything.

Finding the candidates must stay fast at 100,000 designs, so nothing scans every hash: the 64 bits are four
16-bit bands, each its own indexed column. If two hashes are within distance d, one of their four bands is
within d // 4 (pigeonhole), so a lookup asks for every 16-bit value within that radius of each band (17 values
at radius 1, 137 at radius 2) — a few index probes that return a handful of rows, whose exact distance is then
computed here.
"""

from __future__ import annotations

import logging
from functools import cache
from io import BytesIO
from itertools import combinations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Q
from PIL import Image

from designs.models import ImageFingerprint, NearDuplicate

logger = logging.getLogger(__name__)

BANDS = 4
BAND_BITS = 16
BAND_MASK = (1 << BAND_BITS) - 1
# Radius 3 per band already means 697 values per band; beyond 15 bits a lookup would stop being "a few rows".
MAX_DISTANCE_ALLOWED = 15


def max_distance() -> int:
    distance = settings.NEAR_DUPLICATE_DISTANCE
    if not 0 <= distance <= MAX_DISTANCE_ALLOWED:
        raise ImproperlyConfigured(
            f"NEAR_DUPLICATE_DISTANCE is {distance}; it must be between 0 and {MAX_DISTANCE_ALLOWED} "
            "(bits of the 64-bit perceptual hash that may differ)."
        )
    return distance


def phash_of(data: bytes) -> str | None:
    """The 64-bit pHash of an image (our thumbnail or the original) as 16 hex digits; None if it cannot be read."""
    import imagehash  # numpy/scipy are loaded on first use, not by every process that imports the models

    try:
        with Image.open(BytesIO(data)) as image:
            image.draft("L", (256, 256))  # JPEG: decode at a fraction of the size; pHash looks at 32×32 anyway
            image = image.convert("L")
            # A cheap box-filter step down to about 128 px first: pHash resamples to 32×32 anyway.
            factor = min(image.size) // 128
            return str(imagehash.phash(image.reduce(factor) if factor > 1 else image))
    except (OSError, SyntaxError, ValueError) as error:
        logger.warning("No perceptual hash: the image could not be read (%s)", error)
        return None


def bands(phash: str) -> list[int]:
    value = int(phash, 16)
    return [(value >> (BAND_BITS * (BANDS - 1 - index))) & BAND_MASK for index in range(BANDS)]


def distance(first: str, second: str) -> int:
    return (int(first, 16) ^ int(second, 16)).bit_count()


@cache
def _flips(radius: int) -> tuple[int, ...]:
    """Every 16-bit mask with at most `radius` bits set."""
    masks = [0]
    for bits in range(1, radius + 1):
        masks += [sum(1 << bit for bit in chosen) for chosen in combinations(range(BAND_BITS), bits)]
    return tuple(masks)


def similar(phash: str, *, exclude_id: int | None = None, limit: int | None = None) -> list[tuple[int, int]]:
    """[(design id, distance)] of the designs whose image is within the threshold of `phash`, closest first."""
    threshold = max_distance()
    sql, params = candidates_query(phash, exclude_id=exclude_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = [(pk, distance(phash, other)) for pk, other in cursor.fetchall()]
    found = sorted((pair for pair in found if pair[1] <= threshold), key=lambda pair: (pair[1], pair[0]))
    return found[:limit] if limit else found


def candidates_query(phash: str, *, exclude_id: int | None = None) -> tuple[str, list[int]]:
    """The banded lookup as SQL and parameters: (design id, phash) of every row sharing a band within the radius.

    Plain SQL of a fixed shape: the ORM compiling its 548 parameters (four IN lists at radius 2) took twice as long
    as the database answering it, and a lookup runs on every ingest.
    """
    masks = _flips(max_distance() // BANDS)
    params = [band ^ mask for band in bands(phash) for mask in masks]
    sql = _candidates_sql(len(masks), exclude_id is not None)
    return sql, params + ([exclude_id] if exclude_id is not None else [])


@cache
def _candidates_sql(values_per_band: int, excluding: bool) -> str:
    table = connection.ops.quote_name(ImageFingerprint._meta.db_table)
    placeholders = ", ".join(["%s"] * values_per_band)
    probe = " OR ".join(f"band{index} IN ({placeholders})" for index in range(BANDS))
    excluded = " AND design_id <> %s" if excluding else ""
    return f"SELECT design_id, phash FROM {table} WHERE ({probe}){excluded}"  # noqa: S608 (no value is formatted in)


def record(design_id: int, phash: str | None) -> list[tuple[int, int]]:
    """Store a design's hash and its near-duplicate pairs (both ways); returns [(other design id, distance)]."""
    if not phash:
        return []
    with transaction.atomic():
        b0, b1, b2, b3 = bands(phash)
        ImageFingerprint.objects.bulk_create(  # one upsert: a new design's row, or a re-hashed one's
            [ImageFingerprint(design_id=design_id, phash=phash, band0=b0, band1=b1, band2=b2, band3=b3)],
            update_conflicts=True,
            unique_fields=["design"],
            update_fields=["phash", "band0", "band1", "band2", "band3"],
        )
        NearDuplicate.objects.filter(Q(design_id=design_id) | Q(other_id=design_id)).delete()
        matches = similar(phash, exclude_id=design_id)
        NearDuplicate.objects.bulk_create(
            [
                pair
                for other_id, gap in matches
                for pair in (
                    NearDuplicate(design_id=design_id, other_id=other_id, distance=gap),
                    NearDuplicate(design_id=other_id, other_id=design_id, distance=gap),
                )
            ],
            ignore_conflicts=True,
        )
    return matches


def fingerprint_file(design) -> str | None:
    """The hash of a stored design's thumbnail (or original): for designs made before hashes existed."""
    field = design.thumbnail or design.image
    if not field:
        return None
    try:
        with field.storage.open(field.name, "rb") as stored:
            return phash_of(stored.read())
    except OSError as error:
        logger.warning("Design %s: no perceptual hash, its file cannot be read (%s)", design.pk, error)
        return None


def fill_missing(*, chunk: int = 500, redo: bool = False):
    """Hash every design with an image but no fingerprint (all of them with `redo`), oldest first.

    Yields (designs done, designs to do, near-duplicate pairs found so far) after each chunk.
    """
    from designs.models import Design

    designs = Design.objects.exclude(thumbnail="", image="").only("pk", "image", "thumbnail").order_by("pk")
    if not redo:
        designs = designs.filter(fingerprint__isnull=True)
    total, done, pairs, after = designs.count(), 0, 0, 0
    while True:
        page = list(designs.filter(pk__gt=after)[:chunk])
        if not page:
            break
        for design in page:
            pairs += len(record(design.pk, fingerprint_file(design)))
        done += len(page)
        after = page[-1].pk
        yield done, total, pairs
