"""Asking for Printify's costs per variant: a worker learns them (workers/costs.py); the cache and its rules are
designs/variant_costs.py."""

from __future__ import annotations

from functools import partial

from django.db import transaction

from designs.variant_costs import costs_for
from designs.workers import enqueue


def request_costs(blueprint_id: int, provider_id: int, *, force: bool = False) -> bool:
    """Ask a worker to learn the costs when they are missing or old (always, with force). True if asked."""
    if not force and not costs_for(blueprint_id, provider_id).stale:
        return False
    transaction.on_commit(partial(enqueue, "learn_costs", blueprint_id, provider_id, force=force))
    return True
