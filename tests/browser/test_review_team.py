"""The review page at team scale in a real browser: two reviewers never see the same card, compare mode, zoom,
and the rough edges found while reviewing (each test here failed before its fix)."""

import pytest
from playwright.sync_api import expect

from designs.models import Batch, Design, DesignEvent
from designs.services import review
from designs.workflow import Source, Status
from tests.browser.conftest import artwork, thumbnail_of
from tests.browser.test_review_page import log_in, status_of, wait_for_script

pytestmark = pytest.mark.browser


def designs_in_review(count, *, prompt=None, size=512, batch=None):
    batch = batch or Batch.objects.create(name="Autumn drop")
    made = []
    for index in range(count):
        design = Design.objects.create(
            prompt=prompt or f"design {index}: a fox in the snow, woodcut", status=Status.REVIEW, batch=batch
        )
        original = artwork(index, size)
        design.thumbnail.save("thumb.webp", thumbnail_of(original), save=False)
        design.image.save("original.png", original, save=False)
        design.image_width = design.image_height = size
        design.save()
        made.append(design)
    return made


def shown(page):
    return {int(card.get_attribute("data-id")) for card in page.locator(".pod-card:not([hidden])").all()}


def test_two_reviewers_in_two_browsers_never_see_the_same_card(chromium, server, make_user, settings):
    settings.REVIEW_CLAIM_SIZE = 3
    designs_in_review(12)
    people = [make_user("ann", groups=["Reviewers"]), make_user("bob", groups=["Reviewers"])]
    contexts = [chromium.new_context(viewport={"width": 1280, "height": 800}, base_url=server.url) for _ in people]
    try:
        pages = []
        for context, person in zip(contexts, people, strict=True):
            context.set_default_timeout(10_000)
            page = context.new_page()
            log_in(page, person.username)
            wait_for_script(page)
            pages.append(page)
        ann, bob = pages
        assert shown(ann) and shown(bob) and not shown(ann) & shown(bob)
        decided = {ann: [], bob: []}
        for _ in range(3):  # 6 decisions: the queue stays at least as large as both reviewers' claims
            for page in pages:
                decided[page].append(int(page.locator(".pod-card.is-focused").get_attribute("data-id")))
                page.keyboard.press("a")
                expect(page.locator("#pod-review-status")).to_have_text(f"Design {decided[page][-1]} approved.")
                assert not shown(ann) & shown(bob)
        assert not set(decided[ann]) & set(decided[bob])
        assert DesignEvent.objects.filter(to_status=Status.APPROVED).count() == 6  # no lost race, no double
    finally:
        for context in contexts:
            context.close()


def test_compare_mode_picks_the_best_and_undo_takes_the_whole_choice_back(page, reviewer, artifacts):
    fox = designs_in_review(3, prompt="geometric fox head, two-colour screen print")
    log_in(page, reviewer.username)
    wait_for_script(page)
    expect(page.locator("#pod-stage-compare")).to_contain_text("3 variations of this prompt")

    page.keyboard.press("c")
    expect(page.locator("h1")).to_have_text("Compare variations")
    expect(page.locator("#pod-compare")).to_have_attribute("data-ready", "true")
    expect(page.locator(".pod-variation")).to_have_count(3)
    expect(page.locator(".pod-variation").first).to_contain_text("512 × 512 px")
    page.keyboard.press("2")
    expect(page.locator(".pod-variation.is-selected")).to_have_attribute("data-id", str(fox[1].pk))
    page.screenshot(path=str(artifacts / "review-compare.png"))
    page.keyboard.press("Enter")

    expect(page.locator("h1")).to_have_text("Review designs")
    expect(page.locator("ul.messagelist")).to_contain_text(
        f"Design {fox[1].pk} approved as the best; 2 other variations rejected."
    )
    assert [status_of(d) for d in fox] == [Status.REJECTED, Status.APPROVED, Status.REJECTED]
    wait_for_script(page)
    page.keyboard.press("u")  # on the "Nothing is waiting" page
    expect(page.locator("#pod-review-status")).to_have_text(
        "Designs " + ", ".join(str(pk) for pk in [fox[1].pk, fox[0].pk, fox[2].pk]) + " are back in review."
    )
    assert [status_of(d) for d in fox] == [Status.REVIEW] * 3
    expect(page.locator("#pod-stage-id")).to_have_text(f"#{fox[1].pk}")
    assert shown(page) == {d.pk for d in fox}


