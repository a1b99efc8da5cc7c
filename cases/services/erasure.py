"""Erasing one customer's personal data on request (the order itself stays, with `erased_at` set).

What is erased, for the orders of one customer (every order carrying their email, or only the orders
named):

- the order's `customer_email` and `postal_code`, and a tracking event's postal code where it is the
  order's (the carrier's delivery scan names the customer's address);
- the texts of the customer's messages (their intents are kept, read from the text first, so the rules
  read the case as before) and of the supplier's evidence (a proof quotes the shipping label: name,
  address), with the evidence's attachments; the case's edited draft reply;
- the email, the postal code and those texts wherever the store's own words repeat them: supplier chases,
  outcome notes, hold reasons, money decisions' reasons and notes, past decisions' outcomes, the stored
  packet (then re-assessed from the erased facts), import runs' messages and errors; an import upload
  still kept for a retry is deleted when it holds the email;
- the same values inside the audit trail's older events (below).

Names have no field of their own: they live in those texts and go with them.

The audit trail and erasure. Audit events are append-only: no path of the application changes or deletes
one (the model refuses, and on PostgreSQL a trigger refuses any UPDATE or DELETE). Older events may still
hold personal values (an import's old and new email, a saved draft's text, a proof's text in its reason).
Erasure is the one sanctioned exception, and it is narrow: it never deletes an event and never touches
who acted, when, what was done or to which object; it replaces personal values inside `changes`,
`reason` and `object_repr` with "[erased]", and it records which events it redacted (their ids) in its own
event, `customer_data_erased`, which holds no personal data (the order ids and counts; never the email).
On PostgreSQL it turns the append-only trigger off for its own transaction only: `ALTER TABLE ... DISABLE
TRIGGER` takes a lock that keeps every other writer of the audit table waiting until the transaction
ends, and the trigger is on again before it commits, so no other session ever writes while it is off.
This needs the application's database role to own the table, as it does when it ran the migrations.

Fingerprints of erased messages and evidence are kept: they are digests, not the texts, and they make a
re-import of an old file that still holds the texts a no-op instead of bringing them back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, connection, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from cases.assessment.derived import normalize_postal
from cases.assessment.intents import read_intents
from cases.choices import Direction, OutcomeKind
from cases.models import (
    AuditEvent,
    Case,
    CustomerMessage,
    EvidenceProposal,
    ImportRun,
    MoneyDecision,
    Order,
    Outcome,
    PastDecision,
    SupplierChase,
    SupplierEvidence,
    TrackingEvent,
    WebhookDelivery,
)
from cases.permissions import APPROVE_MONEY
from cases.services.assessment import refresh_cases
from cases.services.audit import audit_event
from staletrack.limits import MAX_EMAIL, MAX_ORDER_ID, MAX_TEXT, text_problem
from staletrack.permissions import require
from staletrack.tallies import Tally

# Owners erase: the Owner role's own permission (a permission of its own would need a migration).
ERASE_CUSTOMER = APPROVE_MONEY
ERASED = "[erased]"
ERASED_ACTION = "customer_data_erased"
ORDER_ERASED_ACTION = "order_personal_data_erased"

# Keys of an audit event's `changes` whose values are personal data on an erased order's objects.
PERSONAL_KEYS = frozenset({"customer_email", "email", "postal_code", "text", "draft_text"})
# Audit actions whose `reason` is a customer's or a supplier's text (the note of a workbench outcome).
TEXT_REASONS = frozenset({"supplier_proof_recorded", "customer_updated"})
# Outcomes whose note is such a text.
TEXT_NOTES = frozenset({OutcomeKind.PROOF_RECORDED, OutcomeKind.CUSTOMER_UPDATED})
# A text this short is only replaced where it is a whole value: inside other words it is no one's data.
MIN_TEXT_INSIDE = 12
EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+")


# ---------------------------------------------------------------------------------------------------
# Pure: finding and replacing personal values (no ORM).


@dataclass(frozen=True)
class Personal:
    """The values to erase: emails (any case), postal codes (whole words, any case, any spacing of the
    stored code) and texts (whole values, and inside other text when long enough to be no one else's)."""

    emails: frozenset[str] = frozenset()
    postal_codes: frozenset[str] = frozenset()
    texts: frozenset[str] = frozenset()

    def pattern(self) -> re.Pattern | None:
        parts = [
            rf"(?<![\w.%+-]){re.escape(email)}(?![\w-]|\.\w)" for email in sorted(self.emails, key=len)[::-1]
        ]
        for code in sorted(self.postal_codes, key=len, reverse=True):
            spaced = r"\s*".join(re.escape(ch) for ch in normalize_postal(code))
            parts.append(rf"(?<![0-9A-Za-z]){spaced}(?![0-9A-Za-z])")
        long_texts = [t for t in self.texts if len(t) >= MIN_TEXT_INSIDE]
        parts += [re.escape(text) for text in sorted(long_texts, key=len, reverse=True)]
        return re.compile("|".join(parts), re.IGNORECASE) if parts else None


class Scrubber:
    """Replaces `Personal` values in strings and JSON values; `with_keys` also erases every value kept
    under a personal key (an erased order's own events: an import's old and new email, a draft)."""

    def __init__(self, personal: Personal, *, with_keys: bool):
        self.personal = personal
        self.with_keys = with_keys
        self._pattern = personal.pattern()
        self._whole = {t.strip().casefold() for t in personal.texts if t.strip()}
        self._whole |= {e.casefold() for e in personal.emails}
        self._whole |= {normalize_postal(p) for p in personal.postal_codes}

    def text(self, value: str) -> str:
        if not value:
            return value
        if value.strip().casefold() in self._whole or normalize_postal(value) in self._whole:
            return ERASED
        return self._pattern.sub(ERASED, value) if self._pattern is not None else value

    def json(self, value: Any, *, key: str | None = None) -> Any:
        if self.with_keys and key in PERSONAL_KEYS:
            return _erase_all(value)
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.json(item, key=key) for item in value]
        if isinstance(value, dict):
            return {name: self.json(item, key=name) for name, item in value.items()}
        return value


