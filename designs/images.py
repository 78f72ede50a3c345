"""Decode, validate, thumbnail and hash images with Pillow; store them under our own names.

Every image that enters media/ (RunPod output, imported files) goes through validate_image() first:
PNG, JPEG or WEBP only, a byte cap, a pixel cap (decompression bombs are refused before any pixel is
decoded), and Pillow's verify(). Stored names never come from a remote or uploaded file name.
"""

from __future__ import annotations

import hashlib
import re
import uuid
import warnings
from dataclasses import dataclass, field
from io import BytesIO

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = ("PNG", "JPEG", "WEBP")
EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
THUMBNAIL_SIZE = 512
THUMBNAIL_QUALITY = 80
# The review page's large view: never the original of a big image (a 4500×5400 print file is 20–40 MB).
PREVIEW_SIZE = 1600
# Every file a design owns (deleting a design deletes them all).
FILE_FIELDS = ("image", "thumbnail", "preview_file", "print_file", "print_preview")
# Namespace for names derived from a RunPod job output, so a re-ingest after a crash writes the same file.
JOB_OUTPUT_NAMESPACE = uuid.UUID("6f1c2a9e-3b7d-4c55-9a39-2f0d8e4b7c11")


class ImageRejected(ValueError):
    """The bytes are not an image we accept; str() says why in words a person understands."""


@dataclass(frozen=True)
class ValidatedImage:
    data: bytes  # the original bytes, stored unchanged
    format: str  # "PNG" | "JPEG" | "WEBP"
    width: int
    height: int
    sha256: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]


def validate_image(data: bytes, *, max_bytes: int | None = None, max_pixels: int | None = None) -> ValidatedImage:
    """Check `data` is a whole PNG/JPEG/WEBP within the byte and pixel limits; raise ImageRejected otherwise."""
    max_bytes = settings.MAX_IMAGE_BYTES if max_bytes is None else max_bytes
    max_pixels = settings.MAX_IMAGE_PIXELS if max_pixels is None else max_pixels
    if not data:
        raise ImageRejected("the file is empty")
    if len(data) > max_bytes:
        raise ImageRejected(f"the file is {_megabytes(len(data))}, more than the {_megabytes(max_bytes)} allowed")
    try:
        # Image.open reads only the header; the pixel check below runs before anything is decoded.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data), formats=ALLOWED_FORMATS) as image:
                image_format, (width, height) = image.format, image.size
                _check_pixels(width, height, max_pixels)
                # Checks the structure (for PNG every chunk's CRC); pixel data is decoded by make_thumbnail().
                image.verify()
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        # Pillow refuses at open (designs/apps.py sets its limit from MAX_IMAGE_PIXELS), before our own check;
        # its message carries the header's pixel count, which is what a person needs to see with OUR limit.
        claimed = re.search(r"\((\d+) pixels\)", str(error))
        size = f"{int(claimed.group(1)):,} pixels" if claimed else "more pixels than allowed"
        raise ImageRejected(
            f"its header claims {size}, more than the {max_pixels:,} allowed; refused before decoding "
            "(a possible decompression bomb)"
        ) from None
    except UnidentifiedImageError:
        raise ImageRejected(f"it is not a {', '.join(ALLOWED_FORMATS[:-1])} or {ALLOWED_FORMATS[-1]} image") from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageRejected(f"the image data is damaged or truncated ({error})") from None
    if image_format not in ALLOWED_FORMATS:  # formats= already restricts this; kept as a guard
        raise ImageRejected(f"{image_format} images are not accepted")
    return ValidatedImage(
        data=data, format=image_format, width=width, height=height, sha256=hashlib.sha256(data).hexdigest()
    )


