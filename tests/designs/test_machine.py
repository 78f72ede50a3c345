"""The state engine: declared machines, race-safe bulk moves with history, creation, notes, cascades — and proof
that no status field is written anywhere but the engine."""

import ast
from pathlib import Path

import pytest
from django.db.models import Q

from designs import machine as engine
from designs.machine import MACHINES, MoveConflict, Source
from designs.models import Design, DesignEvent, ProductEvent
from designs.print_status import PRINT_FILE, PrintStatus
from designs.products import PRODUCT, ProductState
from designs.task_states import COPY, CopyStatus
from designs.workflow import DESIGN, EventKind, Status
from tests.designs.publishing_support import make_product, make_template

ROOT = Path(__file__).resolve().parents[2]
P = ProductState


def test_every_machine_is_declared_as_a_table_over_its_own_choices():
    declared = {(m.model, m.field) for m in MACHINES}
    assert declared == {
        ("designs.Design", "status"),
        ("designs.Design", "print_status"),
        ("designs.Design", "copy_status"),
        ("designs.Product", "state"),
        ("designs.Product", "listing_sync"),
        ("designs.RepriceJob", "state"),
        ("designs.ActionJob", "state"),
        ("designs.Order", "status"),
    }
    for machine in MACHINES:
        model_field = machine.model_class()._meta.get_field(machine.field)
        assert {value for value, _ in model_field.choices} == set(machine.states), machine.name
        assert set(machine.born_in) <= set(machine.states)
        assert all(pair[1] in machine.table[pair[0]] for pair in machine.worker_only), machine.name


def test_a_table_naming_an_unknown_state_is_refused_when_declared():
    with pytest.raises(ValueError, match="names states its choices do not have"):
        engine.Machine(
            name="broken",
            model="designs.Design",
            field="status",
            states=Status,
            table={Status.DRAFT: frozenset({"nowhere"})},
            history=DESIGN.history,
            subject="design",
        )
    assert all(m.name != "broken" for m in MACHINES)


def test_a_bulk_move_groups_by_state_skips_the_others_and_writes_one_event_each(make_design, superuser):
    drafts = [make_design(status=Status.DRAFT) for _ in range(3)]
    failed = make_design(status=Status.GENERATION_FAILED)
    in_review = make_design(status=Status.REVIEW)
    ids = [drafts[0].pk, in_review.pk, failed.pk, drafts[1].pk, drafts[2].pk, 999_999]

    result = DESIGN.move(ids, to=Status.QUEUED, actor=superuser, source=Source.ADMIN, message="Go.", group="g1")

    assert result.moved == [drafts[0].pk, failed.pk, drafts[1].pk, drafts[2].pk]  # the order asked for
    assert result.skipped == {in_review.pk: Status.REVIEW, 999_999: None}
    assert set(Design.objects.filter(status=Status.QUEUED).values_list("pk", flat=True)) == set(result.moved)
    events = DesignEvent.objects.filter(design_id__in=result.moved)
    assert sorted((e.design_id, e.from_status, e.to_status) for e in events) == sorted(
        [(d.pk, Status.DRAFT, Status.QUEUED) for d in drafts] + [(failed.pk, Status.GENERATION_FAILED, Status.QUEUED)]
    )
    assert {(e.kind, e.actor_id, e.source, e.message, e.group) for e in events} == {
        (EventKind.MOVE, superuser.pk, Source.ADMIN, "Go.", "g1")
    }
    assert not DesignEvent.objects.filter(design=in_review).exists()
    assert result.summary("queued") == "4 queued, 2 skipped (in review, missing)"


def test_chunks_move_everything_and_report_in_order(make_design, monkeypatch):
    monkeypatch.setattr(engine, "CHUNK", 3)
    designs = [make_design(status=Status.DRAFT if i % 2 else Status.REVIEW) for i in range(8)]
    result = DESIGN.move(designs, to=Status.QUEUED, source=Source.COMMAND)
    assert result.moved == [d.pk for i, d in enumerate(designs) if i % 2]
    assert len(result.skipped) == 4
    assert DesignEvent.objects.count() == 4


