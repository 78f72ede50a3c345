"""manage.py write_listing_copy against the sandbox's LLM: selection, --wait progress and summary, exit status."""

import io

import pytest
from django.core.management import CommandError, call_command

from designs.models import Batch, CopyStatus, Design


@pytest.fixture
def sandbox_llm(settings, sandbox, transactional_db, monkeypatch):
    """The sandbox's OpenAI-compatible server, and django-q2 tasks run inline once their transaction commits."""
    from django_q.conf import Conf

    settings.LLM_API_BASE = f"{sandbox.url}/openai/v1"
    settings.LLM_API_KEY = "sandbox-llm-key"
    settings.LLM_MODEL = "sandbox-copywriter"
    monkeypatch.setattr(Conf, "SYNC", True)
    return sandbox


def run(*args) -> str:
    out = io.StringIO()
    call_command("write_listing_copy", *args, stdout=out)
    return out.getvalue()


def test_a_batch_gets_its_copy_with_progress_tokens_and_a_summary(make_design, sandbox_llm):
    batch = Batch.objects.create(name="Autumn")
    designs = [make_design(prompt=f"a red fox number {n} in the snow", batch=batch) for n in range(3)]
    output = run("--batch", "Autumn", "--wait", "--timeout", "60")
    assert output.startswith("3 queued for listing copy.")
    assert "[##############################] 3/3 done (written by the llm 3)" in output
    assert ": 3 written, 0 failed, 0 unfinished;" in output and "tokens" in output
    for design in designs:
        design.refresh_from_db()
        assert design.copy_status == CopyStatus.DONE and design.title.startswith("Red Fox Number")
        assert design.copy_tokens > 0
    assert sandbox_llm.state()["llm"]["answers"] == 3


def test_a_failure_is_reported_with_its_note_and_exits_non_zero(make_design, sandbox_llm):
    design = make_design(prompt="an owl")
    sandbox_llm.configure(llm_next_answers=["not_json", "wrong_shape"])
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 of 1 designs failed"):
        call_command("write_listing_copy", "--ids", str(design.pk), "--wait", stdout=out)
    assert "Copy failed: The LLM's answer could not be used: The title must be a non-empty string." in out.getvalue()
    assert Design.objects.get(pk=design.pk).copy_status == CopyStatus.FAILED


def test_unknown_batch_and_missing_llm_are_errors(db, settings):
    with pytest.raises(CommandError, match="No batch named “Nope”"):
        run("--batch", "Nope")
    settings.LLM_API_BASE = ""
    with pytest.raises(CommandError, match="Listing copy by LLM is off"):
        run("--ids", "1")
