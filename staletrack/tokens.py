"""API tokens: made by an owner for a named agent, shown once, kept as a digest, expiring, revocable and
rate-limited. The API (`staletrack.api`) and the MCP server (`staletrack.mcp`) both authenticate here and
record every call in the audit trail under the token's name."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from datetime import timedelta

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from redis.exceptions import RedisError

from staletrack.limits import text_problem, whole_number
from staletrack.models import ApiToken
from staletrack.permissions import MANAGE_TOKENS, require

logger = logging.getLogger(__name__)

PREFIX = "stk"
KEY_ID = re.compile(r"[0-9a-f]{1,16}")
DEFAULT_DAYS = 90
MAX_DAYS = 366
MAX_RATE = 100_000
# last_used_at is written at most this often per token: a busy agent does not write the row per call.
LAST_USED_EVERY = timedelta(minutes=1)


class TokenRefused(Exception):
    """The token cannot be used; the message says why (never which part of a wrong token was wrong)."""


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(
    *,
    name: str,
    scope: str,
    actor,
    days: int = DEFAULT_DAYS,
    rate_per_minute: int = 600,
) -> tuple[ApiToken, str]:
    """Make a token; returns it with its only plain copy (`stk_<key id>_<secret>`), to show once."""
    require(actor, MANAGE_TOKENS)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A token needs the name of the agent or integration that uses it."})
    if problem := text_problem(name, 100):
        raise ValidationError({"name": f"The name {problem}."})
    if scope not in ApiToken.Scope.values:
        raise ValidationError({"scope": f"The scope must be one of {', '.join(ApiToken.Scope.values)}."})
    if not whole_number(days, 1, MAX_DAYS):
        raise ValidationError({"days": f"A token lasts from 1 to {MAX_DAYS} days."})
    if not whole_number(rate_per_minute, 1, MAX_RATE):
        raise ValidationError({"rate_per_minute": f"The rate is from 1 to {MAX_RATE:,} calls a minute."})
    key_id = secrets.token_hex(4)
    raw = f"{PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            name=name,
            scope=scope,
            key_id=key_id,
            digest=_digest(raw),
            created_by=actor,
            expires_at=timezone.now() + timedelta(days=days),
            rate_per_minute=rate_per_minute,
        )
        _audit(
            token, actor, "api_token_created", {"scope": scope, "expires_at": token.expires_at.isoformat()}
        )
    return token, raw


@transaction.atomic
def revoke_token(token: ApiToken, *, actor) -> ApiToken:
    """Revoke at once: the next call with it is refused."""
    require(actor, MANAGE_TOKENS)
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at, token.revoked_by = timezone.now(), actor
        token.save(update_fields=["revoked_at", "revoked_by"])
        _audit(token, actor, "api_token_revoked", {})
    return token


def authenticate(raw: str | None) -> ApiToken:
    """The token a bearer value names, if it may be used now; else TokenRefused."""
    raw = (raw or "").strip()
    parts = raw.split("_", 2)
    # The key id is looked up, so it must be one `create_token` could have made: hex (no NUL, which
    # PostgreSQL refuses in a query, and nothing that is not a token reaches the table).
    if len(parts) != 3 or parts[0] != PREFIX or not KEY_ID.fullmatch(parts[1]) or len(raw) > 200:
        raise TokenRefused("Not a staletrack token: send Authorization: Bearer stk_...")
    token = _by_key_id(parts[1])
    if token is None or not hmac.compare_digest(token.digest, _digest(raw)):
        raise TokenRefused("Unknown token.")
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenRefused(f"The token {token.name!r} was revoked.")
    if token.expires_at <= now:
        raise TokenRefused(f"The token {token.name!r} expired on {token.expires_at:%Y-%m-%d}.")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


_BY_KEY_ID = f"SELECT * FROM {ApiToken._meta.db_table} WHERE key_id = %s"


def _by_key_id(key_id: str) -> ApiToken | None:
    """The token with this key id (unique), read afresh: a revoked token is refused at its next call.
    Every call reads it, so in plain SQL: building the ORM's query took several times as long as reading
    the indexed row (benchmarks/bench_api.py)."""
    found = ApiToken.objects.raw(_BY_KEY_ID, [key_id])
    return next(iter(found), None)


def take_call(token: ApiToken) -> int | None:
    """Count one call against the token's rate for this minute: None if allowed, else the seconds until
    the minute ends. The count lives in the cache (Redis in production, shared by every process)."""
    now = timezone.now()
    key = f"api-rate:{token.key_id}:{now:%Y%m%d%H%M}"
    try:
        cache.add(key, 0, timeout=120)
        try:
            count = cache.incr(key)
        except ValueError:  # the key expired between add and incr: this call starts the count again
            cache.set(key, 1, timeout=120)
            count = 1
    except (RedisError, OSError):  # the cache's server is down: the agent's reads go on, uncounted
        logger.warning("API rate for %s not counted: the cache cannot be reached", token.name, exc_info=True)
        return None
    if count > token.rate_per_minute:
        return 60 - now.second
    return None


def record_call(token: ApiToken, *, action: str, changes: dict, obj=None) -> None:
    """One audit event per call, under the token's name."""
    _audit(token, None, action, changes, obj=obj)


def _audit(token: ApiToken, actor, action: str, changes: dict, *, obj=None) -> None:
    from cases.services.audit import audit_event  # the audit trail lives with the cases

    audit_event(
        action=action,
        obj=obj if obj is not None else token,
        actor=actor,
        via=token.label if actor is None else "admin",
        changes=changes,
    )
