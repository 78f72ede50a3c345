"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium) against pytest-django's live_server.

Never a browser download: .ci/run installs the `chromium` package with apt-get when it is missing. Locally,
without Chromium, these tests skip with the reason; in CI (CI=true) they fail instead, so they cannot silently
stop running.
"""

import importlib
import io
import os
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)

# Playwright's sync API runs an event loop in this thread; Django then refuses ORM calls from it unless told
# this is deliberate (the documented workaround for sync ORM use next to an event loop in tests).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " — in CI the browser tests must run, not skip.")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=30_000)
        yield browser
        browser.close()


@pytest.fixture
def server(transactional_db, admin_settings):  # noqa: F811
    """A live server of our own, started after admin_settings: the session-wide live_server fixture builds its
    middleware once, possibly before these settings (SecurityMiddleware reads SECURE_SSL_REDIRECT at start)."""
    from pytest_django.live_server_helper import LiveServer

    live = LiveServer("localhost")  # port 0: a free port
    live._live_server_modified_settings.enable()
    yield live
    live._live_server_modified_settings.disable()
    live.stop()


@pytest.fixture(autouse=True)
def roles(transactional_db):
    """The Reviewers and Publishers groups as migration 0002 creates them.

    The flush after each transactional test removes data-migration rows (permissions come back through
    post_migrate, groups do not). serialized_rollback cannot restore them here: while Playwright's event loop
    runs, Django hands this thread a different connection object than the one that was serialized at setup.
    """
    from django.contrib.auth.models import Group, Permission

    migration = importlib.import_module("designs.migrations.0002_default_preset_and_roles")
    for name, codenames in migration.ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(Permission.objects.filter(content_type__app_label="designs", codename__in=codenames))


@pytest.fixture
def page(chromium, server):
    context = chromium.new_context(viewport={"width": 1440, "height": 900}, base_url=server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda response: _is_broken(response) and errors.append(f"{response.status} {response.url}"))
    yield page
    context.close()
    assert not errors, f"JavaScript errors or broken responses: {errors}"


def _is_broken(response) -> bool:
    """Server errors, and missing scripts, styles or images (4xx answers from the review endpoints are expected)."""
    missing_asset = response.status == 404 and ("/static/" in response.url or "/media/" in response.url)
    return response.status >= 500 or missing_asset


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def log_in(page, username: str, to: str) -> None:
    """Open `to` as a browser would: the admin's login page comes first, then `to` (every test user's password)."""
    page.goto(to)
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-only")
    page.click("input[type=submit]")


def artwork(index: int, size: int = 512) -> ContentFile:
    """A small, distinct, real PNG per design (stripes and a disc), so the page looks like a review session."""
    palette = [(233, 196, 106), (42, 157, 143), (231, 111, 81), (38, 70, 83), (244, 162, 97), (131, 56, 236)]
    background, accent = palette[index % len(palette)], palette[(index + 2) % len(palette)]
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    for stripe in range(0, size, 48):
        draw.rectangle([stripe, 0, stripe + 12, size], fill=tuple(max(0, c - 30) for c in background))
    margin = size // 5 + (index * 17) % (size // 8)
    draw.ellipse([margin, margin, size - margin, size - margin], fill=accent, outline=(255, 255, 255), width=6)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return ContentFile(buffer.getvalue())


def thumbnail_of(original: ContentFile) -> ContentFile:
    image = Image.open(io.BytesIO(original.read()))
    original.seek(0)
    image.thumbnail((200, 200))
    buffer = io.BytesIO()
    image.save(buffer, "WEBP")
    return ContentFile(buffer.getvalue())
