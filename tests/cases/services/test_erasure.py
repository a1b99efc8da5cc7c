"""A customer's data on request: an owner erases one customer's personal data (email, postal code, the
texts that carry names) across orders, messages, evidence, drafts, packets, exports, import runs and the
audit trail's older events, from the admin and a command; the erasure is audited without the data, and
the audit trail stays append-only (no event deleted; who, when, what and which object unchanged)."""

import io
import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from cases.choices import ImportKind
from cases.intake.bundle_import import import_bundle
from cases.intake.bundles.reader import read_bundle
from cases.intake.messages import proposals
from cases.models import (
    AuditEvent,
    Case,
    CustomerMessage,
    EvidenceProposal,
    ImportRun,
    Order,
    SupplierChase,
    SupplierEvidence,
    TrackingEvent,
)
from cases.resources import OrderResource
from cases.services import erasure
from cases.workbench import services
from tests.helpers.otp import verified_login
from tests.helpers.supplier_emails import reading

pytestmark = pytest.mark.django_db

EMAIL = "ana@example.com"
NAME = "Ana Lima"
POSTAL = "SW1A 1AA"
REASON = "Customer's erasure request of 2026-12-01 (ticket 881)"


def bundle(email_e1: str, now) -> str:
    """Ana's and Bob's cases as of `now` (one instant for every import of them, so that the same
    message or event has the same time each time: a second boundary between two imports would make
    them new facts)."""

    def at(days):
        return (now - timedelta(days=days)).isoformat()

    def order(order_id, email, postal, country="GB"):
        return {
            "order_id": order_id,
            "ordered_at": at(20),
            "customer_email": email,
            "country": country,
            "postal_code": postal,
            "sku": f"SKU-{order_id[1:]}",
            "supplier": "Erasure Supplier",
            "value": "24.99",
            "currency": "GBP",
        }

    return json.dumps(
        {
            "format": "staletrack.bundle/1",
            "cases": [
                {
                    "order": order("#E1", email_e1, POSTAL),
                    "tracking": {
                        "number": "YT2431229900000001",
                        "events": [
                            {"at": at(15), "status": "info_received", "country": "CN"},
                            {"at": at(2), "status": "delivered", "country": "GB", "postal_code": "SW1A1AA"},
                        ],
                    },
                    "customer_messages": [
                        {"at": at(1), "direction": "inbound", "text": f"Hi, I am {NAME}: it never arrived."}
                    ],
                    "supplier_evidence": [
                        {
                            "at": at(14),
                            "kind": "pickup_proof",
                            "text": f"Label for {NAME}, 10 Downing St {POSTAL}",
                        }
                    ],
                    "supplier_chases": [{"at": at(10), "text": f"Where is the parcel of {EMAIL}?"}],
                },
                {
                    "order": order("#E2", EMAIL.upper(), POSTAL),
                    "tracking": {
                        "number": "YT2431229900000002",
                        "events": [{"at": at(5), "status": "in_transit"}],
                    },
                },
                {
                    "order": order("#E3", "bob@example.com", "94110", country="US"),
                    "tracking": {
                        "number": "YT2431229900000003",
                        "events": [{"at": at(5), "status": "in_transit"}],
                    },
                    "customer_messages": [
                        {"at": at(1), "direction": "inbound", "text": "Bob here, any news?"}
                    ],
                },
            ],
        }
    )


@pytest.fixture
def customer(staff, owner, settings, tmp_path):
    """Ana's two orders and Bob's, with what staff, an owner and imports wrote about them over time."""
    settings.MEDIA_ROOT = tmp_path
    now = timezone.now().replace(microsecond=0)
    import_bundle(read_bundle(bundle("ana.old@example.com", now)))
    import_bundle(read_bundle(bundle(EMAIL, now)))  # the email changed: audited with old and new values
    case = Case.objects.get(order__order_id="#E1")
    services.save_draft(case, actor=staff, text=f"Dear {NAME}, we are looking into it.")
    # #E1 is a delivered conflict, in the owner-only lane (docs/fast-lane.md): the owner phoned her.
    services.mark_customer_updated(case, actor=owner, note=f"Phoned {NAME} at the number she gave")
    services.record_proof(case, actor=staff, kind="dispatch_claim", text=f"Supplier wrote: sent to {NAME}")
    services.hold(
        case, actor=staff, reason=f"{EMAIL} asked us to wait", until=timezone.now() + timedelta(days=3)
    )
    # A supplier's email read for #E1, waiting for a person: its text names her.
    proposals.propose(
        reading=reading(
            message_id="<e1@supplier.example>",
            subject=f"Parcel for {NAME}",
            kind="dispatch_claim",
            orders=("#E1",),
            numbers=(),
            sentence=f"The parcel for {NAME} has shipped.",
        ),
        raw=f"Subject: Parcel for {NAME}\r\n\r\nshipped".encode(),
        attachment=proposals.Attachment("receipt.pdf", "application/pdf", b"%PDF-1.4 receipt"),
    )
    ImportRun.objects.create(
        kind=ImportKind.ORDERS,
        file_name="orders.csv",
        status=ImportRun.Status.FAILED,
        message=f"line 3: {EMAIL} appears twice",
        errors=[{"line": 3, "column": "Email", "message": f"{EMAIL.upper()} appears twice"}],
        file=ContentFile(f"Name,Email\n1,{EMAIL}\n".encode(), name="orders.csv"),
    )
    ImportRun.objects.create(
        kind=ImportKind.ORDERS,
        file_name="other.csv",
        file=ContentFile(b"Name,Email\n1,bob@example.com\n", name="other.csv"),
    )
    return case


