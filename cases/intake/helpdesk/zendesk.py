"""Reading Zendesk's webhooks into customer messages (rules.md section 3; setup: docs/helpdesk.md).

Verification. Zendesk signs every webhook request (developer.zendesk.com, "Verifying webhook
authenticity", https://developer.zendesk.com/documentation/webhooks/verifying/): the header
`X-Zendesk-Webhook-Signature` is "base64(HMACSHA256(TIMESTAMP + BODY))", keyed with the webhook's signing
secret, TIMESTAMP being the value of `X-Zendesk-Webhook-Signature-Timestamp` and BODY the raw request body.
The page's example timestamp is ISO 8601 ("2021-07-25T10:00:00Z"); a value of digits alone is read as
Unix seconds. Zendesk documents no replay window: a timestamp more than five minutes from the arrival is
refused ("timestamp outside the allowed window"), as for the other timestamped sources here
(cases.intake.webhooks.track123). The signing secret is per webhook and can be reset in Zendesk; a reset
secret makes every delivery signed with the old one "signature wrong" until the connection has the new
one. An older copy of the same page wrote "(BODY)(TIMESTAMP)" with an example signature that agrees with
that order; the current page and every independent receiver found put the timestamp first, which is what
is implemented (tests/data/helpdesk/zendesk/SOURCES.md).

The body. Zendesk sends whatever JSON the webhook's trigger defines, with Zendesk placeholders
(https://support.zendesk.com/hc/en-us/articles/4408886858138-Zendesk-placeholders-reference) filled in.
Two shapes are read:

- the trigger body of docs/helpdesk.md: `{ticket_id, comment_id, created_at, from_email,
  requester_email, direction, subject, text, public, tags}` (values as a template renders them:
  strings; `direction` is written into each of two triggers, one for the customer's comments and one for
  the agents', or `author_role` is given instead: "end-user" is inbound, "agent" and "admin" outbound;
  an inbound message without `from_email` takes `requester_email`);
- Zendesk's event-subscription body for `zen:event-type:ticket.comment_added`
  (https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events): `{type, id, time,
  subject: "zen:ticket:<id>", detail: {id, subject, tags, ...}, event: {comment: {id, body, is_public,
  author: {id, is_staff, name}}}}`. It names the author by id only: `from_email` is "" unless the author
  carries an `email`. Other event types carry no message and read as none.

A private comment (an internal note: `public` / `is_public` false) is no message to or from the customer
and reads as none. Times without an offset are refused: Zendesk's `*_with_timestamp` placeholders and
event times are UTC with "Z".

Pure: no Django, no ORM.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cases.intake.helpdesk.messages import (
    INBOUND,
    OUTBOUND,
    HelpdeskMessage,
    flag,
    message,
    string,
    tags_of,
    time_of,
)
from cases.intake.webhooks import signature
from cases.intake.webhooks.pushed import PayloadError, json_object, member

SOURCE = "zendesk"
SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"
WINDOW = timedelta(minutes=5)

EVENT_PREFIX = "zen:event-type:"
COMMENT_ADDED = "zen:event-type:ticket.comment_added"
ROLES = {"end-user": INBOUND, "end_user": INBOUND, "agent": OUTBOUND, "admin": OUTBOUND}

TRIGGER_NAMES = {
    "ticket_id": "ticket_id",
    "message_id": "comment_id",
    "at": "created_at",
    "from_email": "from_email",
    "direction": "direction",
    "subject": "subject",
    "text": "text",
    "tags": "tags",
}
EVENT_NAMES = {
    "ticket_id": "detail.id",
    "message_id": "event.comment.id",
    "at": "time",
    "from_email": "event.comment.author.email",
    "direction": "event.comment.author.is_staff",
    "subject": "detail.subject",
    "text": "event.comment.body",
    "tags": "detail.tags",
}


# --- verification --------------------------------------------------------------------------------------


def expected_signature(secret: str, stamp: str, body: bytes) -> str:
    """base64(HMAC-SHA256(timestamp + body)) keyed with the webhook's signing secret."""
    return signature.base64_of(signature.hmac_sha256(secret, stamp.encode("utf-8") + body))


