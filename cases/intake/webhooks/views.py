"""POST /webhooks/aftership/: carrier events pushed by AfterShip.

See rules.md section 3 and docs/webhook.md.

Order of checks, each before anything is stored: method (405), size (413, judged from Content-Length and
enforced on the read), signature over the raw body (401), body shape (400: not JSON, a NUL character, nested
too deep, a key twice, a field of the wrong type), values that cannot be stored (422: a text over its column's
limit, a time outside 2000..2100; cases.intake.webhooks.aftership.Refused). A refusal writes nothing and is
logged. Then one transaction records the delivery, stores the number and its new events through
cases.tracking.services, and queues a re-assessment of the orders carrying the number once the transaction has
committed. A tracker status that no checkpoint dates (cases.intake.webhooks.aftership, `tracker_events`) is
stored only where no stored event of the number already says it, so a re-delivered status adds nothing.

Re-deliveries are no-ops: the same body (body_sha256 is unique) or the same AfterShip event_id answers 200
"duplicate". AfterShip retries anything but a 2xx, so a duplicate must be a success.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from cases.choices import EventSource
from cases.intake.webhooks import signature
from cases.intake.webhooks.aftership import (
    SOURCE,
    PayloadError,
    Refused,
    TrackingUpdate,
    parse,
    tracker_events_to_store,
)
from cases.models import WebhookDelivery
from cases.services.assessment import queue_reassessment
from cases.tracking import services as tracking

logger = logging.getLogger(__name__)

# Django's name for the request header `aftership-hmac-sha256`.
SIGNATURE_META = "HTTP_" + signature.HEADER.upper().replace("-", "_")


class Duplicate(Exception):
    """This delivery was already stored (same body or same event id): roll back and answer 200."""


@csrf_exempt  # AfterShip cannot hold a CSRF token; the HMAC signature authenticates the body instead
@require_POST
def aftership(request: HttpRequest) -> JsonResponse:
    limit = settings.TRACKING_WEBHOOK_MAX_BYTES
    if _content_length(request) > limit:
        return _refuse(request, 413, "body too large")
    # Read at most one byte past the limit, whatever Content-Length claimed, so an oversized body
    # is never held in memory whole.
    body = request.read(limit + 1)
    if len(body) > limit:
        return _refuse(request, 413, "body too large")

    if not settings.TRACKING_WEBHOOK_SECRET:
        return _refuse(request, 401, "invalid signature", why="no webhook secret configured")
    if not signature.verify(settings.TRACKING_WEBHOOK_SECRET, body, request.META.get(SIGNATURE_META)):
        why = "signature missing" if not request.META.get(SIGNATURE_META) else "signature wrong"
        return _refuse(request, 401, "invalid signature", why=why)

    try:
        update = parse(body, received_at=timezone.now())
    except Refused as error:
        # Readable but not storable: AfterShip retries any answer but a 2xx (at most 14 attempts, over
        # about three days), and each retry is refused the same way, before any write.
        return _refuse(request, 422, f"refused: {error}")
    except PayloadError as error:
        return _refuse(request, 400, f"malformed payload: {error}")
    if not update.is_tracking_update:
        logger.info("AfterShip webhook: ignored event %r (%s)", update.event, update.event_id or "no id")
        return JsonResponse({"status": "ignored", "event": update.event})

    digest = hashlib.sha256(body).hexdigest()
    try:
        created = _store_with_retry(update, digest)
    except Duplicate:
        logger.info("AfterShip webhook: duplicate delivery %s", update.event_id or digest[:12])
        return JsonResponse({"status": "duplicate"})
    except tracking.EventRefused as refused:  # the reader refuses first; the writing path's own gate
        return _refuse(request, 422, f"refused: {refused}")
    if update.skipped:
        logger.info(
            "AfterShip webhook %s: %d checkpoint(s) skipped: %s",
            update.event_id or digest[:12],
            len(update.skipped),
            "; ".join(update.skipped),
        )
    return JsonResponse(
        {"status": "ok", "events_created": created, "checkpoints_skipped": len(update.skipped)}
    )


def _store_with_retry(update: TrackingUpdate, digest: str) -> int:
    """_store, tried a second time when a concurrent delivery of overlapping checkpoints wins the race
    on the one-event-once constraint: the retry's fresh transaction sees those events and skips them."""
    try:
        return _store(update, digest)
    except IntegrityError:
        logger.info("AfterShip webhook: concurrent write on %s, retrying once", update.tracking_number)
        return _store(update, digest)


def _store(update: TrackingUpdate, digest: str) -> int:
    """Record the delivery, store the number and its new events; returns how many events were new.
    Raises Duplicate (after rolling back) when this delivery was already recorded."""
    delivery_id = update.event_id  # within the column's length (aftership.MAX_EVENT_ID)
    with transaction.atomic():
        if delivery_id and WebhookDelivery.objects.filter(source=SOURCE, delivery_id=delivery_id).exists():
            raise Duplicate
        try:
            # A savepoint: two identical deliveries at once both pass any "exists" check; the unique
            # body digest lets exactly one insert succeed and the loser is a duplicate, not a 500.
            with transaction.atomic():
                delivery = WebhookDelivery.objects.create(
                    source=SOURCE,
                    delivery_id=delivery_id,
                    body_sha256=digest,
                    tracking_numbers=[update.tracking_number],
                )
        except IntegrityError as error:
            raise Duplicate from error

        # An unknown number is stored with its events all the same: the order may be linked later
        # (an import, the admin), and the events must be there when it is. No order carries it yet,
        # so nothing is queued.
        number, _ = tracking.get_or_create_number(update.tracking_number, update.carrier)
        events = list(update.events)
        if update.tracker_events:
            stored = number.events.values_list("status", "description")
            events += tracker_events_to_store(update.tracker_events, stored)
        created = tracking.add_events(number, events, source=EventSource.WEBHOOK)
        delivery.events_created = created
        delivery.save(update_fields=["events_created"])
        if created:
            order_pks = tracking.orders_carrying([number])
            if order_pks:
                # After commit: the worker must see the events, and a rollback must queue nothing.
                queue_reassessment(order_pks)
        return created


def _content_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0  # Django then reads nothing: an empty body, which no signature matches


def _refuse(request: HttpRequest, status: int, error: str, why: str = "") -> JsonResponse:
    """Answer a refusal and log it: never the secret, the signature or the body, only what and why."""
    logger.warning(
        "AfterShip webhook refused with %d: %s (from %s, Content-Length %s)",
        status,
        why or error,
        request.META.get("REMOTE_ADDR", "?"),
        request.META.get("CONTENT_LENGTH", "?"),
    )
    return JsonResponse({"error": error}, status=status)
