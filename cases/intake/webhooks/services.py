"""Receiving a pushed delivery and writing what it says (docs/connections.md).

`receive` is the one path of every source: the connection's secret (a source without one, or switched off,
refuses everything), the source's own verification, then its reader (cases.intake.webhooks.sources). A
delivery refused before verification leaves only a `WebhookRefusal` (when, from where, why), never its
body. A verified delivery is kept whole (`WebhookDelivery`: raw body, verdict, what it changed) for its
connection's retention period, also when its body cannot be read or stored, so it can be replayed
(`replay`) once the reader is fixed; a re-delivery of a kept one (same body, or the same id from the
sender) answers "duplicate" and writes nothing.

Writing goes through the services the file imports use (one writing path): numbers and their events
through cases.tracking.services (a number and its events stored once, whatever the order deliveries
arrive in: an older update only adds the events it has that are not stored), a number the source ties to
an order onto that order as a parcel (`link_number`, rules.md section 3a), orders through the orders
import (cases.intake.order_import, which audits and creates cases). The touched orders' cases are
re-assessed after commit (`queue_reassessment`: due at once in the transaction, so a broker that is down
costs a sweep's delay, never the re-assessment).
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from cases.choices import ConnectionSource, DeliveryVerdict, EventSource
from cases.intake.csvfiles import CsvError, CsvIssue
from cases.intake.ticket_messages import take_messages
from cases.intake.tracking_import import find_orders
from cases.intake.webhooks.pushed import PayloadError, Pushed, Refused, tracker_events_to_store
from cases.intake.webhooks.sources import Source, source_named
from cases.models import Connection, SourceOrderVersion, TrackingNumber, WebhookDelivery, WebhookRefusal
from cases.services.assessment import queue_reassessment
from cases.tracking import services as tracking
from staletrack.celery import queue_after_commit

logger = logging.getLogger(__name__)


@dataclass
class Answer:
    """What the endpoint answers: an HTTP status and a JSON body."""

    status: int
    body: dict
    delivery: WebhookDelivery | None = None


@dataclass
class Written:
    events_created: int = 0
    order_pks: set[int] = field(default_factory=set)
    changes: dict = field(default_factory=dict)


class OrdersRefused(CsvError):
    """The orders import refused orders of a delivery: each problem by the order it is in (the file the
    import read is built here, so its lines mean nothing to the sender)."""

    def __init__(self, problems: list[tuple[str, CsvIssue]]):
        self.problems = problems
        super().__init__([issue for _, issue in problems])

    def __str__(self) -> str:
        return "; ".join(
            f"order {order_id or '?'}: " + (f"{issue.column}: " if issue.column else "") + issue.message
            for order_id, issue in self.problems[:5]
        )


class Duplicate(Exception):
    """This delivery was already kept (same body or same sender id): roll back and answer 200."""


# --- secrets -------------------------------------------------------------------------------------------


ROTATION_GRACE = timedelta(hours=1)


def secret_for(source: str) -> str:
    """The secret a source's deliveries are checked with: its connection's when it has one and it is on;
    "" (refuse everything) otherwise. AfterShip without a connection row keeps the secret of the
    environment (STALETRACK_WEBHOOK_SECRET), as before connections existed."""
    found = secrets_for(source)
    return found[0] if found else ""


def secrets_for(source: str, now: datetime | None = None) -> list[str]:
    """The secrets a delivery may be signed with now: the connection's, then the one it replaced while
    the rotation's grace lasts (`ROTATION_GRACE`); none when the connection is off or has no secret."""
    connection = Connection.objects.filter(source=source).first()
    if connection is None:
        environment = settings.TRACKING_WEBHOOK_SECRET if source == ConnectionSource.AFTERSHIP else ""
        return [environment] if environment else []
    if not connection.enabled or not connection.secret:
        return []
    found = [connection.secret]
    until = connection.previous_secret_until
    if connection.previous_secret and until is not None and (now or timezone.now()) <= until:
        found.append(connection.previous_secret)
    return found


