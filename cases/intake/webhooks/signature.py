"""Checking the signatures pushed sources put on their deliveries (docs/connections.md).

Every scheme signs the raw request body, the bytes exactly as received: parsing and re-serialising the
JSON first would change them and break the check. The schemes differ in what else is hashed, the key and
the encoding; each source's reader names its own (cases.intake.webhooks.sources). Comparisons are constant
time over bytes: a header is attacker-controlled, and `hmac.compare_digest` on str refuses non-ASCII.

AfterShip (`sign`, `verify`, `HEADER`): the `aftership-hmac-sha256` header holds the base64-encoded
HMAC-SHA256 of the raw body, keyed with the account's webhook secret
(https://www.aftership.com/docs/tracking/webhook/webhook-signature).

Pure: no Django, no ORM.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable

HEADER = "aftership-hmac-sha256"


def hmac_sha256(key: str | bytes, message: bytes) -> bytes:
    if isinstance(key, str):
        key = key.encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).digest()


def base64_of(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


def same(expected: str, given: str | None) -> bool:
    """Whether `given` (a header's value, surrounding blanks aside) is `expected`, in constant time. An
    empty expected value never matches: a secret that is not set must refuse everything."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("ascii"), given.strip().encode("utf-8", "replace"))


def check(given: str | None, secret: str, expected: Callable[[], str]) -> str:
    """The verdict every signed source gives: "" when `given` (a header's value) is `expected()` (the
    signature the source computes, called only once there is a header and a secret), else why not:
    "signature missing", "no secret set" (an empty secret verifies nothing) or "signature wrong"."""
    if not given:
        return "signature missing"
    if not secret:
        return "no secret set"
    return "" if same(expected(), given) else "signature wrong"


def sign(secret: str, body: bytes) -> str:
    """The header value AfterShip sends for `body` (also what the tests sign their bodies with)."""
    return base64_of(hmac_sha256(secret, body))


def verify(secret: str, body: bytes, signature_header: str | None) -> bool:
    """True when `signature_header` is AfterShip's signature of `body` under `secret`.

    An empty secret never verifies: an unconfigured endpoint must refuse everything rather than accept
    bodies signed with the empty key, which anyone can compute.
    """
    if not secret:
        return False
    return same(sign(secret, body), signature_header)
