"""`manage.py weekly_digest [--week YYYY-MM-DD] [--send]`: prints the digest of a built week, or sends it to
the owners once; a bad, unfinished or unbuilt --week is refused and named."""

from datetime import UTC, datetime
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from suppliers.models import SentDigest
from tests.helpers.digest_week import build_digest_week, owners

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 18, 9, tzinfo=UTC)  # the week that ended began on 2026-11-09


@pytest.fixture
def week(settings):
    settings.STALETRACK_BASE_URL = "https://shop.example"
    build_digest_week()


def run(*args) -> str:
    out = StringIO()
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        call_command("weekly_digest", *args, stdout=out)
    return out.getvalue()


def test_it_prints_the_digest_of_the_week_holding_a_day(week):
    text = run("--week", "2026-11-12")  # a Thursday: its week began on Monday 2026-11-09
    assert text.startswith("Subject: Weekly digest, week of 2026-11-09: 8 orders, 4 problem cases")
    assert "Weekly digest: orders placed 2026-11-09 to 2026-11-15 (store time)" in text
    assert "- More problems on supplier Acme: 3 (+2), of 5 orders." in text
    assert "  Acme    5 (+3)         3 (+2)  60.0%    3 (+2)       1.0 d" in text
    assert "  A-2  2 (new)        1 (new)  50.0%   1 (new)           -" in text
    assert "  customer updated: 1 (1)" in text
    assert "  P-1 Vase (Idle): The page promises 3-5 business days" in text
    assert "https://shop.example/admin/suppliers/product/" in text
    assert not SentDigest.objects.exists()  # printing sends nothing


def test_the_default_week_is_the_one_that_ended(week):
    assert "orders placed 2026-11-09 to 2026-11-15" in run()


def test_send_emails_each_owner_once(week, mailoutbox):
    owners()
    assert run("--week", "2026-11-09", "--send") == "sent to olga\nsent to otto\n"
    assert run("--week", "2026-11-09", "--send") == (
        "already sent to olga: not sent again\nalready sent to otto: not sent again\n"
    )
    assert len(mailoutbox) == 2


def test_send_with_no_owner_to_receive_it_says_so(week, mailoutbox):
    assert run("--send") == "No owner with an email address: nothing sent.\n"


@pytest.mark.parametrize(
    ("week_given", "message"),
    [
        ("09/11/2026", "--week '09/11/2026' is not a date (YYYY-MM-DD)."),
        ("2026-13-01", "--week '2026-13-01' is not a date (YYYY-MM-DD)."),
        ("2026-11-17", "--week 2026-11-17: the week of 2026-11-16 has not ended"),
        ("2026-10-12", "--week 2026-10-12: the rollups of the week of 2026-10-12 are not built"),
    ],
)
def test_a_bad_week_is_refused_and_named(week, week_given, message):
    with pytest.raises(CommandError) as error:
        run("--week", week_given)
    assert message in str(error.value)


def test_a_send_that_fails_names_the_owner(week):
    owners()
    with (
        mock.patch(
            "django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=OSError("down")
        ),
        pytest.raises(CommandError, match=r"Not sent to olga \(down\); otto \(down\)"),
    ):
        run("--send")
