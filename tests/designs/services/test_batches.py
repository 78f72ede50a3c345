"""Batches: prompt files parsed and checked line by line, a batch created and queued.

Real database, real Pillow, real files in the temp MEDIA_ROOT; RunPod's HTTP answered by `responses`.
"""

from decimal import Decimal

import pytest

from designs import selectors
from designs.models import Design
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
