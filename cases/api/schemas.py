"""The payloads of the cases' API, declared once: the routes answer with them, the MCP tools return them,
and the OpenAPI schema is built from them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict, ModelWrapValidatorHandler, ValidationInfo, model_validator

from cases.assessment import vocabulary as v
from cases.choices import AgentProposalKind, AgentProposalState, CaseStatus, ChaseChannel
from cases.services.agent_proposals import AGENT_ENDINGS
from cases.workbench.queue import AGE_BUCKETS
from staletrack.api import NO_NUL
from staletrack.limits import MAX_ORDER_ID, MAX_SKU, MAX_TEXT


class Payload(Schema):
    """A schema of what `cases.api.reads` returns: plain data. ninja's Schema reads whatever it validates
    through a DjangoGetter (attribute access, for model instances), one Python call per field: for a page
    of 200 rows that cost more than the page's query. A dict is validated as it is, to the same result;
    anything else as ninja does."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler, info: ValidationInfo
    ) -> Any:
        if type(values) is dict:
            return handler(values)
        return Schema._run_root_validator.__func__(cls, values, handler, info)


def one_of(values) -> Any:
    return Literal.__getitem__(tuple(str(value) for value in values))


StatusValue = one_of(CaseStatus.values)
CaseTypeValue = one_of(v.CASE_TYPES)
RiskValue = one_of(v.RISK_LEVELS)
NextMoveValue = one_of(v.NEXT_MOVES)
RouteValue = one_of(v.ROUTES)
FlagValue = one_of(v.FLAGS)
AgeValue = one_of(bucket.key for bucket in AGE_BUCKETS)


class CaseFilters(Schema):
    """The queue's filters; each narrows the list, all together."""

    status: StatusValue | None = Field(None, description="open, held or resolved.")
    case_type: CaseTypeValue | None = Field(None, description="The case's own (headline parcel's) type.")
    parcel_case_type: CaseTypeValue | None = Field(None, description="A type any of its parcels has.")
    risk_level: RiskValue | None = None
    next_move: NextMoveValue | None = None
    route: RouteValue | None = None
    supplier: int | None = Field(None, ge=1, le=2**63 - 1, description="The supplier's id.")
    sku: str | None = Field(
        None, min_length=1, max_length=MAX_SKU, pattern=NO_NUL, description="The order's SKU, exact."
    )
    flag: FlagValue | None = None
    age: AgeValue | None = Field(None, description="The order's age bucket.")
    assignee: str | None = Field(
        None,
        min_length=1,
        max_length=150,
        pattern=NO_NUL,
        description="A username, or none for the unassigned.",
    )
    unassessable: bool | None = Field(None, description="Only cases whose last assessment failed (or not).")
    order: str | None = Field(
        None, min_length=1, max_length=MAX_ORDER_ID, pattern=NO_NUL, description="The order's id, exact."
    )


class CaseRow(Payload):
    id: int
    order_id: str
    ordered_at: datetime
    status: str
    case_type: str
    risk_level: str
    next_move: str
    route: str
    flags: list[str]
    parcel_case_types: list[str]
    key_clock: str = Field(description='The clock that decides the case, e.g. "label 7 d, window 5 d".')
    clock_exceeded: bool
    requires_owner_approval: bool
    waiting_since: datetime | None = Field(description="The oldest customer message still unanswered.")
    assessed_at: datetime | None
    unassessable_reason: str
    held_until: datetime | None
    supplier_id: int | None
    supplier: str
    sku: str
    country: str
    assignee: str | None


class CasePage(Payload):
    items: list[CaseRow]
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null on the last.")


class CasePacket(Payload):
    case: CaseRow
    packet: dict[str, Any] = Field(description="The decision packet as last assessed (rules.md section 9).")
    reply_draft: str = Field(description="The reply staff saved, else the packet's draft.")
    reply_draft_edited: bool
    policy: str | None = Field(description="The policy version the packet was assessed under.")
    pending_proposals: int


class TimelineEntry(Payload):
    at: datetime
    kind: str = Field(description="tracking, supplier, chase, customer, outcome, money or audit.")
    title: str
    text: str
    by: str
    approximate: bool
    detail: dict[str, Any]


class CaseTimeline(Payload):
    case: int
    entries: list[TimelineEntry]
    left_out: dict[str, int] = Field(description="Facts whose stored time cannot be read, by kind.")


class ParcelRow(Payload):
    number: str
    link: str | None
    carrier: str
    items: str
    superseded: bool
    headline: bool
    case_type: str
    risk_level: str
    next_move: str
    window: str
    clocks: str
    flags: str
    last_event: str


class CaseParcels(Payload):
    case: int
    parcels: list[ParcelRow]


class ProposalIn(Schema):
    # A field no proposal has (an amount, a state, "send") is refused by name: it would mean nothing.
    model_config = ConfigDict(extra="forbid")

    kind: one_of(AgentProposalKind.values)
    text: str = Field(
        "", max_length=MAX_TEXT, description="The draft, the chase's note, the outcome's note, the note."
    )
    channel: one_of(ChaseChannel.values) | None = Field(
        None, description="A chase's channel (default email)."
    )
    ending: one_of(AGENT_ENDINGS) | None = Field(None, description="An outcome's ending.")


class Proposal(Payload):
    id: int
    case: int
    order_id: str
    agent: str
    kind: str
    text: str
    channel: str
    ending: str
    state: one_of(AgentProposalState.values)
    proposed_at: datetime
    decided_at: datetime | None
    decision_note: str


class ProposalPage(Payload):
    items: list[Proposal]
    next_cursor: str | None
