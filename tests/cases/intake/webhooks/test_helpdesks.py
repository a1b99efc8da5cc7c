"""Helpdesks pushing customer messages through the connections' endpoints: Zendesk (a signature over the
timestamp and the body) and Gorgias (a token header the store sets); each message kept once and put on its
order, or left unmatched for staff (tests/data/helpdesk/<source>/SOURCES.md: where each body comes from)."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from cases.choices import DeliveryVerdict, TicketMessageState
from cases.intake.webhooks import services
from cases.intake.webhooks.sources import SOURCES
from cases.models import CustomerMessage, TicketMessage, WebhookDelivery, WebhookRefusal
from tests.factories import OrderFactory
from tests.helpers.pushed_deliveries import body_of, outcome, post, post_signed, url

pytestmark = pytest.mark.django_db

ZENDESK_SECRET = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="
GORGIAS_TOKEN = "gorgias-token-0123456789abcdef"
DATA = "tests/data/helpdesk"


def sample(source: str, name: str) -> dict:
    with open(f"{DATA}/{source}/{name}") as handle:
        return json.load(handle)


@pytest.fixture
def connected(owner):
    services.set_connection(source="zendesk", actor=owner, secret=ZENDESK_SECRET)
    services.set_connection(source="gorgias", actor=owner, secret=GORGIAS_TOKEN)


@pytest.fixture
def order_1001():
    return OrderFactory(order_id="#1001", customer_email="jane.customer@example.com")


def test_a_signed_zendesk_message_lands_on_the_order_it_names_once(client, connected, order_1001):
    body = body_of(sample("zendesk", "trigger_comment_inbound.json"))
    response = post_signed(client, "zendesk", ZENDESK_SECRET, body)
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert outcome(response)["status"] == "ok"
    message = CustomerMessage.objects.get()
    assert (message.order, message.direction, message.helpdesk_ticket) == (order_1001, "inbound", "35436")
    assert "nothing arrived" in message.text
    delivery = WebhookDelivery.objects.get()
    assert delivery.changes["messages_attached"] == 1
    again = post_signed(client, "zendesk", ZENDESK_SECRET, body)
    assert again.json() == {"status": "duplicate"}
    assert CustomerMessage.objects.count() == 1 and TicketMessage.objects.count() == 1


def test_a_zendesk_message_about_no_stored_order_waits_unmatched(client, connected):
    body = body_of(sample("zendesk", "trigger_comment_inbound.json"))
    assert post_signed(client, "zendesk", ZENDESK_SECRET, body).status_code == 200
    row = TicketMessage.objects.get()
    assert (row.state, row.order) == (TicketMessageState.UNMATCHED, None)
    assert not CustomerMessage.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Zendesk-Webhook-Signature": "d3Jvbmc=", "X-Zendesk-Webhook-Signature-Timestamp": "now"},
    ],
)
def test_an_unsigned_or_wrongly_signed_zendesk_delivery_is_refused_and_nothing_kept(
    client, connected, order_1001, headers
):
    body = body_of(sample("zendesk", "trigger_comment_inbound.json"))
    assert post(client, url("zendesk"), body, headers).status_code == 401
    assert not WebhookDelivery.objects.exists() and not TicketMessage.objects.exists()
    assert WebhookRefusal.objects.get().source == "zendesk"


def test_a_zendesk_signature_of_an_old_timestamp_is_refused(client, connected, order_1001):
    body = body_of(sample("zendesk", "trigger_comment_inbound.json"))
    response = post_signed(client, "zendesk", ZENDESK_SECRET, body, timezone.now() - timedelta(hours=1))
    assert response.status_code == 401 and not TicketMessage.objects.exists()


def test_a_private_zendesk_comment_is_ignored(client, connected, order_1001):
    payload = sample("zendesk", "trigger_comment_inbound.json") | {"public": "false"}
    response = post_signed(client, "zendesk", ZENDESK_SECRET, body_of(payload))
    assert response.json()["status"] == "ignored"
    assert WebhookDelivery.objects.get().verdict == DeliveryVerdict.IGNORED
    assert not TicketMessage.objects.exists()


def test_an_oversize_helpdesk_body_is_refused(client, connected, settings):
    settings.TRACKING_WEBHOOK_MAX_BYTES = 100
    body = body_of(sample("zendesk", "trigger_comment_inbound.json"))
    assert post_signed(client, "zendesk", ZENDESK_SECRET, body).status_code == 413
    assert not WebhookDelivery.objects.exists()


def test_a_gorgias_message_with_the_stores_token_lands_on_its_order(client, connected):
    order = OrderFactory(order_id="#1002")
    body = body_of(sample("gorgias", "message_created_inbound.json"))
    response = post_signed(client, "gorgias", GORGIAS_TOKEN, body)
    assert response.status_code == 200
    message = CustomerMessage.objects.get()
    assert (message.order, message.helpdesk_ticket) == (order, "4213")
    assert post_signed(client, "gorgias", GORGIAS_TOKEN, body).json() == {"status": "duplicate"}


def test_a_gorgias_delivery_without_the_token_is_refused(client, connected):
    OrderFactory(order_id="#1002")
    body = body_of(sample("gorgias", "message_created_inbound.json"))
    assert post(client, url("gorgias"), body, {"X-Staletrack-Token": "guess"}).status_code == 401
    assert post(client, url("gorgias"), body).status_code == 401
    assert not TicketMessage.objects.exists()


@pytest.mark.parametrize("source", ["zendesk", "gorgias"])
def test_the_admins_test_delivery_of_each_helpdesk_reads_and_leaves_nothing(connected, source):
    status, answer = services.send_test_delivery(source=SOURCES[source], host="testserver")
    assert (status, answer["status"]) == (200, "ok"), answer
    assert not WebhookDelivery.objects.exists() and not TicketMessage.objects.exists()
