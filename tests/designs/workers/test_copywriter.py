"""The LLM copywriter on a worker: claim, ask, check, retry once with the problems, save unless edited meanwhile;
every failure a readable note; tokens and cost recorded."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from designs.models import CopyStatus, Design, DesignEvent
from designs.services.listing_copy import request_copy, save_copy
from designs.workers.copywriter import run_write_copy, wake_stale_copy
from designs.workflow import EventKind, Source, Status
from tests.designs.llm_support import GOOD_COPY, LLM_KEY, LLM_URL, answer, llm_settings  # noqa: F401

pytestmark = pytest.mark.usefixtures("llm_settings")


@pytest.fixture
def queued_copy(make_design):
    def make(**fields):
        fields.setdefault("status", Status.REVIEW)
        design = make_design(**fields)
        assert request_copy([design.pk], actor=None, source=Source.COMMAND).moved == [design.pk]
        return design

    return make


def notes(design):
    return list(DesignEvent.objects.filter(design=design, kind=EventKind.NOTE).values_list("message", flat=True))


def test_a_good_answer_becomes_the_copy_with_tokens_cost_and_a_note(queued_copy, rsps):
    design = queued_copy(prompt="a red fox in the snow", style="woodcut")
    rsps.post(LLM_URL, json=answer(GOOD_COPY, prompt_tokens=1000, completion_tokens=200))
    assert run_write_copy(design.pk) == "written"
    design.refresh_from_db()
    assert (design.title, design.description, design.tags) == (
        GOOD_COPY["title"],
        GOOD_COPY["description"],
        GOOD_COPY["tags"],
    )
    assert design.copy_status == CopyStatus.DONE and design.copy_revision == 1
    assert design.copy_tokens == 1200 and design.copy_cost == Decimal("0.00160")  # 1000 × $1/M + 200 × $3/M
    assert design.copy_note == "Copy written by copy-model (1,200 tokens: 1,000 prompt, 200 answer)."
    assert notes(design)[0].startswith("Copy written by copy-model")
    sent = json.loads(rsps.calls[0].request.body)
    assert "Design prompt: a red fox in the snow\nStyle: woodcut" in sent["messages"][1]["content"]
    assert rsps.calls[0].request.headers["Authorization"] == f"Bearer {LLM_KEY}"


def test_markup_and_invisible_characters_in_an_answer_are_not_stored(queued_copy, rsps):
    design = queued_copy()
    dirty = {
        "title": "<script>alert(1)</script>Red Fox\u202e Woodcut\x00 Tee",
        "description": "A red fox\u200b in the snow.\x00",
        "tags": ["<b>fox</b>", "wood\u2066cut"],
    }
    rsps.post(LLM_URL, json=answer(dirty))
    assert run_write_copy(design.pk) == "written"
    design.refresh_from_db()
    assert (design.title, design.description, design.tags) == (
        "Red Fox Woodcut Tee",
        "A red fox in the snow.",
        ["fox", "woodcut"],
    )


def test_an_unusable_answer_is_retried_once_with_its_problems(queued_copy, rsps):
    design = queued_copy()
    rsps.post(LLM_URL, json=answer({**GOOD_COPY, "title": "x" * 150}))
    rsps.post(LLM_URL, json=answer(GOOD_COPY))
    assert run_write_copy(design.pk) == "written"
    retry = json.loads(rsps.calls[1].request.body)["messages"]
    assert retry[-1]["content"].startswith("Your answer cannot be used: The title is 150 characters long")
    design.refresh_from_db()
    assert design.title == GOOD_COPY["title"] and design.copy_tokens == 300  # both answers counted


def test_two_unusable_answers_leave_a_copy_failed_note_and_the_old_copy(queued_copy, rsps):
    design = queued_copy(title="Kept title")
    rsps.post(LLM_URL, json=answer("Sure! Here is a title: Fox"))
    assert run_write_copy(design.pk) == "failed"
    design.refresh_from_db()
    assert design.title == "Kept title" and design.copy_status == CopyStatus.FAILED
    assert design.copy_note.startswith("Copy failed: The LLM's answer could not be used: The answer is not JSON.")
    assert design.copy_tokens == 300 and len(rsps.calls) == 2


def test_a_blocked_term_in_the_answer_is_a_problem(queued_copy, rsps):
    design = queued_copy()
    rsps.post(LLM_URL, json=answer({**GOOD_COPY, "tags": ["fox", "disney"]}))
    assert run_write_copy(design.pk) == "failed"
    design.refresh_from_db()
    assert "the blocked term “Disney” (in the tags)" in design.copy_note


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (400, {"error": {"message": "Prompt rejected", "type": "invalid_request_error"}}, "Prompt rejected"),
        (401, {"error": {"message": "bad key"}}, "refused our credentials"),
        (429, {"error": {"message": "busy"}}, "Ask for the copy again in a minute."),
    ],
)
def test_a_refusal_is_a_clear_copy_failed_note(queued_copy, rsps, status, body, words):
    design = queued_copy()
    rsps.post(LLM_URL, json=body, status=status)
    assert run_write_copy(design.pk) == "failed"
    design.refresh_from_db()
    assert design.copy_status == CopyStatus.FAILED and words in design.copy_note
    assert LLM_KEY not in design.copy_note


def test_a_slow_llm_is_a_timeout_note(queued_copy, rsps):
    import requests

    design = queued_copy()
    rsps.post(LLM_URL, body=requests.ReadTimeout("slow"))
    assert run_write_copy(design.pk) == "failed"
    design.refresh_from_db()
    assert design.copy_note == "Copy failed: The LLM did not answer in time"


def test_an_edit_made_while_the_llm_wrote_wins(queued_copy, rsps, reviewer):
    design = queued_copy(title="Old")

    def edit_then_answer(request):
        save_copy(design.pk, revision=0, title="Typed by a person", actor=reviewer, source=Source.REVIEW)
        return 200, {}, json.dumps(answer(GOOD_COPY))

    rsps.add_callback("POST", LLM_URL, callback=edit_then_answer)
    assert run_write_copy(design.pk) == "failed"
    design.refresh_from_db()
    assert design.title == "Typed by a person"
    assert design.copy_note.startswith("Copy failed: The copy was edited while the LLM was writing")


def test_a_second_delivery_of_the_task_does_nothing(queued_copy, rsps):
    design = queued_copy()
    rsps.post(LLM_URL, json=answer(GOOD_COPY))
    assert run_write_copy(design.pk) == "written"
    assert run_write_copy(design.pk) == "not queued"
    assert len(rsps.calls) == 1


def test_a_lost_claim_is_woken_and_taken_over(queued_copy, rsps, django_capture_on_commit_callbacks):
    design = queued_copy()
    long_ago = timezone.now() - timedelta(hours=1)
    Design.objects.filter(pk=design.pk).update(copy_status=CopyStatus.WRITING, copy_requested_at=long_ago)
    with django_capture_on_commit_callbacks() as callbacks:
        assert wake_stale_copy() == [design.pk]
    assert len(callbacks) == 1  # the task is sent again
    assert Design.objects.get(pk=design.pk).copy_status == CopyStatus.QUEUED
    rsps.post(LLM_URL, json=answer(GOOD_COPY))
    assert run_write_copy(design.pk) == "written"


def test_a_title_naming_a_product_is_asked_again_without_it(queued_copy, rsps):
    # Issue 19: an LLM title naming the tee ("… Gildan 5000 Tee") went on the mug too.
    from tests.designs.publishing_support import make_template

    make_template(name="Gildan tee", blueprint_title="Unisex Heavy Cotton Tee")
    make_template(name="Mug 11oz", is_default=False)
    design = queued_copy(prompt="a red fox in the snow")
    rsps.post(LLM_URL, json=answer({**GOOD_COPY, "title": "Snowy Fox Gildan 5000 Tee"}))
    rsps.post(LLM_URL, json=answer(GOOD_COPY))
    assert run_write_copy(design.pk) == "written"
    retry = json.loads(rsps.calls[1].request.body)["messages"][-1]["content"]
    assert retry.startswith("Your answer cannot be used: The title names the product (gildan, tee)")
    design.refresh_from_db()
    assert design.title == "Red Fox Woodcut"


@pytest.fixture
def three_shops(db):
    from designs.shops import SalesChannel, Shop
    from tests.designs.publishing_support import make_template

    made = {}
    for number, (channel, title) in enumerate(
        [(SalesChannel.ETSY, "My Etsy shop"), (SalesChannel.EBAY, "My eBay"), (SalesChannel.TIKTOK, "Tok")]
    ):
        shop = Shop.objects.create(printify_id=str(200 + number), title=title, channel=channel, is_default=not number)
        made[channel] = make_template(name=f"{title} tee", shop=shop, is_default=not number)
    # A disconnected shop's templates do not count: nothing is published there.
    gone = Shop.objects.create(
        printify_id="299", title="Gone", channel=SalesChannel.EBAY, disconnected_at=timezone.now()
    )
    make_template(name="Gone tee", shop=gone, is_default=False, title_template="{{ title }}")
    Shop.objects.filter(pk=gone.pk).update(title_max_chars=10)
    return made


def test_the_llm_is_asked_for_copy_that_fits_every_connected_shop_and_its_answer_is_checked_so(
    queued_copy, rsps, three_shops
):
    design = queued_copy(prompt="a red fox in the snow")
    rsps.post(LLM_URL, json=answer({**GOOD_COPY, "title": "Red fox in the snow, a woodcut print " * 3}))
    rsps.post(LLM_URL, json=answer({**GOOD_COPY, "title": "Red fox in the snow, woodcut print"}))

    assert run_write_copy(design.pk) == "written"

    rules = json.loads(rsps.calls[0].request.body)["messages"][0]["content"]
    # eBay's 80, TikTok Shop's 25, Etsy's % : & and tags (TikTok's are the settings', Etsy's by default).
    assert "- title: between 25 and 80 characters; use each of the characters % : & at most once;" in rules
    assert "- tags: at most 13 tags, each at most 20 characters" in rules
    retry = json.loads(rsps.calls[1].request.body)["messages"]
    assert retry[-1]["content"].startswith(
        "Your answer cannot be used: The title is 110 characters; eBay (My eBay) allows 80."
    )
    design.refresh_from_db()
    assert design.title == "Red fox in the snow, woodcut print"


def test_copy_written_from_the_publish_confirmation_fits_the_shops_of_its_templates(
    queued_copy, rsps, three_shops, django_capture_on_commit_callbacks, make_design
):
    from designs.shops import SalesChannel

    etsy_tee = three_shops[SalesChannel.ETSY]
    design = make_design(status=Status.REVIEW, prompt="a red fox in the snow")
    with django_capture_on_commit_callbacks() as callbacks:
        request_copy([design.pk], actor=None, source=Source.ADMIN, templates=[etsy_tee])
    [wake] = callbacks
    assert wake.args == ("write_listing_copy", design.pk, [etsy_tee.pk])  # the task carries the templates

    rsps.post(LLM_URL, json=answer(GOOD_COPY))
    assert run_write_copy(design.pk, [etsy_tee.pk]) == "written"
    rules = json.loads(rsps.calls[0].request.body)["messages"][0]["content"]
    assert "- title: at most 140 characters; use each of the characters % : & at most once;" in rules


def test_a_channel_without_tags_is_asked_for_none(queued_copy, rsps, three_shops):
    from designs.shops import SalesChannel

    ebay_tee = three_shops[SalesChannel.EBAY]
    design = queued_copy()
    rsps.post(LLM_URL, json=answer(GOOD_COPY))
    assert run_write_copy(design.pk, [ebay_tee.pk]) == "written"
    rules = json.loads(rsps.calls[0].request.body)["messages"][0]["content"]
    assert "- title: at most 80 characters;" in rules
    assert "- tags: an empty list: the shop's sales channel has no tags." in rules
