"""Ingest: a finished job's images stored, validated, thumbnailed; siblings; idempotent repeats.

Real database, real Pillow, real files in the temp MEDIA_ROOT; RunPod's HTTP answered by `responses`.
"""

from decimal import Decimal

import pytest

from designs.models import Design
from designs.services.generation import cancel_generation
from designs.workers.ingest import ingest, prepare_job_images
from designs.workflow import Source, Status
from integrations.runpod import JobStatus
from tests.designs.generation_support import (
    IMAGE_HOST,
    b64,
    bomb_png,
    completed,
    image_bytes,
    media_files,
    status_answer,
    v5_output,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("runpod_settings")]


def test_completed_job_with_two_images_gives_a_design_and_a_sibling(generating, pump, rsps, media_root):
    design = generating("job-2", prompt="koi pond, ukiyo-e")
    status_answer(
        rsps, "job-2", completed("job-2", v5_output(image_bytes("PNG"), image_bytes("JPEG")), execution_ms=2500)
    )
    pump.poll()
    design.refresh_from_db()
    assert design.status == Status.REVIEW and design.last_error == ""
    assert (design.image_width, design.image_height) == (64, 48)
    assert design.cost == Decimal("0.00100")
    assert (design.delay_ms, design.execution_ms) == (300, 2500)
    assert (media_root / design.image.name).read_bytes() == image_bytes("PNG")
    assert design.thumbnail.name.endswith(".webp") and (media_root / design.thumbnail.name).exists()
    (sibling,) = design.siblings
    assert (sibling.status, sibling.job_output_index, sibling.prompt) == (Status.REVIEW, 1, "koi pond, ukiyo-e")
    assert sibling.image.name.endswith(".jpg")
    event = sibling.events.get()
    assert (event.from_status, event.to_status) == ("", Status.REVIEW)
    assert "job-2" in event.message
    assert len(media_files(media_root)) == 4


def test_legacy_and_s3_outputs_are_ingested(generating, pump, rsps, media_root):
    legacy = generating("job-legacy")
    s3 = generating("job-s3")
    status_answer(
        rsps, "job-legacy", completed("job-legacy", {"status": "success", "message": b64(image_bytes("WEBP"))})
    )
    url = f"https://{IMAGE_HOST}/job-s3/abcd1234.png"
    status_answer(
        rsps, "job-s3", completed("job-s3", {"images": [{"filename": "x.png", "type": "s3_url", "data": url}]})
    )
    rsps.get(url, body=image_bytes("PNG"), content_type="image/png")
    pump.poll()
    legacy.refresh_from_db()
    s3.refresh_from_db()
    assert legacy.status == s3.status == Status.REVIEW
    assert legacy.image.name.endswith(".webp")
    assert (media_root / s3.image.name).read_bytes() == image_bytes("PNG")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"GIF89a not really", "image 1: it is not a PNG, JPEG or WEBP image"),
        (image_bytes("GIF"), "image 1: it is not a PNG, JPEG or WEBP image"),
        (image_bytes("PNG", size=(300, 300))[:-40], "image 1: the image data is damaged or truncated"),
        (
            bomb_png(),
            "image 1: its header claims 400,000,000 pixels, more than the 64,000,000 allowed; refused before decoding",
        ),
    ],
    ids=["not-an-image", "gif", "truncated", "bomb"],
)
def test_unusable_images_fail_the_design_and_leave_no_file(generating, pump, rsps, media_root, data, expected):
    design = generating("job-bad")
    status_answer(rsps, "job-bad", completed("job-bad", v5_output(data)))
    pump.poll()
    design.refresh_from_db()
    assert design.status == Status.GENERATION_FAILED
    assert design.last_error.startswith("RunPod returned no usable image (")
    assert expected in design.last_error
    assert media_files(media_root) == []


def test_oversized_download_is_refused(generating, pump, rsps, media_root, settings):
    settings.MAX_IMAGE_BYTES = 1000
    design = generating("job-big")
    url = f"https://{IMAGE_HOST}/big.png"
    status_answer(rsps, "job-big", completed("job-big", {"images": [{"type": "s3_url", "data": url}]}))
    rsps.get(url, body=image_bytes(size=(400, 400)), content_type="image/png")
    pump.poll()
    design.refresh_from_db()
    assert design.status == Status.GENERATION_FAILED
    assert "larger than 1000 bytes" in design.last_error
    assert media_files(media_root) == []