def source_for_token(token: str) -> str:
    """The token source whose connection's secret is `token` (compared in constant time), else ""."""
    import hmac

    if not token:
        return ""
    for connection in Connection.objects.filter(enabled=True).exclude(secret=""):
        if hmac.compare_digest(connection.secret.encode("utf-8"), token.encode("utf-8", "replace")):
            return connection.source
    return ""


# --- receiving -----------------------------------------------------------------------------------------


def refuse(*, source: str, status: int, reason: str, remote_addr: str = "", error: str = "") -> Answer:
    """A delivery refused before anything of it is kept: a `WebhookRefusal` row and a log line, never the
    secret, the signature or the body."""
    WebhookRefusal.objects.create(
        source=source[:32], status_code=status, reason=reason[:200], remote_addr=remote_addr[:64]
    )
    logger.warning("%s webhook refused with %d: %s (from %s)", source, status, reason, remote_addr or "?")
    return Answer(status, {"error": error or reason})


def receive(
    *,
    source: Source,
    body: bytes,
    headers,
    remote_addr: str = "",
    now: datetime | None = None,
    secret: str | None = None,
) -> Answer:
    """Verify, read and keep one delivery of `source` (the body already read within the size limit);
    the worker applies it (`apply_pending`). `secret`: a token source's, already matched by its URL.

    The request does what the sender must hear about (a wrong signature, a body that cannot be read) and
    one insert; writing what the delivery says is the worker's, so a burst is answered at the rate rows can
    be inserted, and a broker that is down delays the writing, never the answer: the delivery waits,
    kept, until a later delivery's task or beat's (`apply-pending-deliveries`) works it off."""
    now = now or timezone.now()
    if not source.by_token:
        candidates = secrets_for(source.name, now)
        if not candidates:
            return refuse(
                source=source.name,
                status=401,
                reason="no secret set for this source, or its connection is off",
                remote_addr=remote_addr,
                error="invalid signature",
            )
        why = source.verify(candidates[0], body, headers, now)
        if why and len(candidates) > 1 and not source.verify(candidates[1], body, headers, now):
            why = ""  # signed with the secret just replaced, within the rotation's grace
        if why:
            return refuse(
                source=source.name, status=401, reason=why, remote_addr=remote_addr, error="invalid signature"
            )
    digest = hashlib.sha256(body).hexdigest()
    try:
        pushed = source.read(body, headers, now)
    except Refused as error:
        return _keep_unread(source, body, digest, 422, f"refused: {error}")
    except PayloadError as error:
        return _keep_unread(source, body, digest, 400, f"malformed payload: {error}")
    try:
        delivery = _keep(source, pushed, body, digest, headers)
    except Duplicate:
        logger.info("%s webhook: duplicate delivery %s", source.name, pushed.delivery_id or digest[:12])
        return Answer(200, {"status": "duplicate"})
    if pushed.ignored:
        return Answer(200, {"status": "ignored", "event": pushed.topic}, delivery)
    queue_apply()
    return Answer(200, {"status": "accepted", "delivery": delivery.pk}, delivery)


def queue_apply() -> None:
    """After commit: have the worker apply what is pending, at most once a `WEBHOOK_APPLY_SECONDS` window
    per process (staletrack.celery.queue_after_commit's `coalesce`)."""
    queue_after_commit("cases.tasks.apply_deliveries_task", coalesce=settings.WEBHOOK_APPLY_SECONDS)


def _keep_unread(source: Source, body, digest, status, error) -> Answer:
    """A verified body that cannot be read: kept (refused, with why) so that it can be replayed once the
    reader is fixed, and answered with the error. Its re-delivery is a duplicate."""
    try:
        with transaction.atomic():
            WebhookDelivery.objects.create(
                source=source.name,
                body_sha256=digest,
                body=body,
                verdict=DeliveryVerdict.REFUSED,
                reason=error,
            )
    except IntegrityError:
        return Answer(200, {"status": "duplicate"})
    logger.warning("%s webhook refused with %d, kept for a replay: %s", source.name, status, error)
    return Answer(status, {"error": error})


