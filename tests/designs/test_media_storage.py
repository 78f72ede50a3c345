"""Every path that touches a design's files, with media in a private S3 bucket (moto's S3 server on loopback,
tests/conftest.py) and nothing on this machine's disk: ingest (original, thumbnail, preview, fingerprint),
fingerprints of stored designs, a 4500×5400 RGBA print file written and read back, imports, uploads to the
sandbox's Printify by a signed URL, the admin's and the review page's images, deletion.

Each test asserts MEDIA_ROOT (the autouse temp folder) is still empty: a file that went to disk instead of the
bucket would show there.
"""

import base64
import io
import json
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.management import call_command
from PIL import Image

from designs import duplicates
from designs.models import Design
from designs.print_status import PrintStatus
from designs.review_models import ImageFingerprint
from designs.services import deletion, imports, publishing
from designs.services.print_files import request_print_files
from designs.workers import publish_run
from designs.workflow import Source, Status
from tests.designs.generation_support import JOBS, completed, image_bytes, media_files, status_answer, v5_output
from tests.designs.print_support import approved_design, areas, png
from tests.designs.publishing_support import configure_printify, make_template, product_of
from tests.designs.review_support import admin_settings  # noqa: F401 (a fixture)
from tests.system.test_publishing_e2e import sandbox_template

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("s3_media")]

PRINT_SIZE = (4500, 5400)


def read(file) -> bytes:
    with file.open("rb") as handle:
        return handle.read()


def picture(file) -> tuple[str, str, tuple[int, int]]:
    """(format, mode, size) of a stored image, read through the storage."""
    with Image.open(io.BytesIO(read(file))) as image:
        return image.format, image.mode, image.size


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def assert_signed_and_private(url: str, s3_media, *, expires: int) -> bytes:
    """`url` is a signed URL into the bucket that expires in `expires` seconds; without its signature the same
    object is refused. Returns what the signed URL gives."""
    assert url.startswith(f"{s3_media.server.endpoint}/{s3_media.server.bucket}/{s3_media.prefix}/"), url
    signed = query(url)
    assert signed["X-Amz-Expires"] == str(expires) and signed["X-Amz-Signature"]
    assert s3_media.server.secret_key not in url
    fetched = requests.get(url, timeout=10)
    assert fetched.status_code == 200 and fetched.headers["Content-Type"].startswith("image/"), fetched.text[:300]
    unsigned = requests.get(url.split("?", 1)[0], timeout=10)
    assert unsigned.status_code == 403  # a private bucket: no public read
    return fetched.content


@pytest.mark.usefixtures("runpod_settings")
def test_ingest_stores_original_thumbnail_preview_and_fingerprint_in_the_bucket(
    generating, pump, rsps, s3_media, media_root
):
    original = image_bytes("PNG", size=(2000, 1600))
    design = generating("job-s3")
    status_answer(rsps, "job-s3", completed("job-s3", v5_output(original)))
    pump.poll()
    design.refresh_from_db()
    assert design.status == Status.REVIEW, design.last_error
    assert s3_media.keys() == sorted([design.image.name, design.thumbnail.name, design.preview_file.name])
    assert s3_media.read(design.image.name) == original
    assert picture(design.thumbnail) == ("WEBP", "RGB", (512, 410))
    assert picture(design.preview_file) == ("JPEG", "RGB", (1600, 1280))
    assert design.fingerprint.phash == duplicates.phash_of(read(design.thumbnail))
    assert media_files(media_root) == []


def test_fingerprints_of_stored_designs_are_read_from_the_bucket(make_design, s3_media, media_root):
    design = approved_design(make_design, (300, 200))
    ImageFingerprint.objects.filter(design=design).delete()
    call_command("fingerprint_designs", stdout=io.StringIO())
    assert ImageFingerprint.objects.get(design=design).phash == duplicates.phash_of(
        s3_media.read(design.thumbnail.name)
    )
    assert media_files(media_root) == []


