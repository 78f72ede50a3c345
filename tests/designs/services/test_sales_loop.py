"""designs/services/sales_loop.py: the plan of a follow-up batch, prompts written by the LLM in the style of sellers
(blocked terms refused, in words), and retiring what never sold through the unpublish service."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from designs.machine import Source
from designs.models import Batch, GenerationPreset
from designs.services import batches, sales_loop
from tests.designs.llm_support import LLM_URL, answer, llm_settings  # noqa: F401  (fixture)
from tests.designs.publishing_support import make_product, make_template
from tests.designs.sales_support import sell

pytestmark = pytest.mark.django_db


@pytest.fixture
def presets():
    return [GenerationPreset.objects.create(name=name, workflow={}, parameter_map={}) for name in ("Woodcut", "Ink")]


def test_a_follow_up_takes_each_prompt_once_and_the_preset_most_of_them_used(make_design, presets):
    woodcut, ink = presets
    fox = make_design(prompt="red fox woodcut", preset=woodcut)
    twin = make_design(prompt="red fox woodcut", preset=woodcut)
    owl = make_design(prompt="owl at night", preset=ink)
    plan = sales_loop.follow_up([owl.pk, fox.pk, twin.pk, 999_999])
    assert plan.made_from == [owl.pk, fox.pk, twin.pk]
    assert plan.prompts == ["owl at night", "red fox woodcut"]
    assert plan.preset == woodcut and plan.preset_names == ["Ink", "Woodcut"]
    assert plan.name == f"More like #{owl.pk}, #{fox.pk}, #{twin.pk}"


def test_a_batch_remembers_the_designs_it_follows_up(make_design, flux_preset):
    fox = make_design()
    rows = batches.parse_prompts("red fox woodcut\n", csv_format=False)
    batch, result = batches.create_batch(
        rows, name="More", origin=Batch.Origin.ADMIN, variations=3, made_from=[fox.pk], source=Source.ADMIN
    )
    assert list(batch.made_from.all()) == [fox]
    assert len(result.moved) == 3


def test_the_llm_writes_prompts_in_their_style_and_blocked_terms_are_refused(llm_settings, rsps):  # noqa: F811
    written = ["a grey wolf howling, woodcut", "Mickey Mouse in the snow, woodcut", "red fox woodcut", "  "]
    rsps.post(LLM_URL, json=answer({"prompts": written}))
    result = sales_loop.write_prompts_like(["red fox woodcut", "owl at night, woodcut"], 4)
    assert result.prompts == ["a grey wolf howling, woodcut"]  # the example itself is not new
    assert result.error == ""
    assert len(result.refused) == 2
    assert "“Mickey Mouse in the snow, woodcut”: the blocked term “Mickey Mouse” (in the prompt)" in result.refused
    sent = json.loads(rsps.calls[0].request.body)
    assert (
        "red fox woodcut" in sent["messages"][1]["content"] and "Write 4 new prompts" in sent["messages"][0]["content"]
    )


@pytest.mark.parametrize(
    ("reply", "said"),
    [
        ({"body": "not json"}, "The LLM's answer could not be used: it is not JSON."),
        ({"json": answer({"prompt": "x"})}, 'it must be {"prompts": [string, ...]}'),
        ({"status": 500, "json": {"error": {"message": "overloaded"}}}, "The LLM could not write prompts:"),
    ],
)
def test_an_llm_failure_is_said_in_words_and_adds_nothing(llm_settings, rsps, reply, said):  # noqa: F811
    if "body" in reply:
        rsps.post(LLM_URL, json=answer(reply["body"]))
    else:
        rsps.post(LLM_URL, status=reply.get("status", 200), json=reply["json"])
    result = sales_loop.write_prompts_like(["red fox woodcut"], 4)
    assert result.prompts == [] and said in result.error


def test_without_an_llm_nothing_is_written(settings):
    settings.LLM_API_BASE = ""
    result = sales_loop.write_prompts_like(["red fox"], 4)
    assert result.prompts == [] and "No LLM is configured" in result.error


def test_retiring_unpublishes_only_what_never_sold(make_design, django_capture_on_commit_callbacks):
    long_ago = timezone.now() - timedelta(days=60)
    idle, seller, fresh = make_design(prompt="idle"), make_design(prompt="seller"), make_design(prompt="fresh")
    tee = make_template()
    for design, published_at in ((idle, long_ago), (seller, long_ago), (fresh, timezone.now())):
        make_product(design, tee, printify_id=f"p{design.pk}", published_at=published_at)
    sell(seller, days_ago=10)
    with django_capture_on_commit_callbacks() as callbacks:
        result = sales_loop.retire_never_sold(
            [idle.pk, seller.pk, fresh.pk], days=30, delete=False, actor=None, source=Source.ADMIN
        )
    assert result.moved == [idle.pk]
    assert set(result.skipped) == {seller.pk, fresh.pk}
    assert len(callbacks) == 1  # one unpublish task: the idle design's one live product
