"""Every action that asks first, answered as a browser answers it: the changelist's own form (rows ticked, or "select
all N" as select_across), then the confirmation page's own form (its hidden inputs and the button pressed).

A confirmation that forgets what Django's changelist needs to run an action (a `_selected_action` beside
select_across) is a page that reloads and does nothing; these tests see that, because they send only what the pages
rendered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from designs import tasks
from designs.job_models import ActionJob
from designs.models import CopyStatus, Design, Product
from designs.print_status import PrintStatus
from designs.products import ProductState
from designs.services.action_jobs import ACTIONS
from designs.workflow import Status
from tests.designs.action_support import answer, ask, shown
from tests.designs.llm_support import llm_settings  # noqa: F401  (fixture)
from tests.designs.print_support import approved_design
from tests.designs.publishing_support import configure_printify, make_product, make_template
from tests.designs.review_support import admin_settings  # noqa: F401  (fixture)
from tests.form_support import form_with

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_settings")]
CHANGELIST = reverse("admin:designs_design_changelist")


@pytest.fixture(autouse=True)
def action_settings(settings, llm_settings):  # noqa: F811
    configure_printify(settings)
    settings.RUNPOD_COST_PER_SECOND = 0.001


@dataclass
class Case:
    action: str
    status: str  # the designs acted on are in this status; the changelist is filtered by it for select-all
    done: Callable[[list[int]], bool]  # did the action happen to these designs?
    message: str  # a part of the message shown afterwards
    make: Callable | None = None  # (make_design, n) -> designs; default: n designs in `status`
    changes: dict = field(default_factory=dict)  # what the person fills in on the confirmation page


def _statuses(ids):
    return set(Design.objects.filter(pk__in=ids).values_list("status", flat=True))


def _logged(message):
    return lambda ids: (
        set(LogEntry.objects.filter(change_message=message).values_list("object_id", flat=True))
        >= {str(pk) for pk in ids}
    )


def _titled(status):
    return lambda make_design, n: [make_design(status=status, title=f"Fox {n}.{i}") for i in range(n)]


def _printable(make_design, n):
    make_template(needs_transparency=True)
    return [approved_design(make_design, (256, 256)) for _ in range(n)]


def _published(make_design, n):
    template = make_template()
    designs = [make_design(status=Status.PUBLISHED, title=f"Owl {i}") for i in range(n)]
    for design in designs:
        make_product(design, template, printify_id=f"{design.pk:024x}")
    return designs


def _in_mockup_review(make_design, n):
    template = make_template(review_mockups=True)
    designs = [make_design(status=Status.MOCKUPS, title=f"Heron {i}") for i in range(n)]
    for design in designs:
        make_product(design, template, state=ProductState.MOCKUP_REVIEW, printify_id=f"{design.pk:024x}")
    return designs


def _product_states(ids):
    return set(Product.objects.filter(design_id__in=ids).values_list("state", flat=True))


def _publishable(make_design, n):
    make_template()
    return _titled(Status.APPROVED)(make_design, n)


CASES = [
    Case(
        "reject_designs",
        Status.REVIEW,
        lambda ids: _statuses(ids) == {Status.REJECTED},
        "rejected",
        changes={"reason": "off-brand"},
    ),
    Case("generate_designs", Status.DRAFT, lambda ids: _statuses(ids) == {Status.QUEUED}, "queued for generation"),
    Case("cancel_generation", Status.QUEUED, lambda ids: _statuses(ids) == {Status.DRAFT}, "cancelled"),
    Case(
        "generate_variations",
        Status.REJECTED,
        lambda ids: Design.objects.filter(status=Status.QUEUED).count() == 2 * len(ids),
        "new variations queued",
        changes={"count": "2"},
    ),
    Case("delete_designs", Status.REJECTED, lambda ids: not Design.objects.filter(pk__in=ids).exists(), "deleted"),
    Case(
        "prepare_print_files",
        Status.APPROVED,
        lambda ids: (
            set(Design.objects.filter(pk__in=ids).values_list("print_status", flat=True)) == {PrintStatus.QUEUED}
        ),
        "queued",
        make=_printable,
    ),
    Case(
        "publish_to_printify",
        Status.APPROVED,
        lambda ids: _statuses(ids) == {Status.PUBLISHING},
        "queued for publishing",
        make=_publishable,
    ),
    Case(
        "write_listing_copy",
        Status.REVIEW,
        lambda ids: set(Design.objects.filter(pk__in=ids).values_list("copy_status", flat=True)) == {CopyStatus.QUEUED},
        "queued for listing copy",
    ),
    Case(
        "unpublish_products",
        Status.PUBLISHED,
        _logged("Unpublishing requested."),
        "queued for unpublishing",
        make=_published,
    ),
    Case(
        "discard_mockup_products",
        Status.MOCKUPS,
        lambda ids: _product_states(ids) == {ProductState.DISCARDING},
        "discarded",
        make=_in_mockup_review,
    ),
]


def _make(case: Case, make_design, n: int) -> list[Design]:
    return case.make(make_design, n) if case.make else [make_design(status=case.status) for _ in range(n)]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.action)
def test_select_all_then_confirm_acts_on_every_design_of_the_filter(client, superuser, make_design, case):
    chosen = [d.pk for d in _make(case, make_design, 3)]
    outsider = make_design(status=Status.GENERATION_FAILED if case.status != Status.GENERATION_FAILED else Status.DRAFT)
    client.force_login(superuser)
    url = f"{CHANGELIST}?status__exact={case.status}"

    question = ask(client, case.action, url=url)
    assert not case.done(chosen)  # nothing happens before the answer
    done = answer(client, question, url=url, changes=case.changes)

    assert done.status_code == 302, done.content.decode()[:2000]
    assert case.done(chosen)
    assert any(case.message in text for text in shown(done)), shown(done)
    assert Design.objects.get(pk=outsider.pk).status == outsider.status  # outside the filter: untouched


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.action)
def test_ticked_rows_then_confirm_acts_on_those_rows_only(client, superuser, make_design, case):
    designs = [d.pk for d in _make(case, make_design, 4)]
    ticked, left = designs[:2], designs[2:]
    before = dict(Design.objects.filter(pk__in=left).values_list("pk", "status"))
    client.force_login(superuser)

    question = ask(client, case.action, url=CHANGELIST, ticked=ticked)
    done = answer(client, question, url=CHANGELIST, changes=case.changes)

    assert done.status_code == 302, done.content.decode()[:2000]
    assert case.done(ticked)
    assert any(case.message in text for text in shown(done)), shown(done)
    assert dict(Design.objects.filter(pk__in=left).values_list("pk", "status")) == before


def test_select_all_carries_select_across_and_one_id_not_every_id(client, superuser, make_design):
    Design.objects.bulk_create(Design(prompt=f"tile {n}") for n in range(300))
    Design.objects.create(prompt="in review", status=Status.REVIEW)
    client.force_login(superuser)
    url = f"{CHANGELIST}?status__exact=draft"

    question = ask(client, "generate_designs", url=url)

    page = question.content.decode()
    assert "<strong>300</strong> of the 300 selected designs will be queued" in page
    form = form_with(page, "action")
    assert form.action == ""  # posts back to the filtered URL it came from
    carried = [name for name, _ in form.hidden() if name in (ACTION_CHECKBOX_NAME, "select_across")]
    assert sorted(carried) == [ACTION_CHECKBOX_NAME, "select_across"]
    done = answer(client, question, url=url)
    assert "300 queued for generation." in shown(done)
    assert Design.objects.filter(status=Status.QUEUED).count() == 300
    assert Design.objects.get(prompt="in review").status == Status.REVIEW


WORKER_CASES = [case for case in CASES if case.action in ACTIONS]


def test_every_confirming_action_over_many_designs_goes_to_a_worker_but_variations_and_mockup_decisions():
    """Variations are capped by MAX_DESIGNS_PER_ACTION and create rather than move; a discard moves products."""
    assert {case.action for case in CASES} - set(ACTIONS) == {"generate_variations", "discard_mockup_products"}


@pytest.mark.parametrize("case", WORKER_CASES, ids=lambda case: case.action)
def test_a_confirmed_select_all_over_the_worker_limit_is_carried_out_by_a_worker(
    client, superuser, make_design, settings, case
):
    settings.ACTION_IN_WORKER_ABOVE = 2
    chosen = [d.pk for d in _make(case, make_design, 3)]
    client.force_login(superuser)
    url = f"{CHANGELIST}?status__exact={case.status}"

    done = answer(client, ask(client, case.action, url=url), url=url, changes=case.changes)

    assert done.status_code == 302, done.content.decode()[:2000]
    assert any("a worker is carrying it out" in text for text in shown(done)), shown(done)
    assert not case.done(chosen)  # not in the request
    job = ActionJob.objects.get()
    assert job.total == 3

    tasks.run_action_job(job.pk)  # what the worker runs

    job.refresh_from_db()
    assert job.state == ActionJob.State.DONE, job.summary
    assert case.done(chosen)
    assert case.message in job.summary
