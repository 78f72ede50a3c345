import itertools

import pytest

from designs.machine import MoveConflict
from designs.models import Design, DesignEvent
from designs.workflow import (
    DECIDED,
    FAILED,
    GENERATABLE,
    IN_FLIGHT,
    PENDING,
    PUBLISHABLE,
    TRANSITIONS,
    WORKER_ONLY,
    EventKind,
    Source,
    Status,
    create_design,
    note,
    transition,
    transition_one,
)
from tests.race_support import WAIT_FOR_GO, race

ALL_PAIRS = list(itertools.product(Status.values, Status.values))
ALLOWED = [(src, dst) for src, dst in ALL_PAIRS if dst in TRANSITIONS[src] and (src, dst) not in WORKER_ONLY]
DISALLOWED = [(src, dst) for src, dst in ALL_PAIRS if dst not in TRANSITIONS[src]]


def test_table_matches_the_architecture():
    # ARCHITECTURE.md "The life of a design", row by row.
    expected = {
        ("draft", "queued"),
        ("queued", "generating"),
        ("queued", "draft"),
        ("generating", "draft"),
        ("queued", "generation_failed"),
        ("generating", "generation_failed"),
        ("generating", "queued"),
        ("generation_failed", "queued"),
        ("generating", "review"),
        ("review", "approved"),
        ("review", "rejected"),
        ("approved", "review"),
        ("rejected", "review"),
        ("approved", "publishing"),
        ("publish_failed", "publishing"),
        # Its failed products were deleted on Printify: the design follows what is left of them.
        ("publish_failed", "approved"),
        ("publish_failed", "published"),
        ("publish_failed", "mockups"),
        ("publishing", "published"),
        ("publishing", "publish_failed"),
        ("published", "approved"),
        ("published", "publishing"),  # another product of a published design
        # Products waiting for a person to look at their mockups (designs/products.py summarises them).
        ("publishing", "mockups"),
        ("mockups", "publishing"),
        ("mockups", "publish_failed"),
        ("mockups", "published"),
        ("mockups", "approved"),
        # Its only products were deleted in Printify while they waited in the going-live queue (pacing.py).
        ("publishing", "approved"),
    }
    assert {(src, dst) for src, dst in ALL_PAIRS if dst in TRANSITIONS[src]} == expected
    assert set(TRANSITIONS) == set(Status.values)


def test_status_sets_come_from_the_table():
    assert DECIDED == {Status.APPROVED, Status.REJECTED}
    # Published or with mockups to review: another template's product.
    assert PUBLISHABLE == {Status.APPROVED, Status.PUBLISH_FAILED, Status.PUBLISHED, Status.MOCKUPS}
    assert IN_FLIGHT == {Status.QUEUED, Status.GENERATING, Status.PUBLISHING}  # a person decides about mockups
    assert GENERATABLE == {Status.DRAFT, Status.GENERATION_FAILED}
    assert PENDING == {Status.DRAFT, Status.QUEUED, Status.GENERATING}
    assert FAILED == {Status.GENERATION_FAILED, Status.PUBLISH_FAILED}


@pytest.mark.django_db
@pytest.mark.parametrize("source", [Source.ADMIN, Source.REVIEW, Source.COMMAND, Source.WEBHOOK])
def test_worker_only_moves_are_refused_to_everyone_else(make_design, source):
    design = make_design(status=Status.GENERATING)
    with pytest.raises(ValueError, match="does not allow"):
        transition(design, to=Status.QUEUED, sources=[Status.GENERATING], source=source)
    assert transition(design, to=Status.QUEUED, source=source).skipped == {design.pk: Status.GENERATING}
    assert transition(design, to=Status.QUEUED, source=Source.WORKER).moved == [design.pk]


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "target"), ALLOWED)
def test_allowed_transition_moves_and_records_one_event(make_design, superuser, source, target):
    design = make_design(status=source)
    result = transition(design, to=target, actor=superuser, source=Source.ADMIN, message="because")

    assert result.moved == [design.pk] and result.skipped == {}
    design.refresh_from_db()
    assert design.status == target
    event = DesignEvent.objects.get(design=design)
    assert (event.kind, event.from_status, event.to_status, event.actor, event.source, event.message) == (
        EventKind.MOVE,
        source,
        target,
        superuser,
        "admin",
        "because",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "target"), DISALLOWED)
def test_disallowed_transition_leaves_the_row_untouched(make_design, source, target):
    design = make_design(status=source)
    before = Design.objects.filter(pk=design.pk).values().get()

    result = transition(design, to=target, source=Source.WORKER)

    assert result.moved == [] and result.skipped == {design.pk: source}
    assert Design.objects.filter(pk=design.pk).values().get() == before
    assert not DesignEvent.objects.exists()


