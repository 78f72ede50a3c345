"""Batches: prompt files parsed and checked line by line, a batch created and queued.

Real database, real Pillow, real files in the temp MEDIA_ROOT; RunPod's HTTP answered by `responses`.
"""

from decimal import Decimal

import pytest

from designs import selectors
from designs.models import Design, DesignEvent
from designs.services.batches import PromptFileError, create_batch, parse_prompts
from designs.workflow import Source, Status

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("runpod_settings")]


def test_parse_prompts_text_skips_comments_and_blank_lines():
    rows = parse_prompts("# my batch\n\na fox\n  an owl  \n#skip\n")
    assert [(row.line, row.prompt) for row in rows] == [(3, "a fox"), (4, "an owl")]


def test_parse_prompts_csv_with_optional_columns():
    text = 'prompt,title,tags,seed,width,height\na fox,Fox,"animal, red",42,768,1024\nan owl,,,,,\n'
    rows = parse_prompts(text)
    assert (rows[0].prompt, rows[0].title, rows[0].tags, rows[0].seed, rows[0].width) == (
        "a fox",
        "Fox",
        ["animal", "red"],
        42,
        768,
    )
    assert (rows[1].seed, rows[1].width) == (None, None)


def test_parse_prompts_names_every_bad_line():
    text = "prompt,seed,width\na fox,abc,768\n,1,512\nan owl,1,1000\n"
    with pytest.raises(PromptFileError) as caught:
        parse_prompts(text)
    assert caught.value.errors == [
        "line 2: seed must be a whole number, got 'abc'",
        "line 3: the prompt is empty",
        "line 4: width must be a multiple of 16 from 256 to 2048, got 1000",
    ]


def test_create_batch_and_progress_in_one_query(django_assert_num_queries):
    rows = parse_prompts("a fox\nan owl\n")
    batch, result = create_batch(rows, name="animals", origin="file", variations=2, source=Source.COMMAND)
    assert len(result.moved) == 4
    Design.objects.filter(pk=result.moved[0]).update(cost=Decimal("0.01"))
    with django_assert_num_queries(1):
        progress = selectors.progress(selectors.batch_designs([batch.pk]))
    assert progress["counts"][Status.QUEUED] == 4 and progress["total"] == 4
    assert progress["cost"] == Decimal("0.01")


def test_a_batch_holds_at_most_max_prompts(settings):
    settings.MAX_PROMPTS_PER_BATCH = 3
    with pytest.raises(PromptFileError, match="4 prompts; a batch may hold at most 3"):
        parse_prompts("a\nb\nc\nd\n")


def test_one_request_creates_at_most_max_designs_and_nothing_above(settings):
    from designs.models import Batch
    from designs.services.generation import TooManyDesigns

    settings.MAX_DESIGNS_PER_ACTION = 10
    rows = parse_prompts("a fox\nan owl\n")
    with pytest.raises(TooManyDesigns, match="That would be 12 designs"):
        create_batch(rows, name="big", origin="file", variations=6, source=Source.COMMAND)
    assert not Batch.objects.exists() and not Design.objects.exists()


def test_large_batches_are_created_and_queued_in_chunks(monkeypatch, django_assert_max_num_queries):
    from designs.services import batches

    monkeypatch.setattr(batches, "CREATE_CHUNK", 3)
    rows = parse_prompts("\n".join(f"tile {n}" for n in range(10)))
    _batch, result = create_batch(rows, name="tiles", origin="file", source=Source.COMMAND)
    assert len(result.moved) == 10
    assert Design.objects.filter(status=Status.QUEUED).count() == 10
    # four chunks, each its own short transaction (one INSERT, one move to queued)
    chunk_events = DesignEvent.objects.filter(to_status=Status.QUEUED).values_list("created_at", flat=True)
    assert len(set(chunk_events)) == 4
