"""Proposals read from supplier emails: kept for a person, matched to an order, nothing of them a fact until
confirmed (corrected or not), then one supplier evidence and the parcels of the numbers kept, audited."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from cases.choices import ProposalState
from cases.intake.messages import proposals
from cases.models import AuditEvent, Case, EvidenceProposal, Parcel, SupplierEvidence
from cases.services.assessment import refresh_cases
from cases.tracking import services as tracking
from tests.factories import OrderFactory, UserFactory
from tests.helpers.clock import import_label_only_cases
from tests.helpers.supplier_emails import reading

pytestmark = pytest.mark.django_db

SENT = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
NUMBER = "LX123456785CN"


def propose(**kwargs) -> EvidenceProposal:
    raw = kwargs.pop("raw", b"From: sales@supplier.example\r\n\r\nbody")
    proposal, created = proposals.propose(reading=reading(**kwargs), raw=raw)
    assert created
    return proposal


def test_a_proposal_names_its_order_kind_and_sentences_and_writes_no_fact(orders):
    proposal = propose()
    assert (proposal.order, proposal.kind, proposal.state) == (
        orders["#1042"],
        "pickup_proof",
        ProposalState.PENDING,
    )
    assert proposal.text == "Your parcel was picked up by the courier today."
    assert proposal.match == "order #1042 named in the message"
    assert proposal.tracking_numbers == [NUMBER]
    assert not SupplierEvidence.objects.exists() and not Parcel.objects.exists()


def test_an_unconfirmed_proposal_changes_no_packet_and_a_confirmed_one_does(staff):
    (case,) = import_label_only_cases()
    order = case.order
    refresh_cases([order.pk])
    before = Case.objects.get(pk=case.pk).packet
    proposal = propose(orders=(order.order_id,), numbers=())
    refresh_cases([order.pk])
    assert Case.objects.get(pk=case.pk).packet == before
    assert not SupplierEvidence.objects.filter(order=order).exists()
    proposals.confirm(proposal=proposal, actor=staff)
    refresh_cases([order.pk])
    assert Case.objects.get(pk=case.pk).packet != before


def test_the_same_email_is_kept_once(orders):
    first = propose()
    again, created = proposals.propose(reading=reading(), raw=b"other bytes, same message id")
    assert (again.pk, created) == (first.pk, False)
    same_bytes, created = proposals.propose(
        reading=reading(message_id=""), raw=b"From: sales@supplier.example\r\n\r\nbody"
    )
    assert (same_bytes.pk, created) == (first.pk, False)


def test_an_order_is_found_by_a_tracking_number_it_carries():
    order = OrderFactory(order_id="#2001")
    tracking.link_number(order, tracking.get_or_create_number(NUMBER)[0])
    proposal = propose(orders=())
    assert (proposal.order, proposal.match) == (order, "order #2001 carries a tracking number in it")


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (("#1042", "#1043"), "names 2 orders (#1042, #1043): pick one"),
        (("#9999",), "no stored order is #9999: pick one"),
        ((), "no order number, tracking number or open case of the sender: pick one"),
    ],
)
def test_no_order_or_several_wait_for_a_person_to_pick(orders, names, expected):
    proposal = propose(orders=names, numbers=())
    assert (proposal.order, proposal.match) == (None, expected)


def test_confirming_makes_one_evidence_and_a_parcel_per_number_audited(orders, staff):
    proposal = propose()
    evidence = proposals.confirm(proposal=proposal, actor=staff)
    assert (evidence.order, evidence.kind, evidence.at) == (orders["#1042"], "pickup_proof", SENT)
    assert evidence.text == "Your parcel was picked up by the courier today."
    assert list(Parcel.objects.values_list("order__order_id", "tracking_number__normalized")) == [
        ("#1042", NUMBER)
    ]
    proposal.refresh_from_db()
    assert (proposal.state, proposal.decided_by, proposal.evidence) == (
        ProposalState.CONFIRMED,
        staff,
        evidence,
    )
    event = AuditEvent.objects.get(action="evidence_proposal_confirmed")
    assert event.changes["parcels_added"] == [NUMBER] and event.actor == staff
    assert AuditEvent.objects.filter(action="supplier_evidence_added").exists()


def test_a_person_corrects_the_kind_and_the_order_before_confirming(orders, staff):
    proposal = propose(orders=("#1042", "#1043"))
    with pytest.raises(proposals.ProposalError, match="order: choose the order"):
        proposals.confirm(proposal=proposal, actor=staff)
    evidence = proposals.confirm(
        proposal=proposal, actor=staff, kind="dispatch_claim", order=orders["#1043"], add_parcels=False
    )
    assert (evidence.order, evidence.kind) == (orders["#1043"], "dispatch_claim")
    assert not Parcel.objects.exists()
    changes = AuditEvent.objects.get(action="evidence_proposal_confirmed").changes
    assert changes["kind"] == ["pickup_proof", "dispatch_claim"] and changes["order"] == [None, "#1043"]


def test_a_proposal_without_a_kind_needs_one(orders, staff):
    proposal = propose(kind=None)
    with pytest.raises(proposals.ProposalError, match="kind: choose one of"):
        proposals.confirm(proposal=proposal, actor=staff)
    assert not SupplierEvidence.objects.exists()


def test_a_decided_proposal_cannot_be_decided_again(orders, staff):
    proposal = propose()
    proposals.dismiss(proposal=proposal, actor=staff, reason="an old email")
    with pytest.raises(proposals.ProposalError, match="already dismissed"):
        proposals.confirm(proposal=proposal, actor=staff)
    assert not SupplierEvidence.objects.exists()
    event = AuditEvent.objects.get(action="evidence_proposal_dismissed")
    assert event.reason == "an old email"


def test_a_sender_clock_ahead_never_dates_evidence_in_the_future(orders, staff):
    proposal = propose()
    EvidenceProposal.objects.filter(pk=proposal.pk).update(sent_at=datetime.now(UTC) + timedelta(days=3))
    proposal.refresh_from_db()
    evidence = proposals.confirm(proposal=proposal, actor=staff)
    assert evidence.at <= datetime.now(UTC)


def test_without_the_permission_nothing_is_decided(orders):
    reader = UserFactory(username="rita")
    proposal = propose()
    with pytest.raises(PermissionDenied):
        proposals.confirm(proposal=proposal, actor=reader)
    with pytest.raises(PermissionDenied):
        proposals.dismiss(proposal=proposal, actor=reader)
    assert EvidenceProposal.objects.get().state == ProposalState.PENDING


def test_the_admin_confirms_and_refuses_a_crafted_post_without_the_permission(client, orders, staff):
    proposal = propose()
    url = reverse("admin:cases_evidenceproposal_changelist")
    client.force_login(UserFactory(username="rita", is_staff=True))
    response = client.post(url, {"action": "confirm_proposals", "_selected_action": [proposal.pk]})
    assert response.status_code == 403
    assert EvidenceProposal.objects.get().state == ProposalState.PENDING
    client.force_login(staff)
    response = client.post(url, {"action": "confirm_proposals", "_selected_action": [proposal.pk]})
    assert response.status_code == 302
    assert EvidenceProposal.objects.get().state == ProposalState.CONFIRMED
    assert SupplierEvidence.objects.filter(order=orders["#1042"], kind="pickup_proof").exists()


READ = "admin:cases_evidenceproposal_read"


def test_staff_read_an_uploaded_email_into_a_proposal_from_the_admin(client, staff, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.helpers.supplier_emails import CORPUS

    settings.MEDIA_ROOT = tmp_path
    client.force_login(staff)
    assert (
        "Read supplier emails"
        in client.get(reverse("admin:cases_evidenceproposal_changelist")).content.decode()
    )
    data = (CORPUS / "02_pickup_receipt_attached_png.eml").read_bytes()
    response = client.post(reverse(READ), {"file": SimpleUploadedFile("mail.eml", data)})
    assert response.status_code == 302
    proposal = EvidenceProposal.objects.get()
    assert proposal.kind == "pickup_proof" and proposal.attachment.name.endswith(".png")
    assert not SupplierEvidence.objects.exists()


def test_staff_paste_an_emails_text_and_the_same_text_twice_is_one_proposal(client, staff, orders):
    client.force_login(staff)
    post = {
        "sender": "ops@supplier.example\r\nBcc: x@y",
        "subject": "Order #1042",
        "text": "Sorry, the goods is out of stock for order #1042.",
    }
    assert client.post(reverse(READ), post).status_code == 302
    assert client.post(reverse(READ), post).status_code == 302
    proposal = EvidenceProposal.objects.get()
    assert (proposal.kind, proposal.order) == ("restock_note", orders["#1042"])
    assert proposal.sender.startswith("ops@supplier.example")


def test_an_unreadable_upload_is_named_and_nothing_is_kept(client, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(staff)
    response = client.post(
        reverse(READ), {"file": SimpleUploadedFile("box.mbox", b"From a@x\n\n\n\nFrom b@x\n\n")}
    )
    assert response.status_code == 200
    assert "message 1 of the mbox" in response.content.decode()
    assert not EvidenceProposal.objects.exists()


def test_reading_emails_in_the_admin_needs_the_permission(client):
    client.force_login(UserFactory(username="rita", is_staff=True))
    assert client.get(reverse(READ)).status_code == 403
    assert client.post(reverse(READ), {"text": "shipped"}).status_code == 403
    assert not EvidenceProposal.objects.exists()


def test_an_email_pasted_on_a_case_page_proposes_for_that_cases_order(client, staff):
    (case,) = import_label_only_cases()
    client.force_login(staff)
    page = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    assert 'id="supplier-email-form"' in page
    post = {"order": case.order.pk, "text": "Courier has picked up the parcel this morning."}
    assert client.post(reverse(READ), post).status_code == 302
    proposal = EvidenceProposal.objects.get()
    assert (proposal.order, proposal.kind) == (case.order, "pickup_proof")
    assert proposal.match == f"pasted on the case page of {case.order.order_id}"
    assert not SupplierEvidence.objects.exists()
