"""Walk every route of the agents' API with one token, and tell what the walk wrote.

What an agent may leave behind, whatever it calls and whatever it sends: proposals waiting for a person
(`AgentProposal`), audit events under its name (`AuditEvent`) and its token's `last_used_at`; never a money
decision, a product's or a supplier's standing, a policy, a sent message or a case's draft.

- `snapshot()`: every row of every table (small test databases only).
- `assert_only_agent_traces(before, after, token=...)`: nothing but those three traces changed; returns
  the proposals and audit events the walk added.
- `guarded()`: the things no token may touch, by name, for a readable failure.
- `walk_api(client, raw, path_values=..., bodies=...)`: every operation of the served OpenAPI schema (so a
  route added later is walked without changing this file), with plausible arguments, each body on each
  route that takes one, extra query fields that try to smuggle orders in, each next page, and every
  method a path does not declare. Returns the calls with their answers.

The MCP tools reuse `snapshot`, `assert_only_agent_traces`, `guarded` and the bodies below.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.apps import apps

from cases.choices import AgentProposalKind, AgentProposalState, Direction
from cases.models import AgentProposal, AuditEvent, Case, CustomerMessage, MoneyDecision
from cases.services.agent_proposals import AGENT_ENDINGS
from policies.models import Policy
from staletrack.models import ApiToken
from suppliers.models import Product, Supplier
from tests.helpers.api_calls import bearer

SCHEMA_URL = "/api/openapi.json"
METHODS = ("get", "post", "put", "patch", "delete")
# The only audit actions a token's calls may leave.
AGENT_ACTIONS = {"api_call", "mcp_call", "agent_proposed"}

# Query fields no route has, naming what no token may do: a route must ignore them or refuse the call.
SMUGGLED_QUERY = {
    "amount": "10.00",
    "approve": "true",
    "send": "true",
    "pause": "true",
    "supplier_status": "blocked",
    "policy": "activate",
    "scope": "owner",
}

# Bodies that try to make a proposal more than a proposal, or something else altogether.
SMUGGLING_BODIES: tuple[Any, ...] = (
    {"kind": "note", "text": "x", "amount": "10", "state": "approved"},
    {"kind": "note", "text": "x", "state": "accepted", "decided_by": 1, "decision_note": "ok"},
    {"kind": "note", "text": "x", "agent": "olga", "token": 1, "case": 1, "id": 1},
    {"kind": "draft", "text": "We checked with the carrier today.", "sent": True, "send": True},
    {"kind": "outcome", "text": "x", "ending": "refunded"},
    {"kind": "outcome", "text": "x", "ending": "replaced"},
    {"kind": "outcome", "text": "x", "ending": "money_approved"},
    {"kind": "chase", "text": "x", "channel": "email", "money_decision": {"kind": "refund", "amount": "10"}},
    {"kind": "note", "text": "x", "product": {"state": "paused"}, "supplier": {"status": "blocked"}},
    {"kind": "note", "text": "x", "policy": {"stale_in_transit_days": 99, "is_active": True}},
    {"kind": "refund", "amount": "10.00"},
    {"kind": "money", "text": "refund 10"},
    {"kind": "pause_product", "text": "x"},
    {"kind": "send", "text": "Your parcel is on its way."},
    {"kind": "policy", "text": "x"},
    [{"kind": "note", "text": "x"}],
    "note",
    None,
)


def plausible_bodies() -> tuple[dict, ...]:
    """One proposal of each kind an agent may make, as an agent would send it."""
    return (
        {"kind": "draft", "text": "We asked the supplier for proof of pickup and will write again."},
        {"kind": "chase", "text": "Please send the pickup scan.", "channel": "email"},
        {"kind": "chase"},
        {"kind": "outcome", "text": "The customer confirmed delivery.", "ending": "delivered"},
        {"kind": "outcome", "text": "Carrier declared it lost.", "ending": "lost"},
        {"kind": "outcome", "text": "Sorted.", "ending": "resolved"},
        {"kind": "note", "text": "The carrier's site shows a customs hold."},
    )


# --- what a walk may write ----------------------------------------------------------------------


def _models() -> Iterator[type]:
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            yield model


def snapshot() -> dict[str, dict]:
    """Every row of every table, by model and primary key."""
    return {
        model._meta.label: {
            row.pop("pk"): row for row in model._base_manager.order_by("pk").values("pk", *_columns(model))
        }
        for model in _models()
    }


def _columns(model) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


@dataclass(frozen=True)
class TableChanges:
    added: dict
    removed: dict
    changed: dict  # pk: {column: (before, after)}

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def changes(before: Mapping[str, dict], after: Mapping[str, dict]) -> dict[str, TableChanges]:
    """What differs, table by table (tables without a difference left out)."""
    found = {}
    for label in sorted(set(before) | set(after)):
        old, new = before.get(label, {}), after.get(label, {})
        changed = {
            pk: {
                column: (old[pk][column], new[pk][column])
                for column in new[pk]
                if old[pk][column] != new[pk][column]
            }
            for pk in old.keys() & new.keys()
            if old[pk] != new[pk]
        }
        table = TableChanges(
            added={pk: new[pk] for pk in new.keys() - old.keys()},
            removed={pk: old[pk] for pk in old.keys() - new.keys()},
            changed=changed,
        )
        if table:
            found[label] = table
    return found


def assert_only_agent_traces(before, after, *, token: ApiToken) -> tuple[list[dict], list[dict]]:
    """Nothing changed between the snapshots but pending proposals and audit events under `token`'s name,
    and its `last_used_at`. Returns the proposals and audit events added."""
    found = changes(before, after)
    proposal_label, audit_label, token_label = (m._meta.label for m in (AgentProposal, AuditEvent, ApiToken))
    others = {
        label: table
        for label, table in found.items()
        if label not in (proposal_label, audit_label, token_label)
    }
    assert not others, f"an agent's calls wrote: {others}"

    tokens = found.get(token_label)
    if tokens:
        assert not tokens.added and not tokens.removed, tokens
        assert set(tokens.changed) <= {token.pk}, tokens
        assert all(set(columns) == {"last_used_at"} for columns in tokens.changed.values()), tokens

    proposals = found.get(proposal_label, TableChanges({}, {}, {}))
    assert not proposals.removed and not proposals.changed, proposals
    for row in proposals.added.values():
        assert row["state"] == AgentProposalState.PENDING, row
        assert (row["token_id"], row["agent"]) == (token.pk, token.name), row
        assert row["kind"] in AgentProposalKind.values, row
        assert row["ending"] in ("", *AGENT_ENDINGS), row
        assert row["decided_by_id"] is None and row["decided_at"] is None and row["decision_note"] == "", row

    audit = found.get(audit_label, TableChanges({}, {}, {}))
    assert not audit.removed and not audit.changed, audit
    for row in audit.added.values():
        assert row["actor_id"] is None and row["actor_label"] == token.label, row
        assert row["action"] in AGENT_ACTIONS, row
    return list(proposals.added.values()), list(audit.added.values())


def guarded() -> dict[str, Any]:
    """What no token may change, each by name: money decisions, products' and suppliers' standing, the
    policies, messages marked sent and the cases' drafts and status."""
    return {
        "money decisions": list(MoneyDecision.objects.order_by("pk").values()),
        "product states": list(Product.objects.order_by("pk").values_list("pk", "state", "state_reason")),
        "supplier statuses": list(
            Supplier.objects.order_by("pk").values_list("pk", "status", "status_reason")
        ),
        "policies": list(Policy.objects.order_by("pk").values()),
        "messages sent": list(
            CustomerMessage.objects.filter(direction=Direction.OUTBOUND)
            .order_by("pk")
            .values_list("pk", "text")
        ),
        "case drafts": list(
            Case.objects.order_by("pk").values_list("pk", "draft_text", "status", "held_until")
        ),
    }


