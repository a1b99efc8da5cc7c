"""Importing disputes from a CSV (docs/disputes.md, *Importing disputes*): Shopify's dispute fields and
Stripe's export read into plain rows, every bad cell named by line and column; the rows applied through
the disputes service, all or nothing, idempotent; an outcome or a status step refused by name to anyone
but a verified owner, with nothing imported; the order's payment state following the outcome; the admin
page, its permission checked on the server, and its step to name the columns."""

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.choices import ImportKind, OutcomeKind, PaymentState
from cases.intake.csvfiles import CsvError
from cases.intake.dispute_import import ImportRefused, import_disputes
from cases.intake.disputes_csv import read_disputes
from cases.models import AuditEvent, ColumnMapping, Dispute, Order, Outcome
from tests.factories import OrderFactory, UserFactory
from tests.helpers.otp import verified_login

DATA = Path(__file__).resolve().parents[2] / "data" / "disputes"
SHOPIFY = (DATA / "shopify.csv").read_bytes()
STRIPE = (DATA / "stripe.csv").read_bytes()
HEADER = (
    "id,order,type,amount,currency,reason,status,evidence_due_by,evidence_sent_on,finalized_on,initiated_at\n"
)
OPENED = "2026-11-15T20:00:00-05:00"


def csv(*rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(f"{row}\n" for row in rows)).encode()


def row(
    dispute_id="d1",
    order="#1042",
    *,
    status="needs_response",
    amount="29.90",
    currency="USD",
    sent="",
    final="",
    opened=OPENED,
    due="2026-11-30T19:00:00-05:00",
    kind="chargeback",
    reason="product_not_received",
) -> str:
    return ",".join((dispute_id, order, kind, amount, currency, reason, status, due, sent, final, opened))


def issues_of(call) -> list[str]:
    with pytest.raises(CsvError) as caught:
        call()
    return [str(issue) for issue in caught.value.issues]


def stored() -> dict:
    return {
        "disputes": list(Dispute.objects.order_by("id").values_list("external_id", "status", "amount")),
        "payment": dict(Order.objects.values_list("order_id", "payment_state")),
        "audit": AuditEvent.objects.count(),
        "outcomes": Outcome.objects.count(),
    }


@pytest.fixture
def dispute_orders(db):
    """Orders #1042 to #1045, paid, worth 29.90 USD: the orders the dispute files name."""
    return {order_id: OrderFactory(order_id=order_id) for order_id in ("#1042", "#1043", "#1044", "#1045")}


# The re-assessment task's delay is mocked for every test here (queued: tests/conftest.py).
pytestmark = pytest.mark.usefixtures("queued")


# --- reading, without a database ----------------------------------------------------------------------


def test_a_shopify_file_is_read_into_plain_values_with_its_status_mapped():
    first, second, third, fourth = read_disputes(SHOPIFY)
    assert (first.line, first.external_id, first.processor, first.order, first.order_column) == (
        2,
        "1052608616",
        "shopify_payments",
        "#1042",
        "order",
    )
    assert first.facts == {
        "kind": "chargeback",
        "reason": "product_not_received",
        "network_reason_code": "13.1",
        "amount": Decimal("29.90"),
        "currency": "USD",
        "opened_at": datetime(2026, 11, 16, 1, tzinfo=UTC),
        "evidence_due_by": datetime(2026, 12, 1, 0, tzinfo=UTC),
    }
    assert [r.status for r in (first, second, third, fourth)] == [
        "needs_response",
        "submitted",
        "won",
        "lost",
    ]
    assert second.evidence_sent_on == datetime(2026, 11, 20, 12, tzinfo=UTC)
    assert third.finalized_on == datetime(2026, 12, 1, 12, tzinfo=UTC)
    assert "network_reason_code" not in second.facts  # an empty cell says nothing


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("needs_response", "needs_response"),
        ("NEEDS_RESPONSE", "needs_response"),
        ("warning_needs_response", "needs_response"),
        ("under_review", "submitted"),
        ("Under review", "submitted"),
        ("warning_under_review", "submitted"),
        ("charge_refunded", "accepted"),
        ("accepted", "accepted"),
        ("won", "won"),
        ("lost", "lost"),
    ],
)
def test_shopify_and_stripe_status_words_become_staletracks(word, status):
    (read,) = read_disputes(csv(row(status=word)))
    assert read.status == status


