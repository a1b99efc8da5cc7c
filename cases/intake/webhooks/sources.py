"""The sources that push facts in, each with how its deliveries are verified and read (docs/connections.md).

A `Source` is a reader module's three functions: `read(body, headers, received_at) -> Pushed` (only reads;
cases.intake.webhooks.services writes), `verify(secret, body, headers, now) -> str` ("" when the delivery
is the source's, else why not) and `sign(secret, body, now) -> {header: value}` (what the source would
send: the admin's test delivery, the tests and the benchmark sign with it). A source that signs nothing
(`verify` None) is reached at /webhooks/token/<token>/, its connection's secret being the token.

Pure: no Django models, no ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cases.intake.helpdesk import gorgias, zendesk
from cases.intake.webhooks import (
    aftership,
    cjdropshipping,
    easypost,
    parcelpanel,
    seventeen_track,
    shippo,
    shopify,
    track123,
    trackingmore,
)
from cases.intake.webhooks.pushed import Pushed

Headers = Mapping[str, str]  # case-insensitive names (Django's request.headers)
SAMPLES = Path(__file__).resolve().parent / "samples"


@dataclass(frozen=True)
class Source:
    name: str  # the URL segment, the connection's and the deliveries' `source`
    read: Callable[[bytes, Headers, datetime], Pushed]
    verify: Callable[[str, bytes, Headers, datetime], str] | None  # None: the URL's token authenticates
    sign: Callable[[str, bytes, datetime], dict[str, str]] | None
    sample: str  # a body as the source sends it, under samples/: the admin's test delivery
    # The headers `read` reads, kept with the delivery so that the worker (and a replay) reads it as it came.
    read_headers: tuple[str, ...] = ()

    @property
    def by_token(self) -> bool:
        return self.verify is None

    def headers_to_keep(self, headers: Headers) -> dict[str, str]:
        return {name: headers[name] for name in self.read_headers if headers.get(name) is not None}

    def sample_body(self) -> bytes:
        return (SAMPLES / self.sample).read_bytes()


def messages_read(reader) -> Callable[[bytes, Headers, datetime], Pushed]:
    """A helpdesk reader (it returns the body's customer messages) as a source's `read`."""

    def read(body: bytes, headers: Headers, received_at: datetime) -> Pushed:
        found = tuple(reader.read(body, headers, received_at))
        topic = f"{reader.SOURCE} message"
        if not found:
            return Pushed(topic=topic, ignored="no customer message in it (a private note, another event)")
        return Pushed(topic=topic, messages=found)

    return read


SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        Source(
            name=aftership.SOURCE,
            read=aftership.read,
            verify=aftership.verify_delivery,
            sign=aftership.sign_delivery,
            sample="aftership.json",
        ),
        Source(
            name=shopify.SOURCE,
            read=shopify.read,
            verify=shopify.verify,
            sign=shopify.sign,
            sample="shopify.json",
            read_headers=shopify.READ_HEADERS,
        ),
        Source(
            name=seventeen_track.SOURCE,
            read=seventeen_track.read,
            verify=seventeen_track.verify,
            sign=seventeen_track.sign,
            sample="17track.json",
        ),
        Source(
            name=easypost.SOURCE,
            read=easypost.read,
            verify=easypost.verify,
            sign=easypost.sign,
            sample="easypost.json",
        ),
        Source(
            name=cjdropshipping.SOURCE,
            read=cjdropshipping.read,
            verify=cjdropshipping.verify_delivery,
            sign=cjdropshipping.sign_delivery,
            sample="cjdropshipping.json",
        ),
        Source(
            name=track123.SOURCE,
            read=track123.read,
            verify=track123.verify_delivery,
            sign=track123.sign_delivery,
            sample="track123.json",
        ),
        # Provisional: the body's shape and the signature's key are not confirmed (parcelpanel.py).
        Source(
            name=parcelpanel.SOURCE,
            read=parcelpanel.read,
            verify=parcelpanel.verify_delivery,
            sign=parcelpanel.sign_delivery,
            sample="parcelpanel.json",
        ),
        # Helpdesks: customer messages (cases.intake.ticket_messages).
        Source(
            name=zendesk.SOURCE,
            read=messages_read(zendesk),
            verify=zendesk.verify,
            sign=zendesk.sign,
            sample="zendesk.json",
        ),
        # A shared secret in a header the store sets (Gorgias signs nothing): weaker than a signature.
        Source(
            name=gorgias.SOURCE,
            read=messages_read(gorgias),
            verify=gorgias.verify,
            sign=gorgias.sign,
            sample="gorgias.json",
        ),
        # Token sources: no signature that can be checked; the URL's token authenticates.
        Source(
            name=trackingmore.SOURCE,
            read=trackingmore.read,
            verify=None,
            sign=None,
            sample="trackingmore.json",
        ),
        Source(name=shippo.SOURCE, read=shippo.read, verify=None, sign=None, sample="shippo.json"),
    )
}


def source_named(name: str) -> Source | None:
    return SOURCES.get(name)
