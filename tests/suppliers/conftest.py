"""Fixtures of the supplier app's tests."""

import pytest

from suppliers.services import build_weekly_rollups
from tests.helpers.known_week import WEEK


@pytest.fixture
def built(week):
    """The known week stored and its rollups built."""
    build_weekly_rollups(WEEK)