def test_a_stripe_export_is_read_with_its_utc_headers_and_its_inquiry_stages():
    first, second = read_disputes(STRIPE, processor="stripe")
    assert (first.external_id, first.processor, first.status) == (
        "dp_1QfTSyLkdIwHu7ix",
        "stripe",
        "needs_response",
    )
    assert first.facts["kind"] == "inquiry"  # warning_needs_response: an inquiry
    assert "kind" not in second.facts
    assert first.facts["opened_at"] == datetime(2026, 11, 15, 20, tzinfo=UTC)  # "Created (UTC)"
    assert first.facts["evidence_due_by"] == datetime(2026, 11, 30, 23, 59, tzinfo=UTC)
    assert first.facts["currency"] == "USD" and first.facts["amount"] == Decimal("29.90")


def test_a_status_no_staletrack_status_says_is_named_not_guessed():
    found = issues_of(lambda: read_disputes(csv(row(status="warning_closed"), row("d2", status="pending"))))
    assert found[0].startswith("line 2, column 'status': 'warning_closed' is an inquiry closed without")
    assert found[1].startswith("line 3, column 'status': 'pending' is not a dispute status; use one of")


def test_a_time_without_an_offset_is_named_by_row_and_column():
    found = issues_of(lambda: read_disputes(csv(row(), row("d2", opened="2026-11-15 20:00"))))
    assert found == [
        "column 'initiated_at': has times without a UTC offset, like \"2026-11-15 20:00\" (line 3); give "
        "them with their offset (2026-11-02T09:15:00-05:00), or say which time zone they are in (UTC is the "
        "store's)",
        "line 3, column 'initiated_at': '2026-11-15 20:00' has no UTC offset, and no time zone was given to "
        "read it in",
    ]


def test_a_time_zone_named_reads_the_times_without_an_offset():
    (read,) = read_disputes(csv(row(opened="2026-11-15 20:00")), time_zone="America/New_York")
    assert read.facts["opened_at"] == datetime(2026, 11, 16, 1, tzinfo=UTC)


def test_a_date_without_a_time_and_an_impossible_time_are_named():
    found = issues_of(
        lambda: read_disputes(csv(row(due="2026-11-30"), row("d2", opened="2026-02-30T10:00Z")))
    )
    assert found == [
        "line 2, column 'evidence_due_by': '2026-11-30' is a date without a time of day; give the date and "
        "time with its UTC offset",
        "line 3, column 'initiated_at': '2026-02-30T10:00Z' is not a real date and time",
    ]


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [
        ("$29.90", "USD", "line 2, column 'amount': '$29.90' is not an amount like 39.90"),
        ("29.999", "USD", "line 2, column 'amount': '29.999' has more than 2 decimals"),
        ("-5", "USD", "line 2, column 'amount': '-5' is negative"),
        ("29.90", "", "line 2, column 'currency': is empty; a disputed amount needs its currency"),
        ("29.90", "dollars", "line 2, column 'currency': 'dollars' is not an ISO 4217 currency code"),
    ],
)
def test_a_bad_amount_or_currency_is_named(amount, currency, message):
    (found,) = issues_of(lambda: read_disputes(csv(row(amount=amount, currency=currency))))
    assert found.startswith(message)


def test_times_out_of_order_a_missing_column_and_an_empty_id_are_named():
    found = issues_of(lambda: read_disputes(csv(row(due="2026-11-01T00:00:00Z"), row("", "#1043"))))
    assert found == [
        "line 2, column 'evidence_due_by': The evidence cannot be due before the dispute was opened "
        f"({OPENED})",
        "line 3, column 'id': is empty; every row needs the processor's id of the dispute",
    ]
    missing = issues_of(lambda: read_disputes(b"id,amount\nd1,3\n"))
    assert missing == [
        "line 1, column 'order': required column is missing; give order or order_id",
        "line 1, column 'status': required column is missing",
        "line 1, column 'initiated_at': required column is missing",
    ]


# --- importing ----------------------------------------------------------------------------------------


def test_staff_open_disputes_waiting_for_evidence_and_the_same_file_again_changes_nothing(
    dispute_orders, staff
):
    raw = csv(row("d1", "#1042"), row("d2", "1043"))  # an order named without its '#' is found
    summary = import_disputes(raw, actor=staff, via="test")
    assert summary.describe() == "Imported 2 disputes: 2 opened, 0 updated, 0 unchanged."
    first = Dispute.objects.get(external_id="d1")
    assert (first.order.order_id, first.status, first.amount, first.opened_by, first.source) == (
        "#1042",
        "needs_response",
        Decimal("29.90"),
        staff,
        "test",
    )
    assert Order.objects.get(order_id="#1043").payment_state == PaymentState.DISPUTED
    assert list(Outcome.objects.values_list("kind", flat=True)) == [OutcomeKind.DISPUTE_OPENED] * 2
    before = stored()
    again = import_disputes(raw, actor=staff, via="test")
    assert again.describe() == "Nothing changed: all 2 disputes of this file are already imported."
    assert stored() == before  # no dispute, no outcome, no audit event


