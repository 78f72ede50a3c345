"""The one wait loop behind every command's --wait: progress until nothing is pending or time is up, waking
stranded work now and then."""

import pytest
from django_q.brokers import get_broker

from designs.models import Design
from designs.services.waiting import follow
from designs.workflow import Status

pytestmark = pytest.mark.usefixtures("runpod_settings")


def test_progress_is_yielded_until_nothing_is_pending(queued):
    design = queued()
    steps = follow(Design.objects.filter(pk=design.pk), pending=frozenset({Status.QUEUED}), timeout=60, interval=0)

    first = next(steps)
    assert (first["pending"], first["total"], first["counts"][Status.QUEUED]) == (1, 1, 1)
    Design.objects.filter(pk=design.pk).update(status=Status.REVIEW)
    last = next(steps)
    assert last["pending"] == 0 and last["counts"][Status.REVIEW] == 1 and last["elapsed"] >= 0
    assert next(steps, None) is None


def test_the_wait_ends_at_the_timeout_with_work_still_pending(queued):
    design = queued()
    steps = list(follow(Design.objects.filter(pk=design.pk), pending=frozenset({Status.QUEUED}), timeout=0))
    assert [step["pending"] for step in steps] == [1]


@pytest.mark.parametrize(("reconcile_every", "woken"), [(0, 1), (3600, 0)])
def test_the_waiter_asks_for_a_reconciler_run_now_and_then(queued, reconcile_every, woken):
    design = queued()
    broker = get_broker()
    before = broker.queue_size()
    steps = follow(
        Design.objects.filter(pk=design.pk),
        pending=frozenset({Status.QUEUED}),
        timeout=60,
        interval=0,
        reconcile_every=reconcile_every,
    )
    next(steps)
    next(steps)  # between the two, the reconciler ran (or not yet)
    assert broker.queue_size() - before == woken