def _keep(source: Source, pushed: Pushed, body: bytes, digest: str, headers) -> WebhookDelivery:
    """One insert: the delivery, pending (ignored when it says nothing staletrack reads). Raises Duplicate
    when it was kept already: the unique body digest and sender's id let exactly one of two identical
    deliveries at once be inserted, and the other is a duplicate, not a 500."""
    ignored = bool(pushed.ignored)
    # Outside a transaction (a request) the insert is one statement, committed by itself: no BEGIN and
    # COMMIT round trips; inside one (a test, a caller's), a savepoint keeps a duplicate's failed insert
    # from breaking it.
    keeping = transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext()
    try:
        with keeping:
            return WebhookDelivery.objects.create(
                source=source.name,
                topic=pushed.topic[:100],
                delivery_id=pushed.delivery_id,
                body_sha256=digest,
                body=body,
                headers=source.headers_to_keep(headers),
                verdict=DeliveryVerdict.IGNORED if ignored else DeliveryVerdict.PENDING,
                reason=pushed.ignored,
                tracking_numbers=pushed.tracking_numbers,
                order_ids=[order.order_id for order in pushed.orders],
                applied_at=timezone.now() if ignored else None,
            )
    except IntegrityError as error:
        raise Duplicate from error


# --- applying (the worker) -----------------------------------------------------------------------------

APPLY_BATCH = 200  # deliveries per transaction: a worker that dies loses one batch's work, never a delivery
APPLY_FIELDS = ["verdict", "reason", "topic", "tracking_numbers", "order_ids", "events_created", "changes"]


def apply_pending(*, batch_size: int = APPLY_BATCH, max_seconds: float = 240.0) -> int:
    """Apply the pending deliveries, oldest first, in batches (one transaction each, the touched orders'
    re-assessment queued once per batch), until none is left or `max_seconds` passed (the next task or
    beat goes on). Two workers at once take different rows (skip locked). Each delivery is written in its
    own savepoint: one whose values cannot be stored is kept refused, one whose writing fails is kept
    failed (both replayable), and the others of its batch are applied all the same. Returns how many were
    worked."""
    started, worked = time.monotonic(), 0
    while time.monotonic() - started < max_seconds:
        with transaction.atomic():
            batch = list(
                WebhookDelivery.objects.select_for_update(skip_locked=True)
                .filter(verdict=DeliveryVerdict.PENDING)
                .order_by("pk")[:batch_size]
            )
            if not batch:
                break
            order_pks: set[int] = set()
            for delivery in batch:
                order_pks |= _apply_kept(delivery)
            WebhookDelivery.objects.bulk_update(batch, [*APPLY_FIELDS, "applied_at"])
            if order_pks:
                queue_reassessment(sorted(order_pks))
        worked += len(batch)
    return worked


