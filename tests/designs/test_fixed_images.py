"""A template's fixed image: checked with Pillow, bounded, stored under our own name; its Printify upload id kept
on the template for that file only."""

import io

import pytest
from PIL import Image

from designs import fixed_images
from designs.fixed_images import FixedImageRejected
from tests.designs.generation_support import bomb_png
from tests.designs.publishing_support import make_template


def logo_png(size=(600, 600)) -> bytes:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    image.paste((220, 40, 40, 255), (100, 100, size[0] - 100, size[1] - 100))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.django_db
def test_a_logo_is_stored_under_our_own_name(media_root):
    name, width, height = fixed_images.store(logo_png((640, 480)))
    assert (width, height) == (640, 480)
    assert name.startswith("templates/fixed/") and name.endswith(".png")
    assert (media_root / name).read_bytes() == logo_png((640, 480))


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"<svg onload=alert(1)></svg>", "it is not a PNG, JPEG or WEBP image"),
        (logo_png()[:-60], "damaged or truncated"),
        (bomb_png(), "refused before decoding"),
    ],
    ids=["svg", "truncated", "bomb"],
)
def test_what_is_not_a_whole_image_is_refused_in_words(data, why, media_root):
    with pytest.raises(FixedImageRejected, match=why):
        fixed_images.store(data)
    assert not any(media_root.rglob("*.*"))


def test_the_byte_cap_is_checked_before_decoding(monkeypatch):
    monkeypatch.setattr(fixed_images, "MAX_BYTES", 1000)
    with pytest.raises(FixedImageRejected, match="more than the 0.0 MB allowed"):
        fixed_images.store(logo_png())


@pytest.mark.django_db
def test_the_upload_id_belongs_to_one_stored_file():
    template = make_template(fixed_image="templates/fixed/2026/12/a.png", fixed_position="back")
    assert fixed_images.cached_upload(template.pk, template.fixed_image.name) == ""
    assert fixed_images.remember_upload(template.pk, "templates/fixed/2026/12/a.png", "up-1")
    assert fixed_images.cached_upload(template.pk, "templates/fixed/2026/12/a.png") == "up-1"
    # A new file: the old id does not answer for it, and a late run cannot pin its id on the new file.
    template.fixed_image = "templates/fixed/2026/12/b.png"
    template.save()
    assert fixed_images.cached_upload(template.pk, "templates/fixed/2026/12/b.png") == ""
    assert not fixed_images.remember_upload(template.pk, "templates/fixed/2026/12/a.png", "up-late")
    assert fixed_images.cached_upload(None, "x") == ""
    assert fixed_images.upload_name(template) == f"template-{template.pk}-fixed.png"
