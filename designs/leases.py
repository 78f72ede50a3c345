"""Expiring locks in the database, so "only one at a time" holds across processes and hosts.

Used where a conditional status transition is not enough: the single generation pump, and one publishing
run per design (a broker may deliver the same task twice, at the same time, to two workers). A holder that
dies simply lets its lease expire; nothing waits on it forever.
"""

from __future__ import annotations

import logging
import secrets
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import DatabaseError, IntegrityError, close_old_connections, connections, transaction
from django.db.models import Q
from django.utils import timezone

from designs.models import Lease

logger = logging.getLogger(__name__)


def product_key(product_id: int) -> str:
    """The lease of one product: its publishing run, an unpublish, a listing update or an undo holds it."""
    return f"product:{product_id}"


def acquire(key: str, seconds: float, *, now: datetime | None = None) -> str | None:
    """Take the lease `key` for `seconds`; returns a token, or None while someone else holds it.

    `now` is the clock to judge expiry by (tests pass a later one instead of waiting for a lease to lapse).
    """
    token = secrets.token_hex(16)
    now = now or timezone.now()
    expires = now + timedelta(seconds=seconds)
    # Take it over if it expired (a conditional UPDATE: of two racers, one matches).
    if Lease.objects.filter(key=key, expires_at__lt=now).update(token=token, expires_at=expires):
        return token
    try:
        with transaction.atomic():
            Lease.objects.create(key=key, token=token, expires_at=expires)
    except IntegrityError:
        return None
    return token


def renew(key: str, token: str, seconds: float) -> bool:
    """Extend a lease we hold; False if it expired and someone else took it."""
    expires = timezone.now() + timedelta(seconds=seconds)
    return bool(Lease.objects.filter(key=key, token=token).update(expires_at=expires))


def release(key: str, token: str) -> None:
    Lease.objects.filter(key=key, token=token).delete()


def is_held(key: str, *, now: datetime | None = None) -> bool:
    return Lease.objects.filter(Q(key=key) & Q(expires_at__gte=now or timezone.now())).exists()


@contextmanager
def held(key: str, seconds: float):
    """`with held("pump", 60) as token:` — token is None when the lease is taken by someone else."""
    token = acquire(key, seconds)
    try:
        yield token
    finally:
        if token:
            release(key, token)


class Heartbeat(threading.Thread):
    """Renews a lease from its own thread every `every` seconds, so one slow HTTP call cannot let it lapse.

    A holder killed with its process stops renewing, and the lease frees within `seconds` (not minutes).
    `lost` is set when someone else took the lease (ours had expired): the holder must stop.
    """

    def __init__(self, key: str, token: str, *, seconds: float, every: float):
        super().__init__(name=f"lease-{key}", daemon=True)
        self.key, self.token, self.seconds, self.every = key, token, seconds, every
        self.lost = threading.Event()
        self._stopped = threading.Event()

    def run(self):
        try:
            while not self._stopped.wait(self.every):
                try:
                    if not renew(self.key, self.token, self.seconds):
                        self.lost.set()
                        return
                except Exception:  # a busy database: the lease still has slack, try again next beat
                    logger.warning("Could not renew the lease %s", self.key, exc_info=True)
                    close_old_connections()
        finally:
            connections.close_all()

    def stop(self):
        self._stopped.set()
        self.join(timeout=self.seconds)


@contextmanager
def kept(key: str, *, seconds: float, every: float):
    """`with kept("publish:12", seconds=15, every=5) as heartbeat:` — None when someone else holds the lease.

    Held (and renewed) until the block ends, then released.
    """
    token = acquire(key, seconds)
    if token is None:
        yield None
        return
    heartbeat = Heartbeat(key, token, seconds=seconds, every=every)
    heartbeat.start()
    try:
        yield heartbeat
    finally:
        heartbeat.stop()
        try:
            release(key, token)
        except DatabaseError:  # the database is out: the lease expires by itself within `seconds`
            logger.warning("Could not release the lease %s; it expires in %s s", key, seconds)