def test_zoom_shows_the_image_at_100_percent_with_its_pixel_size(page, reviewer, artifacts):
    (design,) = designs_in_review(1, size=1600)
    log_in(page, reviewer.username)
    wait_for_script(page)
    expect(page.locator("#pod-stage-size")).to_have_text("1600 × 1600 px")
    image = page.locator("#pod-stage-img")
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.clientWidth") < 1600
    expect(page.locator("#pod-zoom-label")).to_contain_text("Fit (")

    page.keyboard.press("z")

    expect(page.locator("#pod-zoom-label")).to_have_text("100 %")
    assert image.evaluate("img => img.clientWidth") == 1600
    frame = page.locator("#pod-stage-frame")
    assert frame.evaluate("f => f.scrollLeft") > 0  # centred: the middle of the picture is in view
    before = frame.evaluate("f => f.scrollLeft")
    box = frame.bounding_box()
    page.mouse.move(box["x"] + 200, box["y"] + 200)
    page.mouse.down()
    page.mouse.move(box["x"] + 100, box["y"] + 150, steps=5)  # drag to pan
    page.mouse.up()
    assert frame.evaluate("f => f.scrollLeft") == before + 100
    expect(page.locator("#pod-zoom-label")).to_have_text("100 %")  # a drag is not a click
    page.screenshot(path=str(artifacts / "review-zoom.png"))
    page.keyboard.press("z")
    expect(page.locator("#pod-zoom-label")).to_contain_text("Fit (")


# --- rough edges --------------------------------------------------------------------------------------------


def test_deciding_the_last_cards_saves_them_and_brings_the_next_without_a_reload(page, reviewer, settings):
    settings.REVIEW_CLAIM_SIZE = 2
    designs = designs_in_review(3)
    log_in(page, reviewer.username)
    wait_for_script(page)
    page.evaluate("window.podSamePage = true")  # lost if the page reloads

    page.keyboard.press("a")
    page.keyboard.press("a")  # the last card of the grid, before the first answer is back

    expect(page.locator("#pod-stage-id")).to_have_text(f"#{designs[2].pk}")
    expect(page.locator("#pod-left")).to_have_text("1")
    assert page.evaluate("window.podSamePage") is True
    assert [status_of(d) for d in designs] == [Status.APPROVED, Status.APPROVED, Status.REVIEW]
    assert shown(page) == {designs[2].pk}  # never the just-approved design again
    page.keyboard.press("a")
    expect(page.locator("#pod-empty")).to_have_text("Nothing is waiting for review.")
    expect(page.locator("#pod-left")).to_have_text("0")
    expect(page.locator("#pod-mode-designs")).to_have_text("Designs (0 waiting)")  # the switch follows too


def test_undo_on_the_nothing_is_waiting_page_brings_the_design_back(page, reviewer):
    (design,) = designs_in_review(1)
    review.approve([design], actor=reviewer, source=Source.REVIEW)
    log_in(page, reviewer.username)
    wait_for_script(page)
    expect(page.locator("#pod-empty")).to_be_visible()

    page.keyboard.press("u")  # threw "Cannot read properties of null" before (the page fixture fails on it)

    expect(page.locator("#pod-review-status")).to_have_text(f"Design {design.pk} is back in review.")
    expect(page.locator("#pod-stage-id")).to_have_text(f"#{design.pk}")
    expect(page.locator("#pod-empty")).to_be_hidden()
    assert status_of(design) == Status.REVIEW


@pytest.mark.parametrize("width, height", [(1280, 720), (1440, 900)])
def test_approve_and_reject_are_above_the_fold(chromium, server, reviewer, width, height, artifacts):
    designs_in_review(2, size=1024)
    context = chromium.new_context(viewport={"width": width, "height": height}, base_url=server.url)
    try:
        page = context.new_page()
        log_in(page, reviewer.username)
        wait_for_script(page)
        page.screenshot(path=str(artifacts / f"review-page-{width}x{height}.png"))
        for button in ("button.pod-approve", "button.pod-reject"):
            box = page.locator(button).bounding_box()
            assert box["y"] + box["height"] <= height, f"{button} ends at {box['y'] + box['height']} px"
    finally:
        context.close()


