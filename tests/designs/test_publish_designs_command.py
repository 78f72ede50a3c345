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
    output = run("--ids", str(twin.pk))
    assert output.startswith(f"0 queued for publishing, 1 refused (design {twin.pk}: its title “Fox” is already live")
    with django_capture_on_commit_callbacks():
        assert run("--ids", str(twin.pk), "--allow-duplicate-titles").startswith("1 queued for publishing")
