"""The review page in a real browser: log in, move with the keys, approve, reject, undo; check page and database."""

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from designs.models import Batch, Design, DesignEvent
from designs.services import review
from designs.workflow import Source, Status
from tests.browser.conftest import artwork, thumbnail_of

pytestmark = pytest.mark.browser

PROMPTS = [
    "a paper crane over a misty lake, risograph print",
    "geometric fox head, two-colour screen print",
    "retro sun over desert mesas, 70s poster",
    "an owl made of autumn leaves, woodcut",
    "a lighthouse in a storm, bold linocut",
    "mushroom village at night, flat vector",
]


def reviewable_designs(count):
    batch = Batch.objects.create(name="Autumn drop")
    designs = []
    for index in range(count):
        design = Design.objects.create(prompt=PROMPTS[index % len(PROMPTS)], status=Status.REVIEW, batch=batch)
        original = artwork(index)
        design.thumbnail.save("thumb.webp", thumbnail_of(original), save=False)
        design.image.save("original.png", original, save=False)
        design.image_width = design.image_height = 512  # as ingest stores them
        design.save()
        designs.append(design)
    return designs


def status_of(design):
    return Design.objects.get(pk=design.pk).status


def log_in(page, username):
    page.goto("/admin/designs/design/review/")
    expect(page).to_have_url("/admin/login/?next=/admin/designs/design/review/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-only")
    page.click("input[type=submit]")
    expect(page.locator("h1")).to_have_text("Review designs")


def wait_for_script(page):
    expect(page.locator("#pod-review")).to_have_attribute("data-ready", "true")


def focused_id(page):
    return int(page.locator(".pod-card.is-focused").get_attribute("data-id"))


def test_review_with_the_keyboard(page, reviewer, superuser, artifacts):
    designs = reviewable_designs(6)
    log_in(page, reviewer.username)
    wait_for_script(page)
    stage_id = page.locator("#pod-stage-id")
    left, today, status_box = page.locator("#pod-left"), page.locator("#pod-today"), page.locator("#pod-review-status")

    # Move: the arrows and J/K change the focused card and the large preview without reloading.
    expect(stage_id).to_have_text(f"#{designs[0].pk}")
    page.keyboard.press("ArrowRight")
    expect(stage_id).to_have_text(f"#{designs[1].pk}")
    expect(page.locator("#pod-stage-prompt")).to_have_text(designs[1].prompt)
    expect(page.locator("#pod-stage-img")).to_have_attribute("src", designs[1].image.url)
    page.keyboard.press("ArrowLeft")
    expect(stage_id).to_have_text(f"#{designs[0].pk}")
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(stage_id).to_have_text(f"#{designs[2].pk}")
    page.keyboard.press("k")
    page.keyboard.press("k")
    assert focused_id(page) == designs[0].pk
    expect(left).to_have_text("6")

    # A approves the focused design and the grid moves on.
    page.keyboard.press("a")
    expect(status_box).to_have_text(f"Design {designs[0].pk} approved.")
    expect(left).to_have_text("5")
    expect(today).to_have_text("1")
    expect(page.locator(f'.pod-card[data-id="{designs[0].pk}"]')).to_be_hidden()
    assert focused_id(page) == designs[1].pk
    assert status_of(designs[0]) == Status.APPROVED
    event = DesignEvent.objects.get(design=designs[0])
    assert (event.actor_id, event.source) == (reviewer.pk, Source.REVIEW)

    # R rejects, with the reason typed in the box.
    page.fill("#pod-reason", "Too busy for a t-shirt")
    page.locator("#pod-reason").press("Escape")
    page.keyboard.press("r")
    expect(status_box).to_have_text(f"Design {designs[1].pk} rejected.")
    expect(left).to_have_text("4")
    assert status_of(designs[1]) == Status.REJECTED
    assert DesignEvent.objects.get(design=designs[1]).message == "Too busy for a t-shirt"
    assert focused_id(page) == designs[2].pk

    # U undoes the last decision: the rejected design is back in review, in the grid and focused.
    page.keyboard.press("u")
    expect(status_box).to_have_text(f"Design {designs[1].pk} is back in review.")
    expect(left).to_have_text("5")
    expect(today).to_have_text("1")
    expect(stage_id).to_have_text(f"#{designs[1].pk}")
    expect(page.locator(f'.pod-card[data-id="{designs[1].pk}"]')).to_be_visible()
    assert status_of(designs[1]) == Status.REVIEW
    assert status_of(designs[0]) == Status.APPROVED

    # ? shows the keys.
    page.keyboard.press("?")
    expect(page.locator("#pod-keys")).to_be_visible()
    page.screenshot(path=str(artifacts / "review-keys.png"))
    page.keyboard.press("Escape")
    expect(page.locator("#pod-keys")).to_be_hidden()

    page.screenshot(path=str(artifacts / "review-page.png"))
    if os.environ.get("UPDATE_DOCS_SCREENSHOT"):  # refresh the README's picture on purpose, not on every run
        shutil.copyfile(artifacts / "review-page.png", Path(__file__).resolve().parents[2] / "docs" / "review-page.png")

    # A conflict: someone else rejects the next design first; approving it here is refused and said so.

    review.reject([designs[2]], actor=superuser, source=Source.ADMIN)
    page.keyboard.press("ArrowRight")
    expect(stage_id).to_have_text(f"#{designs[2].pk}")
    page.keyboard.press("a")
    expect(status_box).to_have_text(f"Design {designs[2].pk} could not move to approved: it is rejected now.")
    expect(status_box).to_have_attribute("role", "alert")
    assert status_of(designs[2]) == Status.REJECTED

    # Enter opens the focused design's change page.
    focused = focused_id(page)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"/admin/designs/design/{focused}/change/")


