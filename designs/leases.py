"""Expiring locks in the database, so "only one at a time" holds across processes and hosts.

Used where a conditional status transition is not enough: the single generation pump, and one publishing
run per design (a broker may deliver the same task twice, at the same time, to two workers). A holder that
dies simply lets its lease expire; nothing waits on it forever.
"""

from __future__ import annotations

import secrets
from contextlib import contextmanager
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from designs.models import Lease


def acquire(key: str, seconds: float) -> str | None:
    """Take the lease `key` for `seconds`; returns a token, or None while someone else holds it."""
    token = secrets.token_hex(16)
    now = timezone.now()
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


def is_held(key: str) -> bool:
    return Lease.objects.filter(Q(key=key) & Q(expires_at__gte=timezone.now())).exists()


@contextmanager
def held(key: str, seconds: float):
    """`with held("pump", 60) as token:` — token is None when the lease is taken by someone else."""
    token = acquire(key, seconds)
    try:
        yield token
    finally:
        if token:
            release(key, token)
