"""Reads for the admin's home page (`staletrack.home`): what waits for the owner, the open cases per risk
level and their count when the day began, the customers who wait longest, and what the last sweep, import
and weekly review did.

Each read is one query whose cost does not grow with the number of cases that are not shown: counts of open
cases come from the small partial index `open_case_by_risk` alone, the longest waits are the first entries of
`open_case_waiting`, the pending money decisions are `money_pending`'s, and the other counts are over small
tables (products, suppliers) or an index on their state (agent proposals). The lanes' figures read the
replies of the last weeks alone (`sent_reply_by_time`), each with one indexed look at its order's messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Avg, Count, DateTimeField, Exists, ExpressionWrapper, Max, OuterRef, Q, Subquery

from cases.choices import AgentProposalState, CaseStatus, Direction, MoneyState, RiskLevel
from cases.models import (
    AgentProposal,
    Case,
    CustomerMessage,
    ImportRun,
    MoneyDecision,
    OpenCaseCount,
    SentReply,
)
from staletrack.models import JobReport
from suppliers.models import Product, Supplier

LONGEST_WAITS = 10
LANE_DAYS = 28  # the replies the lanes' figures count: those of the last four weeks
CAME_BACK_DAYS = 7  # a customer who writes again within a week of a reply came back


def open_cases_by_risk() -> dict[str, int]:
    """Open cases per risk level ("" for a case not assessed yet); a level without any is absent. COUNT(*),
    not of a column: the partial index on the risk level answers it without reading the cases."""
    rows = (
        Case.objects.filter(status=CaseStatus.OPEN)
        .order_by()
        .values_list("risk_level")
        .annotate(cases=Count("*"))
    )
    return dict(rows)


@dataclass(frozen=True)
class DayCounts:
    """The open cases per risk level as counted when `day` began (`OpenCaseCount`)."""

    day: date
    counted_at: datetime
    cases: dict[str, int]


def day_counts(*, on_or_before: date) -> DayCounts | None:
    """The latest day's count on or before `on_or_before` (today: the count taken when today began, that is
    where yesterday ended); None before beat ever counted. One query."""
    latest = OpenCaseCount.objects.filter(day__lte=on_or_before).order_by("-day").values("day")[:1]
    rows = list(
        OpenCaseCount.objects.filter(day=Subquery(latest)).values_list(
            "day", "counted_at", "risk_level", "cases"
        )
    )
    if not rows:
        return None
    return DayCounts(
        day=rows[0][0],
        counted_at=min(row[1] for row in rows),
        cases={level: cases for _, _, level, cases in rows},
    )


def longest_waiting(*, limit: int = LONGEST_WAITS) -> list[Case]:
    """The open cases whose customer has waited longest for an answer (`waiting_since`, oldest first), with
    their order's id; only what the page shows is read (a stored packet is large)."""
    return list(
        Case.objects.filter(status=CaseStatus.OPEN, waiting_since__isnull=False)
        .select_related("order")
        .only("id", "risk_level", "case_type", "next_move", "waiting_since", "order__id", "order__order_id")
        .order_by("waiting_since", "id")[:limit]
    )


def money_decisions_waiting() -> int:
    return MoneyDecision.objects.filter(state=MoneyState.PENDING).count()


def agent_proposals_waiting() -> int:
    return AgentProposal.objects.filter(state=AgentProposalState.PENDING).count()


def products_waiting_for_review() -> int:
    return Product.objects.filter(state=Product.State.REVIEW_REQUIRED).count()


def suppliers_flagged() -> int:
    return Supplier.objects.filter(status=Supplier.Status.FLAGGED).count()


def last_import() -> ImportRun | None:
    """The latest file import, whatever its state (its errors and summary, maybe long, are not read)."""
    return ImportRun.objects.defer("errors", "summary", "file").order_by("-created_at", "-id").first()


def job_reports(*jobs: str) -> dict[str, JobReport]:
    """What these background jobs did when they last finished, by name (one that never finished: absent)."""
    return {report.job: report for report in JobReport.objects.filter(job__in=jobs)}


def owner_only_cases(counts: dict[str, int]) -> int:
    """The owner-only open cases, from `open_cases_by_risk`'s counts (no query of its own)."""
    return counts.get(RiskLevel.OWNER_ONLY, 0)


@dataclass(frozen=True)
class LaneFigures:
    """The replies recorded as sent in one lane (cases.models.SentReply) since some instant: how many, how
    many had a customer waiting and how long on average and at most (seconds), and after how many the
    customer wrote again within `CAME_BACK_DAYS` days."""

    lane: str
    replies: int
    waited: int
    average_wait: float | None
    longest_wait: int | None
    came_back: int


def replies_by_lane(*, since: datetime, came_back_days: int = CAME_BACK_DAYS) -> dict[str, LaneFigures]:
    """The lanes' figures over the replies sent since `since`, by lane (one without replies: absent). One
    query: the replies of the period through their time's index, each with one look at its order's
    messages (a new inbound one within `came_back_days` days of the reply)."""
    within = ExpressionWrapper(
        OuterRef("sent_at") + timedelta(days=came_back_days), output_field=DateTimeField()
    )
    again = CustomerMessage.objects.filter(
        order_id=OuterRef("case__order_id"),
        direction=Direction.INBOUND,
        at__gt=OuterRef("sent_at"),
        at__lte=within,
    )
    rows = (
        SentReply.objects.filter(sent_at__gte=since)
        .annotate(again=Exists(again))
        .order_by()
        .values("lane")
        .annotate(
            replies=Count("id"),
            waited=Count("waited_seconds"),
            average_wait=Avg("waited_seconds"),
            longest_wait=Max("waited_seconds"),
            came_back=Count("id", filter=Q(again=True)),
        )
    )
    return {row["lane"]: LaneFigures(**row) for row in rows}
