"""The sales loop in a real browser at 1280×720: the dashboard draws its charts (Chart.js from static/, no console
errors under the site's CSP) with money as money, the changelist sorts by profit, and "Make more like these" goes
from the changelist to a new batch. Screenshots are kept in test-artifacts/."""

import pytest
from playwright.sync_api import expect

from designs.models import Batch, Design
from tests.browser.conftest import artwork, thumbnail_of
from tests.browser.test_review_page import log_in
from tests.designs.publishing_support import make_product, make_template
from tests.designs.sales_support import sell

pytestmark = pytest.mark.browser

PROMPTS = [
    "a red fox in a snowy forest, woodcut print, two colours, cream paper",
    "a lighthouse at dusk on a rocky coast, risograph print with grain",
    "an owl reading a very large book by candlelight, detailed line art",
]


def make_shop(flux_preset) -> list[Design]:
    batch = Batch.objects.create(name="Autumn drop — woodcuts", preset=flux_preset)
    tee, mug = make_template(name="Gildan tee"), make_template(name="Mug 11oz", is_default=False)
    made = []
    for index, prompt in enumerate(PROMPTS):
        design = Design(prompt=prompt, title=f"Design {index}", status="published", batch=batch, preset=flux_preset)
        design.thumbnail.save(f"t{index}.webp", thumbnail_of(artwork(index)), save=False)
        design.cost = "0.00440"
        design.save()
        made.append(design)
    fox, lighthouse, owl = made
    for days in (1, 3, 8, 15):
        sell(
            product=make_product(fox, tee) if days == 1 else None,
            design=fox,
            template=tee,
            quantity=2,
            days_ago=days,
            country="US",
        )
    sell(lighthouse, template=mug, price=1800, cost=900, days_ago=2, country="DE")
    sell(owl, template=tee, price=2200, days_ago=20, country="GB")
    return made


@pytest.fixture
def preset(transactional_db):
    """A generation preset (the flush after transactional tests removes the one migration 0002 installs)."""
    from designs.models import GenerationPreset
    from integrations.comfyui import FLUX_DEV_FP8_PARAMETER_MAP, FLUX_DEV_FP8_WORKFLOW

    found, _ = GenerationPreset.objects.get_or_create(
        name="Flux dev fp8", defaults={"workflow": FLUX_DEV_FP8_WORKFLOW, "parameter_map": FLUX_DEV_FP8_PARAMETER_MAP}
    )
    return found


def test_dashboard_sort_by_profit_and_make_more_to_a_new_batch(chromium, server, superuser, artifacts, preset):
    fox, lighthouse, owl = make_shop(preset)
    context = chromium.new_context(viewport={"width": 1280, "height": 720}, base_url=server.url)
    page = context.new_page()
    errors = []  # script errors and CSP refusals (the favicon's 404 is the one resource allowed to fail)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    log_in(page, "boss")

    page.goto("/admin/designs/design/sales/")
    expect(page.locator("#pod-sales-over-time h2")).to_have_text("Revenue, profit and orders by day")
    page.wait_for_function("() => window.Chart && Object.keys(Chart.instances).length >= 8")
    drawn = page.evaluate("() => Object.keys(Chart.instances).length")
    assert drawn >= 8, drawn
    expect(page.locator(".pod-sales-totals")).to_contain_text("$")
    page.screenshot(path=str(artifacts / "sales-dashboard-1280.png"), full_page=False)
    page.screenshot(path=str(artifacts / "sales-dashboard-1280-full.png"), full_page=True)
    assert not errors, errors  # no CSP refusal, no script error
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], "the dashboard scrolls sideways at 1280 px"

    page.click("text=All designs, most profit first")
    rows = page.locator("#result_list tbody tr")
    expect(rows.first.locator("td.field-id, th.field-id")).to_contain_text(str(fox.pk))
    ids = page.evaluate(
        "() => [...document.querySelectorAll('#result_list tbody input[name=_selected_action]')].map(i => +i.value)"
    )
    assert ids == [fox.pk, owl.pk, lighthouse.pk], ids
    expect(rows.first.locator("td.field-profit_column")).to_contain_text("$")
    page.screenshot(path=str(artifacts / "sales-changelist-by-profit-1280.png"))
    fits = page.evaluate(
        "() => { const r = document.querySelector('#changelist .results'); return [r.scrollWidth, r.clientWidth]; }"
    )
    assert fits[0] <= fits[1], f"the sales view's columns do not fit at 1280 px: {fits}"

    page.check(f"input[name=_selected_action][value='{fox.pk}']")
    page.check(f"input[name=_selected_action][value='{owl.pk}']")
    page.select_option("select[name=action]", "make_more_like_these")
    page.click("button[name=index]")
    expect(page.locator("#pod-follow-up")).to_contain_text("More like 2 designs that sell")
    expect(page.locator("#id_prompts")).to_have_value(f"{fox.prompt}\n{owl.prompt}")
    page.screenshot(path=str(artifacts / "sales-make-more-batch-form-1280.png"))
    page.click("input[type=submit]")
    expect(page.locator(".messagelist")).to_contain_text("designs queued")
    context.close()

    batch = Batch.objects.get(made_from=fox)
    assert set(batch.made_from.values_list("pk", flat=True)) == {fox.pk, owl.pk}
    assert batch.designs.count() == 8
