import io

import pytest
from PIL import Image

from designs import images
from designs.images import ImageRejected
from tests.designs.generation_support import bomb_png, image_bytes


@pytest.mark.parametrize(("fmt", "extension"), [("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp")])
def test_accepted_formats_are_validated_and_thumbnailed(fmt, extension):
    data = image_bytes(fmt, size=(1200, 800))
    image, renditions = images.prepare(data)
    assert (image.format, image.extension, image.width, image.height) == (fmt, extension, 1200, 800)
    assert image.data is data
    assert renditions.preview is None  # 1200 px is small enough to show itself
    with Image.open(io.BytesIO(renditions.thumbnail)) as thumb:
        assert thumb.format == "WEBP"
        assert thumb.size == (512, 341)


def test_small_images_are_not_enlarged_and_palette_images_become_rgb():
    buffer = io.BytesIO()
    Image.new("P", (100, 60)).save(buffer, "PNG")
    image, renditions = images.prepare(buffer.getvalue())
    with Image.open(io.BytesIO(renditions.thumbnail)) as thumb:
        assert thumb.size == (100, 60)
        assert thumb.mode == "RGB"


def test_thumbnail_follows_exif_orientation():
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90° clockwise: the upright picture is taller than wide
    Image.new("RGB", (800, 400), "blue").save(buffer, "JPEG", exif=exif)
    _, renditions = images.prepare(buffer.getvalue())
    with Image.open(io.BytesIO(renditions.thumbnail)) as thumb:
        assert thumb.size == (256, 512)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "the file is empty"),
        (b"<html>not an image</html>", "it is not a PNG, JPEG or WEBP image"),
        (image_bytes("GIF"), "it is not a PNG, JPEG or WEBP image"),
        (image_bytes("BMP"), "it is not a PNG, JPEG or WEBP image"),
        (image_bytes("PNG", size=(300, 300))[:-40], "damaged or truncated"),
        (image_bytes("JPEG", size=(300, 300))[:400], "damaged or truncated"),
        (
            bomb_png(),
            "claims 400,000,000 pixels, more than the .* allowed; refused before decoding .a possible decompression",
        ),
    ],
    ids=["empty", "html", "gif", "bmp", "truncated-png", "truncated-jpeg", "bomb"],
)
def test_rejected_images_say_why(data, expected):
    with pytest.raises(ImageRejected, match=expected):
        images.prepare(data)


def test_pillow_refuses_a_bomb_even_above_its_own_hard_limit(settings):
    # Far above 2 × MAX_IMAGE_PIXELS Pillow raises DecompressionBombError itself; the message stays ours.
    with pytest.raises(ImageRejected, match="pixels"):
        images.prepare(bomb_png(65_000, 65_000), max_pixels=10**12)


def test_byte_cap_is_checked_before_decoding():
    data = image_bytes("PNG", size=(200, 200))
    with pytest.raises(ImageRejected, match="more than the 0.0 MB allowed"):
        images.validate_image(data, max_bytes=10)


def test_pixel_cap_follows_the_setting(settings):
    settings.MAX_IMAGE_PIXELS = 100 * 100
    images.validate_image(image_bytes(size=(100, 100)))
    with pytest.raises(ImageRejected, match="10,100 pixels"):
        images.validate_image(image_bytes(size=(101, 100)))


def test_store_uses_our_own_names_and_the_storage(media_root):
    image, renditions = images.prepare(image_bytes("JPEG"))
    stored = images.store(image, renditions)
    assert stored.image_name.startswith("designs/") and stored.image_name.endswith(".jpg")
    assert stored.thumbnail_name.startswith("designs/thumbs/") and stored.thumbnail_name.endswith(".webp")
    assert (media_root / stored.image_name).read_bytes() == image.data
    assert set(stored.created) == {stored.image_name, stored.thumbnail_name}
    assert stored.preview_name == ""  # small: the original is the preview


def test_job_output_names_are_stable_and_ignore_remote_names():
    first = images.job_output_names("job-1", 0, "png")
    assert first == images.job_output_names("job-1", 0, "png")
    assert first != images.job_output_names("job-1", 1, "png")
    assert "job-1" not in first[0]


def test_storing_a_job_output_twice_reuses_the_file(media_root):
    image, renditions = images.prepare(image_bytes())
    names = images.job_output_names("job-2", 0, image.extension)
    first = images.store(image, renditions, names=names)
    second = images.store(image, renditions, names=names)
    assert (first.image_name, first.thumbnail_name) == names[:2] == (second.image_name, second.thumbnail_name)
    assert second.created == ()
    assert len(list(media_root.rglob("*.*"))) == 2


def test_a_partly_written_job_output_is_replaced(media_root):
    image, renditions = images.prepare(image_bytes())
    names = images.job_output_names("job-3", 0, image.extension)
    path = media_root / names[0]
    path.parent.mkdir(parents=True)
    path.write_bytes(image.data[:10])  # what a worker killed mid-write leaves
    stored = images.store(image, renditions, names=names)
    assert stored.image_name == names[0]
    assert path.read_bytes() == image.data


@pytest.mark.django_db
def test_delete_files_spares_files_a_design_uses(media_root, make_design):
    image, renditions = images.prepare(image_bytes())
    used = images.store(image, renditions)
    unused = images.store(*images.prepare(image_bytes(color=(1, 2, 3))))
    make_design(**used.field_values())
    images.delete_files([*used.created, *unused.created])
    assert (media_root / used.image_name).exists() and (media_root / used.thumbnail_name).exists()
    assert not (media_root / unused.image_name).exists() and not (media_root / unused.thumbnail_name).exists()


def test_an_image_just_over_the_limit_is_refused_with_its_size():
    # Between 1× and 2× Pillow's limit it only warns; our own check names the size.
    with pytest.raises(ImageRejected, match="72,000,000 pixels"):
        images.prepare(bomb_png(9000, 8000))


def test_a_large_image_gets_a_preview_of_at_most_1600_px_and_its_transparency_is_noticed():
    buffer = io.BytesIO()
    picture = Image.new("RGBA", (4500, 5400), (200, 40, 40, 255))
    picture.paste((0, 0, 0, 0), (0, 0, 300, 300))  # a transparent corner
    picture.save(buffer, "PNG", compress_level=1)
    image, renditions = images.prepare(buffer.getvalue())
    assert renditions.has_alpha
    with Image.open(io.BytesIO(renditions.preview)) as preview:
        assert preview.format == "WEBP" and max(preview.size) == images.PREVIEW_SIZE
        assert preview.size == (1333, 1600)
    with Image.open(io.BytesIO(renditions.thumbnail)) as thumb:
        assert thumb.size == (427, 512)


def test_an_opaque_rgba_image_has_no_transparency():
    buffer = io.BytesIO()
    Image.new("RGBA", (300, 200), (1, 2, 3, 255)).save(buffer, "PNG")
    assert not images.prepare(buffer.getvalue())[1].has_alpha


@pytest.mark.django_db
def test_the_ink_of_a_transparent_image_is_measured_with_its_renditions_and_stored_naming_its_file(media_root):
    """One decode gives the thumbnail, the preview and the ink profile the contrast check reads (contrast.py)."""
    from tests.designs.contrast_support import ink_png

    image, renditions = images.prepare(ink_png((0, 0, 0), (2000, 2200)))
    assert renditions.has_alpha and renditions.ink["bins"][0] > 0.95 and 0 < renditions.ink["coverage"] < 0.6
    values = images.store(image, renditions).field_values()
    assert values["image_ink"]["of"] == values["image"] and values["image_ink"]["bins"] == renditions.ink["bins"]
