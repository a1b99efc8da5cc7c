"""Fixtures of the replay tests: the spec's basic cases with known actuals, as a file and imported."""

from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command

from policies.models import Policy
from tests.helpers.replay_bundles import basic_with_actuals, write_bundle


@pytest.fixture
def past_bundle(spec_dir, tmp_path):
    return write_bundle(tmp_path, basic_with_actuals(spec_dir))


@pytest.fixture
def imported(past_bundle, db):
    """The spec's basic cases with known actuals (tests/helpers/replay_bundles.py), imported: 9 past
    decisions."""
    call_command("import_cases", str(past_bundle), stdout=StringIO())
    # v1 was activated when the test database was made (now): the bundle's decisions came before it.
    Policy.objects.filter(version=1).update(activated_at=datetime(2026, 1, 1, tzinfo=UTC))
