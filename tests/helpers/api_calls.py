"""Tokens of the agents' API (staletrack.tokens) and calls made with them on a test client."""

from __future__ import annotations

from cases.models import AuditEvent
from staletrack import tokens
from staletrack.models import ApiToken


def issue(owner, *, name: str = "claude", scope: str = "propose", **fields) -> tuple[ApiToken, str]:
    """A token made by `owner` (a verified owner), with its only plain copy."""
    return tokens.create_token(name=name, scope=scope, actor=owner, **fields)


def bearer(raw: str) -> dict:
    """The test client's keyword for `Authorization: Bearer <raw>`."""
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def get(client, raw: str, path: str, **params):
    return client.get(path, params, **bearer(raw))


def post(client, raw: str, path: str, body):
    return client.post(path, body, content_type="application/json", **bearer(raw))


def api_calls(token: ApiToken | None = None) -> list[AuditEvent]:
    """The audit events of API calls (of `token`), oldest first."""
    events = AuditEvent.objects.filter(action="api_call").order_by("id")
    if token is not None:
        events = events.filter(object_id=str(token.pk), actor_label=token.label)
    return list(events)


def walk_pages(client, raw: str, path: str, *, cursor: str | None = None, **params) -> list[list[dict]]:
    """Every page of a cursor-paged list (from `cursor`), following next_cursor until it is null."""
    pages = []
    while True:
        response = get(client, raw, path, **params, **({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 1000, "next_cursor never ends"