@dataclass(frozen=True)
class Renditions:
    """What one decode of an image gives: its thumbnail, a preview (None when the image is no larger than
    PREVIEW_SIZE, so the original itself is small enough to show), whether it has transparent pixels, and how
    light its ink is (designs/contrast.py: the contrast check against garment colours)."""

    thumbnail: bytes
    preview: bytes | None
    has_alpha: bool
    ink: dict = field(default_factory=dict)

    @property
    def preview_extension(self) -> str:
        """WEBP keeps transparency; an opaque preview is a JPEG, which encodes ten times faster."""
        return "webp" if self.has_alpha else "jpg"


def prepare(data: bytes, **limits) -> tuple[ValidatedImage, Renditions]:
    """Validate and make the renditions: decoding every pixel catches damage verify() cannot see too."""
    image = validate_image(data, **limits)
    return image, make_renditions(image)


def _check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise ImageRejected(f"it is {width}×{height} = {width * height:,} pixels, more than the {max_pixels:,} allowed")


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def make_renditions(image: ValidatedImage) -> Renditions:
    """Thumbnail and preview as WEBP, upright per EXIF, from one decode made as cheap as the format allows.

    Raises ImageRejected when the pixel data cannot be decoded (e.g. a truncated JPEG, which verify() passes).
    """
    try:
        return _renditions(image)
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageRejected(f"the image data is damaged or truncated ({error})") from None


def make_thumbnail(image: ValidatedImage) -> bytes:
    return make_renditions(image).thumbnail


