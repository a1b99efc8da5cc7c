"""`manage.py api_token create|list|revoke` at the server's shell: the token printed once, alone on its
line; the list without secrets; revoking refuses the token's next call; bad input is a CommandError naming
the argument, and nothing is written."""

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cases.models import AuditEvent
from staletrack.models import ApiToken
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run(*args) -> list[str]:
    out = StringIO()
    call_command("api_token", *args, stdout=out)
    return out.getvalue().splitlines()


def test_create_prints_the_token_once_alone_on_its_line():
    lines = run("create", "support bot", "--scope", "propose", "--days", "30", "--rate", "120")
    raw, note = lines
    token = ApiToken.objects.get()
    assert raw.startswith(f"stk_{token.key_id}_") and " " not in raw
    assert "shown only this once" in note and token.key_id in note
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert (token.name, token.scope, token.rate_per_minute, token.created_by) == (
        "support bot",
        "propose",
        120,
        None,
    )
    assert 29 <= (token.expires_at - token.created_at).days <= 30
    event = AuditEvent.objects.get(action="api_token_created")
    assert event.actor is None  # the operator at the shell


def test_list_shows_every_token_without_secrets(client):
    raw = run("create", "crm sync", "--scope", "read")[0]
    run("create", "support bot", "--scope", "propose")
    token = ApiToken.objects.get(name="crm sync")
    lines = run("list")
    assert len(lines) == 2
    text = "\n".join(lines)
    assert raw.rsplit("_", 1)[1] not in text and token.digest not in text
    (row,) = [line for line in lines if line.endswith("crm sync")]
    assert row.startswith(token.key_id) and "read" in row and "active" in row and "last used never" in row


def test_revoke_makes_the_api_refuse_the_token(client):
    raw = run("create", "crm sync", "--scope", "read")[0]
    token = ApiToken.objects.get()
    assert client.get("/api/cases", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    assert "is revoked" in run("revoke", token.key_id)[0]
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by is None
    assert client.get("/api/cases", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert "already revoked" in run("revoke", token.key_id)[0]
    assert AuditEvent.objects.filter(action="api_token_revoked").count() == 1
    assert "revoked" in run("list")[0]


@pytest.mark.parametrize(
    "args, named",
    [
        (("create", "bot", "--scope", "money"), "--scope"),
        (("create", "bot"), "--scope"),
        (("create", "bot", "--scope", "read", "--days", "0"), "--days"),
        (("create", "bot", "--scope", "read", "--days", "400"), "--days"),
        (("create", "bot", "--scope", "read", "--days", "soon"), "--days"),
        (("create", "bot", "--scope", "read", "--rate", "0"), "--rate"),
        (("create", "  ", "--scope", "read"), "NAME"),
        (("create", "x" * 101, "--scope", "read"), "NAME"),
        (("revoke", "nope"), "KEY_ID"),
        (("create", "bot", "--scope", "read", "--as-user", "ghost"), "ghost"),
    ],
)
def test_bad_input_names_the_argument_and_writes_nothing(args, named):
    run("create", "kept", "--scope", "read")
    before = (list(ApiToken.objects.values_list("pk", "revoked_at")), AuditEvent.objects.count())
    with pytest.raises(CommandError) as refused:
        run(*args)
    assert named in str(refused.value)
    assert (list(ApiToken.objects.values_list("pk", "revoked_at")), AuditEvent.objects.count()) == before


def test_as_user_checks_that_users_permission(staff):
    UserFactory(username="olga", role="Owner")
    with pytest.raises(CommandError, match=r"lacks the permission staletrack\.add_apitoken"):
        run("create", "bot", "--scope", "read", "--as-user", "stan")
    assert not ApiToken.objects.exists()
    # An owner at the shell counts as past a second factor: the shell holds more than a code proves.
    raw = run("create", "bot", "--scope", "read", "--as-user", "olga")[0]
    token = ApiToken.objects.get()
    assert token.created_by.username == "olga" and raw.startswith("stk_")
    with pytest.raises(CommandError, match="lacks the permission"):
        run("revoke", token.key_id, "--as-user", "stan")
    with pytest.raises(CommandError, match="lacks the permission"):
        run("list", "--as-user", "stan")
    token.refresh_from_db()
    assert token.revoked_at is None
    run("revoke", token.key_id, "--as-user", "olga")
    token.refresh_from_db()
    assert token.revoked_by.username == "olga"
