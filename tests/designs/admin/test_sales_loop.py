"""The sales loop in the admin, answered as a browser answers it: "Make more like these" opens the batch form
prefilled (and, with an LLM, new prompts to review) and the batch records where it came from; "Retire what never
sells" asks first (how many, which templates), then unpublishes through the service, audited."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from designs.models import Batch, Design
from designs.workflow import Status
from tests.designs.action_support import answer, ask, shown
from tests.designs.llm_support import LLM_URL, llm_settings  # noqa: F401  (fixture)
from tests.designs.llm_support import answer as llm_answer
from tests.designs.publishing_support import make_product, make_template
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)
from tests.designs.sales_support import sell
from tests.form_support import as_dict, form_with

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_settings")]
CHANGELIST = reverse("admin:designs_design_changelist")
BATCH_ADD = reverse("admin:designs_batch_add")


@pytest.fixture
def sellers(make_design, flux_preset):
    fox = make_design(prompt="red fox woodcut", preset=flux_preset, status=Status.PUBLISHED)
    owl = make_design(prompt="owl at night, woodcut", preset=flux_preset, status=Status.PUBLISHED)
    sell(fox, quantity=3)
    sell(owl)
    return fox, owl


def test_make_more_opens_the_batch_form_prefilled_and_the_batch_records_its_sources(client, superuser, sellers):
    fox, owl = sellers
    client.force_login(superuser)
    redirect = ask(client, "make_more_like_these", ticked=[fox.pk, owl.pk])
    assert (
        redirect.status_code == 302 and redirect.url == f"{BATCH_ADD}?{urlencode({'made_from': f'{fox.pk},{owl.pk}'})}"
    )
    page = client.get(redirect.url).content.decode()
    form = form_with(page, "prompts")
    assert form.textareas["prompts"] == "red fox woodcut\nowl at night, woodcut"
    assert [i.get("value") for i in form.inputs if i.get("name") == "variations"] == ["4"]
    assert "More like 2 designs that sell" in page
    assert Design.objects.count() == 2  # nothing made (or spent) before the form is sent

    done = client.post(BATCH_ADD, as_dict(form.data()))
    assert done.status_code == 302, done.content.decode()[:3000]
    batch = Batch.objects.get(name=f"More like #{fox.pk}, #{owl.pk}")
    assert set(batch.made_from.all()) == {fox, owl}
    assert batch.designs.count() == 8 and set(batch.designs.values_list("prompt", flat=True)) == {
        fox.prompt,
        owl.prompt,
    }
    assert batch.preset == fox.preset


def test_with_an_llm_new_prompts_are_added_for_review_and_blocked_ones_left_out(
    client,
    superuser,
    sellers,
    llm_settings,  # noqa: F811
    rsps,
):
    fox, owl = sellers
    rsps.post(LLM_URL, json=llm_answer({"prompts": ["a grey wolf, woodcut", "Disney castle, woodcut"]}))
    client.force_login(superuser)
    url = f"{BATCH_ADD}?{urlencode({'made_from': f'{fox.pk},{owl.pk}'})}"
    first = client.get(url).content.decode()
    assert "Also write 8 new prompts in their style (LLM)" in first and not rsps.calls  # asked for, not automatic
    response = client.get(url + "&write=1")
    form = form_with(response.content.decode(), "prompts")
    assert form.textareas["prompts"].splitlines()[-1] == "a grey wolf, woodcut"
    assert "Disney" not in form.textareas["prompts"]
    assert any("Left out “Disney castle, woodcut”: the blocked term “Disney”" in text for text in shown(response))
    client.post(BATCH_ADD, as_dict(form.data()))
    batch = Batch.objects.get(made_from=fox)
    assert batch.designs.filter(prompt="a grey wolf, woodcut").count() == 4


def test_a_tampered_follow_up_list_is_refused_in_words(client, superuser, sellers):
    fox, owl = sellers
    client.force_login(superuser)
    form = form_with(client.get(f"{BATCH_ADD}?made_from={fox.pk}").content.decode(), "prompts")
    page = client.post(BATCH_ADD, as_dict(form.data({"made_from": f"{fox.pk},DROP"}))).content.decode()
    assert "not a list of design numbers" in page
    assert not Batch.objects.exists()


def test_make_more_needs_the_add_permission(client, reviewer, sellers):
    client.force_login(reviewer)
    page = client.get(CHANGELIST).content.decode()
    assert "make_more_like_these" not in page


def test_a_follow_up_of_designs_that_are_gone_says_so(client, superuser):
    client.force_login(superuser)
    response = client.get(f"{BATCH_ADD}?made_from=999998,999999")
    assert any("None of those designs exist any more" in text for text in shown(response))
    assert form_with(response.content.decode(), "prompts").textareas["prompts"] == ""


@pytest.fixture
def shop(make_design):
    long_ago = timezone.now() - timedelta(days=45)
    tee, mug = make_template(name="Tee"), make_template(name="Mug", is_default=False)
    idle = make_design(prompt="idle", status=Status.PUBLISHED)
    make_product(idle, tee, printify_id="p-idle-tee", published_at=long_ago)
    make_product(idle, mug, printify_id="p-idle-mug", published_at=long_ago)
    seller = make_design(prompt="seller", status=Status.PUBLISHED)
    make_product(seller, tee, printify_id="p-seller", published_at=long_ago)
    sell(seller, days_ago=3)
    newer = make_design(prompt="newer", status=Status.PUBLISHED)
    make_product(newer, tee, printify_id="p-newer", published_at=timezone.now() - timedelta(days=10))
    return idle, seller, newer


def test_retire_asks_first_with_the_count_and_templates_then_unpublishes_audited(
    client, superuser, shop, django_capture_on_commit_callbacks
):
    idle, seller, newer = shop
    client.force_login(superuser)
    question = ask(client, "retire_never_sold", ticked=[idle.pk, seller.pk, newer.pk])
    page = question.content.decode()
    assert "<strong>1</strong> was first published 30 or more days ago" in page
    assert "<li>Tee: 1</li>" in page and "<li>Mug: 1</li>" in page
    assert "The other <strong>2</strong> sold, are newer or have nothing live" in page
    with django_capture_on_commit_callbacks() as callbacks:
        done = answer(client, question)
    assert done.status_code == 302
    assert len(callbacks) == 2  # the idle design's two live products
    assert any("1 queued for unpublishing, 2 skipped" in text for text in shown(done)), shown(done)
    assert LogEntry.objects.filter(object_id=str(idle.pk), change_message__startswith="Retired").count() == 1
    assert not LogEntry.objects.filter(object_id=str(seller.pk)).exists()


def test_changing_the_days_counts_again_before_anything_is_done(
    client, superuser, shop, django_capture_on_commit_callbacks
):
    idle, seller, newer = shop
    client.force_login(superuser)
    question = ask(client, "retire_never_sold", ticked=[idle.pk, seller.pk, newer.pk])
    with django_capture_on_commit_callbacks() as callbacks:
        again = answer(client, question, changes={"days": "7"})  # confirmed at once with other days: asked again
    assert again.status_code == 200 and not callbacks
    assert "<strong>2</strong> were first published 7 or more days ago" in again.content.decode()
    with django_capture_on_commit_callbacks() as callbacks:
        answer(client, again)
    assert len(callbacks) == 3


def test_nothing_to_retire_cannot_be_confirmed(client, superuser, shop):
    idle, seller, newer = shop
    client.force_login(superuser)
    page = ask(client, "retire_never_sold", ticked=[seller.pk]).content.decode()
    assert "<strong>0</strong> were first published" in page
    assert 'name="post"' not in page
