"""Sending the weekly digest to every owner, once per owner and week.

Each owner's digest is claimed and sent in one transaction: the claim is the `SentDigest` row of (week,
owner), inserted first (get_or_create: an INSERT that the unique constraint lets through once), then the
email goes, then the transaction commits. A second sender of the same digest (beat's task re-delivered,
two workers, the backstop beat entry, `manage.py weekly_digest --send` at the same time) either finds the
committed row and sends nothing, or, while the first transaction is open, waits on the row's unique key
until it commits (then sends nothing) or rolls back (then sends itself). An email that fails rolls its
claim back, so the next run sends it.

What this cannot settle: a worker that dies after the mail server took the email and before its commit
leaves no claim, and the task's re-delivery sends that owner the digest again. That window is one
commit; the opposite order (commit the claim, then send) would instead lose the owner's digest for the
week whenever the send fails or the worker dies.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from suppliers.digest import selectors
from suppliers.digest.content import Digest
from suppliers.digest.links import DigestLinks
from suppliers.digest.render import render_html, render_text, subject
from suppliers.models import SentDigest

logger = logging.getLogger(__name__)


class DigestNotBuilt(Exception):
    """The week's rollups are not built: there is no digest to send."""


@dataclass
class DigestSending:
    """What one sending did, by username."""

    week_start: date
    sent: list[str] = field(default_factory=list)
    already_sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "week_start": self.week_start.isoformat(),
            "sent": self.sent,
            "already_sent": self.already_sent,
            "failed": self.failed,
        }


@dataclass(frozen=True)
class DigestEmail:
    """One week's digest written out once for every owner: subject, plain text, HTML; links absolute."""

    week_start: date
    subject: str
    text: str
    html: str

    @classmethod
    def of(cls, digest: Digest, *, base_url: str | None = None) -> DigestEmail:
        links = DigestLinks(digest.week_start, settings.STALETRACK_BASE_URL if base_url is None else base_url)
        return cls(digest.week_start, subject(digest), render_text(digest, links), render_html(digest, links))

    def message(self, to: str) -> EmailMultiAlternatives:
        message = EmailMultiAlternatives(
            subject=self.subject, body=self.text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]
        )
        message.attach_alternative(self.html, "text/html")
        return message


def send_digest_once(email: DigestEmail, user) -> bool:
    """Send the week's digest to `user` unless it was sent to them already: True when sent now. The claim
    and the send share one transaction (module docstring); a failed send raises, and leaves no claim."""
    with transaction.atomic():
        _, created = SentDigest.objects.get_or_create(
            week_start=email.week_start, user=user, defaults={"email": user.email, "sent_at": timezone.now()}
        )
        if not created:
            return False
        email.message(user.email).send(fail_silently=False)
    return True


def send_weekly_digest(*, week_start: date) -> DigestSending:
    """Send the digest of the week starting on `week_start` to every owner who has not had it
    (`selectors.recipients`). One owner's failed email does not stop the others: it is logged and named in
    the result (the task tries again). Raises DigestNotBuilt when the week's rollups are not built."""
    digest = selectors.weekly_digest(week_start)
    if not digest.built:
        raise DigestNotBuilt(f"The rollups of the week of {week_start.isoformat()} are not built.")
    email = DigestEmail.of(digest)
    result = DigestSending(week_start=week_start)
    for user in selectors.recipients():
        try:
            sent = send_digest_once(email, user)
        except Exception as exc:  # a mail server's refusal, a timeout: the others still get theirs
            logger.exception("The weekly digest of %s to %s failed", week_start, user.get_username())
            result.failed[user.get_username()] = str(exc) or type(exc).__name__
            continue
        (result.sent if sent else result.already_sent).append(user.get_username())
    return result
