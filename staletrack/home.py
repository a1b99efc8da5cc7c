"""The admin's home page: what needs the owner now, what each lane of the policy cost and saved (replies
sent, the customers' wait, how many came back), the open cases by risk level with the change since
yesterday, the customers who wait longest, the disputes by their evidence deadline, and what the last
sweep, import and weekly review did.

What a person sees follows their permissions, checked here on the server: every count and link only for
those who may see the list it counts (`view_...` of its model), and the owner's block for those who hold the
Owner role's own permission (a session not verified by a second factor still sees what waits; deciding
still needs the code). The reads are `cases.selectors.home`'s, each one query, so the page's query count is
fixed whatever the number of cases; this module only chooses them and names their links.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.timesince import timesince

from cases.choices import AgentProposalState, CaseStatus, DisputeStatus, MoneyState, RiskLevel
from cases.permissions import APPROVE_MONEY, VIEW_DISPUTE
from cases.selectors import disputes as dispute_reads
from cases.selectors import home as reads
from cases.workbench.queue import SAVED_VIEWS
from cases.workbench.views import risk_badge
from policies.lanes import LANE_LABELS, LANES
from staletrack.job_reports import SWEEP, WEEKLY_REVIEW
from staletrack.permissions import holds_without_second_factor
from suppliers.models import Product, Supplier

VIEW_CASES = "cases.view_case"
QUEUE = "admin:cases_case_changelist"
OWNER_ONLY_VIEW = dict(next(query for slug, _, query in SAVED_VIEWS if slug == "owner-only"))
# Highest risk first, as the queue sorts; "" (not assessed yet) last.
RISK_ORDER = (*reversed(RiskLevel.values), "")
RISK_LABELS = dict(RiskLevel.choices) | {"": "not assessed yet"}


def list_url(name: str, query: dict | None = None) -> str:
    """An admin list's URL with its filter."""
    url = reverse(name)
    return f"{url}?{urlencode(query)}" if query else url


@dataclass(frozen=True)
class Need:
    """One count in the owner's block, linked to the filtered list it counts."""

    key: str
    label: str
    count: int
    url: str | None  # None: that list has no admin page yet


@dataclass(frozen=True)
class RiskRow:
    level: str
    label: str
    badge: SafeString
    now: int
    before: int | None  # None: no count of an earlier day yet
    url: str | None

    @property
    def change(self) -> Change:
        return Change(self.now, self.before)


@dataclass(frozen=True)
class Change:
    """A count now against an earlier one: "+3" (more waiting: red), "-2" (green), "0", or "—" without one."""

    now: int
    before: int | None

    @property
    def text(self) -> str:
        if self.before is None:
            return "—"
        difference = self.now - self.before
        return f"+{difference:,}" if difference > 0 else f"-{-difference:,}" if difference < 0 else "0"

    @property
    def css(self) -> str:
        if self.before is None or self.now == self.before:
            return ""
        return "change-up" if self.now > self.before else "change-down"


@dataclass(frozen=True)
class Run:
    """What a background job last did: when, in words, and where to read more."""

    key: str
    title: str
    at: datetime | None
    what: str
    url: str | None = None
    ago: str = ""  # "3 minutes ago", set by `runs` (it knows the page's now)
    digest_url: str | None = None  # the weekly review's: the digest of its week


def ago(at: datetime, now: datetime) -> str:
    if now - at < timedelta(minutes=1):
        return "just now"
    return f"{timesince(at, now, depth=1)} ago"


@dataclass(frozen=True)
class LaneRow:
    """One lane's replies of the last `reads.LANE_DAYS` days (cases.selectors.home.LaneFigures), in words."""

    lane: str
    label: str
    replies: int
    waited: int
    average_wait: str
    longest_wait: str
    came_back: int
    url: str | None

    @property
    def came_back_percent(self) -> str:
        return f"{100 * self.came_back / self.replies:.0f}%" if self.replies else "—"


def duration_words(seconds: float | None) -> str:
    """ "40 min", "5.5 h", "2.3 d"; "—" when no customer waited."""
    if seconds is None:
        return "—"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


