"""The MCP tools through the SDK's own client, in memory: what each scope lists, every read tool's result
equal to the API's, proposals refused without the scope or against the rules of section 8."""

import pytest

from cases.models import AgentProposal, AuditEvent
from staletrack.models import ApiToken
from staletrack.tokens import revoke_token
from tests.helpers.mcp import in_memory

READ_TOOLS = {
    "find_cases",
    "get_packet",
    "get_timeline",
    "get_parcels",
    "list_suppliers",
    "get_scorecard",
    "explain_policy",
    "list_what_if_runs",
    "get_what_if",
    "list_my_proposals",
}
PROPOSE_TOOLS = {"propose_reply_draft", "propose_supplier_chase", "propose_outcome", "propose_note"}
FINE = (
    "Your order has a shipping label, but the carrier has not scanned the parcel yet. "
    "We have asked the supplier for proof of handover and will write again when we know more."
)


def listed(raw, scope):
    async def session(client):
        return (await client.list_tools()).tools

    return {tool.name: tool for tool in in_memory(raw, scope, session)}


def call(raw, scope, name, arguments):
    async def session(client):
        return await client.call_tool(name, arguments)

    return in_memory(raw, scope, session)


def test_a_read_token_lists_read_tools_only_each_marked_read_only(read_token):
    tools = listed(read_token, "read")
    assert set(tools) == READ_TOOLS
    assert all(tool.annotations.read_only_hint is True for tool in tools.values())
    assert all(tool.output_schema for tool in tools.values())


def test_a_propose_token_also_lists_the_propose_tools_not_marked_read_only(propose_token):
    tools = listed(propose_token, "propose")
    assert set(tools) == READ_TOOLS | PROPOSE_TOOLS
    for name in PROPOSE_TOOLS:
        assert tools[name].annotations.read_only_hint is False
        assert tools[name].annotations.destructive_hint is False


def api(client, raw, path, **params):
    response = client.get(path, params, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200, response.content
    return response.json()


def test_every_read_tool_answers_what_the_api_answers(client, cases, read_token, owner):
    from policies.selectors import active_policy
    from policies.services import create_draft
    from policies.whatif.runs import start_what_if

    draft = create_draft(base=active_policy(), actor=owner, changes={"label_created_max_days": 3})
    run, _ = start_what_if(draft, actor=owner)
    case_id = cases[-1].pk
    pairs = {
        "find_cases": ({"limit": 2}, "/api/cases", {"limit": 2}),
        "get_packet": ({"case_id": case_id}, f"/api/cases/{case_id}", {}),
        "get_timeline": ({"case_id": case_id}, f"/api/cases/{case_id}/timeline", {}),
        "get_parcels": ({"case_id": case_id}, f"/api/cases/{case_id}/parcels", {}),
        "list_suppliers": ({}, "/api/suppliers", {}),
        "get_scorecard": ({"dimension": "sku"}, "/api/scorecard", {"dimension": "sku"}),
        "explain_policy": ({}, "/api/policy", {}),
        "list_what_if_runs": ({}, "/api/whatif", {}),
        "get_what_if": ({"run_id": run.pk}, f"/api/whatif/{run.pk}", {}),
        "list_my_proposals": ({}, "/api/proposals", {}),
    }
    assert set(pairs) == READ_TOOLS
    for name, (arguments, path, params) in pairs.items():
        result = call(read_token, "read", name, arguments)
        assert not result.is_error, (name, result.content)
        assert result.structured_content == api(client, read_token, path, **params), name
    # A page on: the tool's cursor is the API's.
    first = call(read_token, "read", "find_cases", {"limit": 2}).structured_content
    following = call(read_token, "read", "find_cases", {"limit": 2, "cursor": first["next_cursor"]})
    assert following.structured_content == api(
        client, read_token, "/api/cases", limit=2, cursor=first["next_cursor"]
    )


def test_filters_reach_the_queue(cases, read_token):
    chased = call(read_token, "read", "find_cases", {"risk_level": "supplier_chase"}).structured_content
    assert [row["order_id"] for row in chased["items"]] == [cases[-1].order.order_id]
    refused = call(read_token, "read", "find_cases", {"risk_level": "panic"})
    assert refused.is_error


def test_a_propose_tool_is_refused_without_the_propose_scope(cases, read_token):
    result = call(read_token, "read", "propose_note", {"case_id": cases[0].pk, "text": "Asked twice."})
    assert result.is_error
    assert not AgentProposal.objects.exists()


def test_the_proposal_service_refuses_a_read_token_whatever_server_it_reaches(cases, read_token):
    # Even on the propose server (a client cannot pick it: the token does), the service checks the scope.
    result = call(read_token, "propose", "propose_note", {"case_id": cases[0].pk, "text": "Asked twice."})
    assert result.is_error
    assert "propose scope" in result.content[0].text
    assert not AgentProposal.objects.exists()


def test_a_draft_that_breaks_the_guard_is_refused_with_its_reasons(cases, propose_token):
    result = call(
        propose_token,
        "propose",
        "propose_reply_draft",
        {
            "case_id": cases[0].pk,
            "text": "Good news: it will arrive on Friday, guaranteed, or a full refund.",
        },
    )
    assert result.is_error
    text = result.content[0].text
    assert "Refused, nothing was kept" in text and "delivery_promise" in text
    assert not AgentProposal.objects.exists()


def test_proposals_wait_for_a_person(cases, propose_token):
    case = cases[-1]
    for name, arguments in (
        ("propose_reply_draft", {"case_id": case.pk, "text": FINE}),
        ("propose_supplier_chase", {"case_id": case.pk, "note": "Ask for the pickup scan."}),
        ("propose_outcome", {"case_id": case.pk, "ending": "delivered", "note": "Customer confirmed."}),
        ("propose_note", {"case_id": case.pk, "text": "Customer asked twice."}),
    ):
        result = call(propose_token, "propose", name, arguments)
        assert not result.is_error, (name, result.content)
        assert result.structured_content["state"] == "pending"
        assert result.structured_content["agent"] == "claw-propose"
    assert AgentProposal.objects.filter(case=case, state="pending").count() == 4
    case.refresh_from_db()
    assert case.draft_text == ""
    money = call(
        propose_token, "propose", "propose_outcome", {"case_id": case.pk, "ending": "refunded", "note": "x"}
    )
    assert money.is_error


def test_every_call_is_audited_under_the_token_name_and_a_revoked_token_stops(cases, read_token):
    call(read_token, "read", "get_packet", {"case_id": cases[0].pk})
    event = AuditEvent.objects.filter(action="mcp_call").latest("pk")
    assert event.actor_label == "agent:claw-read"
    assert event.changes == {"tool": "get_packet", "arguments": {"case_id": cases[0].pk}}
    revoke_token(ApiToken.objects.get(name="claw-read"), actor=None)
    result = call(read_token, "read", "get_packet", {"case_id": cases[0].pk})
    assert result.is_error and "revoked" in result.content[0].text


def test_an_unknown_case_is_an_error_the_agent_reads(read_token, db):
    result = call(read_token, "read", "get_packet", {"case_id": 987654})
    assert result.is_error and "Not found" in result.content[0].text


@pytest.mark.parametrize("rate", [2])
def test_the_rate_holds_for_tools_too(cases, rate):
    from tests.staletrack.mcp.conftest import make_token

    raw = make_token("read", name="slow", rate=rate)

    async def session(client):
        return [await client.call_tool("explain_policy", {}) for _ in range(rate + 1)]

    results = in_memory(raw, "read", session)
    assert [r.is_error for r in results] == [False] * rate + [True]
    assert "over its rate" in results[-1].content[0].text
