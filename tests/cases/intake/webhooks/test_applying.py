"""The worker's half of a pushed delivery: the request verifies, reads and keeps it (one insert, answered
"accepted"); after commit one task per web process and window applies whatever is pending, in batches,
each delivery in its own savepoint; a broker that is down leaves deliveries pending until beat's run."""

import itertools
import json
import threading
import time
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection as default_connection
from django.db import connections
from kombu.exceptions import OperationalError

import staletrack.celery
from cases.choices import DeliveryVerdict
from cases.intake.webhooks import services
from cases.models import TrackingEvent, TrackingNumber, WebhookDelivery
from cases.tasks import apply_deliveries_task
from cases.tracking import services as tracking
from tests.factories import OrderFactory
from tests.helpers.pushed_deliveries import body_of, post_signed, sample_json
from tests.helpers.webhook_bodies import body_of as aftership_body
from tests.helpers.webhook_bodies import checkpoint

pytestmark = [pytest.mark.django_db, pytest.mark.worker_applies]

SECRET = "whsec-applying-test-0123456789"
SHOPIFY_SECRET = "shpss-applying-test-0123456789"


@pytest.fixture
def aftership(owner):
    return services.set_connection(source="aftership", actor=owner, secret=SECRET)


@pytest.fixture
def apply_async():
    with mock.patch("cases.tasks.apply_deliveries_task.apply_async") as sent:
        yield sent


NUMBER = "YT2431220000000001"
_event_ids = itertools.count(1)


@pytest.fixture
def order():
    order = OrderFactory()
    tracking.link_number(order, tracking.get_or_create_number(NUMBER)[0])
    return order


def deliver(client, *checkpoints, number=NUMBER):
    body = aftership_body(*checkpoints, number=number, event_id=f"applying-{next(_event_ids)}")
    return post_signed(client, "aftership", SECRET, body)


def test_the_request_keeps_the_delivery_pending_and_writes_nothing(client, aftership, apply_async):
    response = deliver(client, checkpoint())
    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "accepted"
    delivery = WebhookDelivery.objects.get(pk=answer["delivery"])
    assert (delivery.verdict, delivery.applied_at) == (DeliveryVerdict.PENDING, None)
    assert not TrackingEvent.objects.exists() and not TrackingNumber.objects.exists()


def test_after_commit_one_task_is_sent_per_window_to_run_at_its_end(
    client, aftership, apply_async, django_capture_on_commit_callbacks, settings
):
    settings.WEBHOOK_APPLY_SECONDS = 1.5
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, checkpoint("2026-11-11T10:00:00+08:00"))
        apply_async.assert_not_called()  # before commit: a rollback sends nothing
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, checkpoint("2026-11-12T10:00:00+08:00"))
    apply_async.assert_called_once_with((), countdown=1.5)  # the second falls in the first's window
    staletrack.celery._coalesced_until.clear()  # the window passed
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, checkpoint("2026-11-13T10:00:00+08:00"))
    assert apply_async.call_count == 2
    assert WebhookDelivery.objects.filter(verdict=DeliveryVerdict.PENDING).count() == 3