def _erase_all(value: Any) -> Any:
    """Every string under a personal key, whatever its shape ([old, new], {"before": ...}); None, numbers
    and booleans stay (that a value was blank is no one's data)."""
    if isinstance(value, str):
        return ERASED if value else value
    if isinstance(value, list):
        return [_erase_all(item) for item in value]
    if isinstance(value, dict):
        return {name: _erase_all(item) for name, item in value.items()}
    return value


# ---------------------------------------------------------------------------------------------------
# The service.


class Erasure(
    Tally,
    counts="customer_messages supplier_evidence attachments supplier_chases drafts packets outcomes"
    " money_decisions past_decisions tracking_events import_runs uploads_deleted webhook_bodies",
):
    """What an erasure changed (or, in a dry run, would change). Holds no personal data."""

    def __init__(self, *, order_ids: list[str], dry_run: bool = False) -> None:
        super().__init__()
        self.order_ids = order_ids
        self.orders = len(order_ids)
        self.audit_events_redacted: list[int] = []
        self.dry_run = dry_run

    def counts(self) -> dict:
        """The audited summary: which orders, which fields, then every count (no personal data)."""
        return (
            {"orders": self.order_ids, "fields": ["customer_email", "postal_code"]}
            | super().counts()
            | {"audit_events_redacted": self.audit_events_redacted}
        )

    def lines(self) -> list[str]:
        """What was (or would be) erased, for people: the confirmation page and the command."""
        return [
            f"{self.orders} order(s) ({', '.join(self.order_ids)}): the customer's email and postal code",
            f"{self.customer_messages} customer message text(s)",
            f"{self.supplier_evidence} supplier evidence text(s) and {self.attachments} attachment(s)",
            f"{self.supplier_chases} supplier chase(s) that repeat the email, postal code or texts",
            f"{self.drafts} edited draft reply(ies); {self.packets} stored packet(s) (re-assessed)",
            f"{self.outcomes} timeline note(s), {self.money_decisions} money decision(s) and "
            f"{self.past_decisions} past decision(s) that repeat them",
            f"{self.tracking_events} tracking event postal code(s)",
            f"{self.import_runs} import run(s) whose messages name the email; "
            f"{self.uploads_deleted} kept upload(s) holding it (deleted)",
            f"{self.webhook_bodies} kept webhook delivery body(ies) naming the orders or the email (emptied)",
            f"{len(self.audit_events_redacted)} older audit event(s): the values inside them replaced by "
            f"{ERASED} (the events stay)",
        ]