def test_some_invalid_images_keep_the_valid_ones_and_record_why(generating, pump, rsps):
    design = generating("job-mixed")
    status_answer(rsps, "job-mixed", completed("job-mixed", v5_output(b"junk", image_bytes(), image_bytes("GIF"))))
    pump.poll()
    design.refresh_from_db()
    assert design.status == Status.REVIEW
    assert not design.siblings.exists()
    message = design.events.get(to_status=Status.REVIEW).message
    assert "image 1: it is not a PNG" in message and "image 3: it is not a PNG" in message


def test_ingest_twice_makes_no_second_file_or_sibling(generating, media_root):
    design = generating("job-i")
    job = JobStatus(**{"id": "job-i", "status": "COMPLETED", "output": v5_output(image_bytes(), image_bytes("JPEG"))})
    assert ingest(design, job) is True
    files = media_files(media_root)
    assert ingest(Design.objects.get(pk=design.pk), job) is False
    # Even a stale copy that still says "generating" cannot create a second sibling or file.
    assert ingest(design, job) is False
    assert media_files(media_root) == files
    assert Design.objects.filter(runpod_job_id="job-i").count() == 2


def test_ingest_after_a_crash_reuses_the_files_the_first_try_wrote(generating, media_root):
    design = generating("job-k")
    job = JobStatus(id="job-k", status="COMPLETED", output=v5_output(image_bytes(), image_bytes("JPEG")))
    checked = prepare_job_images(job)
    from designs import images

    # The killed worker wrote the files, then died before the database commit.
    for index, (image, thumbnail) in enumerate(checked.prepared):
        images.store(
            image, thumbnail, names=images.job_output_names("job-k", index, image.extension, design.submitted_at)
        )
    written = media_files(media_root)
    assert ingest(design, job) is True
    assert media_files(media_root) == written
    assert sorted(Design.objects.filter(runpod_job_id="job-k").values_list("image", flat=True)) == sorted(
        name for name in written if "/thumbs/" not in name
    )


def test_a_lost_race_deletes_the_files_it_wrote(generating, media_root):
    design = generating("job-r")
    cancel_generation([design], actor=None, source=Source.ADMIN)  # moved on before ingest stored
    job = JobStatus(id="job-r", status="COMPLETED", output=v5_output(image_bytes(), image_bytes("JPEG")))
    assert ingest(design, job) is False
    assert media_files(media_root) == []
    assert Design.objects.filter(runpod_job_id="job-r").count() == 1


@pytest.mark.parametrize("hint", ["../../etc/passwd.png", "/abs.png", "a\x00b.png", "..\\..\\win.png", "x/../../y.png"])
def test_remote_file_names_never_choose_the_path(generating, pump, rsps, media_root, hint):
    design = generating("job-p")
    url = f"https://{IMAGE_HOST}/{hint.replace(chr(0), '%00')}"
    output = {
        "images": [
            {"filename": hint, "type": "base64", "data": b64(image_bytes())},
            {"filename": hint, "type": "s3_url", "data": url},
        ]
    }
    status_answer(rsps, "job-p", completed("job-p", output))
    rsps.get(url, body=image_bytes("JPEG"), content_type="image/jpeg")
    pump.poll()
    design.refresh_from_db()
    assert design.status == Status.REVIEW
    files = media_files(media_root)
    assert len(files) == 4
    assert all(name.startswith("designs/") and ".." not in name and "passwd" not in name for name in files)
    assert not (media_root.parent / "etc").exists()


def test_ingest_records_each_images_perceptual_hash_and_flags_a_near_copy_of_a_published_design(
    generating, pump, rsps, settings
):
    from designs import duplicates
    from designs.models import ImageFingerprint, NearDuplicate
    from tests.designs.review_support import artwork, encoded, near_copy

    settings.NEAR_DUPLICATE_DISTANCE = 8
    published = Design.objects.create(prompt="koi", status=Status.PUBLISHED)
    picture = artwork(11)
    duplicates.record(published.pk, duplicates.phash_of(encoded(picture)))
    design = generating("job-dup", prompt="koi pond, ukiyo-e")
    output = v5_output(near_copy(picture), encoded(artwork(12)))
    status_answer(rsps, "job-dup", completed("job-dup", output))

    pump.poll()

    sibling = design.siblings.get()
    assert ImageFingerprint.objects.filter(design_id__in=[design.pk, sibling.pk]).count() == 2
    assert list(NearDuplicate.objects.filter(other=published).values_list("design_id", flat=True)) == [design.pk]
