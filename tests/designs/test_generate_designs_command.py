import io

import pytest
from django.core.management import CommandError, call_command

from designs.models import Batch, Design, GenerationPreset
from designs.workflow import Status

pytestmark = pytest.mark.django_db


def run(*args, stdin=None, monkeypatch=None):
    out = io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    call_command("generate_designs", *args, stdout=out)
    return out.getvalue()


def test_text_file_with_variations_makes_a_queued_batch(tmp_path):
    prompts = tmp_path / "animals.txt"
    prompts.write_text("# animals\na fox in snow\n\nan owl at night\n")
    output = run(str(prompts), "--variations", "2")
    batch = Batch.objects.get()
    assert (batch.name, batch.origin, batch.preset.name) == ("animals.txt", Batch.Origin.FILE, "Flux dev fp8")
    designs = Design.objects.filter(batch=batch)
    assert designs.count() == 4
    assert set(designs.values_list("status", flat=True)) == {Status.QUEUED}
    assert sorted(set(designs.values_list("prompt", flat=True))) == ["a fox in snow", "an owl at night"]
    assert f"Batch #{batch.pk} “animals.txt”: 4 designs queued (estimated cost $" in output


def test_csv_columns_fill_the_designs(tmp_path):
    prompts = tmp_path / "shop.csv"
    prompts.write_text('prompt,title,tags,seed,width,height\n"a fox, woodcut",Fox,"animal;red",42,768,1024\n')
    run(str(prompts), "--batch", "autumn")
    design = Design.objects.get()
    assert (design.prompt, design.title, design.tags, design.seed, design.width, design.height) == (
        "a fox, woodcut",
        "Fox",
        ["animal", "red"],
        42,
        768,
        1024,
    )
    assert design.batch.name == "autumn"


def test_dash_reads_standard_input(monkeypatch):
    run("-", stdin="a lighthouse\n", monkeypatch=monkeypatch)
    assert Design.objects.get().prompt == "a lighthouse"


def test_errors_name_each_line_and_nothing_is_created(tmp_path):
    prompts = tmp_path / "bad.csv"
    prompts.write_text("prompt,width\na fox,100\n,512\nfine,512\n")
    with pytest.raises(CommandError) as caught:
        run(str(prompts))
    message = str(caught.value)
    assert "line 2: width must be a multiple of 16 from 256 to 2048, got 100" in message
    assert "line 3: the prompt is empty" in message
    assert not Design.objects.exists() and not Batch.objects.exists()


def test_dry_run_creates_nothing(tmp_path):
    prompts = tmp_path / "p.txt"
    prompts.write_text("one\ntwo\nthree\n")
    output = run(str(prompts), "--dry-run", "--variations", "3")
    assert "3 prompts × 3 = 9 designs would be queued" in output
    assert not Design.objects.exists()


def test_unknown_preset_lists_the_active_ones(tmp_path):
    prompts = tmp_path / "p.txt"
    prompts.write_text("one\n")
    GenerationPreset.objects.create(name="old", workflow={}, is_active=False)
    with pytest.raises(CommandError, match="No active preset named “nope”. Active presets: Flux dev fp8."):
        run(str(prompts), "--preset", "nope")


def test_missing_file_is_a_clear_error():
    with pytest.raises(CommandError, match="Cannot read /nonexistent/prompts.txt"):
        run("/nonexistent/prompts.txt")


def test_wait_gives_up_after_its_timeout_with_a_progress_line(tmp_path):
    prompts = tmp_path / "p.txt"
    prompts.write_text("one\ntwo\n")
    out = io.StringIO()
    with pytest.raises(CommandError, match="Gave up waiting after 0 s; 2 designs are unfinished."):
        call_command("generate_designs", str(prompts), "--wait", "--timeout", "0", stdout=out)
    assert "[" + "." * 30 + "] 0/2 done (queued 2)" in out.getvalue()


def test_one_prompt_reads_in_the_singular_and_a_cost_below_a_cent_is_not_zero(tmp_path, settings):
    # Issue 19: "1 prompts × 1 = 1 designs" and "$0.00" for a real cost of a third of a cent.
    settings.GENERATION_ESTIMATED_SECONDS, settings.RUNPOD_COST_PER_SECOND = 12, 0.0003
    prompts = tmp_path / "one.txt"
    prompts.write_text("a fox in snow\n")
    output = run(str(prompts), "--dry-run")
    assert output.startswith("1 prompt × 1 = 1 design would be queued with preset")
    assert "(estimated cost $0.0036)" in output
    output = run(str(prompts))
    assert "1 design queued (estimated cost $0.0036)" in output