def test_buttons_work_for_mouse_users(page, reviewer):
    designs = reviewable_designs(2)
    log_in(page, reviewer.username)
    wait_for_script(page)

    page.click(f'.pod-card[data-id="{designs[1].pk}"] a')
    expect(page.locator("#pod-stage-id")).to_have_text(f"#{designs[1].pk}")
    page.click("button.pod-approve")
    expect(page.locator("#pod-review-status")).to_have_text(f"Design {designs[1].pk} approved.")
    assert status_of(designs[1]) == Status.APPROVED
    assert status_of(designs[0]) == Status.REVIEW


def test_the_page_works_without_javascript(chromium, server, reviewer):
    designs = reviewable_designs(2)
    context = chromium.new_context(java_script_enabled=False, base_url=server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, reviewer.username)
        page.click(f'.pod-card[data-id="{designs[1].pk}"] a')  # a plain link: the server focuses it
        expect(page.locator("#pod-stage-id")).to_have_text(f"#{designs[1].pk}")
        page.fill("#pod-reason", "Off-brand")
        page.click("button.pod-reject")
        expect(page.locator("ul.messagelist")).to_contain_text(f"Design {designs[1].pk} rejected.")
        expect(page.locator("#pod-left")).to_have_text("1")
        assert status_of(designs[1]) == Status.REJECTED
        assert DesignEvent.objects.get(design=designs[1]).message == "Off-brand"
        page.click("button.pod-undo")
        expect(page.locator("ul.messagelist")).to_contain_text(f"Design {designs[1].pk} is back in review.")
        assert status_of(designs[1]) == Status.REVIEW
    finally:
        context.close()


def test_read_only_for_reviewers_without_the_permission(page, publisher):
    design = reviewable_designs(1)[0]
    log_in(page, publisher.username)
    wait_for_script(page)

    expect(page.locator(".pod-read-only-note")).to_be_visible()
    expect(page.locator("button.pod-approve")).to_have_count(0)
    page.keyboard.press("a")
    page.keyboard.press("?")
    expect(page.locator("#pod-keys")).to_be_visible()
    assert status_of(design) == Status.REVIEW
