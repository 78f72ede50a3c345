"""Asking a worker for Printify's costs: only when they are missing or old, or when forced."""

import pytest
from django.core.cache import cache

from designs.services.costs import request_costs
from designs.variant_costs import save_costs

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    settings.COST_MAX_AGE_HOURS = 24
    cache.clear()
    yield
    cache.clear()


def test_a_worker_is_asked_only_for_missing_or_old_costs(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as asked:
        assert request_costs(3, 3) is True
        save_costs(3, 3, {17390: 1150}, {}, "product")
        assert request_costs(3, 3) is False
        assert request_costs(3, 3, force=True) is True
    assert len(asked) == 2