def _apply_kept(delivery: WebhookDelivery, *, replayed_at: datetime | None = None) -> set[int]:
    """Read a kept delivery as it came (its body and kept headers, at its arrival) and write what it says,
    in a savepoint; set its verdict, reason and changes (the caller saves them). Returns the orders whose
    cases are to be re-assessed."""
    now = timezone.now()
    prefix = f"replayed {replayed_at:%Y-%m-%d %H:%M}: " if replayed_at else ""
    source = source_named(delivery.source)
    if source is None:
        delivery.verdict, delivery.reason = DeliveryVerdict.FAILED, f"{prefix}no reader for {delivery.source}"
        return set()
    try:
        pushed = source.read(bytes(delivery.body), delivery.headers or {}, delivery.received_at or now)
    except Refused as error:
        delivery.verdict, delivery.reason = DeliveryVerdict.REFUSED, f"{prefix or 'refused: '}{error}"
        return set()
    except PayloadError as error:
        delivery.verdict, delivery.reason = (
            DeliveryVerdict.REFUSED,
            f"{prefix or 'malformed payload: '}{error}",
        )
        return set()
    via = f"webhook:{source.name}" + (":replay" if replayed_at else "")
    try:
        written = _write_in_savepoint(pushed, source=source.name, via=via)
    except (tracking.EventRefused, CsvError) as error:
        delivery.verdict, delivery.reason = DeliveryVerdict.REFUSED, f"{prefix or 'refused: '}{error}"
        return set()
    except Exception as error:  # a bug or a database error in one delivery must not stop the others
        logger.exception("%s delivery %s failed", source.name, delivery.pk)
        delivery.verdict = DeliveryVerdict.FAILED
        delivery.reason = f"{prefix}{type(error).__name__}: {error}"[:2000]
        return set()
    if pushed.skipped:
        logger.info(
            "%s delivery %s: %d event(s) skipped: %s",
            source.name,
            delivery.pk,
            len(pushed.skipped),
            "; ".join(pushed.skipped),
        )
        written.changes["checkpoints_skipped"] = len(pushed.skipped)
    delivery.verdict = DeliveryVerdict.IGNORED if pushed.ignored else DeliveryVerdict.APPLIED
    delivery.reason = pushed.ignored
    delivery.topic = pushed.topic[:100]
    delivery.tracking_numbers = pushed.tracking_numbers
    delivery.order_ids = [order.order_id for order in pushed.orders]
    delivery.events_created += written.events_created
    if replayed_at:
        delivery.changes = {**delivery.changes, "replayed_at": replayed_at.isoformat(), **written.changes}
    else:
        delivery.changes = written.changes
    delivery.applied_at = now
    return written.order_pks


def _write_in_savepoint(pushed: Pushed, *, source: str, via: str) -> Written:
    """`write` in a savepoint, tried a second time when a concurrent writer of overlapping events wins the
    race on the one-event-once constraint: the retry sees those events and skips them."""
    try:
        with transaction.atomic():
            return write(pushed, source=source, via=via, queue=False)
    except IntegrityError:
        logger.info("%s delivery: concurrent write on %s, retrying once", source, pushed.tracking_numbers)
        with transaction.atomic():
            return write(pushed, source=source, via=via, queue=False)


def write(pushed: Pushed, *, source: str, via: str, queue: bool = True) -> Written:
    """Write what `pushed` says through the import services, in the caller's transaction, and queue the
    touched orders' re-assessment after commit (`queue` False: the caller queues `order_pks`, once for a
    batch)."""
    written = Written()
    if pushed.orders:
        _write_orders(pushed, written, source=source, via=via)
    linked_orders = find_orders(update.order_id for update in pushed.numbers if update.order_id)
    for update in pushed.numbers:
        # An unknown number is stored with its events all the same: the order may be linked later (an
        # import, the admin, another source), and the events must be there when it is.
        number, _ = tracking.get_or_create_number(update.number, update.carrier)
        events = list(update.events)
        if update.tracker_events:
            # The number's row locked first: two workers writing its tracker status at once would each
            # find it unstored (its time is each delivery's arrival, so no unique key stops the second).
            list(TrackingNumber.objects.select_for_update().filter(pk=number.pk).values_list("pk"))
            stored = number.events.values_list("status", "description")
            events += tracker_events_to_store(update.tracker_events, stored)
        added = tracking.add_events(number, events, source=EventSource.WEBHOOK)
        written.events_created += added
        order = linked_orders.get(update.order_id) if update.order_id else None
        linked = order is not None and tracking.link_number(order, number, update.skus)
        if linked:
            written.changes.setdefault("parcels_added_or_changed", []).append(
                {"order": order.order_id, "number": number.number}
            )
            written.order_pks.add(order.pk)
        elif update.order_id and order is None:
            written.changes.setdefault("orders_not_found", []).append(update.order_id)
        if added or linked:
            written.order_pks.update(tracking.orders_carrying([number]))
        if added:
            written.changes.setdefault("events_added", {})[number.number] = added
    if pushed.messages:
        taken = take_messages(messages=pushed.messages, via=via)
        written.changes["messages_attached"] = taken.attached
        written.changes["messages_unmatched"] = taken.unmatched
        if taken.duplicates:
            written.changes["messages_already_kept"] = taken.duplicates
    if queue and written.order_pks:
        # After commit: the worker must see the facts, and a rollback must queue nothing.
        queue_reassessment(sorted(written.order_pks))
    return written


