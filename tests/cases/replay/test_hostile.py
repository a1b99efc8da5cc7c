"""Hostile replay files (`manage.py replay FILE` and the replay page's upload): read by the same reader
as a bundle import, with the same size limit and the same named errors; nothing is written."""

import json
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from cases.models import Order, ReplayRun
from staletrack import limits
from tests.helpers.replay_bundles import basic_with_actuals

pytestmark = pytest.mark.django_db


def replay_command(tmp_path, raw: bytes) -> str:
    """Run `replay` on `raw`; it must fail. The errors it printed."""
    path = tmp_path / "past.json"
    path.write_bytes(raw)
    err = StringIO()
    with pytest.raises(CommandError, match=r"past\.json: \d+ error\(s\)\."):
        call_command("replay", str(path), stdout=StringIO(), stderr=err)
    return err.getvalue()


def good(spec_dir) -> bytes:
    return json.dumps(basic_with_actuals(spec_dir)).encode()


def with_repeated_key(spec_dir) -> bytes:
    return good(spec_dir).replace(
        b'"decided_at": ', b'"decided_at": "2026-11-20T12:00:00Z", "decided_at": ', 1
    )


def test_the_command_refuses_a_file_over_the_bundle_limit(tmp_path, spec_dir, settings):
    raw = good(spec_dir)
    settings.BUNDLE_MAX_BYTES = len(raw) - 1
    err = replay_command(tmp_path, raw)
    assert f"error: file: is larger than {len(raw) - 1:,} bytes; split it" in err
    settings.BUNDLE_MAX_BYTES = len(raw)
    out = StringIO()
    call_command("replay", str(tmp_path / "past.json"), stdout=out)
    assert "next move" in out.getvalue().lower()


def test_the_command_names_a_repeated_key(tmp_path, spec_dir):
    assert 'error: case 0, case: has the key "decided_at" twice' in replay_command(
        tmp_path, with_repeated_key(spec_dir)
    )


def test_the_command_names_nesting_too_deep_for_the_parser(tmp_path):
    raw = b'{"format": "staletrack.bundle/1", "cases": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert f"error: file: nests deeper than {limits.MAX_JSON_DEPTH} levels" in replay_command(tmp_path, raw)


def test_the_command_names_a_nul(tmp_path, spec_dir):
    document = basic_with_actuals(spec_dir)
    document["cases"][0]["actual"]["outcome"] = "refunded\u0000"
    err = replay_command(tmp_path, json.dumps(document).encode())
    assert "error: case 0, actual.outcome: contains a NUL character (\\u0000)" in err


def test_the_command_names_a_decision_time_outside_2000_to_2100(tmp_path, spec_dir):
    document = basic_with_actuals(spec_dir)
    document["cases"][1]["decided_at"] = "0001-01-01T00:00:00+14:00"
    err = replay_command(tmp_path, json.dumps(document).encode())
    assert f"error: case 1, decided_at: '0001-01-01T00:00:00+14:00' {limits.TIME_RANGE_MESSAGE}" in err


@pytest.fixture
def staff(staff, client):
    """Stan (tests/conftest.py), logged in on the client."""
    client.force_login(staff)
    return staff


def upload(client, raw: bytes):
    file = SimpleUploadedFile("past.json", raw, content_type="application/json")
    return client.post(reverse("admin:cases_case_replay"), {"file": file})


def test_the_replay_page_names_a_repeated_key_and_writes_nothing(client, staff, spec_dir):
    response = upload(client, with_repeated_key(spec_dir))
    assert response.status_code == 400
    assert "case 0, case: has the key &quot;decided_at&quot; twice" in response.content.decode()
    assert (Order.objects.count(), ReplayRun.objects.count()) == (0, 0)


def test_the_replay_page_names_nesting_too_deep_for_the_parser(client, staff):
    raw = b'{"format": "staletrack.bundle/1", "cases": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = upload(client, raw)
    assert response.status_code == 400
    assert "file: nests deeper than 32 levels" in response.content.decode()


def test_the_replay_page_holds_an_upload_to_the_bundle_limit(client, staff, spec_dir, settings):
    raw = good(spec_dir)
    settings.BUNDLE_MAX_BYTES = len(raw) - 1
    response = upload(client, raw)
    assert 'id="replay-report"' not in response.content.decode()
    assert "larger than" in response.content.decode()