def test_the_changelist_fits_1440_pixels_with_the_menu_folded_and_1680_with_it_open(page, superuser, artifacts):
    from designs.models import GenerationPreset

    designs_in_review(3, batch=Batch.objects.create(name="Autumn drop 2026 — tees and hoodies"))
    preset = GenerationPreset.objects.create(name="Flux dev fp8 (poster)", workflow={})
    Design.objects.update(cost="0.00440", title="Geometric fox head — limited edition", preset=preset)
    page.goto("/admin/login/?next=/admin/designs/design/")
    page.fill("#id_username", superuser.username)
    page.fill("#id_password", "pw-for-tests-only")
    page.click("input[type=submit]")
    # Up to 1440 px the admin's menu starts folded (static/podsite/changelist.js) so the list has the width.
    expect(page.locator("#nav-sidebar")).not_to_be_visible()
    page.screenshot(path=str(artifacts / "changelist-1440.png"))
    fits(page)
    # Wider, the menu stays open (nothing was pressed, so nothing is remembered) and the list still fits.
    page.evaluate("localStorage.clear()")
    page.set_viewport_size({"width": 1680, "height": 900})
    page.reload()
    expect(page.locator("#nav-sidebar")).to_be_visible()
    page.screenshot(path=str(artifacts / "changelist-1680.png"))
    fits(page)


def fits(page):
    """Nothing to scroll sideways: every column, Cost and Created included, is in view."""
    results = page.locator("#changelist .results")
    assert results.evaluate("r => r.scrollWidth <= r.clientWidth"), results.evaluate(
        "r => [r.scrollWidth, r.clientWidth]"
    )
    for column in ("column-cost_money", "column-created"):
        box = page.locator(f"#result_list th.{column}").bounding_box()
        assert box["x"] + box["width"] <= results.bounding_box()["x"] + results.bounding_box()["width"], column


def test_the_batch_page_refreshes_itself_while_designs_are_on_their_way(page, superuser):
    batch = Batch.objects.create(name="Winter")
    generating = Design.objects.create(prompt="snow owl", batch=batch, status=Status.GENERATING)
    page.goto(f"/admin/login/?next=/admin/designs/batch/{batch.pk}/change/")
    page.fill("#id_username", superuser.username)
    page.fill("#id_password", "pw-for-tests-only")
    page.click("input[type=submit]")
    expect(page.locator("#pod-batch-progress h2")).to_contain_text(
        "0 of 1 design generated · 0 decided · 0 waiting for review"
    )
    page.fill("#id_name", "Winter (typing)")

    Design.objects.filter(pk=generating.pk).update(status=Status.REVIEW)

    expect(page.locator("#pod-batch-progress h2")).to_contain_text("1 waiting for review", timeout=15_000)
    expect(page.locator(".pod-review-link")).to_have_attribute(
        "href", f"/admin/designs/design/review/?batch={batch.pk}"
    )
    expect(page.locator("#id_name")).to_have_value("Winter (typing)")  # the form is left alone


def smaller_jpeg(field):
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    with field.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read())).convert("RGB")
    buffer = io.BytesIO()
    image.resize((150, 150)).save(buffer, "JPEG", quality=70)
    return ContentFile(buffer.getvalue())


def test_a_near_copy_of_a_published_design_is_flagged_on_its_card(page, reviewer, settings, artifacts):
    from designs import duplicates

    settings.NEAR_DUPLICATE_DISTANCE = 8
    published, copy = designs_in_review(2, prompt="retro sun over desert mesas, 70s poster")
    Design.objects.filter(pk=published.pk).update(status=Status.PUBLISHED)
    for design in (published, copy):  # the copy's file is the published one's picture, re-encoded smaller
        design.refresh_from_db()
    copy.thumbnail.save("thumb.jpg", smaller_jpeg(published.thumbnail), save=True)
    for design in (published, copy):
        duplicates.record(design.pk, duplicates.fingerprint_file(design))
    log_in(page, reviewer.username)
    wait_for_script(page)

    warning = page.locator("#pod-duplicate")
    expect(warning).to_be_visible()
    expect(page.locator("#pod-duplicate-text")).to_have_text(f"Looks like #{published.pk} (published)")
    expect(page.locator("#pod-duplicate-other")).to_have_attribute("src", published.thumbnail.url)
    expect(page.locator(f'.pod-card[data-id="{copy.pk}"] .pod-card-flag')).to_be_visible()
    page.screenshot(path=str(artifacts / "review-near-duplicate.png"))


def test_the_dashboard_shows_who_decides_what(page, superuser, reviewer, artifacts):
    designs = designs_in_review(5)
    review.approve(designs[:3], actor=reviewer, source=Source.REVIEW)
    review.reject(designs[3:4], actor=reviewer, source=Source.REVIEW)
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", superuser.username)
    page.fill("#id_password", "pw-for-tests-only")
    page.click("input[type=submit]")
    expect(page.locator("#pod-reviewer-stats")).to_contain_text("reviewer")
    expect(page.locator("#pod-rates-batch")).to_contain_text("75 %")
    page.screenshot(path=str(artifacts / "dashboard-review-stats.png"), full_page=True)
