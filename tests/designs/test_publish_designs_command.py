"""manage.py publish_designs: selection, template choice, --wait progress and summary, exit status."""

import io

import pytest
import responses
from django.core.management import CommandError, call_command

from designs.models import Batch, Design
from designs.workflow import Status
from tests.designs.publishing_support import (
    FakePrintify,
    attach_image,
    configure_printify,
    make_product,
    make_template,
    product_of,
)


@pytest.fixture(autouse=True)
def printify_settings(settings):
    configure_printify(settings)


@pytest.fixture
def printify():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakePrintify(rsps)


@pytest.fixture
def inline_tasks(monkeypatch, transactional_db):
    """Run django-q2 tasks in this process as soon as their transaction commits (no cluster needed)."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


def run(*args) -> str:
    out = io.StringIO()
    call_command("publish_designs", *args, stdout=out)
    return out.getvalue()


def test_wait_follows_the_designs_to_the_end_with_progress_and_a_summary(make_design, printify, inline_tasks):
    make_template()
    designs = [attach_image(make_design(status=Status.APPROVED, title=f"Fox {n}")) for n in range(3)]
    output = run("--ids", *[str(d.pk) for d in designs], "--wait", "--timeout", "60")
    assert "3 queued for publishing" in output
    assert "[##############################] 3/3 done (published 3)" in output
    assert output.rstrip().endswith(": 3 published, 0 failed, 0 still publishing, 0 skipped.")
    assert len(printify.created) == 3


def test_a_failure_is_reported_and_exits_non_zero(make_design, printify, inline_tasks):
    make_template()
    good = attach_image(make_design(status=Status.APPROVED, title="Good fox"))
    bad = attach_image(make_design(status=Status.APPROVED, title="Bad fox"))
    printify.fail("create", 400, {"code": 8203, "errors": {"reason": "Image has low quality", "code": 8203}})
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 of 2 designs failed"):
        call_command("publish_designs", "--all-approved", "--wait", "--timeout", "60", stdout=out)
    output = out.getvalue()
    assert "1 published, 1 failed" in output
    # Which design meets the refusal depends on queue order; exactly one does, and its reason is printed.
    statuses = sorted(Design.objects.filter(pk__in=[good.pk, bad.pk]).values_list("status", flat=True))
    assert statuses == [Status.PUBLISH_FAILED, Status.PUBLISHED]
    assert "Printify refused the product (8203): the image quality is too low" in output


def test_batch_selection_and_named_template(make_design):
    make_template()
    stickers = make_template(name="Stickers", is_default=False)
    winter = Batch.objects.create(name="Winter")
    chosen = make_design(status=Status.APPROVED, batch=winter)
    other_batch = make_design(status=Status.APPROVED)
    not_approved = make_design(status=Status.REVIEW, batch=winter)
    output = run("--batch", "Winter", "--template", "Stickers")
    assert "1 queued for publishing" in output
    chosen.refresh_from_db()
    assert chosen.status == Status.PUBLISHING and product_of(chosen).template == stickers
    other_batch.refresh_from_db()
    not_approved.refresh_from_db()
    assert other_batch.status == Status.APPROVED and not_approved.status == Status.REVIEW


def test_template_given_twice_makes_two_products_per_design(make_design):
    tee = make_template()
    mug = make_template(name="Mug", is_default=False)
    design = make_design(status=Status.APPROVED)
    output = run("--ids", str(design.pk), "--template", "Kids tee", "--template", "Mug")
    assert "1 queued for publishing (2 products)" in output
    assert sorted(p.template_id for p in design.products.all()) == sorted([tee.pk, mug.pk])


def test_clear_errors_for_bad_requests(make_design):
    design = make_design(status=Status.APPROVED)
    with pytest.raises(CommandError, match="no product template"):
        run("--ids", str(design.pk))
    make_template()
    with pytest.raises(CommandError, match="No product template is named “Mugs”, “Cups”"):
        run("--all-approved", "--template", "Mugs", "--template", "Kids tee", "--template", "Cups")
    with pytest.raises(CommandError, match="No designs match"):
        run("--batch", "Nope")
    design.refresh_from_db()
    assert design.status == Status.APPROVED


def test_titles_already_live_are_refused_unless_allowed(make_design, printify, django_capture_on_commit_callbacks):
    template = make_template()
    make_product(make_design(status=Status.PUBLISHED, title="Fox"), template)
    twin = make_design(status=Status.APPROVED, title="Fox")
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 of the designs asked for were refused"):
        call_command("publish_designs", "--ids", str(twin.pk), stdout=out)
    assert out.getvalue().startswith(
        f"0 queued for publishing, 1 refused (design {twin.pk}: its title “Fox” is already live"
    )
    with django_capture_on_commit_callbacks():
        assert run("--ids", str(twin.pk), "--allow-duplicate-titles").startswith("1 queued for publishing")


def run_refused(*args) -> tuple[str, str]:
    """(stdout, the CommandError's message) of a run that must exit non-zero."""
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("publish_designs", *args, stdout=out)
    return out.getvalue(), str(error.value)


def test_a_design_without_a_title_of_its_own_is_refused_with_the_way_out(make_design, settings):
    # Issue 19: the raw prompt went live as the title, and `--ids X` exited 0 when X was refused.
    make_template(prompt_is_title=False)
    untitled = make_design(status=Status.APPROVED, prompt="a red fox in a snowy forest, woodcut print")
    titled = make_design(status=Status.APPROVED, title="Snowy Fox Woodcut")
    settings.LLM_API_BASE, settings.LLM_MODEL = "", ""
    output, error = run_refused("--ids", str(untitled.pk), str(titled.pk))
    assert output.startswith(f"1 queued for publishing, 1 refused (design {untitled.pk}: it has no title of its own")
    assert f"No title of their own ({untitled.pk}): type a title for this design" in output
    assert "listing copy by LLM is off" in output
    assert error == "1 of the designs asked for were refused (see above)."
    untitled.refresh_from_db()
    assert untitled.status == Status.APPROVED and not untitled.products.exists()


def test_write_missing_copy_queues_the_llm_at_once_for_the_untitled(make_design, settings):
    make_template(prompt_is_title=False)
    untitled = make_design(status=Status.APPROVED, prompt="a red fox in a snowy forest, woodcut print")
    settings.LLM_API_BASE, settings.LLM_MODEL = "http://llm.test/v1", "tiny"
    output, _ = run_refused("--ids", str(untitled.pk))
    hint = f"publish_designs --ids … --write-missing-copy, or write_listing_copy --ids {untitled.pk}"
    assert f"write listing copy for this design ({hint})" in output
    output, _ = run_refused("--ids", str(untitled.pk), "--write-missing-copy")
    assert "Listing copy: 1 queued for the LLM; publish them again once it is written." in output
    untitled.refresh_from_db()
    assert untitled.copy_status == "queued" and untitled.status == Status.APPROVED


def test_the_low_dpi_refusal_names_the_commands_override_which_is_recorded(make_design, settings):
    # Issue 19: the refusal told the user to tick a box the command does not have.
    make_template()
    settings.MIN_PRINT_DPI = 150
    design = attach_image(make_design(status=Status.APPROVED, title="Tiny fox"), size=(64, 80))
    with pytest.raises(CommandError, match="add --override-low-dpi") as refused:
        run("--ids", str(design.pk))
    assert "below 150 DPI" in str(refused.value)
    assert run("--ids", str(design.pk), "--override-low-dpi").startswith("1 queued for publishing")
    design.refresh_from_db()
    assert design.print_gate_overridden
    note = design.events.filter(kind="note").get()
    assert note.message.startswith("Publishing below 150 DPI on purpose (override): ")
    assert note.source == "command"


def test_ids_of_a_failed_design_retry_its_product_with_its_own_template(make_design):
    # Issue 19: "There is no product template to publish with" for a design whose product had failed; and the
    # command made products of other templates it was not asked for.
    mug = make_template(name="Mug", is_default=False)
    design = make_design(status=Status.PUBLISH_FAILED, title="Fox")
    failed = make_product(design, mug, state="failed", last_error="Printify refused the product")
    output = run("--ids", str(design.pk))
    assert output.startswith("1 queued for publishing")
    failed.refresh_from_db()
    design.refresh_from_db()
    assert failed.state == "creating" and failed.last_error == ""
    assert design.status == Status.PUBLISHING and design.products.count() == 1


def test_named_templates_make_new_products_and_failed_ones_are_retried(make_design):
    tee = make_template()  # the default: not named, so no tee is made
    mug = make_template(name="Mug", is_default=False)
    stickers = make_template(name="Stickers", is_default=False)
    design = make_design(status=Status.PUBLISH_FAILED, title="Fox")
    failed = make_product(design, mug, state="failed")
    output = run("--ids", str(design.pk), "--template", "Stickers")
    assert output.startswith("1 queued for publishing (2 products)")
    states = dict(design.products.values_list("template_id", "state"))
    assert states == {mug.pk: "creating", stickers.pk: "creating"}
    assert tee.pk not in states and failed.pk