def _email(value: str) -> str:
    email = (value or "").strip()
    if not email:
        return ""
    if text_problem(email, MAX_EMAIL) or not EMAIL_SHAPE.fullmatch(email):
        raise ValidationError("email: not an email address.")
    return email


def _order_ids(values: Iterable[str]) -> list[str]:
    ids = []
    for value in values:
        value = (value or "").strip()
        if not value or text_problem(value, MAX_ORDER_ID):
            raise ValidationError(f"order: {value[:MAX_ORDER_ID]!r} is not an order id.")
        ids.append(value)
    return ids


def orders_to_erase(*, email: str = "", order_ids: Sequence[str] = ()) -> list[Order]:
    """The orders of one customer: those carrying `email` (any case), narrowed to `order_ids` when given;
    or, without an email, the orders named. Every order named must exist (and carry the email)."""
    email, order_ids = _email(email), _order_ids(order_ids)
    if not email and not order_ids:
        raise ValidationError("Name the customer's email, or the orders whose customer's data is erased.")
    orders = Order.objects.all()
    if email:
        orders = orders.filter(customer_email__iexact=email)
    if order_ids:
        orders = orders.filter(order_id__in=order_ids)
    found = list(orders.order_by("order_id"))
    missing = sorted(set(order_ids) - {o.order_id for o in found})
    if missing:
        carry = " with that email" if email else ""
        raise ValidationError(f"order: no order {', '.join(missing)}{carry}; nothing was erased.")
    if not found:
        raise ValidationError("email: no order carries that email; nothing was erased.")
    return found