def test_the_task_applies_what_is_pending_oldest_first_and_queues_the_cases_once(
    client, aftership, apply_async, order, django_capture_on_commit_callbacks
):
    deliver(client, checkpoint("2026-11-11T10:00:00+08:00"))
    deliver(client, checkpoint("2026-11-12T10:00:00+08:00"))
    with (
        mock.patch("cases.tasks.reassess_cases_task.delay") as reassess,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert apply_deliveries_task() == 2
    first, second = WebhookDelivery.objects.order_by("pk")
    assert (first.verdict, first.events_created) == (DeliveryVerdict.APPLIED, 1)
    assert (second.verdict, second.events_created) == (DeliveryVerdict.APPLIED, 1)
    assert first.applied_at is not None and first.changes["events_added"] == {NUMBER: 1}
    assert TrackingEvent.objects.count() == 2
    reassess.assert_called_once_with([order.pk])  # one batch, one re-assessment
    assert apply_deliveries_task() == 0  # nothing pending: applied once


def test_a_broker_that_is_down_leaves_deliveries_pending_until_beats_run(
    client, aftership, django_capture_on_commit_callbacks
):
    with (
        mock.patch("cases.tasks.apply_deliveries_task.apply_async", side_effect=OperationalError("down")),
        mock.patch("staletrack.celery.logger") as logger,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = deliver(client, checkpoint())
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    logger.exception.assert_called_once()
    assert WebhookDelivery.objects.get().verdict == DeliveryVerdict.PENDING
    assert "apply-pending-deliveries" in _beat_tasks()
    apply_deliveries_task()  # beat's run, once the broker is back
    assert WebhookDelivery.objects.get().verdict == DeliveryVerdict.APPLIED
    assert TrackingEvent.objects.count() == 1


def _beat_tasks():
    from django.conf import settings

    return {
        name: entry
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if entry["task"] == "cases.tasks.apply_deliveries_task"
    }


def test_a_delivery_whose_writing_fails_is_kept_failed_and_the_others_are_applied(
    client, aftership, apply_async, monkeypatch
):
    deliver(client, checkpoint("2026-11-11T10:00:00+08:00"), number="YT0000000000000001")
    deliver(client, checkpoint("2026-11-12T10:00:00+08:00"), number="YT0000000000000002")
    write = services.write

    def failing(pushed, **kwargs):
        if "YT0000000000000001" in pushed.tracking_numbers:
            raise RuntimeError("a bug in one delivery")
        return write(pushed, **kwargs)

    monkeypatch.setattr(services, "write", failing)
    assert services.apply_pending() == 2
    failed, applied = WebhookDelivery.objects.order_by("pk")
    assert failed.verdict == DeliveryVerdict.FAILED and "a bug in one delivery" in failed.reason
    assert applied.verdict == DeliveryVerdict.APPLIED
    assert list(TrackingNumber.objects.values_list("normalized", flat=True)) == ["YT0000000000000002"]
    monkeypatch.setattr(services, "write", write)  # the bug fixed: the owner replays the failed one
    services.replay(delivery=failed)
    failed.refresh_from_db()
    assert failed.verdict == DeliveryVerdict.APPLIED and TrackingNumber.objects.count() == 2


def test_a_delivery_whose_values_cannot_be_stored_is_kept_refused(
    client, aftership, apply_async, monkeypatch
):
    deliver(client, checkpoint())

    def refused(*args, **kwargs):
        raise services.tracking.EventRefused("event time: too far in the future")

    monkeypatch.setattr(services.tracking, "add_events", refused)
    services.apply_pending()
    delivery = WebhookDelivery.objects.get()
    assert delivery.verdict == DeliveryVerdict.REFUSED
    assert delivery.reason == "refused: event time: too far in the future"
    assert not TrackingEvent.objects.exists()


def test_the_headers_a_reader_reads_are_kept_so_a_shopify_delivery_is_applied_and_replayed(
    client, owner, apply_async
):
    services.set_connection(source="shopify", actor=owner, secret=SHOPIFY_SECRET)
    body = body_of(sample_json("shopify", "fulfillments_create.json"))
    from cases.intake.webhooks.shopify import sign

    headers = sign(SHOPIFY_SECRET, body, None, topic="fulfillments/create")
    response = client.post("/webhooks/shopify/", data=body, content_type="application/json", headers=headers)
    assert response.json()["status"] == "accepted"
    delivery = WebhookDelivery.objects.get()
    assert delivery.headers == {
        "X-Shopify-Topic": "fulfillments/create",
        "X-Shopify-Webhook-Id": headers["X-Shopify-Webhook-Id"],
    }
    assert "X-Shopify-Hmac-Sha256" not in delivery.headers  # never a signature
    services.apply_pending()
    delivery.refresh_from_db()
    assert delivery.verdict in (DeliveryVerdict.APPLIED, DeliveryVerdict.REFUSED)
    assert "header is missing" not in delivery.reason
    services.replay(delivery=delivery)
    delivery.refresh_from_db()
    assert "header is missing" not in delivery.reason


def test_the_connections_page_counts_what_waits_for_the_worker(client, aftership, apply_async):
    from cases.intake.webhooks.selectors import connection_states

    deliver(client, checkpoint())
    state = next(state for state in connection_states() if state.source == "aftership")
    assert (state.deliveries_today, state.waiting) == (1, 1)
    out = StringIO()
    call_command("connection", "list", stdout=out)
    assert "1 waiting for the worker" in out.getvalue()
    services.apply_pending()
    state = next(state for state in connection_states() if state.source == "aftership")
    assert state.waiting == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_at_once_apply_each_delivery_once(client, aftership, apply_async):
    for k in range(40):
        deliver(client, checkpoint(f"2026-11-{1 + k % 28:02d}T{k % 24:02d}:00:00+08:00"))
    counts, errors = [], []

    def work():
        try:
            counts.append(services.apply_pending(batch_size=7))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and sum(counts) == 40
    assert not WebhookDelivery.objects.filter(verdict=DeliveryVerdict.PENDING).exists()
    assert TrackingEvent.objects.count() == 40  # none doubled, none lost
    assert default_connection.vendor == "postgresql"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_at_once_store_a_tracker_status_without_events_once(
    client, aftership, apply_async, monkeypatch
):
    tracking.get_or_create_number(NUMBER)  # stored before: creating it would make the second writer wait
    to_store = services.tracker_events_to_store

    def slowly(*args):
        found = to_store(*args)
        time.sleep(0.3)  # the window between reading what is stored and committing, made wide
        return found

    monkeypatch.setattr(services, "tracker_events_to_store", slowly)
    for k in range(4):
        body = json.loads(aftership_body(number=NUMBER, event_id=f"status-{k}"))
        body["msg"].update({"tag": "Delivered", "subtag": "Delivered_001"})
        post_signed(client, "aftership", SECRET, json.dumps(body).encode())
    threads = [threading.Thread(target=_apply_one_at_a_time) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not WebhookDelivery.objects.filter(verdict=DeliveryVerdict.PENDING).exists()
    assert list(TrackingEvent.objects.values_list("status", flat=True)) == ["delivered"]


def _apply_one_at_a_time():
    try:
        services.apply_pending(batch_size=1)
    finally:
        connections.close_all()