def test_a_move_the_table_forbids_raises_and_worker_only_moves_are_the_workers(make_design):
    design = make_design(status=Status.GENERATING)
    with pytest.raises(ValueError, match="does not allow"):
        DESIGN.move(design, to=Status.PUBLISHED, sources=[Status.GENERATING], source=Source.ADMIN)
    with pytest.raises(ValueError, match="does not allow"):  # generating → queued: only a worker puts it back
        DESIGN.move(design, to=Status.QUEUED, sources=[Status.GENERATING], source=Source.ADMIN)
    assert DESIGN.move(design, to=Status.QUEUED, sources=[Status.GENERATING], source=Source.WORKER).moved
    assert Status.GENERATING not in DESIGN.allowed_sources(Status.QUEUED)
    assert Status.GENERATING in DESIGN.allowed_sources(Status.QUEUED, worker=True)


def test_move_one_raises_a_conflict_in_words_and_keeps_the_instance_in_step(make_design):
    design = make_design(status=Status.REVIEW)
    DESIGN.move_one(design, to=Status.APPROVED, source=Source.REVIEW, updates={"last_error": "kept"})
    assert (design.status, design.last_error) == (Status.APPROVED, "kept")
    with pytest.raises(MoveConflict) as conflict:
        DESIGN.move_one(design.pk, to=Status.REJECTED, sources=[Status.REVIEW], source=Source.REVIEW)
    assert str(conflict.value) == f"Design {design.pk} could not move to rejected: it is approved now."


def test_a_where_guard_skips_rows_that_changed_meanwhile(make_design):
    design = make_design(status=Status.REVIEW, copy_status=CopyStatus.WRITING, copy_revision=3)
    edited = COPY.move(
        design, to=CopyStatus.DONE, where=Q(copy_revision=2), source=Source.WORKER, updates={"title": "LLM title"}
    )
    assert edited.moved == [] and edited.skipped == {design.pk: None}
    design.refresh_from_db()
    assert (design.copy_status, design.title) == (CopyStatus.WRITING, "")
    assert COPY.move(design, to=CopyStatus.DONE, where=Q(copy_revision=3), source=Source.WORKER).moved == [design.pk]


def test_per_row_values_go_on_their_own_rows(make_design):
    a, b = make_design(status=Status.REVIEW), make_design(status=Status.REVIEW)
    DESIGN.move(
        [a, b], to=Status.APPROVED, source=Source.ADMIN, updates={"title": "same"}, per_row={b.pk: {"title": "own"}}
    )
    assert dict(Design.objects.filter(pk__in=[a.pk, b.pk]).values_list("pk", "title")) == {a.pk: "same", b.pk: "own"}


def test_machines_without_state_columns_in_their_history_say_the_move_in_words(make_design):
    design = make_design(status=Status.APPROVED)
    PRINT_FILE.move(design, to=PrintStatus.QUEUED, source=Source.ADMIN, message="For the tee.")
    COPY.move(design, to=CopyStatus.QUEUED, source=Source.ADMIN)
    texts = dict(DesignEvent.objects.filter(design=design).values_list("kind", "message"))
    assert texts == {
        "print": "Print file: no print file → print file queued. For the tee.",
        "copy": "Listing copy: not written by the llm → waiting for the llm.",
    }
    assert set(DesignEvent.objects.filter(design=design).values_list("from_status", "to_status")) == {("", "")}
    design.refresh_from_db()
    assert design.status == Status.APPROVED  # the design's own status is another machine


def test_creation_goes_through_the_engine_with_a_created_event(superuser):
    designs = DESIGN.create_many(
        [Design(prompt="a fox"), Design(prompt="an owl")], state=Status.DRAFT, source=Source.ADMIN, actor=superuser
    )
    assert all(d.pk and d.status == Status.DRAFT for d in designs)
    events = DesignEvent.objects.filter(design__in=designs)
    assert {(e.kind, e.from_status, e.to_status, e.actor_id) for e in events} == {
        (EventKind.CREATED, "", Status.DRAFT, superuser.pk)
    }
    assert events.count() == 2
    with pytest.raises(ValueError, match="cannot be born"):
        DESIGN.create(state=Status.PUBLISHED, source=Source.ADMIN, prompt="x")


def test_notes_change_nothing_and_are_marked_as_notes(make_design):
    design = make_design(status=Status.REVIEW)
    DESIGN.note([design], "Retrying in a minute.", source=Source.WORKER)
    [event] = DesignEvent.objects.filter(design=design)
    assert (event.kind, event.from_status, event.to_status, event.message) == (
        EventKind.NOTE,
        "",
        "",
        "Retrying in a minute.",
    )
    design.refresh_from_db()
    assert design.status == Status.REVIEW


