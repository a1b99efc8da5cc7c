"""No path from any token to money, pausing, policy or sending: every route of the served schema, walked
with plausible arguments and with bodies and query fields that try to smuggle orders in, writes nothing but
pending proposals, audit events under the token's name and the token's last use."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.choices import AgentProposalKind, Direction
from cases.models import AgentProposal, CustomerMessage, MoneyDecision
from policies.models import Policy, WhatIfRun
from policies.services import create_draft
from staletrack.models import ApiToken
from suppliers.models import Product, Supplier
from tests.helpers.api_calls import issue
from tests.helpers.api_walk import (
    SMUGGLING_BODIES,
    assert_only_agent_traces,
    guarded,
    operations,
    plausible_bodies,
    snapshot,
    walk_api,
)
from tests.helpers.mcp import walk_tools

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """No test here logs anyone in: the people's passwords need not cost a second each to hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(case, staff, owner):
    """Something of everything a token must not touch: a pending money decision on the case, a draft
    policy with a what-if run, a customer message waiting for a reply, a product and a supplier."""
    MoneyDecision.objects.create(
        case=case,
        kind="refund",
        amount=Decimal("29.90"),
        currency="USD",
        reason="The customer asked.",
        requested_by=staff,
        requested_at=timezone.now() - timedelta(hours=2),
    )
    CustomerMessage.objects.create(
        order=case.order,
        direction=Direction.INBOUND,
        at=timezone.now() - timedelta(hours=3),
        text="Where is it?",
    )
    draft = create_draft(
        base=Policy.objects.get(is_active=True), actor=owner, changes={"stale_in_transit_days": 9}
    )
    run = WhatIfRun.objects.create(draft=draft, as_of=timezone.now(), status="succeeded", changes=[])
    product = case.order.product
    return {
        "case_id": case.pk,
        "run_id": run.pk,
        "supplier": product.supplier_id,
        "sku": product.sku,
        "order": case.order.order_id,
        "assignee": "stan",
    }


@pytest.mark.parametrize("scope", ["propose", "read"])
def test_no_route_lets_a_token_write_anything_but_proposals_and_its_own_audit(client, owner, world, scope):
    token, raw = issue(owner, name="walker", scope=scope, rate_per_minute=100_000)
    before, untouched = snapshot(), guarded()

    calls = walk_api(client, raw, path_values=world, bodies=[*plausible_bodies(), *SMUGGLING_BODIES])

    proposals, audit = assert_only_agent_traces(before, snapshot(), token=token)
    assert guarded() == untouched
    assert not [call for call in calls if call.status >= 500]
    # Every call that reached the API is in the audit trail (undeclared methods never reach it).
    reached = [call for call in calls if call.status != 405]
    assert len([row for row in audit if row["action"] == "api_call"]) == len(reached) + 1  # + the schema
    if scope == "read":
        assert proposals == []
        # A body the schema refuses is 422 before the scope is looked at; any other proposal is 403.
        assert all(call.status not in (200, 201) for call in calls if call.method == "POST")
        assert any(call.status == 403 for call in calls if call.method == "POST")
    else:
        # Each plausible proposal was kept, pending; a smuggling body is refused (an unknown field), or kept
        # as the plain proposal it holds.
        kinds = sorted(row["kind"] for row in proposals)
        assert set(kinds) == set(AgentProposalKind.values)
        assert all(row["ending"] not in ("refunded", "replaced") for row in proposals)
        assert all(row["case_id"] == world["case_id"] for row in proposals)
        assert AgentProposal.objects.count() == len(proposals)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


@pytest.mark.parametrize("scope", ["propose", "read"])
def test_no_mcp_tool_lets_a_token_write_anything_but_proposals_and_its_own_audit(owner, world, scope):
    token, raw = issue(owner, name="walker", scope=scope, rate_per_minute=100_000)
    before, untouched = snapshot(), guarded()

    calls = walk_tools(raw, scope, values=world)

    proposals, audit = assert_only_agent_traces(before, snapshot(), token=token)
    assert guarded() == untouched
    assert len([row for row in audit if row["action"] == "mcp_call"]) == len(calls)
    tools = {tool for tool, _, _ in calls}
    assert {"find_cases", "get_packet", "explain_policy", "get_what_if"} <= tools
    plain = {}
    for tool, arguments, result in calls:
        plain.setdefault(tool, (arguments, result))
        if arguments.get("ending") == "refunded":  # a money ending: refused
            assert result.is_error, (tool, result.content)
    # Each tool answers its plain call; the smuggled arguments are ignored, or refused where they collide
    # with one of the tool's own (list_my_proposals' state).
    assert not [(tool, result.content) for tool, (_, result) in plain.items() if result.is_error]
    if scope == "read":
        assert not any(tool.startswith("propose_") for tool in tools)
        assert proposals == []
    else:
        # Each propose tool, plain and with smuggled arguments: kept as the plain pending proposal only.
        assert sorted(row["kind"] for row in proposals) == sorted(["chase", "draft", "note", "outcome"] * 2)
        assert all(row["ending"] in ("", "delivered") for row in proposals)


def test_the_walk_reaches_every_declared_operation_and_reads_answer_200(client, owner, world):
    _, raw = issue(owner, name="walker", rate_per_minute=100_000)
    schema = client.get("/api/openapi.json", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    calls = walk_api(client, raw, path_values=world, bodies=plausible_bodies())
    declared = {(method.upper(), path) for method, path, _ in operations(schema)}
    answered = {(call.method, call.path): set() for call in calls}
    for call in calls:
        answered[(call.method, call.path)].add(call.status)
    assert declared <= set(answered)
    for method, path in declared:
        ok = 201 if method == "POST" else 200
        assert ok in answered[(method, path)], (method, path, answered[(method, path)])
    # A path's undeclared methods are refused, and reach nothing.
    undeclared = {key: statuses for key, statuses in answered.items() if key not in declared}
    assert undeclared and all(statuses == {405} for statuses in undeclared.values()), undeclared


def test_the_walk_notices_a_write(client, owner, world):
    """The check itself bites: a route that paused a product would be caught."""
    token, raw = issue(owner, name="walker", rate_per_minute=100_000)
    before = snapshot()
    walk_api(client, raw, path_values=world, bodies=plausible_bodies()[:1])
    Product.objects.update(state="paused")
    with pytest.raises(AssertionError, match=r"suppliers\.Product"):
        assert_only_agent_traces(before, snapshot(), token=token)
    before = snapshot()
    Supplier.objects.update(status="flagged")
    with pytest.raises(AssertionError, match=r"suppliers\.Supplier"):
        assert_only_agent_traces(before, snapshot(), token=token)
    before = snapshot()
    AgentProposal.objects.update(state="accepted")
    with pytest.raises(AssertionError):
        assert_only_agent_traces(before, snapshot(), token=token)


def test_the_walk_needs_a_value_for_every_path_parameter(client, owner, world):
    _, raw = issue(owner, name="walker", rate_per_minute=100_000)
    with pytest.raises(AssertionError, match="run_id"):
        walk_api(client, raw, path_values={"case_id": world["case_id"]})
