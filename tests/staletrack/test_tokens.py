"""API tokens (staletrack.tokens) and the door they open (staletrack.api): shown once and kept as a digest,
expiring, revocable, rate-limited, refused without a trace when wrong, and every call audited under the
token's name."""

import hashlib
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.models import AuditEvent
from staletrack import tokens
from staletrack.models import ApiToken
from tests.factories import UserFactory
from tests.helpers.api_calls import api_calls, get, issue, post
from tests.helpers.api_walk import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """No test here logs anyone in: the people's passwords need not cost a second each to hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- made once, kept as a digest ----------------------------------------------------------------


def test_a_token_is_shown_once_and_only_its_sha256_digest_is_kept(owner):
    token, raw = issue(owner, name="claude", scope="read")
    prefix, key_id, secret = raw.split("_", 2)
    assert (prefix, key_id) == ("stk", token.key_id) and len(secret) >= 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.digest == hashlib.sha256(raw.encode()).hexdigest()
    # No column holds the token or its secret: it cannot be shown again.
    for field in ApiToken._meta.concrete_fields:
        assert secret not in str(getattr(stored, field.attname)), field.name
    assert secret not in str(stored)
    created = AuditEvent.objects.get(action="api_token_created")
    assert created.actor == owner and created.object_id == str(token.pk)
    assert secret not in str(created.changes) + created.reason
    assert created.changes["scope"] == "read"


def test_each_token_is_its_own_and_the_plain_copy_opens_the_api(client, owner):
    (first, raw), (second, other) = issue(owner, name="a"), issue(owner, name="b")
    assert raw != other and first.key_id != second.key_id and first.digest != second.digest
    assert get(client, raw, "/api/policy").status_code == 200
    assert ApiToken.objects.get(pk=first.pk).last_used_at is not None
    assert ApiToken.objects.get(pk=second.pk).last_used_at is None


def test_a_token_lasts_the_days_it_was_made_for(owner):
    before = timezone.now()
    token, _ = issue(owner, days=1)
    assert before + timedelta(days=1) <= token.expires_at <= timezone.now() + timedelta(days=1)
    token, _ = issue(owner, name="default")
    assert abs(token.expires_at - token.created_at - timedelta(days=tokens.DEFAULT_DAYS)) < timedelta(
        seconds=5
    )


# --- expiry and revocation ----------------------------------------------------------------------


def test_an_expired_token_is_refused_with_the_day_it_expired(client, owner):
    token, raw = issue(owner, days=1)
    assert get(client, raw, "/api/policy").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    before = snapshot()
    response = get(client, raw, "/api/policy")
    assert response.status_code == 401
    token.refresh_from_db()
    assert response.json()["detail"] == f"The token 'claude' expired on {token.expires_at:%Y-%m-%d}."
    assert snapshot() == before


def test_an_expired_token_is_refused_at_the_instant_it_expires(owner):
    token, raw = issue(owner, days=1)
    at_expiry = mock.Mock(now=mock.Mock(return_value=token.expires_at))
    with (
        mock.patch.object(tokens, "timezone", at_expiry),
        pytest.raises(tokens.TokenRefused, match="expired"),
    ):
        tokens.authenticate(raw)


def test_a_revoked_token_is_refused_on_its_next_call_with_a_clear_message(client, owner):
    token, raw = issue(owner)
    assert get(client, raw, "/api/cases").status_code == 200
    tokens.revoke_token(token, actor=owner)
    before = snapshot()
    for call in (
        lambda: get(client, raw, "/api/cases"),
        lambda: get(client, raw, "/api/openapi.json"),
        lambda: post(client, raw, "/api/cases/1/proposals", {"kind": "note", "text": "x"}),
    ):
        response = call()
        assert response.status_code == 401
        assert response.json() == {"detail": "The token 'claude' was revoked."}
    assert snapshot() == before  # nothing written, not even an audit event of the refused calls
    token.refresh_from_db()
    assert token.revoked_by == owner and token.revoked_at is not None
    revoked = AuditEvent.objects.get(action="api_token_revoked")
    assert (revoked.actor, revoked.object_id) == (owner, str(token.pk))


def test_revoking_twice_keeps_the_first_revocation(owner, owner2):
    token, _ = issue(owner)
    first = tokens.revoke_token(token, actor=owner).revoked_at
    again = tokens.revoke_token(token, actor=owner2)
    assert (again.revoked_at, again.revoked_by) == (first, owner)
    assert AuditEvent.objects.filter(action="api_token_revoked").count() == 1


# --- wrong tokens -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic Y2xhdWRlOnNlY3JldA==",
        "Token {raw}",
        "Bearer stk",
        "Bearer stk_",
        "Bearer stk__secret",
        "Bearer xyz_{key}_secret",
        "Bearer stk_{key}",
        "Bearer stk_{key}_",
        "Bearer stk_{key}_wrong-secret",
        "Bearer {raw}x",
        "Bearer {raw_upper}",
        "Bearer stk_{key}0_{secret}",
        "Bearer stk_ZZZZ_{secret}",
        "Bearer stk_{key}\x00_{secret}",
        "Bearer stk_a\x00b_{secret}",
        "Bearer stk_{key}_{secret}\x00",
        "Bearer stk_é_{secret}",
        "Bearer stk_' OR 1=1 --_{secret}",
        "Bearer {raw}" + "a" * 200,
        "Bearer " + "x" * 10_000,
    ],
)
def test_a_wrong_or_garbled_bearer_value_is_refused_401_and_nothing_is_written(client, owner, authorization):
    token, raw = issue(owner)
    _, key, secret = raw.split("_", 2)
    before = snapshot()
    headers = {}
    if authorization is not None:
        value = authorization.format(raw=raw, key=key, secret=secret, raw_upper=raw.upper())
        headers["HTTP_AUTHORIZATION"] = value
    for path in ("/api/cases", "/api/openapi.json"):
        response = client.get(path, **headers)
        assert response.status_code == 401, (path, response.content)
        assert response.json()["detail"]
    response = client.post(
        "/api/cases/1/proposals", {"kind": "note", "text": "x"}, "application/json", **headers
    )
    assert response.status_code == 401
    assert snapshot() == before
    assert ApiToken.objects.get(pk=token.pk).last_used_at is None


def test_a_refusal_never_says_which_part_of_a_wrong_token_was_wrong(client, owner):
    _, raw = issue(owner)
    _, key, secret = raw.split("_", 2)
    unknown_key = client.get("/api/cases", HTTP_AUTHORIZATION=f"Bearer stk_{'0' * 8}_{secret}")
    wrong_secret = client.get("/api/cases", HTTP_AUTHORIZATION=f"Bearer stk_{key}_{secret[:-1]}")
    assert unknown_key.json() == wrong_secret.json() == {"detail": "Unknown token."}


def test_the_scheme_word_is_read_in_any_case(client, owner):
    _, raw = issue(owner)
    assert client.get("/api/policy", HTTP_AUTHORIZATION=f"bearer {raw}").status_code == 200
    assert client.get("/api/policy", HTTP_AUTHORIZATION=f"BEARER {raw}").status_code == 200


# --- the rate -----------------------------------------------------------------------------------

# Ten seconds into a minute: the rate's count is per minute, so the minute must not turn during the test.
FROZEN = datetime(2026, 12, 3, 9, 30, 10, tzinfo=UTC)


def frozen_at(moment):
    return mock.patch.object(tokens, "timezone", mock.Mock(now=mock.Mock(return_value=moment)))


def test_calls_over_the_rate_are_answered_429_with_retry_after_until_the_minute_ends(client, owner):
    token, raw = issue(owner, rate_per_minute=3)
    with frozen_at(FROZEN):
        assert [get(client, raw, "/api/policy").status_code for _ in range(3)] == [200, 200, 200]
        over = get(client, raw, "/api/policy")
        assert over.status_code == 429
        assert over["Retry-After"] == "50"
        assert over.json() == {"detail": "The token 'claude' is limited to 3 calls a minute."}
        # Refused calls still count as calls: every route, the schema too.
        assert get(client, raw, "/api/cases").status_code == 429
        assert get(client, raw, "/api/openapi.json").status_code == 429
    with frozen_at(FROZEN + timedelta(seconds=50)):
        assert get(client, raw, "/api/policy").status_code == 200
    statuses = [event.changes["status"] for event in api_calls(token)]
    assert statuses == [200, 200, 200, 429, 429, 429, 200]


def test_each_token_has_its_own_rate(client, owner):
    _, busy = issue(owner, name="busy", rate_per_minute=1)
    _, calm = issue(owner, name="calm", rate_per_minute=1)
    with frozen_at(FROZEN):
        assert get(client, busy, "/api/policy").status_code == 200
        assert get(client, busy, "/api/policy").status_code == 429
        assert get(client, calm, "/api/policy").status_code == 200


def test_a_revoked_token_over_its_rate_is_told_it_was_revoked(client, owner):
    token, raw = issue(owner, rate_per_minute=1)
    with frozen_at(FROZEN):
        assert get(client, raw, "/api/policy").status_code == 200
        tokens.revoke_token(token, actor=owner)
        response = get(client, raw, "/api/policy")
    assert (response.status_code, response.json()["detail"]) == (401, "The token 'claude' was revoked.")


# --- every call audited -------------------------------------------------------------------------


def test_every_call_writes_one_audit_event_under_the_tokens_name(client, owner, case):
    token, raw = issue(owner, name="night-shift", rate_per_minute=6)
    with frozen_at(FROZEN):
        calls = [
            (get(client, raw, "/api/cases", status="open"), "GET", "/api/cases", "status=open", 200),
            (
                get(client, raw, f"/api/cases/{case.pk + 1000}"),
                "GET",
                f"/api/cases/{case.pk + 1000}",
                "",
                404,
            ),
            (get(client, raw, "/api/cases", limit="0"), "GET", "/api/cases", "limit=0", 422),
            (
                post(client, raw, f"/api/cases/{case.pk}/proposals", {"kind": "note", "text": "Checked."}),
                "POST",
                f"/api/cases/{case.pk}/proposals",
                "",
                201,
            ),
            (get(client, raw, "/api/openapi.json"), "GET", "/api/openapi.json", "", 200),
            (get(client, raw, "/api/whatif/1"), "GET", "/api/whatif/1", "", 404),
            (get(client, raw, "/api/policy"), "GET", "/api/policy", "", 429),
        ]
    events = api_calls()
    assert len(events) == len(calls)
    for event, (response, method, path, query, status) in zip(events, calls, strict=True):
        assert response.status_code == status, response.content
        assert event.changes == {"method": method, "path": path, "query": query, "status": status}
        assert event.actor is None and event.actor_label == "agent:night-shift"
        assert (event.content_type.model_class(), event.object_id) == (ApiToken, str(token.pk))
    # The proposal has its own event besides the call's.
    assert AuditEvent.objects.get(action="agent_proposed").actor_label == "agent:night-shift"


def test_a_read_tokens_refused_proposal_is_audited_as_a_403(client, owner, case):
    token, raw = issue(owner, scope="read")
    response = post(client, raw, f"/api/cases/{case.pk}/proposals", {"kind": "note", "text": "x"})
    assert response.status_code == 403
    assert "propose scope" in response.json()["detail"]
    (event,) = api_calls(token)
    assert event.changes["status"] == 403


def test_a_call_that_fails_inside_the_api_is_audited_as_a_500(client, owner):
    token, raw = issue(owner)
    failing = mock.patch("policies.api.policy_in_force", side_effect=RuntimeError("boom"))
    with failing, pytest.raises(RuntimeError):
        get(client, raw, "/api/policy")
    (event,) = api_calls(token)
    assert event.changes["status"] == 500


def test_last_used_is_written_at_most_once_a_minute(client, owner):
    token, raw = issue(owner, rate_per_minute=100)
    with frozen_at(FROZEN):
        get(client, raw, "/api/policy")
    with frozen_at(FROZEN + timedelta(seconds=30)):
        get(client, raw, "/api/policy")
    assert ApiToken.objects.get(pk=token.pk).last_used_at == FROZEN
    with frozen_at(FROZEN + tokens.LAST_USED_EVERY):
        get(client, raw, "/api/policy")
    assert ApiToken.objects.get(pk=token.pk).last_used_at == FROZEN + tokens.LAST_USED_EVERY


# --- making tokens ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": None}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"scope": "admin"}, "scope"),
        ({"scope": "READ"}, "scope"),
        ({"scope": ""}, "scope"),
        ({"days": 0}, "days"),
        ({"days": -1}, "days"),
        ({"days": tokens.MAX_DAYS + 1}, "days"),
        ({"days": "30"}, "days"),
        ({"days": 1.5}, "days"),
        ({"days": True}, "days"),
        ({"rate_per_minute": 0}, "rate_per_minute"),
        ({"rate_per_minute": tokens.MAX_RATE + 1}, "rate_per_minute"),
        ({"rate_per_minute": "60"}, "rate_per_minute"),
        ({"rate_per_minute": True}, "rate_per_minute"),
    ],
)
def test_a_token_that_cannot_be_made_is_refused_naming_the_field(owner, fields, field):
    arguments = {"name": "claude", "scope": "read", **fields}
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        tokens.create_token(actor=owner, **arguments)
    assert list(refused.value.message_dict) == [field]
    assert snapshot() == before


def test_a_name_is_kept_stripped_and_the_limits_themselves_are_allowed(owner):
    token, _ = tokens.create_token(
        name="  claude  ", scope="propose", actor=owner, days=tokens.MAX_DAYS, rate_per_minute=tokens.MAX_RATE
    )
    assert (token.name, token.scope, token.rate_per_minute) == ("claude", "propose", tokens.MAX_RATE)
    assert token.label == "agent:claude"


def test_staff_cannot_make_or_revoke_tokens(owner, staff):
    token, _ = issue(owner)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        tokens.create_token(name="mine", scope="propose", actor=staff)
    with pytest.raises(PermissionDenied):
        tokens.revoke_token(token, actor=staff)
    assert snapshot() == before


def test_an_owner_without_a_second_factor_cannot_make_tokens(db):
    unverified = UserFactory(username="olaf", role="Owner")
    with pytest.raises(PermissionDenied, match="second factor"):
        tokens.create_token(name="mine", scope="read", actor=unverified)
    assert not ApiToken.objects.exists()
