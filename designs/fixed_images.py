"""A template's fixed image: a shop logo on the back neck or a sleeve, printed on every product of the template.

Uploaded once by staff (checked with Pillow like every image that enters media/, bounded in bytes and pixels, stored
under our own name, never the uploaded file's), and uploaded to Printify once per file: the publishing run caches
Printify's upload id on the template (fixed_upload_id, with the stored name it belongs to in fixed_upload_of), so a
replaced file is uploaded again and an unchanged one never. Files are not deleted when replaced: products keep the
stored name in their snapshot, and a run started before the change still uploads the file it was asked with.

Where it goes on the product is product_templates' (fixed_image_problems, print_areas); its DPI print_quality's.
"""

from __future__ import annotations

from io import BytesIO

from django.core.files.base import ContentFile

from designs import images
from designs.models import ProductTemplate

# A logo, not a design: small print areas (a back neck is about 1.5 × 1.5 in, 450 px at 300 DPI) need little.
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 25_000_000


class FixedImageRejected(ValueError):
    """The file is not an image we accept as a fixed image; str() says why."""


def store(data: bytes) -> tuple[str, int, int]:
    """Check `data` (PNG, JPEG or WEBP within MAX_BYTES and MAX_PIXELS, every pixel decodable) and store it under
    our own name; returns (stored name, width, height)."""
    try:
        image = images.validate_image(data, max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)
        _decode(image)
    except images.ImageRejected as error:
        raise FixedImageRejected(f"The fixed image was refused: {error}.") from None
    field = ProductTemplate._meta.get_field("fixed_image")
    name = field.generate_filename(None, f"fixed.{image.extension}")
    stored = field.storage.save(name, ContentFile(image.data))
    return stored, image.width, image.height


def _decode(image: images.ValidatedImage) -> None:
    """verify() checks the structure only; a truncated JPEG passes it. Decoding every pixel catches that."""
    from PIL import Image

    try:
        with Image.open(BytesIO(image.data), formats=images.ALLOWED_FORMATS) as picture:
            picture.load()
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise images.ImageRejected(f"the image data is damaged or truncated ({error})") from None


def upload_name(template) -> str:
    """The file name Printify's upload gets (our own: the template's id and the stored file's extension)."""
    return f"template-{template.pk}-fixed.{template.fixed_image.name.rsplit('.', 1)[-1]}"


def cached_upload(template_id: int | None, stored_name: str) -> str:
    """Printify's upload id of this stored file of the template, or "" when it has not been uploaded (or the
    template has another file now, or was deleted)."""
    if template_id is None or not stored_name:
        return ""
    row = ProductTemplate.objects.filter(pk=template_id).values("fixed_upload_id", "fixed_upload_of").first()
    if row and row["fixed_upload_of"] == stored_name:
        return row["fixed_upload_id"]
    return ""


def remember_upload(template_id: int | None, stored_name: str, upload_id: str) -> bool:
    """Keep the upload id on the template, only while it still has that file (a replaced file is uploaded anew)."""
    if template_id is None:
        return False
    updated = ProductTemplate.objects.filter(pk=template_id, fixed_image=stored_name).update(
        fixed_upload_id=upload_id, fixed_upload_of=stored_name
    )
    return bool(updated)