def _newer_orders(pushed: Pushed, source: str, written: Written) -> list:
    """The delivery's orders newer than the version of each already applied (SourceOrderVersion, locked
    for this transaction), recorded as applied; an older or the same version is left out, and said."""
    orders = []
    for order in pushed.orders:
        if order.updated_at is None:
            orders.append(order)
            continue
        version = (
            SourceOrderVersion.objects.select_for_update()
            .filter(source=source, order_id=order.order_id)
            .first()
        )
        if version is not None and version.updated_at >= order.updated_at:
            written.changes.setdefault("orders_not_newer", []).append(order.order_id)
            continue
        if version is None:
            SourceOrderVersion.objects.create(
                source=source, order_id=order.order_id, updated_at=order.updated_at
            )
        else:
            version.updated_at = order.updated_at
            version.save(update_fields=["updated_at"])
        orders.append(order)
    return orders


def _write_orders(pushed: Pushed, written: Written, *, source: str, via: str) -> None:
    """The orders of a delivery through the orders import, as rows of a Shopify export."""
    from cases.intake.order_import import import_orders

    orders = _newer_orders(pushed, source, written)
    if not orders:
        return
    header: list[str] = []
    for order in orders:
        for row in order.rows:
            header.extend(column for column in row if column not in header)
    text = io.StringIO()
    out = csv.DictWriter(text, fieldnames=header, lineterminator="\n")
    out.writeheader()
    line_orders = [""]  # the order of each line of the file built here (line 1: the header)
    for order in orders:
        out.writerows(order.rows)
        line_orders += [order.order_id] * len(order.rows)
    result = import_orders(text.getvalue().encode("utf-8"), file_name=f"{via} {pushed.topic}", via=via)
    if result.has_errors:
        raise OrdersRefused(
            [
                (line_orders[issue.line - 1] if issue.line and issue.line <= len(line_orders) else "", issue)
                for issue in result.issues
            ]
        )
    done = result.written
    if done is not None:
        written.changes["orders_created"] = len(done.created_pks)
        written.changes["orders_updated"] = len(done.updated_pks)
        written.order_pks.update(done.touched_pks)


# --- replay --------------------------------------------------------------------------------------------


