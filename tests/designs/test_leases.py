from datetime import timedelta

from django.utils import timezone

from designs import leases
from designs.models import Lease
from tests.race_support import WAIT_FOR_GO, race


def test_only_one_holder_until_release(db):
    first = leases.acquire("pump", 60)
    assert first
    assert leases.acquire("pump", 60) is None
    assert leases.is_held("pump")
    leases.release("pump", "not-the-token")
    assert leases.acquire("pump", 60) is None
    leases.release("pump", first)
    assert not leases.is_held("pump")
    assert leases.acquire("pump", 60)


def test_an_expired_lease_is_taken_over_and_the_old_holder_cannot_renew(db):
    stale = leases.acquire("publish:1", 60)
    later = timezone.now() + timedelta(seconds=61)
    assert leases.acquire("publish:1", 60, now=later - timedelta(seconds=2)) is None  # not expired yet
    assert not leases.is_held("publish:1", now=later)
    fresh = leases.acquire("publish:1", 60, now=later)
    assert fresh and fresh != stale
    assert not leases.renew("publish:1", stale, 60)
    assert leases.renew("publish:1", fresh, 60)


def test_held_context_releases_on_exit(db):
    with leases.held("batch", 60) as token:
        assert token and leases.acquire("batch", 60) is None
    assert not Lease.objects.filter(key="batch").exists()


CONTENDER = (
    "import django, sys\n"
    "django.setup()\n"
    "from designs import leases\n" + WAIT_FOR_GO + 'print("held" if leases.acquire("pump", 60) else "refused")\n'
)


def test_processes_racing_for_one_lease_get_exactly_one(child_env, tmp_path):
    results = race(CONTENDER, [[] for _ in range(6)], env=child_env, go_file=tmp_path / "go")
    assert sorted(results) == ["held"] + ["refused"] * 5