def test_an_import_stores_its_files_in_the_bucket(tmp_path, s3_media, media_root):
    folder = tmp_path / "comfyui-output"
    folder.mkdir()
    (folder / "owl.png").write_bytes(image_bytes("PNG", size=(640, 480)))
    [outcome] = imports.import_files([str(folder)], batch_name="Imported")
    design = outcome.design
    assert design is not None, outcome.skipped
    assert s3_media.keys() == sorted([design.image.name, design.thumbnail.name])
    assert s3_media.read(design.image.name) == (folder / "owl.png").read_bytes()
    assert media_files(media_root) == []


@pytest.mark.usefixtures("runpod_settings")
def test_a_4500x5400_rgba_print_file_is_stored_read_back_and_uploaded_to_printify_by_a_signed_url(
    make_design, pump, rsps, sandbox, settings, s3_media, media_root
):
    """Print preparation reads the original from the bucket, stores RunPod's 4500×5400 RGBA result there; the
    publishing run gives Printify (the sandbox, which fetches like Printify) a signed URL for it."""
    import importlib

    from django.apps import apps

    importlib.import_module("designs.migrations.0016_print_presets").install_print_presets(apps, None)
    design = approved_design(make_design, (1500, 1800), prompt="a heron, woodcut")
    print_template = make_template(name="Poster", placeholders=areas(PRINT_SIZE), is_default=False)
    assert request_print_files([design], actor=None, source=Source.COMMAND, template=print_template).moved
    rsps.post(f"{JOBS}/run", json={"id": "print-s3", "status": "IN_QUEUE"})
    pump.submit()
    [run] = [call for call in rsps.calls if call.request.url.endswith("/run")]
    [sent] = json.loads(run.request.body)["input"]["images"]
    assert base64.b64decode(sent["image"]) == s3_media.read(design.image.name)  # the original, read from the bucket
    result = png(PRINT_SIZE, mode="RGBA", alpha=0)  # transparent background, as background removal leaves it
    rsps.get(f"{JOBS}/status/print-s3", json=completed("print-s3", v5_output(result)))
    pump.poll()
    design.refresh_from_db()
    assert design.print_status == PrintStatus.READY, design.print_error
    assert picture(design.print_file) == ("PNG", "RGBA", PRINT_SIZE)
    assert read(design.print_file) == result
    assert picture(design.print_preview) == ("WEBP", "RGBA", (1333, 1600))
    assert {design.print_file.name, design.print_preview.name} <= set(s3_media.keys())

    # Publishing: the print file is above the threshold, so Printify fetches it by a signed URL.
    configure_printify(settings)
    settings.PRINTIFY_API_BASE = f"{sandbox.url}/printify/v1"
    settings.PRINTIFY_SHOP_ID = "1"
    settings.PRINTIFY_UPLOAD_BY_URL_ABOVE = design.print_file.size - 1
    rsps.add_passthru(sandbox.url)
    rsps.add_passthru(s3_media.server.endpoint)  # this test's own look at the signed URL
    tee = sandbox_template(review_mockups=False)
    publishing.request_publish([design], actor=None, source=Source.COMMAND, templates=[tee])
    assert publish_run.run_publish(product_of(design, tee).pk) == "published", design.products.get().last_error
    state = sandbox.state()["printify"]
    assert (state["upload_requests"], state["uploads_fetched"]) == (1, 1)
    upload_id = product_of(design, tee).printify_upload_id
    assert (sandbox.printify.uploads[upload_id]["width"], sandbox.printify.uploads[upload_id]["height"]) == PRINT_SIZE
    assert sandbox.printify.upload_bytes(upload_id) == result
    # The URL Printify is given: signed, for an hour (publish_run.PRINTIFY_FETCH_SECONDS), the bucket private.
    assert_signed_and_private(publish_run.fetch_url(design.print_file), s3_media, expires=3600)
    assert media_files(media_root) == []