def test_a_changed_fact_updates_the_stored_dispute_through_the_service(dispute_orders, staff):
    import_disputes(csv(row("d1")), actor=staff)
    summary = import_disputes(csv(row("d1", amount="12.50", reason="Fraudulent")), actor=staff)
    assert (summary.opened, summary.updated, summary.unchanged) == (0, 1, 0)
    dispute = Dispute.objects.get()
    assert (dispute.amount, dispute.reason) == (Decimal("12.50"), "fraudulent")
    event = AuditEvent.objects.get(action="dispute_updated")
    assert event.changes == {"amount": ["29.90", "12.50"], "reason": ["product_not_received", "fraudulent"]}


def test_a_dispute_opened_by_hand_is_the_files_dispute_not_a_second_one(dispute_orders, staff):
    from cases.services.disputes import open_dispute

    by_hand = open_dispute(
        order=dispute_orders["#1042"],
        actor=staff,
        values={"processor": "shopify_payments", "opened_at": datetime(2026, 11, 16, tzinfo=UTC)},
    )
    summary = import_disputes(csv(row("d1", "#1042")), actor=staff)
    assert (summary.opened, summary.updated) == (0, 1)
    by_hand.refresh_from_db()
    assert by_hand.external_id == "d1" and Dispute.objects.count() == 1


def test_an_older_export_does_not_reopen_a_closed_dispute(dispute_orders, owner):
    import_disputes(csv(row("d1", "#1044", status="won", final="2026-12-01T10:00:00Z")), actor=owner)
    before = stored()
    issues = issues_of(lambda: import_disputes(csv(row("d1", "#1044")), actor=owner))
    assert issues == [
        "line 2, column 'status': dispute d1 is already closed (won); the file says needs_response: an older "
        "export? Correct a recorded outcome on the dispute's page"
    ]
    assert stored() == before


def test_an_unknown_order_is_named_and_nothing_is_written(dispute_orders, staff):
    raw = csv(row("d1", "#1042"), row("d2", "#9999"))
    assert issues_of(lambda: import_disputes(raw, actor=staff)) == [
        "line 3, column 'order': no order #9999 or 9999 is stored; import the order first"
    ]
    shopify_ids = "id,order_id,status,initiated_at\nd3,450789469,needs_response,2026-11-15T20:00:00Z\n"
    (found,) = issues_of(lambda: import_disputes(shopify_ids.encode(), actor=staff))
    assert found.startswith("line 2, column 'order_id': no order 450789469 or #450789469 is stored")
    assert "give the order's name, like #1001, in an order column" in found
    assert not Dispute.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_repeated_dispute_and_one_stored_on_another_order_are_named(dispute_orders, staff):
    import_disputes(csv(row("d1", "#1042")), actor=staff)
    raw = csv(row("d2", "#1043"), row("d2", "#1043"), row("d1", "#1044"))
    assert issues_of(lambda: import_disputes(raw, actor=staff)) == [
        "line 3, column 'id': repeats dispute d2 of line 2; a dispute has one row",
        "line 4, column 'order': dispute d1 is on order #1042, not on #1044",
    ]
    assert list(Dispute.objects.values_list("external_id", flat=True)) == ["d1"]


def test_bad_cells_name_their_rows_and_nothing_is_written(dispute_orders, staff):
    raw = csv(row("d1"), row("d2", "#1043", amount="lots"), row("d3", "#1044", opened="2026-11-15 20:00"))
    found = issues_of(lambda: import_disputes(raw, actor=staff))
    assert "line 3, column 'amount': 'lots' is not an amount like 39.90" in found
    assert any(issue.startswith("line 4, column 'initiated_at'") for issue in found)
    assert not Dispute.objects.exists()