@dataclass
class Home:
    owner: bool = False
    needs: list[Need] = field(default_factory=list)
    lanes: list[LaneRow] | None = None  # None: not an owner, or may not see cases
    risks: list[RiskRow] | None = None  # None: the user may not see cases
    open_now: int = 0
    open_before: int | None = None
    counted_at: datetime | None = None  # when the day's count the changes compare with was taken
    waiting: list | None = None
    disputes: list | None = None  # waiting for evidence, soonest deadline first; None: may not see disputes
    runs: list[Run] = field(default_factory=list)

    @property
    def open_change(self) -> Change:
        return Change(self.open_now, self.open_before)


def home_page(user, *, now: datetime | None = None) -> Home:
    """Everything the home page shows `user`, read with a fixed number of queries."""
    now = now or timezone.now()
    home = Home(owner=holds_without_second_factor(user, APPROVE_MONEY))
    sees_cases = user.has_perm(VIEW_CASES)
    counts = reads.open_cases_by_risk() if sees_cases else {}
    if home.owner:
        home.needs = owner_needs(user, counts)
        if sees_cases:
            home.lanes = lane_rows(reads.replies_by_lane(since=now - timedelta(days=reads.LANE_DAYS)))
    if sees_cases:
        baseline = reads.day_counts(on_or_before=timezone.localdate(now))
        home.risks = risk_rows(counts, baseline.cases if baseline else None)
        home.open_now = sum(counts.values())
        if baseline is not None:
            home.open_before = sum(baseline.cases.values())
            home.counted_at = baseline.counted_at
        home.waiting = reads.longest_waiting()
    if user.has_perm(VIEW_DISPUTE):
        home.disputes = dispute_reads.waiting_for_evidence(user=user, now=now)
    home.runs = runs(user, sees_cases, now=now)
    return home


def owner_needs(user, counts: dict[str, int]) -> list[Need]:
    """What waits for an owner, each count for whoever may see its list."""
    needs = []
    if user.has_perm("cases.view_moneydecision"):
        needs.append(
            Need(
                "money",
                "Money decisions waiting",
                reads.money_decisions_waiting(),
                list_url("admin:cases_moneydecision_changelist", {"state__exact": MoneyState.PENDING}),
            )
        )
    if user.has_perm(VIEW_CASES):
        needs.append(
            Need(
                "owner-only",
                "Owner-only cases",
                reads.owner_only_cases(counts),
                list_url(QUEUE, OWNER_ONLY_VIEW),
            )
        )
    if user.has_perm(VIEW_DISPUTE):
        needs.append(
            Need(
                "disputes",
                "Disputes waiting for evidence",
                dispute_reads.disputes_waiting(),
                list_url("admin:cases_dispute_changelist", {"state": DisputeStatus.NEEDS_RESPONSE}),
            )
        )
    if user.has_perm("suppliers.view_product"):
        needs.append(
            Need(
                "products",
                "Products waiting for review",
                reads.products_waiting_for_review(),
                list_url(
                    "admin:suppliers_product_changelist", {"state__exact": Product.State.REVIEW_REQUIRED}
                ),
            )
        )
    if user.has_perm("suppliers.view_supplier"):
        needs.append(
            Need(
                "suppliers",
                "Suppliers flagged",
                reads.suppliers_flagged(),
                list_url("admin:suppliers_supplier_changelist", {"status__exact": Supplier.Status.FLAGGED}),
            )
        )
    if user.has_perm("cases.view_agentproposal"):
        needs.append(
            Need(
                "proposals",
                "Proposals from agents",
                reads.agent_proposals_waiting(),
                list_url(
                    "admin:cases_agentproposal_changelist", {"state__exact": AgentProposalState.PENDING}
                ),
            )
        )
    return needs


def lane_rows(figures: dict) -> list[LaneRow]:
    """One row per lane (fast, standard, owner-only), each linked to the queue's open cases of that lane."""
    rows = []
    for lane in LANES:
        found = figures.get(lane)
        rows.append(
            LaneRow(
                lane=lane,
                label=LANE_LABELS[lane],
                replies=found.replies if found else 0,
                waited=found.waited if found else 0,
                average_wait=duration_words(found.average_wait if found else None),
                longest_wait=duration_words(found.longest_wait if found else None),
                came_back=found.came_back if found else 0,
                url=list_url(QUEUE, {"lane": lane, "status__exact": CaseStatus.OPEN}),
            )
        )
    return rows