def replay(*, delivery: WebhookDelivery, actor=None) -> WebhookDelivery:
    """Read and apply a kept delivery again (after a reader was fixed), as it came (its kept headers, at
    its arrival): its body was verified when it arrived. What it writes is written once: numbers, events
    and orders are idempotent."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        order_pks = _apply_kept(delivery, replayed_at=timezone.now())
        delivery.save(update_fields=[*APPLY_FIELDS, "applied_at"])
        if order_pks:
            queue_reassessment(sorted(order_pks))
    return delivery


# --- connections ---------------------------------------------------------------------------------------

MAX_RETENTION_DAYS = 3650


@transaction.atomic
def set_connection(
    *,
    source: str,
    actor,
    secret: str | None = None,
    enabled: bool | None = None,
    retention_days: int | None = None,
    via: str = "admin",
) -> Connection:
    """Set a source's connection: its secret (None: unchanged; surrounding blanks are a copy-paste's, not
    the secret's), whether it is on, its deliveries' retention. Owner-only (a second factor); audited
    without the secret (its last four characters only). ValueError names what cannot be set."""
    from cases.permissions import MANAGE_CONNECTIONS
    from cases.services.audit import audit_event
    from staletrack.permissions import require

    require(actor, MANAGE_CONNECTIONS)
    if source not in ConnectionSource.values:
        raise ValueError(f"source: {source!r} is not one of {', '.join(ConnectionSource.values)}")
    if retention_days is not None and not 1 <= retention_days <= MAX_RETENTION_DAYS:
        raise ValueError(f"retention_days: {retention_days} is not between 1 and {MAX_RETENTION_DAYS}")
    connection, created = Connection.objects.select_for_update().get_or_create(source=source)
    changes: dict[str, list] = {}
    if secret is not None:
        secret = secret.strip()
        if not secret:
            raise ValueError("secret: is empty")
        if len(secret) > Connection._meta.get_field("secret").max_length:
            raise ValueError("secret: is longer than 500 characters")
        if secret != connection.secret:
            changes["secret"] = [secret_hint(connection.secret), secret_hint(secret)]
            now = timezone.now()
            if connection.secret:
                connection.previous_secret = connection.secret
                connection.previous_secret_until = now + ROTATION_GRACE
            connection.secret, connection.secret_set_at = secret, now
    for name, value in (("enabled", enabled), ("retention_days", retention_days)):
        if value is not None and getattr(connection, name) != value:
            changes[name] = [getattr(connection, name), value]
            setattr(connection, name, value)
    if changes or created:
        connection.save()
        audit_event(
            action="connection_set", obj=connection, actor=actor, via=via, changes=changes, reason=source
        )
    return connection


def secret_hint(secret: str) -> str:
    """How a secret is shown: its last four characters, never more (a short one not at all)."""
    if not secret:
        return ""
    return f"…{secret[-4:]}" if len(secret) >= 12 else "(set)"


def delete_expired_deliveries(*, now: datetime | None = None) -> int:
    """Deliveries older than their connection's retention (30 days for a source without one), and
    refusals older than the longest retention: deleted. Returns how many rows went."""
    now = now or timezone.now()
    retention = dict(Connection.objects.values_list("source", "retention_days"))
    deleted = 0
    for source in set(WebhookDelivery.objects.values_list("source", flat=True).distinct()):
        days = retention.get(source, DEFAULT_RETENTION_DAYS)
        deleted += WebhookDelivery.objects.filter(
            source=source, received_at__lt=now - timedelta(days=days)
        ).delete()[0]
    longest = max([DEFAULT_RETENTION_DAYS, *retention.values()])
    deleted += WebhookRefusal.objects.filter(at__lt=now - timedelta(days=longest)).delete()[0]
    return deleted


DEFAULT_RETENTION_DAYS = 30


class _RolledBack(Exception):
    """Raised to undo a test delivery's writes once its answer is known."""


def send_test_delivery(*, source: Source, host: str, secure: bool = False) -> tuple[int, dict]:
    """Post the source's sample body, signed with its connection's secret as the source would sign it,
    through the real endpoint (URL routing, middleware, view, verification, reader, writing), inside a
    transaction rolled back afterwards, applied there as the worker would apply it: the answer proves the
    address, the secret, the reader and the writing; nothing stays (no delivery, no number, no event, no
    task queued). Returns (status, answer)."""
    from django.test import Client

    secret = secret_for(source.name)
    if not secret:
        return 401, {"error": "no secret set for this source, or its connection is off"}
    body = source.sample_body()
    if source.by_token:
        url, headers = reverse("webhooks:by_token", args=[secret]), {}
    else:
        url, headers = (
            reverse("webhooks:pushed", args=[source.name]),
            source.sign(secret, body, timezone.now()),
        )
    client = Client(HTTP_HOST=host)
    result: dict = {}
    try:
        with transaction.atomic():
            response = client.post(
                url, data=body, content_type="application/json", headers=headers, secure=secure
            )
            result["status"], result["answer"] = response.status_code, response.json()
            if result["answer"].get("status") == "accepted":
                # What the worker would write, written here too: the answer proves the reader and the
                # writing path, not only the address and the secret.
                delivery = WebhookDelivery.objects.get(pk=result["answer"]["delivery"])
                _apply_kept(delivery)
                result["answer"] = {
                    "status": "ok" if delivery.verdict == DeliveryVerdict.APPLIED else delivery.verdict,
                    "events_created": delivery.events_created,
                    **({"reason": delivery.reason} if delivery.reason else {}),
                }
            raise _RolledBack
    except _RolledBack:
        pass
    return result["status"], result["answer"]
