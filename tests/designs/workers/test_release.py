"""The going-live queue end to end on one process: a paced product's run creates it on Printify and stops short of
the store (scheduled); the release pass lets it go at its time, its run publishes it exactly once. Printify is the
`responses` fake of the publishing tests; the clock is passed in or is the real one (short paces), never patched."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from designs import leases, pacing
from designs.models import Product, ProductEvent
from designs.products import ProductState
from designs.services import mockups
from designs.services import publishing as publish_service
from designs.shops import default_shop
from designs.workers import publish_run, reconcile, release
from designs.workflow import Source, Status
from tests.designs.publishing_support import attach_image, make_product, make_template, product_of, reload
from tests.race_support import WAIT_FOR_GO, race

pytestmark = pytest.mark.usefixtures("printify_settings")
P = ProductState


@pytest.fixture(autouse=True)
def no_undo_wait(settings):
    settings.MOCKUP_UNDO_SECONDS = 0


def published_design(make_design, template, n=0):
    design = attach_image(make_design(status=Status.APPROVED, style="woodcut", prompt=f"a fox {n}"))
    publish_service.request_publish([design], actor=None, source=Source.COMMAND, templates=[template])
    return design


def test_a_paced_product_is_made_on_printify_waits_and_goes_live_once_at_its_time(
    make_design, printify, django_capture_on_commit_callbacks
):
    template = make_template(listings_per_day=2, listing_hours_start=time(0), listing_hours_end=time(0))
    first, second = (published_design(make_design, template, n) for n in range(2))
    assert publish_run.run_publish(product_of(first).pk) == "scheduled"
    assert publish_run.run_publish(product_of(second).pk) == "scheduled"
    assert len(printify.created) == 2 and printify.published == []  # drafts on Printify, not in the store
    one, two = product_of(first), product_of(second)
    assert one.state == two.state == P.SCHEDULED and reload(first).status == Status.PUBLISHING
    assert one.shop == default_shop() and two.release_at - one.release_at >= timedelta(hours=12)

    # The second's time has not come: a pass at the first's time lets only the first go.
    with django_capture_on_commit_callbacks(execute=False) as woken:
        assert release.release_due(now=one.release_at) == [one.pk]
    assert len(woken) == 1
    assert publish_run.run_publish(one.pk) == "published"
    assert publish_run.run_publish(one.pk) == "not publishing"  # a duplicate delivery does nothing
    assert [pid for pid, _ in printify.published] == [one.printify_id]
    assert product_of(first).state == P.LIVE and reload(first).status == Status.PUBLISHED
    assert product_of(second).state == P.SCHEDULED
    history = list(ProductEvent.objects.filter(product=one).exclude(to_state="").order_by("pk"))
    assert [(e.from_state, e.to_state) for e in history] == [
        ("", P.CREATING),
        (P.CREATING, P.SCHEDULED),
        (P.SCHEDULED, P.PUBLISHING),
        (P.PUBLISHING, P.LIVE),
    ]


def test_a_released_run_that_must_try_again_publishes_on_its_next_run_without_queueing_again(
    make_design, printify, django_capture_on_commit_callbacks
):
    template = make_template(listings_per_day=10)
    design = published_design(make_design, template)
    product = product_of(design)
    assert publish_run.run_publish(product.pk) == "scheduled"
    release.release_due(now=product_of(design).release_at)
    printify.fail("publish", 503, times=4)  # past the client's own retries
    with django_capture_on_commit_callbacks(execute=False):
        assert publish_run.run_publish(product.pk) == "retrying"
    assert publish_run.run_publish(product.pk) == "published"
    assert len(printify.published) == 1 and product_of(design).state == P.LIVE


def test_a_product_sent_live_after_its_mockup_review_waits_its_turn_too(
    make_design, printify, publisher, django_capture_on_commit_callbacks
):
    template = make_template(review_mockups=True, listings_per_day=3)
    design = published_design(make_design, template)
    product = product_of(design)
    assert publish_run.run_publish(product.pk) == "mockups to review"
    mockups.go_live([product.pk], actor=publisher)
    assert publish_run.run_publish(product.pk) == "scheduled"
    assert printify.published == [] and product_of(design).mockups_approved_at is not None
    release.release_due(now=product_of(design).release_at)
    assert publish_run.run_publish(product.pk) == "published" and len(printify.published) == 1


def test_a_template_without_a_pace_in_a_shop_without_one_goes_live_at_once(make_design, printify):
    design = published_design(make_design, make_template())
    assert publish_run.run_publish(product_of(design).pk) == "published"


def test_the_release_task_keeps_releasing_what_falls_due_within_its_loop(make_design, printify):
    # 86,400 a day all day: a slot a second, so the loop has three to let go over about two seconds of real time.
    template = make_template(listings_per_day=86_400)
    designs = [published_design(make_design, template, n) for n in range(3)]
    for design in designs:
        assert publish_run.run_publish(product_of(design).pk) == "scheduled"
    planned = [product_of(d).release_at for d in designs]
    outcome = release.run_release()
    assert outcome["released"] == 3 and outcome["next_in"] is None and not outcome["handed_on"]
    events = ProductEvent.objects.filter(from_state=P.SCHEDULED, to_state=P.PUBLISHING).order_by("product_id")
    # None early: each left at or after its planned time (the history row is written in the same transaction).
    assert all(event.created_at >= when for event, when in zip(events, planned, strict=True))
    assert not leases.is_held(release.LEASE)


def test_one_pass_at_a_time_and_the_reconciler_wakes_one_when_something_is_due(
    make_design, printify, django_capture_on_commit_callbacks
):
    template = make_template(listings_per_day=24)
    design = published_design(make_design, template)
    assert publish_run.run_publish(product_of(design).pk) == "scheduled"
    with leases.held(release.LEASE, 15):
        assert release.run_release() == {"busy": True}
        assert release.wake_if_due() is False
    with django_capture_on_commit_callbacks(execute=False) as woken:
        outcome = reconcile.reconcile()
    assert outcome["release"] is True and len(woken) >= 1
    # Nothing due within a loop (the next slot an hour away after this one goes): nothing to wake.
    release.release_due()
    assert pacing.next_release() is None or pacing.next_release() > timezone.now() + timedelta(minutes=1)
    assert release.wake_if_due() is False


def test_a_scheduled_product_deleted_in_printify_leaves_the_queue_and_its_design_follows(make_design, printify):
    from designs.workers import printify_events

    template = make_template(listings_per_day=5)
    design = published_design(make_design, template)
    product = product_of(design)
    assert publish_run.run_publish(product.pk) == "scheduled"
    printify_events.product_deleted(product_of(design), product_of(design).printify_id, source=Source.WEBHOOK)
    assert product_of(design).state == P.DELETED and reload(design).status == Status.APPROVED
    assert not Product.objects.filter(state=P.SCHEDULED).exists()


RACER = (
    "import django, sys\n"
    "django.setup()\n"
    "from datetime import datetime\n"
    "from designs.workers.release import release_due\n"
    + WAIT_FOR_GO
    + "print(len(release_due(now=datetime.fromisoformat(sys.argv[2]))))\n"
)


def test_passes_racing_in_separate_processes_let_each_go_once_and_never_past_the_days_number(
    child_env, make_design, tmp_path
):
    """Four clusters' passes at once, over six products planned under a pace the seller then lowered to three:
    three go, once each (the lane's lock and the engine's conditional UPDATE)."""
    template = make_template(listings_per_day=6)
    lane = pacing.lane_for(template, default_shop())
    day = datetime(2027, 1, 12, tzinfo=UTC)  # the clock passed in: six planned 4 h apart that day
    products = [
        make_product(
            attach_image(make_design(status=Status.PUBLISHING, prompt=f"fox {n}")), template, state="publishing"
        )
        for n in range(6)
    ]
    for product in products:
        pacing.schedule(product, lane, now=day)
    template.listings_per_day = 3
    template.save()
    at = max(p.release_at for p in lane.queue())
    assert at == day + timedelta(hours=20)
    outcomes = race(RACER, [[at.isoformat()]] * 4, env=child_env, go_file=tmp_path / "go")
    assert sum(int(n) for n in outcomes) == 3, outcomes
    released = ProductEvent.objects.filter(from_state=P.SCHEDULED, to_state=P.PUBLISHING)
    assert released.count() == 3 and len(set(released.values_list("product_id", flat=True))) == 3
    assert Product.objects.filter(state=P.SCHEDULED).count() == 3
