"""`manage.py import_disputes FILE [--as-user NAME]`: the disputes CSV from the shell (docs/disputes.md),
all or nothing, the named user's permissions checked (a user named at the shell counts as past a second
factor), rows that are an owner's refused by line to staff."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cases.choices import PaymentState
from cases.models import Dispute, Order
from tests.factories import OrderFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("queued")]  # queued: tests/conftest.py

FILE = str(Path(__file__).resolve().parents[2] / "data" / "disputes" / "shopify.csv")


@pytest.fixture(autouse=True)
def dispute_orders(db):
    return {order_id: OrderFactory(order_id=order_id) for order_id in ("#1042", "#1043", "#1044", "#1045")}


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_disputes", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_an_owner_at_the_shell_imports_outcomes_and_again_changes_nothing():
    UserFactory(username="olga", role="Owner")  # no authenticator needed: the shell is more than one
    said, _ = run(FILE, "--as-user", "olga")
    assert said == "Imported 4 disputes: 4 opened, 0 updated, 0 unchanged; 4 status steps.\n"
    assert Order.objects.get(order_id="#1044").payment_state == PaymentState.PAID
    assert Order.objects.get(order_id="#1045").payment_state == PaymentState.REFUNDED
    again, _ = run(FILE, "--as-user", "olga")
    assert again == "Nothing changed: all 4 disputes of this file are already imported.\n"


def test_staff_are_refused_the_owners_rows_by_line_and_nothing_is_imported():
    UserFactory(username="stan", role="Staff")
    with pytest.raises(
        CommandError, match=r"Refused: 3 row\(s\) of .* need a permission stan lacks"
    ) as raised:
        call_command(
            "import_disputes", FILE, "--as-user", "stan", stdout=StringIO(), stderr=(err := StringIO())
        )
    assert "nothing was imported" in str(raised.value)
    lines = err.getvalue().splitlines()
    assert lines[0] == (
        "error: file: 3 rows need an owner (lines 3, 4, 5): stan lacks the permission "
        "cases.record_dispute_outcome. Nothing was imported."
    )
    assert lines[2].startswith(
        "error: line 4, column 'status': won: recording its outcome is an owner's step"
    )
    assert not Dispute.objects.exists()


def test_a_user_without_the_permission_is_refused_before_the_file_is_read(tmp_path):
    UserFactory(username="viewer")
    with pytest.raises(CommandError, match=r"Refused: viewer lacks the permission cases\.add_dispute"):
        run(FILE, "--as-user", "viewer")


def test_a_bad_file_names_its_rows_and_the_options_are_read(tmp_path):
    bad = tmp_path / "stripe.csv"
    bad.write_text(
        "id,Order,Status,Created\n"
        "dp_1,#1042,needs_response,2026-11-15 20:00\n"
        "dp_2,#9999,needs_response,2026-11-15T20:00:00Z\n"
    )
    with pytest.raises(CommandError, match="3 error"):
        call_command("import_disputes", str(bad), stdout=StringIO(), stderr=(err := StringIO()))
    text = err.getvalue()
    assert "line 2, column 'initiated_at': '2026-11-15 20:00' has no UTC offset" in text
    assert "line 3, column 'order': no order #9999 or 9999 is stored" in text  # one attempt names all
    good = tmp_path / "good.csv"
    good.write_text("id,Order,Status,Created\ndp_1,#1042,needs_response,2026-11-15 20:00\n")
    said, _ = run(str(good), "--processor", "stripe", "--time-zone", "Europe/Paris", "--dry-run")
    assert said.startswith("Dry run: importing 1 dispute would give 1 opened")
    said, _ = run(str(good), "--processor", "stripe", "--time-zone", "Europe/Paris")
    dispute = Dispute.objects.get()
    assert (dispute.processor, dispute.opened_at.isoformat()) == ("stripe", "2026-11-15T19:00:00+00:00")
