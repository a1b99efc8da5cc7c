"""`manage.py build_rollups`: the weeks it rebuilds, and the week that has not ended it refuses."""

from datetime import date
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from suppliers.models import WeeklyRollup
from tests.helpers.known_week import WEEK, at


@pytest.fixture
def tuesday_after():
    """The commands read the wall clock: pin it to Tuesday 2026-11-24, 06:00 UTC."""
    with mock.patch("suppliers.management.commands.build_rollups.timezone.now", return_value=at(24, 6)):
        yield


@pytest.mark.django_db
@pytest.mark.usefixtures("tuesday_after")
def test_the_command_rebuilds_the_week_holding_a_given_day_and_weeks_before_it(week):
    out = StringIO()
    call_command("build_rollups", "--week", "2026-11-11", "--weeks", "2", stdout=out)
    assert out.getvalue().splitlines() == [
        "week of 2026-11-02: 3 supplier, 1 sku, 1 country",
        "week of 2026-11-09: 3 supplier, 3 sku, 3 country",
    ]
    assert sorted(set(WeeklyRollup.objects.values_list("week_start", flat=True))) == [
        date(2026, 11, 2),
        WEEK,
    ]


@pytest.mark.django_db
@pytest.mark.usefixtures("tuesday_after")
def test_the_command_builds_the_week_that_ended_by_default(week):
    out = StringIO()
    call_command("build_rollups", stdout=out)
    assert out.getvalue() == "week of 2026-11-16: 3 supplier, 1 sku, 1 country\n"


@pytest.mark.django_db
@pytest.mark.usefixtures("tuesday_after")
def test_the_command_refuses_a_week_that_has_not_ended():
    with pytest.raises(CommandError, match="has not ended"):
        call_command("build_rollups", "--week", "2026-11-23")
    with pytest.raises(CommandError, match="at least 1"):
        call_command("build_rollups", "--weeks", "0")
