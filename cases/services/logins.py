"""Audit events of the login.

Recording what happens at the login: failed attempts, lockouts, wrong authenticator codes, and a second
factor set up. Each is an audit event naming the username tried and the client's address; never a
password or a code.

Throttling itself is django-axes' (settings, "Logins"); the receivers in staletrack.login_audit call
these when its signals and Django's `user_login_failed` fire.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from cases.models import AuditEvent
from cases.services.audit import audit_event

LOGIN_FAILED = "login_failed"
LOGIN_LOCKED_OUT = "login_locked_out"
SECOND_FACTOR_FAILED = "second_factor_failed"
SECOND_FACTOR_SET_UP = "second_factor_set_up"

LABEL_MAX = AuditEvent._meta.get_field("actor_label").max_length


def tried_name(username) -> str:
    """The username as the audit trail keeps it: text without NUL (PostgreSQL refuses it), cut to the
    label's length; a login without one says so."""
    text = "" if username is None else str(username)
    text = text.replace("\x00", "\\x00").strip()
    return (text or "(no username)")[:LABEL_MAX]


def _account(username: str):
    """The user `username` names, if any: the event is then found on that user's history too."""
    User = get_user_model()
    return User.objects.filter(**{User.USERNAME_FIELD: username}).first() if username else None


def failure_reason(*, failures: int | None, limit: int, locked_out: bool) -> str:
    """Why a login failed, from django-axes' count of recent failures for the username and address (this
    one included): past `limit` the attempt was refused unread, whatever the password."""
    if locked_out and failures is not None and failures > limit:
        return f"refused unread: locked out after {limit} failed logins"
    return "wrong username or password"


def lockout_begins(*, failures: int | None, limit: int, locked_out: bool) -> bool:
    """Whether this failure is the one that locks the username and address out (a failure during a
    lockout extends it and is recorded as a failed login, not as another lockout)."""
    return locked_out and (failures is None or failures <= limit)


def record_login_failure(
    *, username, ip_address: str | None, failures: int | None, limit: int, locked_out: bool, cool_off: str
) -> list[AuditEvent]:
    """A login that failed: a wrong username or password, or any attempt while the username and address
    are locked out. When this failure is the one that locks them out (`locked_out`, after `limit`
    failures), a lockout event follows it. `failures` counts this one among the recent ones."""
    name = tried_name(username)
    account = _account(name)
    events = [
        audit_event(
            action=LOGIN_FAILED,
            obj=account,
            via=name,
            changes={"ip_address": ip_address, "failures": failures},
            reason=failure_reason(failures=failures, limit=limit, locked_out=locked_out),
        )
    ]
    if lockout_begins(failures=failures, limit=limit, locked_out=locked_out):
        events.append(
            audit_event(
                action=LOGIN_LOCKED_OUT,
                obj=account,
                via=name,
                changes={"ip_address": ip_address, "failures": failures, "limit": limit},
                reason=f"{limit} failed logins in a row: logins for this username from this address are "
                f"refused for {cool_off}.",
            )
        )
    return events


def record_second_factor_failure(*, user, ip_address: str | None, where: str) -> AuditEvent:
    """The password was right but the authenticator code was not (at the login, or verifying a session)."""
    return audit_event(
        action=SECOND_FACTOR_FAILED,
        obj=user,
        actor=user,
        changes={"ip_address": ip_address},
        reason=f"wrong authenticator code ({where})",
    )


def record_second_factor_set_up(
    *, user, ip_address: str | None, replaced: int, via: str = "web"
) -> AuditEvent:
    """A user confirmed a new authenticator; `replaced` earlier ones were removed."""
    return audit_event(
        action=SECOND_FACTOR_SET_UP,
        obj=user,
        actor=user if via == "web" else None,
        via=via,
        changes={"ip_address": ip_address, "replaced": replaced},
        reason="authenticator set up" + (f", replacing {replaced}" if replaced else ""),
    )