def test_staff_are_refused_the_rows_that_record_an_outcome_or_move_a_status_and_nothing_is_imported(
    dispute_orders, staff
):
    before = stored()
    with pytest.raises(ImportRefused) as refused:
        import_disputes(SHOPIFY, actor=staff)
    assert refused.value.lines == [3, 4, 5]
    assert [str(issue) for issue in refused.value.issues] == [
        "file: 3 rows need an owner (lines 3, 4, 5): stan lacks the permission cases.record_dispute_outcome. "
        "Nothing was imported.",
        "line 3, column 'status': under_review: moving its status is an owner's step "
        "(cases.record_dispute_outcome, with a second factor)",
        "line 4, column 'status': won: recording its outcome is an owner's step "
        "(cases.record_dispute_outcome, with a second factor)",
        "line 5, column 'status': lost: recording its outcome is an owner's step "
        "(cases.record_dispute_outcome, with a second factor)",
    ]
    assert stored() == before  # not even the first row's dispute


def test_an_owner_without_a_second_factor_is_refused_by_name(dispute_orders):
    unverified = UserFactory(username="olga", role="Owner")
    with pytest.raises(ImportRefused) as refused:
        import_disputes(SHOPIFY, actor=unverified)
    assert "only from a session verified by a second factor" in str(refused.value.issues[0])
    assert not Dispute.objects.exists()


def test_importing_needs_the_permission_to_open_disputes(dispute_orders):
    nobody = UserFactory(username="viewer")
    with pytest.raises(PermissionDenied):
        import_disputes(csv(row()), actor=nobody)


def test_an_owner_imports_outcomes_and_the_orders_payment_state_follows(dispute_orders, owner):
    summary = import_disputes(SHOPIFY, actor=owner)
    assert summary.describe() == "Imported 4 disputes: 4 opened, 0 updated, 0 unchanged; 4 status steps."
    assert dict(Dispute.objects.values_list("external_id", "status")) == {
        "1052608616": "needs_response",
        "1052608617": "submitted",
        "1052608618": "won",
        "1052608619": "lost",
    }
    payment = dict(Order.objects.values_list("order_id", "payment_state"))
    assert payment == {
        "#1042": PaymentState.DISPUTED,
        "#1043": PaymentState.DISPUTED,  # its evidence is under review
        "#1044": PaymentState.PAID,  # won: back to paid
        "#1045": PaymentState.REFUNDED,  # lost, the whole order's value
    }
    won = Dispute.objects.get(external_id="1052608618")
    # Its evidence went out first: the case keeps both steps, each when the file dates it.
    assert won.evidence_sent_on == datetime(2026, 11, 20, 12, tzinfo=UTC)
    assert won.finalized_on == datetime(2026, 12, 1, 12, tzinfo=UTC)
    steps = Outcome.objects.filter(case__order__order_id="#1044").exclude(kind=OutcomeKind.DISPUTE_OPENED)
    assert list(steps.order_by("at").values_list("kind", "at")) == [
        (OutcomeKind.DISPUTE_SUBMITTED, datetime(2026, 11, 20, 12, tzinfo=UTC)),
        (OutcomeKind.DISPUTE_WON, datetime(2026, 12, 1, 12, tzinfo=UTC)),
    ]
    assert won.outcome_by == owner
    before = stored()
    assert import_disputes(SHOPIFY, actor=owner).describe() == (
        "Nothing changed: all 4 disputes of this file are already imported."
    )
    assert stored() == before


def test_an_owner_moves_a_stored_dispute_to_its_outcome_and_the_step_without_a_date_is_now(
    dispute_orders, staff, owner
):
    import_disputes(csv(row("d1", "#1045")), actor=staff)
    summary = import_disputes(csv(row("d1", "#1045", status="won")), actor=owner)
    assert (summary.updated, summary.steps) == (1, 1)
    dispute = Dispute.objects.get()
    assert dispute.status == "won" and dispute.finalized_on is not None
    assert Order.objects.get(order_id="#1045").payment_state == PaymentState.PAID
    lost = import_disputes(csv(row("d1", "#1045", status="lost", final="2026-12-03T10:00:00Z")), actor=owner)
    assert lost.describe() == "Imported 1 dispute: 0 opened, 1 updated, 0 unchanged; 1 status step."
    assert Order.objects.get(order_id="#1045").payment_state == PaymentState.REFUNDED
    # Staff may not correct it now that it is closed.
    with pytest.raises(ImportRefused) as refused:
        import_disputes(csv(row("d1", "#1045", status="lost", amount="10.00")), actor=staff)
    assert str(refused.value.issues[1]) == (
        "line 2, column 'amount': dispute d1 is closed (lost): correcting it is an owner's step "
        "(cases.record_dispute_outcome, with a second factor)"
    )


def test_the_operator_at_the_shell_imports_everything(dispute_orders):
    summary = import_disputes(SHOPIFY, actor=None)
    assert summary.opened == 4
    assert AuditEvent.objects.get(action="disputes_imported").changes["opened"] == 4


