"""Helpdesk messages in: kept once, put on the one order they are about (named, by a tracking number it
carries, the customer's one open case), else waiting unmatched for staff to attach or dismiss."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from cases.choices import TicketMessageState
from cases.intake import ticket_messages
from cases.models import AuditEvent, Case, CustomerMessage, TicketMessage
from cases.services.assessment import refresh_cases
from cases.tracking import services as tracking
from tests.factories import OrderFactory, UserFactory
from tests.helpers.clock import import_label_only_cases

pytestmark = pytest.mark.django_db

AT = datetime(2026, 11, 21, 9, 15, tzinfo=UTC)


@dataclass(frozen=True)
class Message:
    text: str
    subject: str = ""
    from_email: str = "ana@example.com"
    direction: str = "inbound"
    ticket_id: str = "4411"
    message_id: str = ""
    at: datetime = AT
    source: str = "zendesk"
    tags: list = field(default_factory=list)


def take(*messages, **kwargs):
    return ticket_messages.take_messages(messages=messages, via="helpdesk:test", **kwargs)


def test_a_message_naming_its_order_becomes_a_customer_message_of_it(orders):
    taken = take(Message("Where is my order #1042? It never arrived.", message_id="z-1"))
    assert (taken.attached, taken.unmatched) == (1, 0)
    message = CustomerMessage.objects.get()
    assert (message.order, message.direction, message.helpdesk_ticket) == (orders["#1042"], "inbound", "4411")
    assert message.intents is None  # read from the text by the rules
    row = TicketMessage.objects.get()
    assert (row.state, row.customer_message, row.match) == (
        TicketMessageState.ATTACHED,
        message,
        "order #1042 named in the message",
    )
    assert AuditEvent.objects.filter(action="customer_message_added").exists()


def test_the_same_message_twice_is_kept_once(orders):
    take(Message("About #1042", message_id="z-1"))
    again = take(Message("About #1042", message_id="z-1"))
    assert (again.attached, again.duplicates) == (0, 1)
    without_id = Message("About #1042 again")
    take(without_id)
    assert take(without_id).duplicates == 1
    assert CustomerMessage.objects.count() == 2 and TicketMessage.objects.count() == 2


def test_a_tracking_number_finds_the_order_carrying_it():
    order = OrderFactory(order_id="#3001")
    tracking.link_number(order, tracking.get_or_create_number("LX123456785CN")[0])
    take(Message("My parcel LX123456785CN has not moved"))
    assert CustomerMessage.objects.get().order == order


def test_the_customers_one_open_case_finds_the_order():
    (case,) = import_label_only_cases()
    email = case.order.customer_email
    assert email
    take(Message("any news?", from_email=email.upper()))
    assert CustomerMessage.objects.get().order == case.order


def test_an_outbound_message_is_never_matched_by_its_sender():
    (case,) = import_label_only_cases()
    take(Message("we are looking into it", from_email=case.order.customer_email, direction="outbound"))
    assert TicketMessage.objects.get().state == TicketMessageState.UNMATCHED


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("orders #1042 and #1043 both late", "names 2 orders (#1042, #1043)"),
        ("hello?", "no order number, tracking number or open case of the sender"),
        ("order #9999", "no stored order is #9999"),
    ],
)
def test_a_message_about_no_order_or_several_waits_unmatched(orders, text, why):
    taken = take(Message(text))
    assert (taken.attached, taken.unmatched) == (0, 1)
    assert not CustomerMessage.objects.exists()
    row = TicketMessage.objects.get()
    assert (row.state, row.match) == (TicketMessageState.UNMATCHED, why)


def test_an_unmatched_message_changes_no_packet_until_staff_attach_it(orders, staff):
    (case,) = import_label_only_cases()
    refresh_cases([case.order_id])
    before = Case.objects.get(pk=case.pk).packet
    take(Message("I want a refund, nothing arrived", from_email="someone@example.com"))
    refresh_cases([case.order_id])
    assert Case.objects.get(pk=case.pk).packet == before
    row = TicketMessage.objects.get()
    ticket_messages.attach(ticket_message=row, order=case.order, actor=staff)
    refresh_cases([case.order_id])
    assert Case.objects.get(pk=case.pk).packet != before
    row.refresh_from_db()
    assert (row.state, row.decided_by, row.customer_message.order) == (
        TicketMessageState.ATTACHED,
        staff,
        case.order,
    )
    assert AuditEvent.objects.filter(action="ticket_message_attached", actor=staff).exists()
    with pytest.raises(ticket_messages.TicketMessageError, match="already attached"):
        ticket_messages.attach(ticket_message=row, order=case.order, actor=staff)


def test_staff_dismiss_what_is_about_no_order_and_no_one_else_may(orders, staff):
    take(Message("unsubscribe me"))
    row = TicketMessage.objects.get()
    with pytest.raises(PermissionDenied):
        ticket_messages.dismiss(ticket_message=row, actor=UserFactory(username="rita"))
    ticket_messages.dismiss(ticket_message=row, actor=staff, reason="newsletter")
    assert TicketMessage.objects.get().state == TicketMessageState.DISMISSED
    assert AuditEvent.objects.get(action="ticket_message_dismissed").reason == "newsletter"


def test_the_admin_lists_the_unmatched_and_attaches_by_choosing_the_order(client, orders, staff):
    take(Message("hello?", message_id="z-9"), Message("About #1042", message_id="z-10"))
    client.force_login(staff)
    listing = client.get(reverse("admin:cases_ticketmessage_changelist")).content.decode()
    assert "no order number, tracking number or open case" in listing and "#1042 named" not in listing
    row = TicketMessage.objects.get(helpdesk_id="z-9")
    url = reverse("admin:cases_ticketmessage_change", args=[row.pk])
    response = client.post(url, {"order": orders["#1043"].pk})
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.state, row.customer_message.order) == (TicketMessageState.ATTACHED, orders["#1043"])


def test_the_admin_refuses_a_crafted_attach_without_the_permission(client, orders):
    take(Message("hello?", message_id="z-9"))
    row = TicketMessage.objects.get()
    client.force_login(UserFactory(username="rita", is_staff=True))
    url = reverse("admin:cases_ticketmessage_change", args=[row.pk])
    assert client.post(url, {"order": orders["#1043"].pk}).status_code == 403
    assert TicketMessage.objects.get().state == TicketMessageState.UNMATCHED


IMPORT = "admin:cases_ticketmessage_import"
CSV = "tests/data/helpdesk/csv/messages.csv"


def test_staff_import_a_helpdesks_csv_from_the_admin(client, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    order = OrderFactory(order_id="#1001")
    client.force_login(staff)
    assert "Import a helpdesk" in client.get(reverse("admin:cases_ticketmessage_changelist")).content.decode()
    with open(CSV, "rb") as handle:
        upload = SimpleUploadedFile("export.csv", handle.read())
    assert client.post(reverse(IMPORT), {"file": upload, "source": "helpscout"}).status_code == 302
    assert CustomerMessage.objects.filter(order=order).count() == 2
    assert TicketMessage.objects.filter(state=TicketMessageState.UNMATCHED, source="helpscout").count() == 1


def test_a_csv_with_a_problem_is_named_by_line_and_nothing_imported(client, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(staff)
    bad = b"Ticket ID,Created At,From,Direction,Body\n1,2025-03-10 09:15,a@example.com,inbound,hi\n"
    response = client.post(reverse(IMPORT), {"file": SimpleUploadedFile("bad.csv", bad)})
    assert response.status_code == 200 and "line 2" in response.content.decode()
    assert not TicketMessage.objects.exists()


def test_importing_a_helpdesks_csv_needs_the_permission(client):
    client.force_login(UserFactory(username="rita", is_staff=True))
    assert client.get(reverse(IMPORT)).status_code == 403