def erase_customer(
    *, actor, reason: str, email: str = "", order_ids: Sequence[str] = (), dry_run: bool = False
) -> Erasure:
    """Erase one customer's personal data from their orders (every order with `email`, or only
    `order_ids`), as described in the module's docstring, in one transaction; an owner does it, with a
    reason, and it is audited without the data. `dry_run` says what would be erased and writes nothing."""
    require(actor, ERASE_CUSTOMER)
    if actor is None:
        raise PermissionDenied("An erasure names the owner who erases.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("reason: say why (e.g. the customer's request and its date).")
    if problem := text_problem(reason, MAX_TEXT):
        raise ValidationError(f"reason: {problem}.")
    with transaction.atomic():
        if not dry_run:
            _hold_audit_trail()  # first: before any row lock, so no writer of the trail waits on ours
        orders = orders_to_erase(email=email, order_ids=order_ids)
        orders = list(Order.objects.select_for_update().filter(pk__in=[o.pk for o in orders]).order_by("pk"))
        personal = _personal(orders, email)
        if Scrubber(personal, with_keys=False).text(reason) != reason:
            raise ValidationError("reason: do not repeat the customer's personal data in the reason.")
        result = Erasure(order_ids=sorted(o.order_id for o in orders), dry_run=dry_run)
        _erase(orders, personal, result, dry_run=dry_run)
        if dry_run:
            transaction.set_rollback(True)
            return result
        _release_audit_trail()
        now = timezone.now()
        summary = audit_event(
            action=ERASED_ACTION, actor=actor, via="erasure", changes=result.counts(), reason=reason, at=now
        )
        for order in orders:
            audit_event(
                action=ORDER_ERASED_ACTION,
                obj=order,
                actor=actor,
                via="erasure",
                changes={"fields": ["customer_email", "postal_code"], "erasure": summary.pk},
                reason=reason,
                at=now,
            )
        refresh_cases([o.pk for o in orders], via="erasure")
    return result


def _personal(orders: list[Order], email: str) -> Personal:
    """The values to erase: the orders' emails and postal codes, their messages', evidence's and drafts'
    texts."""
    pks = [o.pk for o in orders]
    emails = {o.customer_email.strip().casefold() for o in orders if o.customer_email.strip()}
    if email:
        emails.add(email.strip().casefold())
    texts = set(CustomerMessage.objects.filter(order__in=pks).values_list("text", flat=True))
    texts |= set(SupplierEvidence.objects.filter(order__in=pks).values_list("text", flat=True))
    texts |= set(
        Case.objects.filter(order__in=pks).exclude(draft_text="").values_list("draft_text", flat=True)
    )
    return Personal(
        emails=frozenset(emails),
        postal_codes=frozenset(o.postal_code.strip() for o in orders if o.postal_code.strip()),
        texts=frozenset(t.strip() for t in texts if t.strip() and t.strip() != ERASED),
    )


def _erase(orders: list[Order], personal: Personal, result: Erasure, *, dry_run: bool) -> None:
    pks = [o.pk for o in orders]
    scrub = Scrubber(personal, with_keys=True)
    now = timezone.now()

    postal = {normalize_postal(o.postal_code) for o in orders if o.postal_code.strip()}
    numbers = TrackingEvent.objects.filter(tracking_number__orders__in=pks).exclude(postal_code="")
    events = [e for e in numbers.distinct() if normalize_postal(e.postal_code) in postal]
    result.tracking_events = len(events)
    TrackingEvent.objects.filter(pk__in=[e.pk for e in events]).update(postal_code="")

    for order in orders:
        order.customer_email, order.postal_code, order.erased_at = "", "", now
        order.save(update_fields=["customer_email", "postal_code", "erased_at", "updated_at"])

    messages = list(CustomerMessage.objects.filter(order__in=pks).exclude(text=ERASED))
    for message in messages:
        if message.direction == Direction.INBOUND and message.intents is None:
            # The rules read intents from the text: keep what they read, so the case reads the same.
            message.intents = sorted(read_intents(message.text))
        message.text = ERASED
    CustomerMessage.objects.bulk_update(messages, ["text", "intents"])
    result.customer_messages = len(messages)

    evidence = list(SupplierEvidence.objects.filter(order__in=pks).exclude(text=ERASED, attachment=""))
    attachments = [item.attachment for item in evidence if item.attachment]
    for item in evidence:
        item.text, item.attachment = ERASED, ""
    SupplierEvidence.objects.bulk_update(evidence, ["text", "attachment"])
    # The supplier emails read for these orders: their texts and proof attachments go the same way.
    proposed = list(EvidenceProposal.objects.filter(order__in=pks).exclude(text=ERASED, attachment=""))
    shared = {item.name for item in attachments}
    attachments += [
        item.attachment for item in proposed if item.attachment and item.attachment.name not in shared
    ]
    for item in proposed:
        item.text, item.subject, item.reading, item.attachment = ERASED, ERASED, {}, ""
    EvidenceProposal.objects.bulk_update(proposed, ["text", "subject", "reading", "attachment"])
    result.supplier_evidence, result.attachments = len(evidence) + len(proposed), len(attachments)
    for attachment in attachments if not dry_run else ():
        transaction.on_commit(partial(attachment.storage.delete, attachment.name))

    result.supplier_chases = _scrub_rows(SupplierChase.objects.filter(order__in=pks), ["text"], scrub)
    result.past_decisions = _scrub_rows(PastDecision.objects.filter(order__in=pks), ["actual_outcome"], scrub)
    result.money_decisions = _scrub_rows(
        MoneyDecision.objects.filter(case__order__in=pks),
        ["reason", "decision_note", "above_value_reason"],
        scrub,
    )
    notes = Outcome.objects.filter(case__order__in=pks)
    text_notes = notes.filter(kind__in=TEXT_NOTES).exclude(note=ERASED)
    result.outcomes = text_notes.update(note=ERASED)
    result.outcomes += _scrub_rows(notes.exclude(kind__in=TEXT_NOTES), ["note"], scrub)

    cases = list(Case.objects.filter(order__in=pks))
    result.drafts = sum(1 for case in cases if case.draft_text)
    for case in cases:
        packet = scrub.json(case.packet)
        result.packets += packet != case.packet
        case.packet, case.draft_text, case.hold_reason = packet, "", scrub.text(case.hold_reason)
    Case.objects.bulk_update(cases, ["packet", "draft_text", "hold_reason"])

    _scrub_import_runs(personal, result, dry_run=dry_run)
    result.webhook_bodies = _scrub_deliveries([o.order_id for o in orders], personal, now)
    result.audit_events_redacted = _redact_audit(orders, cases, personal, dry_run=dry_run)


def _scrub_rows(queryset, fields: list[str], scrub: Scrubber) -> int:
    changed = []
    for row in queryset:
        before = [getattr(row, name) for name in fields]
        for name in fields:
            setattr(row, name, scrub.text(getattr(row, name)))
        if [getattr(row, name) for name in fields] != before:
            changed.append(row)
    if changed:
        type(changed[0]).objects.bulk_update(changed, fields)
    return len(changed)


def _scrub_import_runs(personal: Personal, result: Erasure, *, dry_run: bool) -> None:
    """Import runs' messages, errors and summaries that name the email; an upload kept for a retry that
    holds it is deleted (after commit)."""
    scrub = Scrubber(Personal(emails=personal.emails), with_keys=False)
    matches = Q()
    for email in personal.emails:
        matches |= (
            Q(message__icontains=email) | Q(errors_text__icontains=email) | Q(summary_text__icontains=email)
        )
    runs = ImportRun.objects.annotate(
        errors_text=Cast("errors", TextField()), summary_text=Cast("summary", TextField())
    )
    changed = []
    for run in runs.filter(matches) if personal.emails else ():
        run.message, run.errors, run.summary = (
            scrub.text(run.message),
            scrub.json(run.errors),
            scrub.json(run.summary),
        )
        changed.append(run)
    ImportRun.objects.bulk_update(changed, ["message", "errors", "summary"])
    result.import_runs = len(changed)
    kept = [run for run in ImportRun.objects.exclude(file="") if _holds_email(run.file, personal.emails)]
    result.uploads_deleted = len(kept)
    if dry_run:
        return
    ImportRun.objects.filter(pk__in=[run.pk for run in kept]).update(file="")
    for run in kept:
        transaction.on_commit(partial(run.file.storage.delete, run.file.name))


def _scrub_deliveries(order_ids: list[str], personal: Personal, now) -> int:
    """Kept webhook deliveries (cases.intake.webhooks) whose body names an erased order or holds the
    email (any case): the body is emptied, the record of the delivery stays (what it changed). Their
    replay is then impossible, which an erasure accepts."""
    needles = [email.encode().lower() for email in personal.emails]
    named = set(order_ids)
    emptied = []
    for delivery in WebhookDelivery.objects.exclude(body=b"").only("pk", "body", "order_ids", "reason"):
        body = bytes(delivery.body).lower()
        if named & set(delivery.order_ids or ()) or any(needle in body for needle in needles):
            delivery.body = b""
            erased = f"(body erased {now:%Y-%m-%d}: it named an erased customer)"
            delivery.reason = f"{delivery.reason} {erased}".strip()
            emptied.append(delivery)
    WebhookDelivery.objects.bulk_update(emptied, ["body", "reason"])
    return len(emptied)


def _holds_email(upload, emails: frozenset[str], chunk: int = 1 << 20) -> bool:
    """Whether a stored upload holds one of `emails` (any case), read in chunks."""
    needles = [email.encode().lower() for email in emails]
    if not needles:
        return False
    overlap = max(len(n) for n in needles)
    try:
        with upload.storage.open(upload.name, "rb") as handle:
            tail = b""
            while block := handle.read(chunk):
                window = (tail + block).lower()
                if any(needle in window for needle in needles):
                    return True
                tail = window[-overlap:]
    except OSError:
        return False  # already gone
    return False


def _redact_audit(orders: list[Order], cases: list[Case], personal: Personal, *, dry_run: bool) -> list[int]:
    """Replace personal values inside older audit events (the sanctioned exception to append-only, see
    the module's docstring). The events of the erased orders' own objects lose every value under a
    personal key and every personal value; any other event that names the email loses the email."""
    pks = [o.pk for o in orders]
    case_pks = [c.pk for c in cases]
    objects = {
        Order: pks,
        Case: case_pks,
        CustomerMessage: CustomerMessage.objects.filter(order__in=pks).values_list("pk", flat=True),
        SupplierEvidence: SupplierEvidence.objects.filter(order__in=pks).values_list("pk", flat=True),
        SupplierChase: SupplierChase.objects.filter(order__in=pks).values_list("pk", flat=True),
        MoneyDecision: MoneyDecision.objects.filter(case__in=case_pks).values_list("pk", flat=True),
        PastDecision: PastDecision.objects.filter(order__in=pks).values_list("pk", flat=True),
    }
    own = Q(pk__in=[])
    for model, ids in objects.items():
        ids = [str(pk) for pk in ids]
        if ids:
            own |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=ids)
    naming = Q(pk__in=[])
    for email in personal.emails:
        naming |= (
            Q(changes_text__icontains=email) | Q(reason__icontains=email) | Q(object_repr__icontains=email)
        )
    events = AuditEvent.objects.annotate(changes_text=Cast("changes", TextField()))
    own_ids = set(events.filter(own).values_list("pk", flat=True))
    thorough = Scrubber(personal, with_keys=True)
    email_only = Scrubber(Personal(emails=personal.emails), with_keys=False)
    redacted = []
    for event in events.filter(own | naming).order_by("pk"):
        scrub = thorough if event.pk in own_ids else email_only
        changes, reason, label = (
            scrub.json(event.changes),
            scrub.text(event.reason),
            scrub.text(event.object_repr),
        )
        if event.pk in own_ids and event.action in TEXT_REASONS and event.reason:
            reason = ERASED
        if (changes, reason, label) == (event.changes, event.reason, event.object_repr):
            continue
        redacted.append(event.pk)
        if not dry_run:
            # A queryset UPDATE: AuditEvent.save() refuses every change, as it should everywhere else.
            AuditEvent.objects.filter(pk=event.pk).update(changes=changes, reason=reason, object_repr=label)
    return redacted


# ---------------------------------------------------------------------------------------------------
# PostgreSQL: the append-only trigger, off for the erasure's own transaction only.

_TRIGGER = "cases_auditevent_append_only"
LOCK_NOT_AVAILABLE = "55P03"  # lock_timeout expired
AUDIT_LOCK_TIMEOUT_MS = 10_000


def _hold_audit_trail() -> None:
    if connection.vendor != "postgresql":
        return
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # Wait for a running import's events, not for ever: the owner can try again.
            cursor.execute(f"SET LOCAL lock_timeout = {int(AUDIT_LOCK_TIMEOUT_MS)}")
            _alter(cursor, f"ALTER TABLE {table} DISABLE TRIGGER {_TRIGGER}")
            cursor.execute("SET LOCAL lock_timeout = DEFAULT")
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        raise ValidationError(
            "The audit trail is busy (an import is writing to it): nothing was erased; try again in a minute."
        ) from exc


def _release_audit_trail() -> None:
    if connection.vendor != "postgresql":
        return
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        _alter(cursor, f"ALTER TABLE {table} ENABLE TRIGGER {_TRIGGER}")


def _alter(cursor, statement: str) -> None:
    """PostgreSQL alters no table with foreign-key checks still deferred in this transaction (an audit
    event written earlier in it): run them now, alter, and defer again (Django's constraints are
    deferred by default)."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute(statement)
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