def verify(secret: str, body: bytes, headers, now: datetime) -> str:
    """ "" when the signature header is Zendesk's signature of the timestamp header and `body` under
    `secret`, and the timestamp is within WINDOW of `now`; else why not."""
    given = headers.get(SIGNATURE_HEADER)
    stamp = headers.get(TIMESTAMP_HEADER) or ""
    if not given:
        return "signature missing"
    if not stamp.strip():
        return "timestamp missing"
    verdict = signature.check(given, secret, lambda: expected_signature(secret, stamp, body))
    if verdict:
        return verdict
    at = stamp_time(stamp)
    if at is None:
        return "timestamp is not a time"
    if abs(now - at) > WINDOW:
        return "timestamp outside the allowed window"
    return ""


def sign(secret: str, body: bytes, now: datetime) -> dict[str, str]:
    """The headers Zendesk sends with `body` at `now` (the timestamp as the page's example writes it)."""
    stamp = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: expected_signature(secret, stamp, body)}


def stamp_time(stamp: str) -> datetime | None:
    """The time of a timestamp header: ISO 8601 with its offset, or Unix seconds; None for anything else."""
    stamp = stamp.strip()
    if stamp.isascii() and stamp.isdigit():
        try:
            return datetime.fromtimestamp(int(stamp), UTC) if len(stamp) <= 12 else None
        except (OverflowError, OSError, ValueError):
            return None
    try:
        at = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return at if at.utcoffset() is not None else None


# --- reading -------------------------------------------------------------------------------------------


def read(body: bytes, headers, received_at: datetime) -> list[HelpdeskMessage]:
    """The customer message in `body`: one, or none for a private comment or an event that carries no
    comment. Raises PayloadError (Refused for a value that cannot be kept) naming the field."""
    payload = json_object(body)
    kind = payload.get("type")
    if isinstance(kind, str) and kind.startswith(EVENT_PREFIX):
        return _read_event(payload, kind)
    return _read_trigger(payload)


def _read_trigger(payload: dict) -> list[HelpdeskMessage]:
    if flag(payload, "public", "public") is False:
        return []
    direction = string(payload, "direction", "direction").strip().lower()
    if not direction:
        role = string(payload, "author_role", "author_role").strip().lower()
        if not role:
            raise PayloadError('"direction" is missing (or give "author_role")')
        if role not in ROLES:
            raise PayloadError(f'"author_role" is {role[:40]!r}, not end-user, agent or admin')
        direction = ROLES[role]
    from_email, email_name = string(payload, "from_email", "from_email"), "from_email"
    if not from_email.strip() and direction == INBOUND:
        from_email, email_name = string(payload, "requester_email", "requester_email"), "requester_email"
    return [
        message(
            source=SOURCE,
            ticket_id=string(payload, "ticket_id", "ticket_id", required=True),
            message_id=string(payload, "comment_id", "comment_id"),
            at=time_of(string(payload, "created_at", "created_at", required=True), "created_at"),
            from_email=from_email,
            direction=direction,
            subject=string(payload, "subject", "subject"),
            text=string(payload, "text", "text"),
            tags=tags_of(payload.get("tags"), "tags"),
            names={**TRIGGER_NAMES, "from_email": email_name},
        )
    ]


def _read_event(payload: dict, kind: str) -> list[HelpdeskMessage]:
    if kind != COMMENT_ADDED:
        return []
    detail = member(payload, "detail", "detail", dict)
    event = member(payload, "event", "event", dict)
    comment = member(event, "comment", "event.comment", dict)
    public = member(comment, "is_public", "event.comment.is_public", bool, required=False)
    if public is False:
        return []
    author = member(comment, "author", "event.comment.author", dict)
    is_staff = member(author, "is_staff", "event.comment.author.is_staff", bool)
    return [
        message(
            source=SOURCE,
            ticket_id=string(detail, "id", "detail.id", required=True),
            message_id=string(comment, "id", "event.comment.id"),
            at=time_of(string(payload, "time", "time", required=True), "time"),
            from_email=string(author, "email", "event.comment.author.email"),
            direction=OUTBOUND if is_staff else INBOUND,
            subject=string(detail, "subject", "detail.subject"),
            text=string(comment, "body", "event.comment.body"),
            tags=tags_of(detail.get("tags"), "detail.tags"),
            names=EVENT_NAMES,
        )
    ]
