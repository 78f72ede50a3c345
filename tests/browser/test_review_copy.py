"""Listing copy on the review page in a real browser: E edits the title in place, Enter saves, Esc puts the text
back, T edits the tags; a conflicting save shows the other person's copy; a blocked term shows and refuses A."""

import pytest
from playwright.sync_api import expect

from designs.models import BlockedTerm, Design, DesignEvent
from designs.services.listing_copy import save_copy
from designs.workflow import EventKind, Source, Status
from tests.browser.test_review_page import log_in, reviewable_designs, wait_for_script

pytestmark = pytest.mark.browser


def ready(page):
    wait_for_script(page)
    expect(page.locator("#pod-copy")).to_have_attribute("data-ready", "true")
    expect(page.locator("#pod-copy")).to_have_class("pod-copy is-reading")


def test_edit_title_and_tags_with_the_keyboard(page, reviewer, artifacts):
    designs = reviewable_designs(3)
    log_in(page, reviewer.username)
    ready(page)
    title, tags = page.locator("#pod-copy-title"), page.locator("#pod-copy-tags")
    status_box = page.locator("#pod-review-status")

    # E: the title becomes editable and focused; typing then Enter saves at once.
    page.keyboard.press("e")
    expect(title).to_be_focused()
    expect(title).to_be_editable()
    page.keyboard.type("Paper crane over a misty lake")
    expect(page.locator('[data-count-for="title"]')).to_have_text("29 / 140")
    page.keyboard.press("Enter")
    expect(status_box).to_have_text(f"Design {designs[0].pk}: title saved.")
    expect(page.locator("#pod-stage-title")).to_have_text("Paper crane over a misty lake")
    assert Design.objects.get(pk=designs[0].pk).title == "Paper crane over a misty lake"

    # Esc puts the text back and saves nothing.
    page.keyboard.press("e")
    page.keyboard.type("Something else")
    page.keyboard.press("Escape")
    expect(title).to_have_value("Paper crane over a misty lake")
    assert Design.objects.get(pk=designs[0].pk).title == "Paper crane over a misty lake"

    # T edits the tags; an over-long tag is refused with the reason and the editor stays open.
    page.keyboard.press("t")
    expect(tags).to_be_focused()
    page.keyboard.type("crane, origami, a tag that is far too long")
    page.keyboard.press("Enter")
    expect(page.locator('[data-error-for="tags"]')).to_contain_text("Tags may be at most 20 characters long")
    expect(tags).to_be_editable()
    page.fill("#pod-copy-tags", "crane, origami, misty lake")
    page.keyboard.press("Enter")
    expect(status_box).to_have_text(f"Design {designs[0].pk}: tags saved.")
    assert Design.objects.get(pk=designs[0].pk).tags == ["crane", "origami", "misty lake"]

    # Keys work again once the editor is closed: move on, and the editor follows the focus.
    page.keyboard.press("ArrowRight")
    expect(page.locator("#pod-copy-design")).to_have_value(str(designs[1].pk))
    expect(title).to_have_value("")
    assert DesignEvent.objects.filter(design=designs[0], kind=EventKind.NOTE, actor=reviewer).count() == 2
    page.screenshot(path=str(artifacts / "review-copy.png"), full_page=False)


def test_a_conflicting_save_shows_the_other_copy(page, reviewer, superuser):
    designs = reviewable_designs(2)
    log_in(page, reviewer.username)
    ready(page)
    page.keyboard.press("e")
    page.keyboard.type("Mine")
    save_copy(designs[0].pk, revision=0, title="Theirs", actor=superuser, source=Source.ADMIN)
    page.keyboard.press("Enter")
    expect(page.locator("#pod-review-status")).to_have_text(
        f"Design {designs[0].pk}'s copy was changed by boss meanwhile: nothing was saved; its current copy is shown."
    )
    expect(page.locator("#pod-copy-title")).to_have_value("Theirs")
    assert Design.objects.get(pk=designs[0].pk).title == "Theirs"


def test_a_blocked_term_is_shown_and_approval_refused(page, reviewer, artifacts):
    BlockedTerm.objects.get_or_create(term="Hello Kitty")  # transactional tests flush the seeded list
    designs = reviewable_designs(2)
    Design.objects.filter(pk=designs[0].pk).update(title="Hello Kitty crane")
    log_in(page, reviewer.username)
    ready(page)
    expect(page.locator("#pod-copy-warnings li")).to_have_text(
        "Approval will be refused: it names the blocked term “Hello Kitty” (in the title)."
    )
    page.keyboard.press("a")
    expect(page.locator("#pod-review-status")).to_have_text(
        f"Design {designs[0].pk} cannot be approved: it names the blocked term “Hello Kitty” (in the title)."
    )
    expect(page.locator(f'.pod-card[data-id="{designs[0].pk}"]')).to_be_visible()
    expect(page.locator("#pod-copy-title")).to_have_value("Hello Kitty crane")
    expect(page.locator("#pod-copy-warnings li")).to_have_count(1)
    assert Design.objects.get(pk=designs[0].pk).status == Status.REVIEW
    page.screenshot(path=str(artifacts / "review-copy-blocked.png"), full_page=False)
