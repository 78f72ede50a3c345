"""Fixtures for the podsite tests."""

import pytest


@pytest.fixture
def limit(settings):
    """Three failed logins lock out a username from an address."""
    settings.AXES_FAILURE_LIMIT = 3
    return settings.AXES_FAILURE_LIMIT