# --- the walk -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # the schema's path, e.g. /api/cases/{case_id}
    url: str
    query: dict
    body: Any
    status: int
    answer: Any  # the JSON answer, or None


def operations(schema: dict) -> list[tuple[str, str, dict]]:
    """(method, path, operation) of every operation the schema declares."""
    return [
        (method, path, operation)
        for path, declared in schema["paths"].items()
        for method, operation in declared.items()
        if method in METHODS
    ]


def walk_api(client, raw: str, *, path_values: Mapping[str, Any], bodies: Iterable[Any] = ()) -> list[Call]:
    """Call every operation of the served schema with the token `raw` (see the module's docstring).
    `path_values`: the value of each path parameter (a real case id, ...) and, optionally, of query
    parameters that need a real value (supplier, sku, ...)."""
    response = client.get(SCHEMA_URL, **bearer(raw))
    assert response.status_code == 200, response.content
    schema = response.json()
    bodies = list(bodies)
    calls: list[Call] = []
    for method, path, operation in operations(schema):
        url = _fill(path, path_values)
        queries = [{}, *_query_variants(operation, path_values), SMUGGLED_QUERY]
        if "requestBody" in operation:
            for body in bodies:
                calls.append(_call(client, raw, method, path, url, {}, body))
            calls.append(_call(client, raw, method, path, url, {}, b"not json"))
            calls.append(_call(client, raw, method, path, url, SMUGGLED_QUERY, bodies[0] if bodies else {}))
            continue
        for query in queries:
            call = _call(client, raw, method, path, url, query, None)
            calls.append(call)
            calls.extend(_following_pages(client, raw, call))
    for path, declared in schema["paths"].items():
        url = _fill(path, path_values)
        for method in METHODS:
            if method not in declared:
                calls.append(_call(client, raw, method, path, url, {}, bodies[0] if bodies else {}))
    return calls