def dump() -> str:
    out = io.StringIO()
    call_command("dumpdata", "cases", "suppliers", stdout=out)
    return out.getvalue().lower()


def audit_skeleton():
    """What an audit event says besides its personal values: it must not change."""
    return list(
        AuditEvent.objects.order_by("pk").values_list(
            "pk", "at", "actor", "actor_label", "action", "object_id"
        )
    )


def assert_erased(orders=("#E1", "#E2")):
    text = dump()
    for value in (EMAIL, "ana.old@example.com", NAME.lower(), "sw1a 1aa", "sw1a1aa", "downing"):
        assert value not in text, value
    assert "bob@example.com" in text and "bob here" in text  # another customer's data stays
    for order in Order.objects.filter(order_id__in=orders):
        assert (order.customer_email, order.postal_code) == ("", "")
        assert order.erased_at is not None


# --- the service -------------------------------------------------------------------------------------


def test_an_owner_erases_every_trace_of_one_customer(customer, owner):
    skeleton = audit_skeleton()
    assert EMAIL in dump() and NAME.lower() in dump()
    done = erasure.erase_customer(actor=owner, reason=REASON, email="Ana@Example.com ")
    assert done.order_ids == ["#E1", "#E2"]
    assert_erased()
    # Facts the rules read stay: the message's intents were read before its text went.
    message = CustomerMessage.objects.get(order__order_id="#E1", direction="inbound")
    assert message.text == erasure.ERASED and "where_is_order" in message.intents
    assert SupplierEvidence.objects.filter(order__order_id="#E1", kind="pickup_proof").exists()
    proposal = EvidenceProposal.objects.get()
    assert (proposal.text, proposal.reading, proposal.attachment.name) == (erasure.ERASED, {}, "")
    assert TrackingEvent.objects.filter(status="delivered").get().postal_code == ""
    assert erasure.ERASED in SupplierChase.objects.get(order__order_id="#E1").text
    case = Case.objects.get(order__order_id="#E1")
    assert case.draft_text == "" and case.packet["order_id"] == "#E1"
    # The kept upload that held the email is gone; the other stays.
    assert list(ImportRun.objects.exclude(file="").values_list("file_name", flat=True)) == ["other.csv"]
    # Append-only: every older event is still there and says who did what to which object, and when.
    assert audit_skeleton()[: len(skeleton)] == skeleton
    event = AuditEvent.objects.get(action=erasure.ERASED_ACTION)
    assert event.actor == owner and event.reason == REASON
    assert event.changes["orders"] == ["#E1", "#E2"]
    assert event.changes["customer_messages"] == 2 and event.changes["uploads_deleted"] == 1
    assert set(event.changes["audit_events_redacted"]) <= {pk for pk, *_ in skeleton}
    assert event.changes["audit_events_redacted"]
    assert "ana" not in json.dumps(event.changes).lower()
    assert AuditEvent.objects.filter(action=erasure.ORDER_ERASED_ACTION).count() == 2


def test_an_export_of_an_erased_order_holds_no_personal_data(customer, owner):
    erasure.erase_customer(actor=owner, reason=REASON, email=EMAIL)
    exported = OrderResource().export(queryset=Order.objects.order_by("order_id")).csv
    assert EMAIL not in exported.lower() and "sw1a" not in exported.lower()
    assert "#E1" in exported and "bob@example.com" in exported


