"""The MCP tools: the API's reads, marked read-only, and, for a `propose` token only, its proposals.

Each tool answers exactly what its API route answers (`staletrack.api.payload` over the same read
function and schema). A server is built per scope: a `read` token's server does not list the propose
tools at all, and the proposal service refuses a token without the scope whatever calls it.

Every tool call authenticates the token again (a token revoked mid-session stops at its next call), is
audited under its name and counts against its rate, before the SDK even reads its arguments
(`TokenCalls`). The ORM is synchronous: each tool runs its read in the thread that serves the transport
(`sync_to_async`, thread-sensitive)."""

from __future__ import annotations

import contextvars
from datetime import date
from typing import Annotated

from asgiref.sync import sync_to_async
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field

from cases.api import reads as case_reads
from cases.api.schemas import (
    AgeValue,
    CaseFilters,
    CasePacket,
    CasePage,
    CaseParcels,
    CaseTimeline,
    CaseTypeValue,
    FlagValue,
    NextMoveValue,
    Proposal,
    ProposalPage,
    RiskValue,
    RouteValue,
    StatusValue,
    one_of,
)
from cases.choices import AgentProposalState, ChaseChannel
from cases.models import Case
from cases.services import agent_proposals
from policies import api as policy_reads
from policies.api import PolicyInForce, WhatIfPage, WhatIfResult
from staletrack import tokens
from staletrack.api import payload
from staletrack.cursors import BadCursor
from staletrack.models import ApiToken
from suppliers import api as supplier_reads
from suppliers.api import Scorecard, SupplierPage

# The bearer value of the connection: set by `mcp_serve` for its whole session, by the HTTP view per request.
bearer: contextvars.ContextVar[str] = contextvars.ContextVar("staletrack_mcp_bearer")
# The token of the tool call under way, authenticated again for it (`TokenCalls`).
caller: contextvars.ContextVar[ApiToken] = contextvars.ContextVar("staletrack_mcp_caller")

READ = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)
PROPOSE = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False
)
INSTRUCTIONS = (
    "staletrack holds a dropshipping store's stale-tracking cases: each case's decision packet says what is "
    "proved, what is missing, the next move and a reply draft checked against the store's rules. Read "
    "freely. Never promise a delivery date or a refund. With a propose token you may propose a reply "
    "draft, a supplier chase, an outcome or a note: a person accepts or dismisses each; nothing is sent, "
    "refunded or paused by you."
)
CaseId = Annotated[int, Field(ge=1, le=2**63 - 1, description="The case's id (id in find_cases).")]
Cursor = Annotated[str | None, Field(max_length=500, description="next_cursor of the page before.")]
Limit = Annotated[int, Field(ge=1, le=200)]


def _admit(tool: str, arguments) -> ApiToken | str:
    """The call's token, counted and audited, or why it is refused (a sentence for the agent)."""
    try:
        token = tokens.authenticate(bearer.get(""))
    except tokens.TokenRefused as refused:
        return str(refused)
    shown = arguments if isinstance(arguments, dict) else {"arguments": repr(arguments)[:200]}
    shown = {k: (v[:200] if isinstance(v, str) else v) for k, v in shown.items() if v is not None}
    tokens.record_call(token, action="mcp_call", changes={"tool": str(tool)[:100], "arguments": shown})
    if (wait := tokens.take_call(token)) is not None:
        return f"The token {token.name!r} is over its rate: wait {wait} s."
    return token


class TokenCalls:
    """Server middleware: every tool call, before the SDK validates its arguments, authenticates the
    connection's token again, is audited under its name and counted against its rate; the token is then
    the call's (`caller`). A refused call answers a tool error the agent reads."""

    async def __call__(self, ctx, call_next):
        if ctx.method != "tools/call":
            return await call_next(ctx)
        params = ctx.params or {}
        admitted = await sync_to_async(_admit, thread_sensitive=True)(
            params.get("name", ""), params.get("arguments") or {}
        )
        if isinstance(admitted, str):
            return CallToolResult(content=[TextContent(type="text", text=admitted)], is_error=True)
        caller.set(admitted)
        return await call_next(ctx)