def _fill(path: str, values: Mapping[str, Any]) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        assert name in values, f"the walk needs a value for the path parameter {name!r} of {path}"
        return str(values[name])

    return re.sub(r"\{(\w+)\}", value, path)


def _query_variants(operation: dict, values: Mapping[str, Any]) -> Iterator[dict]:
    """One query per plausible value of each query parameter, alone."""
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "query":
            continue
        name = parameter["name"]
        if name in values:
            yield {name: values[name]}
            continue
        for value in _plausible(parameter.get("schema", {})):
            yield {name: value}


def _plausible(schema: dict) -> list:
    branches = [branch for branch in schema.get("anyOf", [schema]) if branch.get("type") != "null"]
    values: list = []
    for branch in branches:
        if "enum" in branch:
            values.extend(branch["enum"])
        elif branch.get("type") == "boolean":
            values.extend(["true", "false"])
        elif branch.get("type") == "integer":
            values.append(schema.get("default", branch.get("minimum", 1)))
        elif branch.get("format") == "date":
            values.append("2026-11-12")
        elif branch.get("type") == "string":
            values.append(schema.get("default") or "x")
    return values


def _call(client, raw, method, path, url, query, body) -> Call:
    if method == "get":
        response = client.get(url, query, **bearer(raw))
    else:
        # Sent as JSON text whatever it is (null, a string, a list): bytes as they are.
        data = body if isinstance(body, bytes) else json.dumps(body)
        target = f"{url}?{urlencode(query)}" if query else url
        response = getattr(client, method)(target, data, content_type="application/json", **bearer(raw))
    answer = None
    if response.get("Content-Type", "").startswith("application/json"):
        answer = response.json()
    return Call(method.upper(), path, url, dict(query), body, response.status_code, answer)


def _following_pages(client, raw, call: Call, limit: int = 20) -> Iterator[Call]:
    """The next pages of a list the walk read, by its own next_cursor."""
    current = call
    for _ in range(limit):
        if not isinstance(current.answer, dict) or not current.answer.get("next_cursor"):
            return
        current = _call(
            client,
            raw,
            "get",
            call.path,
            call.url,
            {**call.query, "cursor": current.answer["next_cursor"]},
            None,
        )
        yield current