def _renditions(image: ValidatedImage) -> Renditions:
    wants_preview = max(image.width, image.height) > PREVIEW_SIZE
    largest = PREVIEW_SIZE if wants_preview else THUMBNAIL_SIZE
    with Image.open(BytesIO(image.data), formats=ALLOWED_FORMATS) as source:
        if source.format == "JPEG":
            source.draft("RGB", (largest, largest))  # decode at 1/2, 1/4 or 1/8 scale: far less memory and time
        source.load()
        # reduce() by an integer factor first (cheap box filter), then a quality resample of the smaller image; a
        # preview keeps at least PREVIEW_SIZE on its longer side for that resample.
        if wants_preview:
            factor = max(1, max(source.width, source.height) // PREVIEW_SIZE)
        else:
            factor = max(1, min(source.width, source.height) // (largest * 2))
        small = source.reduce(factor) if factor > 1 else source
        small = ImageOps.exif_transpose(small) if source.getexif() else small
        if small.mode not in ("RGB", "RGBA"):
            alpha = "A" in small.mode or "transparency" in small.info
            small = small.convert("RGBA" if alpha else "RGB")
        # Any transparent pixel survives the box filter as alpha below 255 (at the preview's scale at least).
        has_alpha = small.mode == "RGBA" and small.getchannel("A").getextrema()[0] < 255
        preview = None
        if wants_preview:  # thumbnail() resizes in place: first to the preview, then on to the thumbnail
            small.thumbnail((PREVIEW_SIZE, PREVIEW_SIZE), Image.Resampling.LANCZOS)
            if has_alpha:
                preview = _webp(small, method=0)
            else:
                buffer = BytesIO()
                small.convert("RGB").save(buffer, "JPEG", quality=85)
                preview = buffer.getvalue()
        small.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
        from designs.contrast import ink_profile

        return Renditions(
            thumbnail=_webp(small, method=2), preview=preview, has_alpha=has_alpha, ink=ink_profile(small)
        )


def _webp(picture: Image.Image, *, method: int) -> bytes:
    buffer = BytesIO()
    picture.save(buffer, "WEBP", quality=THUMBNAIL_QUALITY, method=method)
    return buffer.getvalue()


@dataclass(frozen=True)
class StoredImage:
    image_name: str
    thumbnail_name: str
    preview_name: str  # "" when the image is small enough to show itself
    width: int
    height: int
    sha256: str
    has_alpha: bool
    created: tuple[str, ...]  # names this call wrote (a re-used identical file is not listed)
    ink: dict = field(default_factory=dict)

    def field_values(self) -> dict:
        return {
            "image": self.image_name,
            "thumbnail": self.thumbnail_name,
            "preview_file": self.preview_name,
            "image_width": self.width,
            "image_height": self.height,
            "image_sha256": self.sha256,
            "image_has_alpha": self.has_alpha,
            "image_ink": {**self.ink, "of": self.image_name} if self.ink else {},
        }


def job_output_names(job_id: str, index: int, extension: str, when=None, *, folder: str = "designs"):
    """(image, thumbnail, preview) names for image `index` of a RunPod job: our own names, the same on every ingest.

    Deterministic, so an ingest repeated after a killed worker finds the file the first one wrote instead of
    leaving it orphaned beside a second copy. The uuid is derived from the job id; no remote name is used.
    """
    when = when or timezone.now()
    key = uuid.uuid5(JOB_OUTPUT_NAMESPACE, f"{job_id}/{index}").hex
    dated = f"{when:%Y/%m}/{key}"
    return f"{folder}/{dated}.{extension}", f"designs/thumbs/{dated}.webp", f"designs/previews/{dated}.webp"


def store(image: ValidatedImage, renditions: Renditions, *, names: tuple[str, ...] | None = None) -> StoredImage:
    """Write the original bytes, the thumbnail and the preview (if any) through the storage API.

    Without `names`, the model's upload_to functions name the files (designs/YYYY/MM/<uuid4>.<ext>). With
    `names` (a job output), an identical file already there is re-used; a different one (a write cut short by
    a killed worker) is replaced.
    """
    from designs.models import Design

    if names is None:
        names = (
            Design._meta.get_field("image").generate_filename(None, f"image.{image.extension}"),
            Design._meta.get_field("thumbnail").generate_filename(None, "thumbnail.webp"),
            Design._meta.get_field("preview_file").generate_filename(None, "preview.webp"),
        )
    names = (*names[:2], preview_name(names[2], renditions))
    saved, created = write_files(zip(names, (image.data, renditions.thumbnail, renditions.preview), strict=True))
    return StoredImage(
        image_name=saved[0],
        thumbnail_name=saved[1],
        preview_name=saved[2],
        width=image.width,
        height=image.height,
        sha256=image.sha256,
        has_alpha=renditions.has_alpha,
        created=created,
        ink=renditions.ink,
    )


def preview_name(name: str, renditions: Renditions) -> str:
    """`name` with the extension of the preview's format."""
    return f"{name.rsplit('.', 1)[0]}.{renditions.preview_extension}"


def write_files(named_contents) -> tuple[list[str], tuple[str, ...]]:
    """Write (name, bytes or None) pairs: the names actually used ("" for None) and those this call created.

    An identical file already under a name is re-used; a different one is replaced. On any error, what this call
    wrote is deleted again.
    """
    from designs.models import Design

    storage = Design._meta.get_field("image").storage
    created: list[str] = []
    saved = []
    try:
        for name, content in named_contents:
            if content is None:
                saved.append("")
                continue
            if storage.exists(name) and _same_content(storage, name, content):
                saved.append(name)
                continue
            if storage.exists(name):
                storage.delete(name)
            actual = storage.save(name, ContentFile(content))
            created.append(actual)
            saved.append(actual)
    except BaseException:
        delete_files(created)
        raise
    return saved, tuple(created)


def _same_content(storage, name: str, content: bytes) -> bool:
    if storage.size(name) != len(content):
        return False
    digest = hashlib.sha256()
    with storage.open(name, "rb") as existing:
        for chunk in iter(lambda: existing.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.digest() == hashlib.sha256(content).digest()


def delete_files(names) -> None:
    """Delete stored files that no design refers to (a lost race must not delete the winner's file)."""
    from django.db.models import Q

    from designs.models import Design

    names = [name for name in names if name]
    if not names:
        return
    query = Q()
    for column in FILE_FIELDS:
        query |= Q(**{f"{column}__in": names})
    in_use = {name for row in Design.objects.filter(query).values_list(*FILE_FIELDS) for name in row}
    storage = Design._meta.get_field("image").storage
    for name in names:
        if name not in in_use:
            storage.delete(name)
