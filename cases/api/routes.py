"""The cases' routes of the agents' API: thin, each a read of `cases.api.reads` or a proposal through
`cases.services.agent_proposals`."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Path, Query, Router, Status

from cases.api import reads
from cases.api.schemas import (
    CaseFilters,
    CasePacket,
    CasePage,
    CaseParcels,
    CaseTimeline,
    Proposal,
    ProposalIn,
    ProposalPage,
    one_of,
)
from cases.choices import AgentProposalState
from cases.models import Case
from cases.services import agent_proposals
from staletrack.api import BODY_ERRORS, ERRORS, PageQuery, require_scope

router = Router(tags=["cases"])
CaseId = Path(..., ge=1, le=2**63 - 1, description="The case's id (CaseRow.id).")


@router.get("/cases", response={200: CasePage, **ERRORS}, summary="Find cases (the queue, filtered)")
def find_cases(request, filters: Query[CaseFilters], page: Query[PageQuery]):
    return reads.find_cases(cursor=page.cursor, limit=page.limit, **filters.model_dump())


@router.get("/cases/{case_id}", response={200: CasePacket, **ERRORS}, summary="One case's decision packet")
def case_packet(request, case_id: int = CaseId):
    return reads.case_packet(case_id)


@router.get(
    "/cases/{case_id}/timeline", response={200: CaseTimeline, **ERRORS}, summary="One case's timeline"
)
def case_timeline(request, case_id: int = CaseId):
    return reads.case_timeline_entries(case_id)


@router.get("/cases/{case_id}/parcels", response={200: CaseParcels, **ERRORS}, summary="One case's parcels")
def case_parcels(request, case_id: int = CaseId):
    return reads.case_parcels(case_id)


@router.post(
    "/cases/{case_id}/proposals",
    response={201: Proposal, **BODY_ERRORS},
    summary="Propose a draft, a chase, an outcome or a note (propose scope); a person accepts it",
)
def propose(request, body: ProposalIn, case_id: int = CaseId):
    token = require_scope(request, "propose")
    case = get_object_or_404(Case.objects.select_related("order"), pk=case_id)
    proposal = agent_proposals.propose(
        token=token,
        case=case,
        kind=body.kind,
        text=body.text,
        channel=body.channel or "",
        ending=body.ending or "",
    )
    proposal.case = case
    return Status(201, reads.proposal_row(proposal))


@router.get("/proposals", response={200: ProposalPage, **ERRORS}, summary="The proposals this token made")
def proposals(request, page: Query[PageQuery], state: one_of(AgentProposalState.values) | None = None):
    return reads.token_proposals(request.auth, state=state, cursor=page.cursor, limit=page.limit)
