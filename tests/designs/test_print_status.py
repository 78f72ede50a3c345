"""The print file's machine: its table, worker-only moves and the one-design form."""

import pytest

from designs.machine import Source
from designs.models import DesignEvent
from designs.print_status import PREPARABLE, PRINT_FILE, PrintStatus, print_transition, print_transition_one
from designs.workflow import EventKind, Status

P = PrintStatus


def test_preparable_is_what_staff_may_queue_from():
    assert PREPARABLE == {P.NONE, P.FAILED, P.READY}
    assert PRINT_FILE.allowed_sources(P.QUEUED) == PREPARABLE
    assert P.PREPARING in PRINT_FILE.allowed_sources(P.QUEUED, worker=True)


def test_a_print_move_leaves_the_design_status_alone_and_says_itself_in_the_history(make_design):
    design = make_design(status=Status.PUBLISHED)
    result = print_transition([design], to=P.QUEUED, source=Source.ADMIN, message="For the tee.")
    assert result.moved == [design.pk]
    design.refresh_from_db()
    assert (design.status, design.print_status) == (Status.PUBLISHED, P.QUEUED)
    assert design.print_status_changed_at is not None
    [event] = DesignEvent.objects.filter(design=design)
    assert (event.kind, event.message) == (
        EventKind.PRINT,
        "Print file: no print file → print file queued. For the tee.",
    )


def test_only_a_worker_puts_a_preparing_file_back_in_the_queue(make_design):
    design = make_design(status=Status.APPROVED, print_status=P.PREPARING)
    with pytest.raises(ValueError, match="does not allow"):
        print_transition(design, to=P.QUEUED, sources=[P.PREPARING], source=Source.ADMIN)
    assert print_transition_one(design, to=P.QUEUED, sources=[P.PREPARING], source=Source.WORKER)
    assert design.print_status == P.QUEUED


def test_the_one_design_form_answers_false_when_someone_else_moved_it(make_design):
    design = make_design(status=Status.APPROVED, print_status=P.READY)
    assert not print_transition_one(design.pk, to=P.READY, sources=[P.PREPARING], source=Source.WORKER)
    assert print_transition_one(design, to=P.QUEUED, source=Source.ADMIN, updates={"print_error": ""})
    assert design.print_status == P.QUEUED
