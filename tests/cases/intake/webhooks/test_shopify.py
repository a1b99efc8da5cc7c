"""Shopify's webhooks: bodies and headers as Shopify sends them (tests/data/webhooks/shopify/, each file's
origin in its SOURCES.md; signatures.json holds the headers computed for each file with a test secret)."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cases.intake.webhooks import shopify
from cases.intake.webhooks.pushed import PayloadError, Refused
from cases.models import Connection, LineItem, Order, Parcel, TrackingEvent, TrackingNumber, WebhookDelivery
from tests.helpers.pushed_deliveries import outcome

DATA = Path(__file__).resolve().parents[3] / "data" / "webhooks" / "shopify"
SIGNED = json.loads((DATA / "signatures.json").read_text())
SECRET = SIGNED["secret"]
URL = "/webhooks/shopify/"
NOW = datetime(2026, 7, 4, tzinfo=UTC)


def body(name: str) -> bytes:
    return (DATA / name).read_bytes()


def headers(name: str) -> dict[str, str]:
    return dict(SIGNED["deliveries"][name])


def read_as(name: str, payload: dict):
    """`payload` read as the delivery `name` (its headers)."""
    return shopify.read(json.dumps(payload).encode(), headers(name), NOW)


def deliver(client, name: str, *, raw: bytes | None = None, **changed):
    sent = {key: value for key, value in {**headers(name), **changed}.items() if value is not None}
    return client.post(URL, data=raw or body(name), content_type="application/json", headers=sent)


@pytest.fixture
def connection(db):
    return Connection.objects.create(source="shopify", secret=SECRET)


# Verification


def test_the_documented_signature_of_each_sample_verifies():
    for name, sent in SIGNED["deliveries"].items():
        assert shopify.verify(SECRET, body(name), sent, NOW) == "", name


def test_a_changed_body_or_another_secret_does_not_verify():
    sent = headers("orders_create.json")
    assert shopify.verify(SECRET, body("orders_create.json") + b" ", sent, NOW) == "signature wrong"
    assert shopify.verify("another", body("orders_create.json"), sent, NOW) == "signature wrong"
    assert shopify.verify(SECRET, body("orders_create.json"), {}, NOW) == "signature missing"


def test_our_signing_agrees_with_the_documented_signature():
    signed = shopify.sign(SECRET, body("orders_create.json"), NOW)
    assert signed["X-Shopify-Hmac-Sha256"] == headers("orders_create.json")["X-Shopify-Hmac-Sha256"]


# Reading


def test_an_order_reads_as_the_rows_of_shopifys_export():
    pushed = shopify.read(body("orders_create.json"), headers("orders_create.json"), NOW)
    (order,) = pushed.orders
    first, second = order.rows
    assert (order.order_id, first["Created at"], first["Shipping Country"]) == (
        "#1001",
        "2026-07-01T09:15:00-04:00",
        "US",
    )
    assert (first["Lineitem sku"], second["Lineitem sku"], second["Name"]) == (
        "TEST-SKU-001",
        "TEST-SKU-002",
        "#1001",
    )
    assert pushed.delivery_id == "b54557e4-0000-4000-8000-000000000001" and pushed.numbers == ()


def test_a_fulfillment_gives_each_number_to_its_order_with_the_skus_it_carries():
    pushed = shopify.read(body("fulfillments_create.json"), headers("fulfillments_create.json"), NOW)
    (number,) = pushed.numbers
    assert (number.number, number.order_id, number.carrier) == ("1Z999AA10123456784", "#1001", "ups")
    assert number.skus == ("TEST-SKU-001", "TEST-SKU-002") and number.events == ()


def test_a_delivered_shipment_status_is_one_approximate_tracker_event_and_others_none():
    fulfillment = json.loads(body("fulfillments_update.json"))
    assert (
        shopify.read(json.dumps(fulfillment).encode(), headers("fulfillments_update.json"), NOW)
        .numbers[0]
        .tracker_events
        == ()
    )  # in_transit: a carrier event says it better
    fulfillment["shipment_status"] = "delivered"
    update = shopify.read(json.dumps(fulfillment).encode(), headers("fulfillments_update.json"), NOW).numbers[
        0
    ]
    (event,) = update.tracker_events
    assert (event.status, event.approximate, event.description) == (
        "delivered",
        True,
        shopify.DELIVERED_DESCRIPTION,
    )


def test_a_cancelled_fulfillment_adds_no_number():
    fulfillment = json.loads(body("fulfillments_create.json")) | {"status": "cancelled"}
    assert (
        shopify.read(json.dumps(fulfillment).encode(), headers("fulfillments_create.json"), NOW).numbers == ()
    )


def test_a_refund_is_acknowledged_the_payment_state_comes_with_the_order():
    pushed = shopify.read(body("refunds_create.json"), headers("refunds_create.json"), NOW)
    assert pushed.ignored and pushed.orders == () and pushed.numbers == ()


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda o: o.pop("name"), '"name" is missing'),
        (lambda o: o.update(line_items=[]), '"line_items" is empty'),
        (lambda o: o.update(line_items="lamp"), '"line_items" is not a list'),
        (lambda o: o.update(shipping_address=[]), '"shipping_address" is not an object'),
    ],
)
def test_an_order_of_the_wrong_shape_is_named(change, error):
    order = json.loads(body("orders_create.json"))
    change(order)
    with pytest.raises(PayloadError, match=error):
        shopify.read(json.dumps(order).encode(), headers("orders_create.json"), NOW)


def test_a_name_over_its_column_is_refused_not_cut():
    order = json.loads(body("orders_create.json")) | {"name": "#" + "9" * 300}
    with pytest.raises(Refused, match="name"):
        shopify.read(json.dumps(order).encode(), headers("orders_create.json"), NOW)


def test_a_delivery_without_its_topic_header_is_not_read():
    with pytest.raises(PayloadError, match="X-Shopify-Topic"):
        shopify.read(body("orders_create.json"), {}, NOW)


# Through the endpoint


@pytest.mark.django_db
def test_an_order_then_its_fulfillment_land_in_the_case_once(client, connection):
    response = deliver(client, "orders_create.json")
    assert response.status_code == 200, response.content
    assert outcome(response)["status"] == "ok"
    order = Order.objects.get(order_id="#1001")
    assert list(LineItem.objects.filter(order=order).values_list("product__sku", flat=True)) == [
        "TEST-SKU-001",
        "TEST-SKU-002",
    ]
    assert order.case is not None
    assert deliver(client, "orders_create.json").json() == {"status": "duplicate"}

    assert deliver(client, "fulfillments_create.json").status_code == 200
    parcel = Parcel.objects.get(order=order)
    assert (parcel.tracking_number.number, parcel.skus) == (
        "1Z999AA10123456784",
        ["TEST-SKU-001", "TEST-SKU-002"],
    )
    assert deliver(client, "fulfillments_update.json").status_code == 200  # the same number: no new parcel
    assert Parcel.objects.filter(order=order).count() == 1
    assert WebhookDelivery.objects.count() == 3


@pytest.mark.django_db
def test_a_cancellation_updates_the_order(client, connection):
    cancelled = json.loads(body("orders_cancelled.json"))
    created = {
        **cancelled,
        "cancelled_at": None,
        "financial_status": "paid",
        "updated_at": "2026-07-01T10:05:01-04:00",
    }
    raw = json.dumps(created).encode()
    sent = shopify.sign(SECRET, raw, NOW, topic="orders/create")
    client.post(URL, data=raw, content_type="application/json", headers=sent)
    assert Order.objects.get(order_id="#1002").cancelled_at is None
    assert deliver(client, "orders_cancelled.json").status_code == 200
    order = Order.objects.get(order_id="#1002")
    assert order.cancelled_at is not None and order.payment_state == "partially_refunded"


@pytest.mark.django_db
@pytest.mark.parametrize("wrong", [None, "bm90IHRoZSBzaWduYXR1cmU="])
def test_a_bad_or_missing_signature_is_refused_and_nothing_stored(client, connection, wrong):
    response = deliver(client, "orders_create.json", **{"X-Shopify-Hmac-Sha256": wrong})
    assert response.status_code == 401
    assert not Order.objects.exists() and not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_an_oversized_body_is_refused(client, connection, settings):
    settings.TRACKING_WEBHOOK_MAX_BYTES = 1024
    assert deliver(client, "orders_create.json").status_code == 413
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_a_fulfillment_for_an_order_not_yet_here_keeps_the_number_for_later(client, connection):
    assert deliver(client, "fulfillments_create.json").status_code == 200
    assert TrackingNumber.objects.filter(normalized="1Z999AA10123456784").exists()
    assert WebhookDelivery.objects.get().changes == {"orders_not_found": ["#1001"]}
    assert not TrackingEvent.objects.exists()


@pytest.mark.django_db
def test_an_older_version_of_an_order_arriving_late_changes_nothing(client, connection):
    newer = json.loads(body("orders_create.json")) | {
        "updated_at": "2026-07-02T10:00:00-04:00",
        "email": "new.address@example.com",
    }
    raw = json.dumps(newer).encode()
    client.post(URL, data=raw, content_type="application/json", headers=shopify.sign(SECRET, raw, NOW))
    assert deliver(client, "orders_create.json").status_code == 200  # updated_at 2026-07-01: older
    assert Order.objects.get(order_id="#1001").customer_email == "new.address@example.com"
    late = WebhookDelivery.objects.get(delivery_id=headers("orders_create.json")["X-Shopify-Webhook-Id"])
    assert late.changes == {"orders_not_newer": ["#1001"]}


def test_the_newer_header_names_without_x_are_read_too():
    sent = {name.removeprefix("X-"): value for name, value in headers("fulfillments_create.json").items()}
    assert shopify.verify(SECRET, body("fulfillments_create.json"), sent, NOW) == ""
    pushed = shopify.read(body("fulfillments_create.json"), sent, NOW)
    assert (pushed.topic, pushed.delivery_id) == ("fulfillments/create", sent["Shopify-Webhook-Id"])
