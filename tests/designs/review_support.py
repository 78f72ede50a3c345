"""Helpers for the admin and review-page tests: real image files through the ImageFields, plain-HTTP settings."""

import html
import io
import json
import random
import re

import pytest
from django.core.files.base import ContentFile
from PIL import Image, ImageDraw


@pytest.fixture
def admin_settings(settings, tmp_path):
    """Admin pages in tests: plain HTTP (production keeps SSL redirect and secure cookies) and static
    files found by the finders (production serves the collectstatic manifest)."""
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    # Test users are created many times over (permission matrix); the production hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def image_file(color=(200, 80, 40), size=(64, 64), fmt="PNG") -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return ContentFile(buffer.getvalue())


def attach_images(design, color=(200, 80, 40)):
    """Give a design a real original and a real small thumbnail file, as ingest would."""
    design.image.save("original.png", image_file(color, (256, 256)), save=False)
    design.thumbnail.save("thumb.webp", image_file(color, (48, 48), "WEBP"), save=False)
    design.image_width = design.image_height = 256
    design.save(update_fields=["image", "thumbnail", "image_width", "image_height"])
    return design


def make_reviewable(*, color_index=0, **fields):
    """A design (in review unless told otherwise) with real image files; each color_index gets its own colour."""
    from designs.models import Design

    fields.setdefault("prompt", "a red fox in the snow, woodcut")
    fields.setdefault("status", "review")
    color = ((color_index * 47) % 256, 120, 200 - (color_index * 13) % 200)
    return attach_images(Design.objects.create(**fields), color=color)


def artwork(seed: int, size: int = 512) -> Image.Image:
    """A picture of a few shapes; each seed its own composition."""
    rng = random.Random(seed)
    image = Image.new("RGB", (size, size), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randrange(size), rng.randrange(size)
        radius = rng.randrange(size // 8, size // 3)
        fill = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=fill)
    return image


def encoded(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def near_copy(image: Image.Image) -> bytes:
    """What a marketplace copycat does: a little smaller, re-encoded as a lossy JPEG."""
    return encoded(image.resize((400, 400)), "JPEG", quality=70)


def post_page_form(client, page, form_id: str, **extra):
    """Post one of a rendered page's forms as its script does: its action and hidden fields (repeated names
    kept), its CSRF token also as the X-CSRFToken header, for JSON."""
    text = page.content.decode()
    form = re.search(rf'<form method="post" action="([^"]+)" id="{form_id}"[^>]*>(.*?)</form>', text, re.S)
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form[2]):
        fields.setdefault(name, []).append(html.unescape(value))
    token = fields["csrfmiddlewaretoken"][0]
    data = {**fields, **extra}
    return client.post(html.unescape(form[1]), data, HTTP_ACCEPT="application/json", HTTP_X_CSRFTOKEN=token)


def open_review_page(client, url, params=None):
    """Open a review page as a browser running its script does: the GET (which claims nothing), then the page's
    own claims form posted (with the card a link asked for), as review_grid.js does. Returns the page and the
    claims reply's JSON."""
    page = client.get(url, params or {})
    text = page.content.decode()
    config = json.loads(re.search(r'id="pod-review-config" type="application/json">(.*?)</script>', text, re.S)[1])
    extra = {"focus": config["focus"]} if config.get("focus") else {}
    reply = post_page_form(client, page, "pod-claims-form", **extra)
    assert reply.status_code == 200, reply.content
    return page, reply.json()


def claimed_ids(client, url, params=None) -> list[int]:
    """The cards a reviewer's page shows once its script has claimed them."""
    return [card["id"] for card in open_review_page(client, url, params)[1]["cards"]]
