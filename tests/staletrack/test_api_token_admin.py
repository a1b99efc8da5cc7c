"""API tokens in the admin: only an owner whose session passed a second factor sees, makes or revokes them
(403 on the server for anyone else, whatever they post); the new token is shown once, on the page that
answers the POST, and only its digest is kept; a revoked token is refused by the API at once."""

import hashlib

import pytest
from django.urls import reverse

from cases.models import AuditEvent
from staletrack.models import ApiToken
from tests.factories import UserFactory
from tests.helpers.agents import agent_token
from tests.helpers.otp import verified_login

pytestmark = pytest.mark.django_db

LIST = reverse("admin:staletrack_apitoken_changelist")
ADD = reverse("admin:staletrack_apitoken_add")
NEW = {"name": "support bot", "scope": "propose", "days": "30", "rate_per_minute": "120"}


def change_url(token):
    return reverse("admin:staletrack_apitoken_change", args=[token.pk])


def revoke_url(token):
    return reverse("admin:staletrack_apitoken_revoke", args=[token.pk])


def api_cases(client, raw):
    return client.get("/api/cases", HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def token():
    return agent_token("crm sync", "read")[0]


@pytest.fixture
def owner_client(client, owner):
    verified_login(client, owner)
    return client


def requests_of_every_page(client, token):
    """Every token page and post a user could try, with its status."""
    return {
        "list": client.get(LIST).status_code,
        "add page": client.get(ADD).status_code,
        "add": client.post(ADD, NEW).status_code,
        "change page": client.get(change_url(token)).status_code,
        "revoke": client.post(revoke_url(token)).status_code,
        "revoke action": client.post(
            LIST, {"action": "revoke_selected", "_selected_action": [token.pk]}
        ).status_code,
    }


@pytest.mark.parametrize("who", ["staff", "unverified owner", "unverified superuser"])
def test_only_a_verified_owner_sees_makes_or_revokes_tokens(client, token, staff, who):
    if who == "staff":
        verified_login(client, staff)  # a code proves who staff are; it grants nothing
    elif who == "unverified owner":
        client.force_login(UserFactory(username="olga", role="Owner"))
    else:
        client.force_login(UserFactory(username="root", is_superuser=True))
    before = AuditEvent.objects.count()
    statuses = requests_of_every_page(client, token)
    assert set(statuses.values()) == {403}, statuses
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["crm sync"]
    token.refresh_from_db()
    assert token.revoked_at is None
    assert AuditEvent.objects.count() == before
    assert b"API tokens" not in client.get(reverse("admin:index")).content


def test_the_new_token_is_shown_once_and_only_its_digest_is_kept(owner_client, owner):
    assert b"API tokens" in owner_client.get(reverse("admin:index")).content
    page = owner_client.get(ADD)
    assert page.status_code == 200 and b'name="rate_per_minute"' in page.content
    response = owner_client.post(ADD, NEW)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    raw = response.context["raw"]
    assert raw.startswith(f"stk_{token.key_id}_")
    assert f'value="{raw}"' in response.content.decode()
    assert (token.name, token.scope, token.rate_per_minute, token.created_by) == (
        "support bot",
        "propose",
        120,
        owner,
    )
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(list(ApiToken.objects.values_list()))
    secret = raw.rsplit("_", 1)[1]
    assert not AuditEvent.objects.filter(changes__icontains=secret).exists()
    assert AuditEvent.objects.filter(action="api_token_created", actor=owner).count() == 1
    # Never again: not in the list, the token's page, or any message left for the next page.
    for url in (LIST, change_url(token), LIST):
        content = owner_client.get(url).content.decode()
        assert secret not in content and token.digest not in content
    assert token.key_id in owner_client.get(LIST).content.decode()
    assert api_cases(owner_client, raw).status_code == 200


def test_a_refused_field_is_named_and_nothing_is_made(owner_client):
    response = owner_client.post(ADD, {**NEW, "days": "0"})
    assert response.status_code == 200
    assert response.context["form"].errors["days"]
    response = owner_client.post(ADD, {**NEW, "name": "   "})
    assert response.context["form"].errors["name"]
    response = owner_client.post(ADD, {**NEW, "scope": "money"})
    assert response.context["form"].errors["scope"]
    assert not ApiToken.objects.exists()


def test_a_name_the_service_refuses_is_named_on_its_field(owner_client):
    response = owner_client.post(ADD, {**NEW, "name": "bot\x00"})
    assert response.context["form"].errors["name"]
    assert not ApiToken.objects.exists()


def test_revoking_from_the_token_page_makes_the_api_refuse_it(owner_client, owner):
    token, raw = agent_token("crm sync", "read")
    assert api_cases(owner_client, raw).status_code == 200
    page = owner_client.get(change_url(token)).content.decode()
    assert 'id="revoke-token"' in page
    assert owner_client.get(revoke_url(token)).status_code == 405  # only a POST revokes
    response = owner_client.post(revoke_url(token), follow=True)
    assert "is revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_by == owner and token.revoked_at is not None
    assert api_cases(owner_client, raw).status_code == 401
    assert 'id="revoke-token"' not in owner_client.get(change_url(token)).content.decode()
    assert AuditEvent.objects.filter(action="api_token_revoked", actor=owner).count() == 1


def test_the_revoke_action_revokes_each_selected_token(owner_client):
    (first, first_raw), (second, second_raw) = agent_token("a", "read"), agent_token("b", "propose")
    response = owner_client.post(
        LIST, {"action": "revoke_selected", "_selected_action": [first.pk, second.pk]}, follow=True
    )
    assert "2 token(s) revoked." in response.content.decode()
    assert not ApiToken.objects.filter(revoked_at__isnull=True).exists()
    assert {api_cases(owner_client, raw).status_code for raw in (first_raw, second_raw)} == {401}


def test_a_token_is_never_edited_or_deleted(owner_client, token):
    response = owner_client.post(change_url(token), {"name": "renamed", "scope": "propose"})
    assert response.status_code == 403
    assert owner_client.post(reverse("admin:staletrack_apitoken_delete", args=[token.pk])).status_code == 403
    page = owner_client.get(change_url(token)).content.decode()
    assert 'name="name"' not in page and 'name="_save"' not in page
    token.refresh_from_db()
    assert (token.name, token.scope) == ("crm sync", "read")
    assert "delete_selected" not in owner_client.get(LIST).content.decode()