def test_a_dry_run_counts_and_writes_nothing(dispute_orders, owner):
    summary = import_disputes(SHOPIFY, actor=owner, dry_run=True)
    assert summary.describe() == (
        "Dry run: importing 4 disputes would give 4 opened, 0 updated, 0 unchanged; 4 status steps. "
        "Nothing was written."
    )
    assert not Dispute.objects.exists() and not AuditEvent.objects.exists()


def test_named_columns_are_remembered_for_the_next_file_with_those_headers(dispute_orders, staff):
    odd = b"Case,Shop order,Stage,Opened\nd1,#1042,needs_response,2026-11-15T20:00:00Z\n"
    found = issues_of(lambda: import_disputes(odd, actor=staff))
    assert "line 1, column 'id': required column is missing" in found
    mapping = {"id": "Case", "order": "Shop order", "status": "Stage", "initiated_at": "Opened"}
    first = import_disputes(odd, actor=staff, column_map=mapping)
    assert first.opened == 1 and first.columns_kept
    assert ColumnMapping.objects.get().kind == ImportKind.DISPUTES
    again = import_disputes(odd, actor=staff)
    assert again.columns.remembered and again.unchanged == 1


# --- the admin page -----------------------------------------------------------------------------------


@pytest.fixture
def import_url():
    return reverse("admin:cases_dispute_import")


def upload(raw: bytes, name: str = "disputes.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, raw, content_type="text/csv")


def test_the_page_needs_the_permission_to_open_disputes_on_get_and_post(client, dispute_orders, import_url):
    user = UserFactory(username="viewer")
    user.user_permissions.add(Permission.objects.get(codename="view_dispute"))
    client.force_login(user)
    assert client.get(import_url).status_code == 403
    response = client.post(import_url, {"file": upload(csv(row())), "processor": "shopify_payments"})
    assert response.status_code == 403
    assert not Dispute.objects.exists()


def test_staff_upload_a_file_of_new_disputes(client, dispute_orders, staff, import_url):
    client.force_login(staff)
    assert client.get(import_url).status_code == 200
    response = client.post(
        import_url, {"file": upload(csv(row("d1"), row("d2", "#1043"))), "processor": "shopify_payments"}
    )
    assert response.status_code == 302
    assert Dispute.objects.count() == 2
    page = client.get(response.url, follow=True)
    assert "Imported 2 disputes: 2 opened, 0 updated, 0 unchanged." in page.content.decode()


def test_staff_uploading_outcomes_are_refused_by_row_and_nothing_changes(
    client, dispute_orders, staff, import_url
):
    client.force_login(staff)
    response = client.post(import_url, {"file": upload(SHOPIFY), "processor": "shopify_payments"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Refused: some rows are not yours to import" in text
    assert "line 4, column &#x27;status&#x27;: won: recording its outcome is an owner&#x27;s step" in text
    assert not Dispute.objects.exists()


def test_a_verified_owner_uploads_outcomes(client, dispute_orders, owner, import_url):
    verified_login(client, owner)
    response = client.post(import_url, {"file": upload(SHOPIFY), "processor": "shopify_payments"})
    assert response.status_code == 302
    assert Dispute.objects.filter(status="won").count() == 1
    assert Order.objects.get(order_id="#1045").payment_state == PaymentState.REFUNDED


def test_the_processor_chosen_on_upload_and_the_column_step(client, dispute_orders, staff, import_url):
    client.force_login(staff)
    response = client.post(import_url, {"file": upload(STRIPE), "processor": "stripe"})
    assert response.status_code == 302
    assert set(Dispute.objects.values_list("processor", flat=True)) == {"stripe"}
    odd = b"Case,Shop order,Stage,Opened\nd9,#1044,needs_response,2026-11-15T20:00:00Z\n"
    page = client.post(import_url, {"file": upload(odd), "processor": "paypal"})
    assert page.status_code == 200 and b"Name the columns" in page.content
    token = page.context["upload_token"]
    done = client.post(
        import_url,
        {
            "upload": token,
            "processor": "paypal",
            "time_zone": "",
            "column__id": "Case",
            "column__order": "Shop order",
            "column__status": "Stage",
            "column__initiated_at": "Opened",
        },
    )
    assert done.status_code == 302
    assert Dispute.objects.get(external_id="d9").processor == "paypal"
    assert ColumnMapping.objects.filter(kind=ImportKind.DISPUTES).exists()
