"""Weeks: a week starts on a Monday; the week that ended is the last whole one before now (store time)."""

from datetime import date, timedelta

import pytest
from django.test import override_settings

from suppliers.selectors import week_bounds, week_that_ended
from tests.helpers.known_week import WEEK, at


def test_a_week_starts_on_a_monday():
    with pytest.raises(ValueError, match="Monday"):
        week_bounds(date(2026, 11, 11))


def test_the_week_that_ended_is_the_last_whole_week_before_now():
    assert week_that_ended(at(16, 7)) == WEEK  # Monday morning
    assert week_that_ended(at(16, 0)) == WEEK  # Monday midnight: that week has just ended
    assert week_that_ended(at(15, 23, 59)) == WEEK - timedelta(weeks=1)  # still Sunday
    with override_settings(TIME_ZONE="America/New_York"):
        assert week_that_ended(at(16, 4, 59)) == WEEK - timedelta(weeks=1)  # Sunday 23:59 in New York
