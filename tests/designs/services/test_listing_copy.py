"""Listing copy use cases: a person's edit (limits, revision conflicts, history) and requests to the LLM."""

from decimal import Decimal

import pytest

from designs.clients import NotConfigured
from designs.models import CopyStatus, Design, DesignEvent
from designs.services.generation import TooManyDesigns
from designs.services.listing_copy import (
    copy_question,
    copy_state,
    estimated_cost,
    request_copy,
    save_copy,
    title_twins,
)
from designs.workflow import EventKind, Source, Status
from tests.designs.llm_support import llm_settings  # noqa: F401


def test_an_edit_is_cleaned_saved_and_noted_with_its_author(make_design, reviewer):
    design = make_design(title="Old", tags=["a"])
    edit = save_copy(
        design.pk, revision=0, title=' "New  title" ', tags="#fox, winter", actor=reviewer, source=Source.REVIEW
    )
    assert edit.saved and edit.changed == ["title", "tags"]
    design.refresh_from_db()
    assert (design.title, design.tags, design.copy_revision) == ("New title", ["fox", "winter"], 1)
    event = DesignEvent.objects.get(design=design, kind=EventKind.NOTE)
    assert event.actor == reviewer and event.source == Source.REVIEW
    assert event.message == "Copy edited: title “Old” → “New title”; tags a → fox, winter."


def test_an_edit_loses_control_bidi_and_zero_width_characters_and_markup(make_design, reviewer):
    design = make_design()
    edit = save_copy(
        design.pk,
        revision=0,
        actor=reviewer,
        source=Source.REVIEW,
        title="<i>Fox</i>\x00 \u202eTee",
        description="One\x00\n\tTwo\u200b",
        tags="fo\u200bx, <b>owl</b>",
    )
    assert edit.saved
    design.refresh_from_db()
    assert (design.title, design.description, design.tags) == ("Fox Tee", "One\nTwo", ["fox", "owl"])


def test_an_edit_from_a_stale_revision_is_a_conflict_naming_who_changed_it(make_design, reviewer, publisher):
    design = make_design(title="Old")
    assert save_copy(design.pk, revision=0, title="First", actor=reviewer, source=Source.REVIEW).saved
    edit = save_copy(design.pk, revision=0, title="Second", actor=publisher, source=Source.ADMIN)
    assert not edit.saved and edit.design.title == "First"
    assert edit.conflict == (
        f"Design {design.pk}'s copy was changed by reviewer meanwhile: nothing was saved; its current copy is shown."
    )


def test_values_over_the_limits_are_refused_with_messages(make_design, reviewer):
    design = make_design()
    edit = save_copy(design.pk, revision=0, title="x" * 141, tags=["y" * 21], actor=reviewer, source=Source.REVIEW)
    assert not edit.saved
    assert edit.problems == {
        "title": ["The title is 141 characters long; at most 140 are allowed."],
        "tags": [f"Tags may be at most 20 characters long: “{'y' * 21}” (21)."],
    }
    assert Design.objects.get(pk=design.pk).copy_revision == 0


def test_an_edit_must_fit_the_strictest_of_the_shops_sold_in_and_says_which_refuses(make_design, reviewer):
    from designs.shops import SalesChannel, Shop
    from tests.designs.publishing_support import make_template

    etsy = Shop.objects.create(printify_id="7", title="My Etsy shop", channel=SalesChannel.ETSY, is_default=True)
    ebay = Shop.objects.create(printify_id="8", title="My eBay", channel=SalesChannel.EBAY)
    make_template(shop=etsy)
    make_template(name="eBay tee", shop=ebay, is_default=False)
    design = make_design()

    edit = save_copy(
        design.pk,
        revision=0,
        title="Fox & Hen & Owl " * 6,
        tags=[f"t{n}" for n in range(14)],
        actor=reviewer,
        source=Source.REVIEW,
    )

    assert edit.problems == {
        "title": [
            "The title is 95 characters; eBay (My eBay) allows 80.",
            "The title has “&” 12 times; Etsy (My Etsy shop) allows each of % : & once.",
        ],
        "tags": ["14 tags; Etsy (My Etsy shop) allows 13."],
    }
    limits = copy_state(design)["limits"]
    assert (limits["title"], limits["tags"], limits["once_each"]) == (80, 13, "%:&")


def test_an_unchanged_save_writes_nothing(make_design, reviewer):
    design = make_design(title="Same")
    assert save_copy(design.pk, revision=0, title="Same", actor=reviewer, source=Source.REVIEW).changed == []
    assert not DesignEvent.objects.filter(design=design, kind=EventKind.NOTE).exists()


def test_a_missing_design_is_a_conflict(db, reviewer):
    assert save_copy(999999, revision=0, title="x", actor=reviewer, source=Source.REVIEW).conflict == (
        "Design 999999 no longer exists."
    )


