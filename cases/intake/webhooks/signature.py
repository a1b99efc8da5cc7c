"""Checking the signature of an AfterShip-style tracking webhook (docs/webhook.md).

AfterShip signs every delivery: the `aftership-hmac-sha256` header holds the base64-encoded HMAC-SHA256 of
the raw request body, keyed with the account's webhook secret
(https://www.aftership.com/docs/tracking/webhook/webhook-signature). The digest is computed over the bytes
exactly as received: parsing and re-serialising the JSON first would change them and break the check.

Pure: no Django, no ORM.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

HEADER = "aftership-hmac-sha256"


def sign(secret: str, body: bytes) -> str:
    """The header value AfterShip sends for `body` (also what the tests sign their bodies with)."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(secret: str, body: bytes, signature_header: str | None) -> bool:
    """True when `signature_header` is the signature of `body` under `secret`.

    An empty secret never verifies: an unconfigured endpoint must refuse everything rather than accept
    bodies signed with the empty key, which anyone can compute.
    """
    if not secret or not signature_header:
        return False
    expected = sign(secret, body).encode("ascii")
    # Bytes on both sides: compare_digest on str refuses non-ASCII input with a TypeError, and a header
    # is attacker-controlled. Constant time, so the comparison leaks nothing about the expected value.
    return hmac.compare_digest(expected, signature_header.strip().encode("utf-8", "replace"))