def _answer(read) -> dict:
    """Run `read(token)`; anticipated refusals become the tool's error message (the agent reads it),
    never a crash."""
    try:
        return read(caller.get())
    except (ObjectDoesNotExist, Http404):
        raise ToolError("Not found.") from None
    except agent_proposals.ProposalRefused as refused:
        reasons = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in refused.reasons.items())
        raise ToolError(f"Refused, nothing was kept: {reasons}") from None
    except (PermissionDenied, ValidationError, BadCursor) as refused:
        raise ToolError(str(refused.messages if isinstance(refused, ValidationError) else refused)) from None


def _run(read):
    return sync_to_async(_answer, thread_sensitive=True)(read)


# ---------------------------------------------------------------------------------------------------
# Read tools: the same reads and schemas as the API's GET routes.


async def find_cases(
    status: StatusValue | None = None,
    case_type: CaseTypeValue | None = None,
    parcel_case_type: CaseTypeValue | None = None,
    risk_level: RiskValue | None = None,
    next_move: NextMoveValue | None = None,
    route: RouteValue | None = None,
    supplier: Annotated[int | None, Field(ge=1, le=2**31 - 1)] = None,
    sku: Annotated[str | None, Field(min_length=1, max_length=100)] = None,
    flag: FlagValue | None = None,
    age: AgeValue | None = None,
    assignee: Annotated[str | None, Field(min_length=1, max_length=150)] = None,
    unassessable: bool | None = None,
    order: Annotated[str | None, Field(min_length=1, max_length=64)] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> CasePage:
    """Find cases in the queue's order (highest risk first, then the longest-waiting customer), filtered
    like GET /api/cases. Page on with next_cursor."""
    filters = CaseFilters(
        status=status,
        case_type=case_type,
        parcel_case_type=parcel_case_type,
        risk_level=risk_level,
        next_move=next_move,
        route=route,
        supplier=supplier,
        sku=sku,
        flag=flag,
        age=age,
        assignee=assignee,
        unassessable=unassessable,
        order=order,
    ).model_dump()
    return await _run(
        lambda token: payload(CasePage, case_reads.find_cases(cursor=cursor, limit=limit, **filters)),
    )


async def get_packet(case_id: CaseId) -> CasePacket:
    """One case's decision packet (rules section 9: what is proved, what is missing, the next move, the
    reply draft), as GET /api/cases/{case_id}."""
    return await _run(lambda token: payload(CasePacket, case_reads.case_packet(case_id)))


async def get_timeline(case_id: CaseId) -> CaseTimeline:
    """Everything that happened to one case, in time order, as GET /api/cases/{case_id}/timeline."""
    return await _run(
        lambda token: payload(CaseTimeline, case_reads.case_timeline_entries(case_id)),
    )


async def get_parcels(case_id: CaseId) -> CaseParcels:
    """One case's parcels, their own clocks and last carrier event, as GET /api/cases/{case_id}/parcels."""
    return await _run(
        lambda token: payload(CaseParcels, case_reads.case_parcels(case_id)),
    )


async def list_suppliers(cursor: Cursor = None, limit: Limit = 50) -> SupplierPage:
    """The store's suppliers and their standing, as GET /api/suppliers."""
    return await _run(
        lambda token: payload(SupplierPage, supplier_reads.suppliers_page(cursor=cursor, limit=limit)),
    )


async def get_scorecard(
    week: date | None = None,
    dimension: one_of(("supplier", "sku", "country")) = "supplier",
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Scorecard:
    """One week's scorecard by supplier, SKU or destination country, as GET /api/scorecard."""
    return await _run(
        lambda token: payload(
            Scorecard,
            supplier_reads.scorecard_week(week=week, dimension=dimension, cursor=cursor, limit=limit),
        ),
    )


async def explain_policy() -> PolicyInForce:
    """The policy in force: each number with what it counts, and its country and supplier overrides, as
    GET /api/policy."""
    return await _run(lambda token: payload(PolicyInForce, policy_reads.policy_in_force()))


async def list_what_if_runs(cursor: Cursor = None, limit: Limit = 50) -> WhatIfPage:
    """What-if runs already run (a draft policy against the open cases), as GET /api/whatif."""
    return await _run(
        lambda token: payload(WhatIfPage, policy_reads.what_if_runs(cursor=cursor, limit=limit)),
    )


async def get_what_if(run_id: Annotated[int, Field(ge=1, le=2**63 - 1)]) -> WhatIfResult:
    """One what-if run with the cases it would change, as GET /api/whatif/{run_id}."""
    return await _run(
        lambda token: payload(WhatIfResult, policy_reads.what_if_result(run_id)),
    )


async def list_my_proposals(
    state: one_of(AgentProposalState.values) | None = None, cursor: Cursor = None, limit: Limit = 50
) -> ProposalPage:
    """The proposals this token made and what became of them, as GET /api/proposals."""
    return await _run(
        lambda token: payload(
            ProposalPage, case_reads.token_proposals(token, state=state, cursor=cursor, limit=limit)
        ),
    )


READ_TOOLS = (
    find_cases,
    get_packet,
    get_timeline,
    get_parcels,
    list_suppliers,
    get_scorecard,
    explain_policy,
    list_what_if_runs,
    get_what_if,
    list_my_proposals,
)

# ---------------------------------------------------------------------------------------------------
# Propose tools: a proposal waits for a person, as POST /api/cases/{case_id}/proposals.


def _propose(token: ApiToken, case_id: int, **fields) -> dict:
    case = Case.objects.select_related("order").get(pk=case_id)
    proposal = agent_proposals.propose(token=token, case=case, **fields)
    proposal.case = case
    return payload(Proposal, case_reads.proposal_row(proposal))


Text = Annotated[str, Field(max_length=20_000)]


async def propose_reply_draft(case_id: CaseId, text: Text) -> Proposal:
    """Propose a customer reply for a case. It is checked against the store's rules first (no delivery
    date, no refund promise, no invented carrier movement): a draft that breaks them is refused with
    each reason. A person accepts, edits or dismisses it; nothing is sent."""
    return await _run(
        lambda token: _propose(token, case_id, kind="draft", text=text),
    )


async def propose_supplier_chase(
    case_id: CaseId, note: Text = "", channel: one_of(ChaseChannel.values) = "email"
) -> Proposal:
    """Propose chasing the case's supplier (a person records the chase; staletrack sends nothing)."""
    return await _run(
        lambda token: _propose(token, case_id, kind="chase", text=note, channel=channel),
    )


async def propose_outcome(
    case_id: CaseId, ending: one_of(agent_proposals.AGENT_ENDINGS), note: Text
) -> Proposal:
    """Propose how a case ended (delivered, lost or resolved), with the facts that show it. Money endings
    (refunded, replaced) follow the owner's money decision and cannot be proposed."""
    return await _run(
        lambda token: _propose(token, case_id, kind="outcome", text=note, ending=ending),
    )


async def propose_note(case_id: CaseId, text: Text) -> Proposal:
    """Propose a note for the case's timeline."""
    return await _run(
        lambda token: _propose(token, case_id, kind="note", text=text),
    )


PROPOSE_TOOLS = (propose_reply_draft, propose_supplier_chase, propose_outcome, propose_note)


def build_server(scope: str) -> MCPServer:
    """The server a token of `scope` sees: the read tools, and the propose tools for `propose` only."""
    server = MCPServer("staletrack", instructions=INSTRUCTIONS, version="1", middleware=[TokenCalls()])
    for tool in READ_TOOLS:
        server.add_tool(tool, annotations=READ)
    if scope == ApiToken.Scope.PROPOSE:
        for tool in PROPOSE_TOOLS:
            server.add_tool(tool, annotations=PROPOSE)
    return server


_servers: dict[str, MCPServer] = {}


def server_for(scope: str) -> MCPServer:
    if scope not in _servers:
        _servers[scope] = build_server(scope)
    return _servers[scope]
