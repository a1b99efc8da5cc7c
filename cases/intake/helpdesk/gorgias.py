"""Reading Gorgias's HTTP integration requests into customer messages (rules.md section 3; setup:
docs/helpdesk.md).

Gorgias has no signed webhooks. Its HTTP integrations call a URL the store sets, with the method, headers
and request body the store writes, when a trigger fires (`ticket_created`, `ticket_updated`,
`ticket_message_created`; developers.gorgias.com, "The Integration object",
https://developers.gorgias.com/reference/the-integration-object, whose example has `"headers":
{"x-api-key": ...}` and a body `{"ticket_id": "{{ticket.id}}"}`). Variables are written `{{ticket.id}}`,
`{{ticket.customer.email}}` (same page; docs.gorgias.com, "HTTP Integrations",
https://docs.gorgias.com/en-US/http-integrations-81822); the message's are those of Gorgias's
TicketMessage (https://developers.gorgias.com/reference/the-ticketmessage-object): `{{message.id}}`,
`{{message.body_text}}`, `{{message.from_agent}}`, `{{message.created_datetime}}`,
`{{message.sender.email}}`, `{{message.channel}}`, `{{message.public}}`.

Verification: a shared secret. The store puts the connection's secret in a header of its own,
`X-Staletrack-Token`, which is compared in constant time. It proves only that the sender knows the
secret: nothing signs the body or dates the request, so whoever sees one request (or the integration's
settings in Gorgias) can send any body, at any time, for as long as the secret is unchanged. It is weaker
than Zendesk's signature; its strength rests on TLS and on changing the secret when someone who saw it
leaves.

The body: the JSON object of docs/helpdesk.md, one message per request (the integration fires on
"ticket message created"): `{ticket_id, message_id, created_datetime, from_agent, from_email,
customer_email, subject, body_text, public, channel, tags}`, values as Gorgias renders them (strings;
`from_agent` "True"/"False"). Decisions:

- `created_datetime` without an offset is read as UTC: Gorgias's API writes its datetimes in UTC without
  one ("2021-01-07T13:00:00.123456" in the page above). An offset given is honoured.
- Direction: `from_agent` true is outbound, false inbound (TicketMessage: "Whether the message was sent
  by your company to a customer, or the opposite").
- Who wrote it: `from_email`, else, for an inbound message, `customer_email`.
- An internal note (`public` false, or `channel` "internal-note") is no message to or from the customer,
  and a request without a message (a ticket trigger: every message variable empty) reads as none.
- Tags: a list of strings or of tag objects (`{"name": ...}`), or a string of names separated by commas
  or spaces. How Gorgias renders `{{ticket.tags}}` inside a string is not documented.

Pure: no Django, no ORM.
"""

from __future__ import annotations

import hmac
from datetime import datetime

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
from cases.intake.webhooks.pushed import PayloadError, json_object

SOURCE = "gorgias"
TOKEN_HEADER = "X-Staletrack-Token"
INTERNAL_NOTE = "internal-note"

NAMES = {
    "ticket_id": "ticket_id",
    "message_id": "message_id",
    "at": "created_datetime",
    "from_email": "from_email",
    "direction": "from_agent",
    "subject": "subject",
    "text": "body_text",
    "tags": "tags",
}


def verify(secret: str, body: bytes, headers, now: datetime) -> str:
    """ "" when the `X-Staletrack-Token` header is the connection's secret (constant time); else why not.
    A shared secret, not a signature (module docstring)."""
    given = headers.get(TOKEN_HEADER)
    if not given:
        return "token missing"
    if not secret:
        return "no secret set"
    # Bytes, not str: compare_digest refuses non-ASCII text, and a secret the store typed may have some.
    same = hmac.compare_digest(secret.encode("utf-8"), given.strip().encode("utf-8", "replace"))
    return "" if same else "token wrong"


def sign(secret: str, body: bytes, now: datetime) -> dict[str, str]:
    """The header the store's HTTP integration sends (the same for every body)."""
    return {TOKEN_HEADER: secret}


def read(body: bytes, headers, received_at: datetime) -> list[HelpdeskMessage]:
    """The message in `body`, or none (an internal note, a request without a message). Raises
    PayloadError (Refused for a value that cannot be kept) naming the field."""
    payload = json_object(body)
    message_id = string(payload, "message_id", "message_id")
    text = string(payload, "body_text", "body_text")
    stamp = string(payload, "created_datetime", "created_datetime")
    if not (message_id.strip() or text.strip() or stamp.strip()):
        return []  # a ticket trigger without a message: its message variables render empty
    if flag(payload, "public", "public") is False:
        return []
    if string(payload, "channel", "channel").strip().lower() == INTERNAL_NOTE:
        return []
    from_agent = flag(payload, "from_agent", "from_agent")
    if from_agent is None:
        raise PayloadError('"from_agent" is missing')
    direction = OUTBOUND if from_agent else INBOUND
    from_email = string(payload, "from_email", "from_email")
    email_name = "from_email"
    if not from_email.strip() and direction == INBOUND:
        from_email, email_name = string(payload, "customer_email", "customer_email"), "customer_email"
    return [
        message(
            source=SOURCE,
            ticket_id=string(payload, "ticket_id", "ticket_id", required=True),
            message_id=message_id,
            at=time_of(stamp, "created_datetime", without_offset_as_utc=True),
            from_email=from_email,
            direction=direction,
            subject=string(payload, "subject", "subject"),
            text=text,
            tags=tags_of(payload.get("tags"), "tags"),
            names={**NAMES, "from_email": email_name},
        )
    ]