def test_only_the_orders_named(customer, owner):
    erasure.erase_customer(actor=owner, reason=REASON, email=EMAIL, order_ids=["#E2"])
    e1, e2 = Order.objects.filter(order_id__in=["#E1", "#E2"]).order_by("order_id")
    assert (e1.customer_email, e1.erased_at is None) == (EMAIL, True)
    assert (e2.customer_email, e2.erased_at is not None) == ("", True)
    with pytest.raises(ValidationError, match="no order #E3 with that email"):
        erasure.erase_customer(actor=owner, reason=REASON, email=EMAIL, order_ids=["#E3"])


def test_a_dry_run_writes_nothing(customer, owner):
    before, events = dump(), AuditEvent.objects.count()
    plan = erasure.erase_customer(actor=owner, reason=REASON, email=EMAIL, dry_run=True)
    # Supplier evidence: two records and the email proposal waiting for #E1.
    assert (plan.orders, plan.customer_messages, plan.supplier_evidence) == (2, 2, 3)
    assert plan.audit_events_redacted and plan.uploads_deleted == 1
    assert dump() == before and AuditEvent.objects.count() == events
    assert ImportRun.objects.exclude(file="").count() == 2


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"email": EMAIL, "reason": " "}, "reason: say why"),
        ({"email": EMAIL, "reason": f"asked by {EMAIL}"}, "do not repeat the customer's personal data"),
        ({"email": "nobody@example.com", "reason": REASON}, "no order carries that email"),
        ({"email": "not an email", "reason": REASON}, "email: not an email address"),
        ({"reason": REASON}, "Name the customer's email"),
    ],
)
def test_bad_requests_are_named_and_write_nothing(customer, owner, kwargs, named):
    before = dump()
    with pytest.raises(ValidationError, match=named):
        erasure.erase_customer(actor=owner, **kwargs)
    assert dump() == before


def test_staff_cannot_erase(customer, staff):
    before = dump()
    with pytest.raises(PermissionDenied):
        erasure.erase_customer(actor=staff, reason=REASON, email=EMAIL)
    assert dump() == before


def test_scrubbing_replaces_values_not_lookalikes():
    personal = erasure.Personal(
        emails=frozenset({"ana@example.com"}), postal_codes=frozenset({"SW1A 1AA"}), texts=frozenset({"ok"})
    )
    scrub = erasure.Scrubber(personal, with_keys=True)
    assert scrub.text("mail ANA@example.com.") == "mail [erased]."
    assert scrub.text("mail joana@example.com") == "mail joana@example.com"
    assert scrub.text("at sw1a1aa today") == "at [erased] today"
    assert scrub.text("tracking XSW1A1AA9") == "tracking XSW1A1AA9"
    assert scrub.text("ok") == "[erased]" and scrub.text("looks ok to me") == "looks ok to me"
    assert scrub.json({"customer_email": ["old@x.org", None], "n": 3, "postal_code": ""}) == {
        "customer_email": ["[erased]", None],
        "n": 3,
        "postal_code": "",
    }


@pytest.mark.postgres
def test_the_append_only_trigger_is_back_on_after_an_erasure(customer, owner):
    erasure.erase_customer(actor=owner, reason=REASON, email=EMAIL)
    assert "ana@example.com" not in dump()
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE cases_auditevent SET reason = 'x'")
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_auditevent")