def test_copy_requests_need_an_llm(make_design, settings):
    settings.LLM_API_BASE = ""
    with pytest.raises(NotConfigured, match="set LLM_API_BASE and LLM_MODEL"):
        request_copy([make_design().pk], actor=None, source=Source.ADMIN)


def test_copy_requests_say_why_designs_were_left_out(make_design, llm_settings, django_capture_on_commit_callbacks):  # noqa: F811
    fine = make_design()
    no_prompt = make_design(prompt="")
    publishing = make_design(status=Status.PUBLISHING)
    writing = make_design(copy_status=CopyStatus.QUEUED)
    with django_capture_on_commit_callbacks() as callbacks:
        result = request_copy([fine.pk, no_prompt.pk, publishing.pk, writing.pk, 424242], actor=None, source="admin")
    assert result.moved == [fine.pk] and len(callbacks) == 1
    assert result.refused == {
        no_prompt.pk: "no prompt to write from",
        publishing.pk: "being published",
        writing.pk: "its copy is being written already",
    }
    assert result.skipped == {424242: None}
    assert Design.objects.get(pk=fine.pk).copy_status == CopyStatus.QUEUED


def test_done_copy_is_written_again_only_when_asked(make_design, llm_settings):  # noqa: F811
    done = make_design(title="Written", copy_status=CopyStatus.DONE)
    kept = request_copy([done.pk], actor=None, source=Source.ADMIN)
    assert kept.moved == [] and kept.refused == {done.pk: "its copy is done; ask to rewrite it"}
    rewritten = request_copy([done.pk], actor=None, source=Source.ADMIN, rewrite_done=True)
    assert rewritten.moved == [done.pk]


def test_more_writable_designs_than_the_cap_queue_nothing(make_design, llm_settings, settings):  # noqa: F811
    settings.MAX_DESIGNS_PER_ACTION = 2
    designs = [make_design().pk for _ in range(3)] + [make_design(prompt="").pk]
    with pytest.raises(TooManyDesigns, match="That would be 3 designs"):
        request_copy(designs, actor=None, source=Source.ADMIN)
    assert not Design.objects.filter(copy_status=CopyStatus.QUEUED).exists()
    # Designs that would not be queued do not count: two fit.
    assert request_copy(designs[1:], actor=None, source=Source.ADMIN).moved == designs[1:3]


def test_the_question_counts_and_prices_the_whole_selection(make_design, llm_settings, settings):  # noqa: F811
    settings.MAX_DESIGNS_PER_ACTION = 2
    make_design(copy_status=CopyStatus.DONE, copy_tokens=900, copy_cost=Decimal("0.02"))
    make_design(copy_status=CopyStatus.DONE, copy_tokens=900, copy_cost=Decimal("0.04"))
    make_design()
    make_design(prompt="")
    question = copy_question(Design.objects.all())
    assert (question.count, question.done, question.not_writable) == (1, 2, 1)
    assert (question.estimate, question.estimate_with_done) == (Decimal("0.03"), Decimal("0.09"))  # average so far
    assert question.can_confirm and not question.problem
    assert "at most 2" in copy_question(Design.objects.all(), rewrite_done=True).problem


def test_the_estimate_without_history_prices_the_usual_tokens(llm_settings, db):  # noqa: F811
    # 600 prompt tokens at $1 per million and 800 answer tokens at $3 per million
    assert estimated_cost(10) == Decimal("0.030")
    llm_settings.LLM_COST_PER_MILLION_INPUT_TOKENS = llm_settings.LLM_COST_PER_MILLION_OUTPUT_TOKENS = 0
    assert estimated_cost(10) is None


def test_review_state_flags_blocked_terms_and_titles_already_live(make_design):
    make_design(title="Skull with roses", status=Status.PUBLISHED)
    design = make_design(title="skull with ROSES", tags=["nike"])
    state = copy_state(design)
    assert [twin.pk for twin in title_twins(design)] == [design.pk - 1]
    assert state["warnings"] == [
        "Approval will be refused: it names the blocked term “Nike” (in the tags).",
        f"This title is already live: design {design.pk - 1}. Publishing it again needs a confirmation.",
    ]
    assert state["limits"] == {
        "title": 140,
        "title_min": 0,
        "once_each": "",
        "tags": 13,
        "tag": 20,
        "description": 50000,
        "name": "",
    }


def test_copy_after_ingest_only_when_asked_and_only_for_untitled_designs(make_design, llm_settings):  # noqa: F811
    from designs.services.listing_copy import after_ingest

    untitled, titled = make_design(status=Status.REVIEW), make_design(status=Status.REVIEW, title="Kept")
    after_ingest([untitled.pk, titled.pk])
    assert Design.objects.get(pk=untitled.pk).copy_status == CopyStatus.NONE  # off by default
    llm_settings.LISTING_COPY_AFTER_INGEST = True
    after_ingest([untitled.pk, titled.pk])
    assert Design.objects.get(pk=untitled.pk).copy_status == CopyStatus.QUEUED
    assert Design.objects.get(pk=titled.pk).copy_status == CopyStatus.NONE
