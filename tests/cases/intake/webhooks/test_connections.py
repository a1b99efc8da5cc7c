"""Connections: a source's secret set by an owner (admin and command), never shown back; deliveries kept
with their verdict, refusals counted without their body; a test delivery through the real endpoint that
leaves nothing; replay of a kept delivery; retention."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cases.choices import DeliveryVerdict
from cases.intake.webhooks import services
from cases.intake.webhooks.selectors import connection_states
from cases.intake.webhooks.signature import sign
from cases.models import (
    AuditEvent,
    Connection,
    TrackingEvent,
    TrackingNumber,
    WebhookDelivery,
    WebhookRefusal,
)
from tests.helpers.otp import verified_login
from tests.helpers.webhook_bodies import body_of, checkpoint

pytestmark = pytest.mark.django_db

SECRET = "whsec-connection-test-9a8b7c6d"
CHANGELIST = "admin:cases_connection_changelist"


def post(client, body: bytes, secret: str = SECRET, url: str = "/webhooks/aftership/"):
    return client.post(
        url, data=body, content_type="application/json", headers={"aftership-hmac-sha256": sign(secret, body)}
    )


@pytest.fixture
def aftership(owner):
    return services.set_connection(source="aftership", actor=owner, secret=SECRET)


def test_an_owner_sets_a_secret_audited_by_its_hint_only(owner):
    connection = services.set_connection(source="17track", actor=owner, secret="  key-0123456789abcd \n")
    assert connection.secret == "key-0123456789abcd" and connection.secret_set_at is not None
    event = AuditEvent.objects.get(action="connection_set")
    assert event.changes == {"secret": ["", "…abcd"]}
    assert "key-0123456789" not in str(event.changes) + event.reason


def test_staff_cannot_set_a_secret(staff):
    with pytest.raises(PermissionDenied):
        services.set_connection(source="17track", actor=staff, secret="key-0123456789abcd")
    assert not Connection.objects.exists()


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"source": "nowhere", "secret": "x" * 20}, "source: 'nowhere' is not one of"),
        ({"source": "17track", "secret": "   "}, "secret: is empty"),
        ({"source": "17track", "secret": "x" * 501}, "secret: is longer than 500 characters"),
        ({"source": "17track", "retention_days": 0}, "retention_days: 0 is not between 1 and 3650"),
    ],
)
def test_what_cannot_be_set_is_named_and_nothing_changes(owner, fields, error):
    with pytest.raises(ValueError, match=error):
        services.set_connection(actor=owner, **fields)
    assert not Connection.objects.exists()


def test_a_source_without_a_secret_refuses_and_counts_the_refusal_without_the_body(client, settings):
    settings.TRACKING_WEBHOOK_SECRET = ""
    body = body_of(checkpoint(message="Parcel for Jane Doe"))
    response = post(client, body)
    assert response.status_code == 401
    refusal = WebhookRefusal.objects.get()
    assert (refusal.source, refusal.status_code) == ("aftership", 401)
    assert "Jane" not in refusal.reason
    assert not WebhookDelivery.objects.exists() and not TrackingNumber.objects.exists()


def test_a_switched_off_connection_refuses_everything(client, owner, aftership):
    services.set_connection(source="aftership", actor=owner, enabled=False)
    assert post(client, body_of(checkpoint())).status_code == 401
    assert not TrackingEvent.objects.exists()


def test_an_unknown_source_is_404(client):
    assert client.post("/webhooks/nowhere/", data=b"{}", content_type="application/json").status_code == 404


def test_a_verified_body_that_cannot_be_read_is_kept_refused_and_its_retry_is_a_duplicate(client, aftership):
    body = body_of(checkpoint(at="0001-01-01T00:00:00+14:00"))
    first = post(client, body)
    assert first.status_code == 422 and first.json()["error"].startswith("refused: ")
    kept = WebhookDelivery.objects.get()
    assert kept.verdict == DeliveryVerdict.REFUSED and bytes(kept.body) == body and kept.reason
    assert not TrackingEvent.objects.exists()
    assert post(client, body).json() == {"status": "duplicate"}  # the source's retry: kept already
    assert WebhookDelivery.objects.count() == 1


def test_a_kept_delivery_is_replayed_once_its_reader_reads_it(client, aftership, monkeypatch):
    body = body_of(checkpoint())
    monkeypatch.setattr(
        "cases.intake.webhooks.aftership.parse",
        lambda *a, **k: (_ for _ in ()).throw(services.PayloadError("a reader bug")),
    )
    assert post(client, body).status_code == 400
    monkeypatch.undo()
    delivery = WebhookDelivery.objects.get()
    assert delivery.verdict == DeliveryVerdict.REFUSED
    services.replay(delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.verdict == DeliveryVerdict.APPLIED and delivery.events_created == 1
    services.replay(delivery=delivery)  # again: nothing more
    assert TrackingEvent.objects.count() == 1


def test_the_admin_lists_every_source_with_its_address_and_never_a_secret(client, owner, aftership):
    post(client, body_of(checkpoint()))
    client.post("/webhooks/aftership/", data=b"{}", content_type="application/json")  # unsigned: refused
    verified_login(client, owner)
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert "/webhooks/shopify/" in page and "/webhooks/aftership/" in page
    assert SECRET not in page and "…6c6d" not in page and "…7c6d" in page
    state = next(s for s in connection_states() if s.source == "aftership")
    assert (state.deliveries_today, state.refusals_today) == (1, 1)
    assert state.refusal_reasons == {"signature missing": 1}


def test_staff_see_connections_but_setting_one_is_refused_on_the_server(client, staff):
    client.force_login(staff)
    page = client.get(reverse(CHANGELIST))
    assert page.status_code == 200 and 'name="secret"' not in page.content.decode()
    url = reverse("admin:cases_connection_set", args=["17track"])
    response = client.post(url, {"secret": "key-0123456789abcd", "enabled": "on", "retention_days": "30"})
    assert response.status_code == 403
    assert not Connection.objects.exists()


def test_an_owner_sets_a_connection_from_the_admin(client, owner):
    verified_login(client, owner)
    url = reverse("admin:cases_connection_set", args=["17track"])
    client.post(url, {"secret": "key-0123456789abcd", "enabled": "on", "retention_days": "14"})
    connection = Connection.objects.get()
    assert (connection.secret, connection.enabled, connection.retention_days) == (
        "key-0123456789abcd",
        True,
        14,
    )


def test_a_test_delivery_goes_through_the_endpoint_and_leaves_nothing(client, owner, aftership):
    verified_login(client, owner)
    response = client.post(reverse("admin:cases_connection_test", args=["aftership"]), follow=True)
    said = [str(message) for message in response.context["messages"]]
    assert any("answered 200" in text and "'status': 'ok'" in text for text in said), said
    assert not WebhookDelivery.objects.exists() and not TrackingNumber.objects.exists()


def test_the_command_sets_a_secret_from_a_file_and_lists_without_it(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("shpss_0123456789abcdef\n")
    out = StringIO()
    call_command("connection", "set", "shopify", "--secret-file", str(secret_file), stdout=out)
    assert Connection.objects.get().secret == "shpss_0123456789abcdef"
    call_command("connection", "list", stdout=out)
    text = out.getvalue()
    assert "shopify" in text and "…cdef" in text and "0123456789" not in text


def test_deliveries_past_their_retention_are_deleted(owner, aftership):
    services.set_connection(source="aftership", actor=owner, retention_days=7)
    old = WebhookDelivery.objects.create(source="aftership", body_sha256="a" * 64)
    WebhookDelivery.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=8))
    WebhookDelivery.objects.create(source="aftership", body_sha256="b" * 64)
    assert services.delete_expired_deliveries() == 1
    assert list(WebhookDelivery.objects.values_list("body_sha256", flat=True)) == ["b" * 64]


def test_after_a_rotation_the_old_secret_still_verifies_for_an_hour_then_not(client, owner, aftership):
    services.set_connection(source="aftership", actor=owner, secret="whsec-the-new-one-0000")
    assert post(client, body_of(checkpoint()), secret=SECRET).status_code == 200  # signed with the old one
    Connection.objects.update(previous_secret_until=timezone.now() - timedelta(seconds=1))
    later = body_of(checkpoint("2026-11-13T09:30:00+08:00"), event_id="later")
    assert post(client, later, secret=SECRET).status_code == 401
    assert post(client, later, secret="whsec-the-new-one-0000").status_code == 200


@pytest.mark.parametrize("url", ["/webhooks/aftership/", "/webhooks/shopify/", "/webhooks/token/abc/"])
def test_no_endpoint_asks_for_a_csrf_token(url, aftership):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(url, data=b"{}", content_type="application/json")
    assert response.status_code in (401, 404)  # refused by its own checks, not by CSRF (403)


def test_a_kept_body_is_shown_to_owners_only(client, staff, owner):
    delivery = WebhookDelivery.objects.create(
        source="cjdropshipping", body_sha256="d" * 64, body=b'{"openId": 123}'
    )
    url = reverse("admin:cases_webhookdelivery_change", args=[delivery.pk])
    client.force_login(staff)
    page = client.get(url)
    assert page.status_code == 200 and "openId" not in page.content.decode()
    verified_login(client, owner)
    assert "openId" in client.get(url).content.decode()