@pytest.mark.postgres
def test_a_failed_erasure_leaves_the_trigger_on(customer, owner, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(erasure, "refresh_cases", fail)
    with pytest.raises(RuntimeError):
        erasure.erase_customer(actor=owner, reason=REASON, email=EMAIL)
    assert EMAIL in dump()
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE cases_auditevent SET reason = 'x'")


# --- the admin ---------------------------------------------------------------------------------------


def page_url(order_id):
    return reverse("admin:cases_order_erase_customer", args=[Order.objects.get(order_id=order_id).pk])


def test_the_owner_confirms_on_a_page_that_names_what_goes(client, customer, owner):
    verified_login(client, owner)
    page = client.get(page_url("#E1"))
    body = page.content.decode()
    assert page.status_code == 200
    assert EMAIL in body and "2 orders carry this email" in body
    assert "2 customer message text(s)" in body and "#E1, #E2" in body
    assert Order.objects.get(order_id="#E1").customer_email == EMAIL  # the page erased nothing
    response = client.post(page_url("#E1"), {"scope": "all", "reason": REASON})
    assert response.status_code == 302
    assert_erased()


def test_the_owner_may_erase_one_order_only(client, customer, owner):
    verified_login(client, owner)
    client.post(page_url("#E2"), {"scope": "this", "reason": REASON})
    assert Order.objects.get(order_id="#E1").customer_email == EMAIL
    assert Order.objects.get(order_id="#E2").customer_email == ""


def test_a_post_without_a_reason_erases_nothing(client, customer, owner):
    verified_login(client, owner)
    before = dump()
    response = client.post(page_url("#E1"), {"scope": "all", "reason": ""})
    assert response.status_code == 400 and dump() == before


def test_staff_get_403_and_a_crafted_post_writes_nothing(client, customer, staff):
    client.force_login(staff)
    before = dump()
    assert client.get(page_url("#E1")).status_code == 403
    assert client.post(page_url("#E1"), {"scope": "all", "reason": REASON}).status_code == 403
    changelist = reverse("admin:cases_order_changelist")
    pk = Order.objects.get(order_id="#E1").pk
    response = client.post(changelist, {"action": "erase_customer_data", "_selected_action": [pk]})
    assert response.status_code in (200, 302, 403)
    assert dump() == before


def test_the_action_is_the_owners_and_leads_to_the_confirmation(client, customer, owner, staff):
    changelist = reverse("admin:cases_order_changelist")
    client.force_login(staff)
    assert "erase_customer_data" not in client.get(changelist).content.decode()
    verified_login(client, owner)
    assert "erase_customer_data" in client.get(changelist).content.decode()
    pk = Order.objects.get(order_id="#E1").pk
    response = client.post(changelist, {"action": "erase_customer_data", "_selected_action": [pk]})
    assert response.status_code == 302 and response["Location"] == page_url("#E1")


# --- the command -------------------------------------------------------------------------------------


def test_the_command_erases_and_says_what(customer, owner):
    out = io.StringIO()
    call_command("erase_customer", email=EMAIL, user="olga", reason=REASON, stdout=out)
    assert "Erased:" in out.getvalue() and "#E1, #E2" in out.getvalue()
    assert EMAIL not in out.getvalue()
    assert_erased()


def test_the_command_dry_run_and_refusals(customer, owner, staff):
    before = dump()
    out = io.StringIO()
    call_command("erase_customer", email=EMAIL, user="olga", reason=REASON, dry_run=True, stdout=out)
    assert "Would erase:" in out.getvalue() and dump() == before
    with pytest.raises(CommandError, match="Refused"):
        call_command("erase_customer", email=EMAIL, user="stan", reason=REASON)
    with pytest.raises(CommandError, match="no order #E3 with that email"):
        call_command("erase_customer", email=EMAIL, order=["#E3"], user="olga", reason=REASON)
    assert dump() == before


@pytest.mark.postgres
def test_a_busy_audit_trail_is_named_and_nothing_is_erased(customer, owner, monkeypatch):
    """Another transaction writing audit events (an import) holds the table: the erasure waits a
    moment, then says so, instead of hanging."""
    import psycopg

    monkeypatch.setattr(erasure, "AUDIT_LOCK_TIMEOUT_MS", 200)
    db = connection.settings_dict
    other = psycopg.connect(
        dbname=db["NAME"], user=db["USER"], host=db["HOST"], port=db["PORT"] or 5432, password=db["PASSWORD"]
    )
    try:
        other.execute(
            "INSERT INTO cases_auditevent (at, actor_label, object_id, object_repr, action, changes, reason) "
            "VALUES (now(), 'import', '', '', 'orders_imported', '{}', '')"
        )
        with pytest.raises(ValidationError, match="The audit trail is busy"):
            erasure.erase_customer(actor=owner, reason=REASON, email=EMAIL)
    finally:
        other.rollback()
        other.close()
    assert Order.objects.get(order_id="#E1").customer_email == EMAIL


def test_an_owner_without_a_second_factor_gets_403(client, customer, owner):
    client.force_login(owner)  # a password alone
    before = dump()
    assert client.get(page_url("#E1")).status_code == 403
    assert client.post(page_url("#E1"), {"scope": "all", "reason": REASON}).status_code == 403
    assert dump() == before


def test_kept_webhook_bodies_naming_the_customer_are_emptied_and_others_kept(customer, owner):
    from cases.models import WebhookDelivery

    WebhookDelivery.objects.create(
        source="shopify", body_sha256="a" * 64, body=b'{"email": "ANA@example.com"}', order_ids=[]
    )
    WebhookDelivery.objects.create(source="shopify", body_sha256="b" * 64, body=b"{}", order_ids=["#E2"])
    WebhookDelivery.objects.create(source="shopify", body_sha256="c" * 64, body=b'{"other": 1}')
    done = erasure.erase_customer(actor=owner, reason=REASON, email=EMAIL)
    assert done.webhook_bodies == 2
    kept = dict(WebhookDelivery.objects.values_list("body_sha256", "body"))
    assert [bytes(kept[key]) for key in ("a" * 64, "b" * 64, "c" * 64)] == [b"", b"", b'{"other": 1}']