@pytest.fixture
def tee(db):
    return make_template()


def test_a_product_move_cascades_to_its_design(make_design, tee):
    design = make_design(status=Status.PUBLISHING)
    product = make_product(design, tee, state=P.CREATING)
    result = PRODUCT.move(product, to=P.LIVE, source=Source.WORKER)
    design.refresh_from_db()
    assert design.status == Status.PUBLISHED
    assert result.cascaded.moved == [design.pk] and result.cascaded.machine is DESIGN


def test_a_failed_product_deleted_on_printify_leaves_the_design_publish_failed(make_design, tee):
    """Missing before the engine: failed → deleted, and a design leaving publish_failed other than by a retry."""
    mug = make_template(name="Mug", is_default=False)
    design = make_design(status=Status.PUBLISH_FAILED)
    failed = make_product(design, tee, state=P.FAILED, last_error="Printify refused it.")
    live = make_product(design, mug, state=P.LIVE)

    PRODUCT.move(failed, to=P.DELETED, source=Source.WEBHOOK, updates={"printify_id": ""})

    design.refresh_from_db()
    failed.refresh_from_db()
    assert failed.state == P.DELETED and live.state == P.LIVE
    assert design.status == Status.PUBLISHED
    assert ProductEvent.objects.filter(product=failed, from_state=P.FAILED, to_state=P.DELETED).exists()


def test_a_cascade_the_design_table_refuses_is_reported_not_skipped_in_silence(make_design, tee):
    mug = make_template(name="Mug", is_default=False)
    design = make_design(status=Status.PUBLISHED)
    make_product(design, tee, state=P.FAILED)  # left over: the summary says publish failed
    gone = make_product(design, mug, state=P.ON_PRINTIFY)

    result = PRODUCT.move(gone, to=P.DELETED, source=Source.WEBHOOK)

    assert result.moved == [gone.pk]
    assert result.cascaded.refused == {
        design.pk: "its products say publish failed, but a design cannot move there from published"
    }
    assert "refused (design" in result.summary("deleted")
    design.refresh_from_db()
    assert design.status == Status.PUBLISHED


# --- no status field is written anywhere but the engine -----------------------------------------------------------

WRITERS = {"update", "create", "bulk_create", "update_or_create", "get_or_create", "bulk_update"}
MODEL_NAMES = {machine.model.split(".")[1] for machine in MACHINES}


def _status_writes(tree: ast.AST, fields: set[str]) -> list[int]:
    """Line numbers where `fields` are written: as keywords of a queryset write or a model constructor, in a
    bulk_update's field list, in a dict passed as an UPDATE's values, or by assigning the attribute."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            receiver = func.value if isinstance(func, ast.Attribute) else None
            if isinstance(receiver, ast.Name) and receiver.id.isupper():  # a machine's own verbs: DESIGN.create(…)
                continue
            if name in WRITERS or name in MODEL_NAMES:
                if any(keyword.arg in fields for keyword in node.keywords):
                    lines.append(node.lineno)
                if name == "bulk_update" and any(
                    isinstance(c, ast.Constant) and c.value in fields for arg in node.args for c in ast.walk(arg)
                ):
                    lines.append(node.lineno)
        elif isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr in fields:
                    lines.append(node.lineno)
    return lines


def test_no_status_field_is_written_outside_the_engine():
    fields = {machine.field for machine in MACHINES}
    found = {}
    for folder in ("designs",):  # every machine's model is there (integrations know nothing of designs)
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" in path.parts or path.name == "machine.py":
                continue
            lines = _status_writes(ast.parse(path.read_text()), fields)
            if lines:
                found[str(path.relative_to(ROOT))] = lines
    assert found == {}, f"status fields written outside designs/machine.py: {found}"


def test_the_walk_finds_each_kind_of_write():
    source = """
Design.objects.filter(pk=1).update(status="approved")
Product.objects.create(state="live")
RepriceJob(state="done")
design.print_status = "ready"
Design.objects.bulk_update(rows, ["copy_status"])
Design.objects.filter(status="draft").count()
DESIGN.create(state="draft")
"""
    assert sorted(_status_writes(ast.parse(source), {"status", "state", "print_status", "copy_status"})) == [
        2,
        3,
        4,
        5,
        6,
    ]