def test_an_upload_up_to_the_threshold_is_sent_inline_from_the_bucket(make_design, sandbox, settings, s3_media):
    configure_printify(settings)
    settings.PRINTIFY_API_BASE = f"{sandbox.url}/printify/v1"
    settings.PRINTIFY_SHOP_ID = "1"
    design = approved_design(make_design, (400, 480))
    settings.PRINTIFY_UPLOAD_BY_URL_ABOVE = design.image.size
    tee = sandbox_template(review_mockups=False)
    publishing.request_publish([design], actor=None, source=Source.COMMAND, templates=[tee])
    assert publish_run.run_publish(product_of(design, tee).pk) == "published"
    state = sandbox.state()["printify"]
    assert (state["upload_requests"], state["uploads_fetched"]) == (1, 0)
    assert sandbox.printify.upload_bytes(product_of(design, tee).printify_upload_id) == read(design.image)


@pytest.mark.usefixtures("admin_settings")
def test_the_review_page_and_the_changelist_show_images_through_short_lived_signed_urls(
    client, superuser, make_design, s3_media, settings
):
    design = approved_design(make_design, (2000, 1600), status=Status.REVIEW)
    client.force_login(superuser)
    page = client.get("/admin/designs/design/review/")
    assert page.status_code == 200
    html = page.content.decode()
    stage = re.search(r'<img id="pod-stage-img" src="([^"]+)" data-original="([^"]+)"', html)
    shown, original = (unescape(url) for url in stage.groups())
    expires = settings.AWS_QUERYSTRING_EXPIRE
    assert assert_signed_and_private(shown, s3_media, expires=expires) == read(design.preview_file)
    assert assert_signed_and_private(original, s3_media, expires=expires) == read(design.image)  # the full size
    [thumbnail] = re.findall(r'<img src="([^"]+)" class="pod-card-thumb"', html)
    assert assert_signed_and_private(unescape(thumbnail), s3_media, expires=expires) == read(design.thumbnail)

    changelist = client.get("/admin/designs/design/").content.decode()
    listed = [unescape(url) for url in re.findall(r'<img[^>]* src="([^"]+)"', changelist) if "X-Amz-" in url]
    assert listed and all(assert_signed_and_private(url, s3_media, expires=expires) for url in listed)
    assert s3_media.server.secret_key not in html + changelist


@pytest.mark.usefixtures("admin_settings")
def test_the_placement_preview_shows_the_design_and_the_fixed_image_through_signed_urls(
    client, superuser, make_design, s3_media, settings, media_root
):
    """The template editor draws the design over the print area: its preview comes from the bucket by a signed
    URL, like every other image; the fixed image too. The server never reads either to draw them."""
    from designs import fixed_images
    from tests.designs.contrast_support import ink_png

    design = approved_design(make_design, (2000, 1600), title="Owl")
    name, width, height = fixed_images.store(ink_png((30, 60, 200), (400, 200)))
    template = make_template(
        fixed_image=name, fixed_image_width=width, fixed_image_height=height, fixed_position="back"
    )
    client.force_login(superuser)
    page = client.get(f"/admin/designs/producttemplate/{template.pk}/change/")
    assert page.status_code == 200, page
    html = page.content.decode()
    data = json.loads(unescape(re.search(r'id="pod-placement-data" type="application/json">(.*?)</script>', html)[1]))
    [shown] = data["designs"]
    assert (shown["id"], shown["width"], shown["height"]) == (design.pk, 2000, 1600)
    expires = settings.AWS_QUERYSTRING_EXPIRE
    assert assert_signed_and_private(shown["url"], s3_media, expires=expires) == read(design.preview_file)
    logo = unescape(re.search(r'<img src="([^"]+)" alt="The fixed image"', html)[1])
    assert assert_signed_and_private(logo, s3_media, expires=expires) == read(template.fixed_image)
    assert not any(media_root.iterdir())


def test_deleting_a_design_deletes_its_objects(make_design, s3_media, django_capture_on_commit_callbacks):
    design = approved_design(make_design, (2000, 1600), status=Status.REJECTED)
    kept = approved_design(make_design, (300, 300), status=Status.REJECTED)
    assert len(s3_media.keys()) == 3 + 2
    with django_capture_on_commit_callbacks(execute=True):
        result = deletion.delete_designs([design], actor=None)
    assert result.deleted == [design.pk] and not Design.objects.filter(pk=design.pk).exists()
    assert s3_media.keys() == sorted([kept.image.name, kept.thumbnail.name])
