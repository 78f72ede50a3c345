"""The Design changelist in a real browser at 1280×720 (a laptop): every column in view, the inline title and tag
boxes whole inside their cells, prompts in at most three lines; a screenshot is kept."""

import pytest

from designs import duplicates
from designs.models import Batch, Design
from tests.browser.conftest import artwork, thumbnail_of
from tests.browser.test_review_page import log_in
from tests.designs.publishing_support import make_product, make_template

pytestmark = pytest.mark.browser

PROMPTS = [
    "a red fox in a snowy forest, woodcut print, two colours, cream paper, bold outlines",
    "a lighthouse at dusk on a rocky coast, risograph print with grain and misregistration",
    "an owl reading a very large book by candlelight, detailed line art, crosshatching",
    "a koi pond seen from above with lily pads and ripples, loose watercolour washes",
]


def make_designs() -> list[Design]:
    batch = Batch.objects.create(name="Autumn drop 2026 — woodcuts")
    tee, mug = make_template(name="Gildan tee"), make_template(name="Mug 11oz", is_default=False)
    made = []
    for index in range(8):
        original = artwork(index)
        design = Design(
            pk=120_001 + index,  # a shop's ids run to six digits (and PostgreSQL's never go back between tests)
            prompt=PROMPTS[index % len(PROMPTS)],
            title=f"Snowy Fox Woodcut Art Print Number {index}",
            tags=["fox", "woodcut", "winter forest", "cream paper"],
            status="published" if index % 2 else "review",
            batch=batch,
            cost="0.00360",
        )
        design.thumbnail.save(f"t{index}.webp", thumbnail_of(original), save=False)
        design.image.save(f"i{index}.png", original, save=False)
        design.save()
        made.append(design)
    partly = made[1]
    Design.objects.filter(pk=partly.pk).update(status="mockups")
    make_product(partly, tee, state="live")
    make_product(partly, mug, state="mockup_review")
    duplicates.record(made[1].pk, "ffff0000ffff0000")
    duplicates.record(made[2].pk, "ffff0000ffff0001")
    return made


def test_every_column_and_the_inline_boxes_fit_at_1280_px(chromium, server, superuser, artifacts):
    make_designs()
    context = chromium.new_context(viewport={"width": 1280, "height": 720}, base_url=server.url)
    page = context.new_page()
    log_in(page, "boss")
    page.goto("/admin/designs/design/")
    page.screenshot(path=str(artifacts / "design-changelist-1280.png"))
    measured = page.evaluate(
        """() => {
            const BOXES = 'td.field-title input:not([type=hidden]), td.field-tags input:not([type=hidden])';
            const rows = [...document.querySelectorAll('#result_list tbody tr')];
            const boxes = rows.flatMap(row => [...row.querySelectorAll(BOXES)]
                .map(input => {
                    const cell = input.closest('td').getBoundingClientRect(), box = input.getBoundingClientRect();
                    return {inside: box.left >= cell.left - 1 && box.right <= cell.right + 1,
                            visible: box.right <= window.innerWidth, width: box.width};
                }));
            const prompts = rows.map(row => {  // lines of text: the distinct tops of the text's boxes
                const range = document.createRange();
                range.selectNodeContents(row.querySelector('td.field-prompt_excerpt'));
                return new Set([...range.getClientRects()].map(rect => Math.round(rect.top))).size;
            });
            const results = document.querySelector('#changelist .results');
            const columns = [...document.querySelectorAll('#result_list thead th')].map(
                th => th.className + ':' + Math.round(th.getBoundingClientRect().width));
            return {columns, boxes, prompts, page: document.documentElement.scrollWidth, inner: window.innerWidth,
                    table: results.scrollWidth, shown: results.clientWidth};
        }"""
    )
    context.close()
    assert measured["boxes"] and all(box["inside"] and box["visible"] for box in measured["boxes"]), measured
    assert min(box["width"] for box in measured["boxes"]) >= 80, "a title box too narrow to read"
    assert measured["page"] <= measured["inner"], "the page scrolls sideways"
    assert measured["table"] <= measured["shown"], f"columns hidden to the right of the list: {measured['columns']}"
    assert max(measured["prompts"]) <= 3, measured["prompts"]