def risk_rows(counts: dict[str, int], before: dict[str, int] | None) -> list[RiskRow]:
    """One row per risk level, highest first, each linked to the queue's open cases of that level; a case not
    assessed yet has a row only while there are some (the queue has no filter for it: no link)."""
    rows = []
    for level in RISK_ORDER:
        now, then = counts.get(level, 0), (before.get(level, 0) if before is not None else None)
        if level == "" and not now and not then:
            continue
        url = (
            list_url(QUEUE, {"risk_level__exact": level, "status__exact": CaseStatus.OPEN}) if level else None
        )
        rows.append(RiskRow(level, RISK_LABELS[level], risk_badge(level, RISK_LABELS[level]), now, then, url))
    return rows


def runs(user, sees_cases: bool, *, now: datetime) -> list[Run]:
    """The last sweep (for those who see cases), the last import (those who see import runs) and the last
    weekly review (those who see the scorecard); one query for both jobs' reports."""
    sees_rollups = user.has_perm("suppliers.view_weeklyrollup")
    wanted = [job for job, shown in ((SWEEP, sees_cases), (WEEKLY_REVIEW, sees_rollups)) if shown]
    reports = reads.job_reports(*wanted) if wanted else {}
    found = []
    if sees_cases:
        found.append(sweep_run(reports.get(SWEEP)))
    if user.has_perm("cases.view_importrun"):
        found.append(import_run(reads.last_import()))
    if sees_rollups:
        found.append(weekly_review_run(reports.get(WEEKLY_REVIEW)))
    return [replace(run, ago=ago(run.at, now)) if run.at else run for run in found]


def sweep_run(report) -> Run:
    if report is None:
        return Run(
            "sweep", "Last sweep", None, "No sweep has finished yet: beat starts one every few minutes."
        )
    summary = report.summary
    assessed = summary.get("assessed", 0)
    parts = [
        f"{assessed:,} due cases assessed" if assessed else "nothing was due",
        *(
            f"{summary[name]:,} {words}"
            for name, words in (
                ("written", "packets changed"),
                ("changed", "changed case type or risk"),
                ("cases_created", "cases created for imported orders"),
                ("unassessable", "could not be assessed"),
            )
            if summary.get(name)
        ),
    ]
    return Run("sweep", "Last sweep", report.finished_at, ", ".join(parts) + ".")


def import_run(run) -> Run:
    if run is None:
        return Run("import", "Last import", None, "No file imported yet.")
    what = f"{run.get_kind_display()} {run.file_name}, {run.get_status_display().lower()}"
    if run.status == run.Status.RUNNING:
        what += f", {run.progress_percent}% read"
    elif run.status == run.Status.SUCCEEDED:
        what += (
            f": {run.created_rows:,} created, {run.updated_rows:,} updated, "
            f"{run.unchanged_rows:,} unchanged, {run.error_rows:,} with errors"
        )
    elif run.message:
        what += f": {run.message}"
    at = run.finished_at or run.started_at or run.created_at
    return Run(
        "import", "Last import", at, what + ".", reverse("admin:cases_importrun_change", args=[run.pk])
    )


def weekly_review_run(report) -> Run:
    scorecard = reverse("admin:suppliers_weeklyrollup_scorecard")
    if report is None:
        return Run(
            "weekly_review",
            "Last weekly review",
            None,
            "No weekly review yet: beat runs it on Monday morning.",
        )
    summary = report.summary
    rollups = summary.get("rollups", {})
    marked, flagged = summary.get("products_marked", []), summary.get("suppliers_flagged", [])
    what = (
        f"week of {summary.get('week_start', '?')}: rollups of {rollups.get('supplier', 0):,} suppliers, "
        f"{rollups.get('sku', 0):,} SKUs and {rollups.get('country', 0):,} countries; "
        f"{named(marked, 'product', 'marked for review')}; {named(flagged, 'supplier', 'flagged')}."
    )
    digest = reverse("admin:suppliers_sentdigest_digest")
    week = summary.get("week_start")
    digest_url = f"{digest}?{urlencode({'week': week})}" if week else digest
    return Run(
        "weekly_review", "Last weekly review", report.finished_at, what, scorecard, digest_url=digest_url
    )


def named(names: list[str], noun: str, done: str, shown: int = 5) -> str:
    """ "2 products marked for review (A-1, B-2)", the first `shown` names."""
    if not names:
        return f"no {noun} {done}"
    listed = ", ".join(names[:shown]) + (f" and {len(names) - shown} more" if len(names) > shown else "")
    return f"{len(names)} {noun}{'' if len(names) == 1 else 's'} {done} ({listed})"
