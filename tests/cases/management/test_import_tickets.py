"""`manage.py import_tickets`: a helpdesk's CSV export of messages, each kept once and put on its order or
left unmatched for staff; a file with any problem brings in nothing, naming the line and column."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cases.choices import TicketMessageState
from cases.models import CustomerMessage, TicketMessage
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db

FILE = "tests/data/helpdesk/csv/messages.csv"


def run(*args) -> str:
    out = StringIO()
    call_command("import_tickets", *args, stdout=out)
    return out.getvalue()


def test_messages_land_on_their_orders_and_the_rest_wait_for_staff():
    order = OrderFactory(order_id="#1001")
    said = run(FILE, "--source", "helpscout")
    assert "3 messages: 2 put on their orders, 1 waiting for staff" in said
    assert list(
        CustomerMessage.objects.order_by("at").values_list("order", "direction", "helpdesk_ticket")
    ) == [
        (order.pk, "inbound", "35436"),
        (order.pk, "outbound", "35436"),
    ]
    waiting = TicketMessage.objects.get(state=TicketMessageState.UNMATCHED)
    assert (waiting.source, waiting.ticket_id) == ("helpscout", "4213")
    again = run(FILE, "--source", "helpscout")
    assert "0 put on their orders, 0 waiting for staff (admin: Ticket messages), 3 already kept" in again


def test_a_file_with_a_problem_brings_in_nothing_and_names_the_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Ticket ID,Created At,From,Direction,Body\n"
        "1,2025-03-10T09:15:00Z,a@example.com,inbound,order #1001\n"
        "2,2025-03-10 09:15,b@example.com,inbound,order #1001\n"
    )
    with pytest.raises(CommandError, match="line 3") as raised:
        run(str(bad))
    assert "offset" in str(raised.value)
    assert not TicketMessage.objects.exists() and not CustomerMessage.objects.exists()


def test_a_column_map_names_a_column_of_another_name(tmp_path):
    OrderFactory(order_id="#1001")
    mapped = tmp_path / "mapped.csv"
    mapped.write_text(
        "Conv,When,Who,Way,Words\n9,2025-03-10T09:15:00Z,a@example.com,inbound,order #1001 late\n"
    )
    said = run(
        str(mapped),
        "--column",
        "ticket_id=Conv",
        "--column",
        "at=When",
        "--column",
        "from_email=Who",
        "--column",
        "direction=Way",
        "--column",
        "text=Words",
    )
    assert "1 put on their orders" in said