@pytest.mark.django_db
def test_bulk_transition_reports_moved_and_skipped(make_design):
    in_review = [make_design(status=Status.REVIEW) for _ in range(3)]
    approved = make_design(status=Status.APPROVED)
    draft = make_design(status=Status.DRAFT)

    result = transition([*in_review, approved, draft, 999_999], to=Status.APPROVED, source=Source.ADMIN)

    assert sorted(result.moved) == sorted(d.pk for d in in_review)
    assert result.skipped == {approved.pk: "approved", draft.pk: "draft", 999_999: None}
    assert result.summary("approved") == "3 approved, 3 skipped (approved, draft, missing)"
    assert DesignEvent.objects.count() == 3


@pytest.mark.django_db
def test_bulk_moves_are_one_update_per_status_group(make_design, django_assert_max_num_queries):
    approved = [make_design(status=Status.APPROVED) for _ in range(30)]
    rejected = [make_design(status=Status.REJECTED) for _ in range(30)]
    ids = [d.pk for pair in zip(approved, rejected, strict=True) for d in pair]
    # read (1) + one UPDATE per status group (2) + one bulk INSERT of events (1), inside a savepoint pair
    with django_assert_max_num_queries(6):
        result = transition(ids, to=Status.REVIEW, source=Source.ADMIN)
    assert result.moved == ids  # reported in the order asked for
    assert DesignEvent.objects.filter(to_status=Status.REVIEW).count() == 60


@pytest.mark.django_db
def test_designs_born_in_review_get_one_creation_event(superuser):
    design = create_design(status=Status.REVIEW, source=Source.COMMAND, actor=superuser, message="Imported.", prompt="")
    event = DesignEvent.objects.get(design=design)
    assert (event.kind, event.from_status, event.to_status, event.actor, event.message) == (
        EventKind.CREATED,
        "",
        Status.REVIEW,
        superuser,
        "Imported.",
    )
    with pytest.raises(ValueError, match="cannot be born approved"):
        create_design(status=Status.APPROVED, source=Source.COMMAND, prompt="")


@pytest.mark.django_db
def test_notes_change_no_status_and_are_marked_as_notes(make_design):
    design = make_design(status=Status.PUBLISHING)
    note(design, "Found an earlier product and kept it.", source=Source.WORKER)
    event = DesignEvent.objects.get(design=design)
    assert (event.kind, event.from_status, event.to_status) == (EventKind.NOTE, "", "")
    assert Design.objects.get(pk=design.pk).status == Status.PUBLISHING


@pytest.mark.django_db
def test_narrower_sources_are_respected_and_illegal_ones_refused(make_design):
    design = make_design(status=Status.REJECTED)
    assert transition(design, to=Status.REVIEW, sources=[Status.APPROVED], source=Source.ADMIN).moved == []
    with pytest.raises(ValueError, match="does not allow"):
        transition(design, to=Status.PUBLISHED, sources=[Status.REVIEW], source=Source.ADMIN)


@pytest.mark.django_db
def test_transition_one_raises_a_readable_conflict_and_updates_the_instance(make_design):
    design = make_design(status=Status.REVIEW)
    transition_one(design, to=Status.APPROVED, source=Source.REVIEW, updates={"last_error": ""})
    assert design.status == Status.APPROVED

    with pytest.raises(MoveConflict) as conflict:
        transition_one(design.pk, to=Status.REJECTED, source=Source.REVIEW)
    assert str(conflict.value) == f"Design {design.pk} could not move to rejected: it is approved now."


@pytest.mark.django_db
def test_extra_updates_are_written_in_the_same_update(make_design):
    design = make_design(status=Status.GENERATING, runpod_job_id="job-1")
    transition(design, to=Status.GENERATION_FAILED, source=Source.WORKER, updates={"last_error": "RunPod said no"})
    design.refresh_from_db()
    assert (design.status, design.last_error) == ("generation_failed", "RunPod said no")


RACER = (
    "import django, sys\n"
    "django.setup()\n"
    "from designs.workflow import transition\n"
    + WAIT_FOR_GO
    + "result = transition(int(sys.argv[2]), to='approved', sources=['review'], source='review', message=sys.argv[3])\n"
    + 'print("won" if result.moved else "lost")\n'
)


@pytest.mark.parametrize("racers", [8])
def test_concurrent_approvals_in_separate_processes_have_one_winner(child_env, make_design, tmp_path, racers):
    design = make_design(status=Status.REVIEW)
    argvs = [[str(design.pk), f"racer {n}"] for n in range(racers)]
    outcomes = race(RACER, argvs, env=child_env, go_file=tmp_path / "go")

    assert sorted(outcomes) == ["lost"] * (racers - 1) + ["won"]
    events = DesignEvent.objects.filter(design=design)
    assert events.count() == 1
    assert Design.objects.get(pk=design.pk).status == Status.APPROVED
