"""Deliveries of the pushed sources (cases.intake.webhooks.sources) as their endpoints receive them: the
documented sample bodies of tests/data/webhooks/<source>/ (each folder's SOURCES.md says where they come
from), the addresses, posting a body signed as its source signs it, and what was stored."""

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

from django.utils import timezone

from cases.choices import DeliveryVerdict
from cases.intake.webhooks.pushed import PayloadError
from cases.intake.webhooks.sources import SOURCES
from cases.models import Parcel, TrackingEvent, TrackingNumber, WebhookDelivery
from cases.tracking.services import event_problem
from tests.helpers.json_paths import paths, replaced

DATA = Path(__file__).resolve().parent.parent / "data" / "webhooks"
RECEIVED = datetime(2025, 3, 12, 9, 0, tzinfo=UTC)  # when a delivery read by a test arrived


def sample(source: str, name: str) -> bytes:
    """The bytes of a documented sample body, tests/data/webhooks/<source>/<name>."""
    return (DATA / source / name).read_bytes()


def sample_json(source: str, name: str) -> dict:
    return copy.deepcopy(json.loads(sample(source, name)))


def body_of(payload) -> bytes:
    return json.dumps(payload).encode()


def url(source: str) -> str:
    return f"/webhooks/{source}/"


def token_url(token: str) -> str:
    return f"/webhooks/token/{token}/"


def signed(source: str, secret: str, body: bytes, now: datetime | None = None) -> dict[str, str]:
    """The headers `source` sends with `body` (its Source.sign), signed at `now` (default: now)."""
    return SOURCES[source].sign(secret, body, now or timezone.now())


def post(client, address: str, body: bytes, headers: dict[str, str] | None = None):
    return client.post(address, data=body, content_type="application/json", headers=headers or {})


def post_signed(client, source: str, secret: str, body: bytes, now: datetime | None = None):
    return post(client, url(source), body, signed(source, secret, body, now))


def outcome(response) -> dict:
    """The answer to a delivery, with what applying it did in place of "accepted" (status "ok", events
    created, checkpoints skipped), for tests that apply deliveries at once (deliveries_applied_at_once)."""
    answer = response.json()
    if answer.get("status") != "accepted":
        return answer
    delivery = WebhookDelivery.objects.get(pk=answer["delivery"])
    if delivery.verdict != DeliveryVerdict.APPLIED:
        return {"status": delivery.verdict, "reason": delivery.reason}
    return {
        "status": "ok",
        "events_created": delivery.events_created,
        "checkpoints_skipped": delivery.changes.get("checkpoints_skipped", 0),
    }


def stored() -> tuple[int, int, int]:
    """Applied deliveries, numbers and events: a delivery refused after verification is kept (refused,
    its body for a replay) and writes none of these."""
    applied = WebhookDelivery.objects.filter(verdict=DeliveryVerdict.APPLIED).count()
    return (applied, TrackingNumber.objects.count(), TrackingEvent.objects.count())


def nothing_stored() -> bool:
    """No delivery kept at all (a refusal before verification keeps none), no number, no event."""
    return (
        WebhookDelivery.objects.count(),
        TrackingNumber.objects.count(),
        TrackingEvent.objects.count(),
    ) == (
        0,
        0,
        0,
    )


def parcels() -> list[tuple[str, str]]:
    """(order id, normalized number) of every parcel with a number."""
    return sorted(
        Parcel.objects.filter(tracking_number__isnull=False).values_list(
            "order__order_id", "tracking_number__normalized"
        )
    )


# Values put in every field of a sample: wrong types, huge numbers and texts, NUL, times outside 2000..2100,
# offsets that do not exist, JSON inside a string, status words.
HOSTILE_VALUES = (
    None,
    1,
    -1,
    10**30,
    1.5,
    True,
    [],
    {},
    "",
    "x" * 1000,
    "a\x00b",
    "9999-12-31T23:59:59",
    "0001-01-01 00:00:00+14:00",
    "2025-03-03",
    "[{}]",
    "[1]",
    "12",
    "DELIVERED",
    "EXPIRED",
    "+99:99",
)


def hostile_reading_problems(source: str, name: str, headers=None) -> list[str]:
    """Read the sample with each of HOSTILE_VALUES in each of its fields: each must be read or refused with
    PayloadError, and every event read must be storable (cases.tracking.services.event_problem). The
    problems found, one line each."""
    document = sample_json(source, name)
    reader = SOURCES[source].read
    problems = []
    for path in paths(document):
        for value in HOSTILE_VALUES:
            body = body_of(replaced(document, path, value))
            try:
                pushed = reader(body, headers or {}, RECEIVED)
            except PayloadError:
                continue
            except Exception as error:
                problems.append(f"{path} = {value!r:.30}: {type(error).__name__}: {error}")
                continue
            for update in pushed.numbers:
                for event in update.events + update.tracker_events:
                    problem = event_problem(event)
                    if problem:
                        problems.append(f"{path} = {value!r:.30}: cannot store {problem}")
    return problems


def run_on_commit(callbacks) -> list[list[int]]:
    """The order pks the captured on-commit callbacks queue re-assessment for."""
    with mock.patch("cases.tasks.reassess_cases_task.delay") as delay:
        for callback in callbacks:
            callback()
    return [call.args[0] for call in delay.call_args_list]
