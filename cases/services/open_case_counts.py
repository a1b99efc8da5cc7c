"""The day's first count of open cases per risk level (`OpenCaseCount`), what the home page's "change since
yesterday" compares with.

A history of counts, not of cases: counting from the audit trail would read every risk change since
yesterday (a sweep after a policy change writes one per case), while a count kept once a day is eight rows,
read in one query whatever the number of cases. Beat runs `record_open_case_counts` every hour; the first run
of a day (store time: midnight, or the first hour beat is up again) writes the day's rows and every later
run that day writes nothing. Re-delivered, or run by two workers at once, it changes nothing: the day and
risk level are unique and a conflicting row is left as it is."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from cases.choices import RiskLevel
from cases.models import OpenCaseCount
from cases.selectors.home import open_cases_by_risk

# Every level is written, "" (not assessed yet) included, so a level with no open case yesterday reads 0.
LEVELS = ("", *RiskLevel.values)


def record_open_case_counts(*, now: datetime | None = None) -> int:
    """Keep today's first count of open cases per risk level; returns how many levels this run counted (0
    when the day already had its count; another run writing the same day at the same moment keeps its own
    rows)."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    if OpenCaseCount.objects.filter(day=day).exists():
        return 0  # the day's count stands: no count of the cases at every hourly run
    counts = open_cases_by_risk()
    levels = LEVELS + tuple(sorted(set(counts) - set(LEVELS)))
    rows = [
        OpenCaseCount(day=day, risk_level=level, cases=counts.get(level, 0), counted_at=now)
        for level in levels
    ]
    return len(OpenCaseCount.objects.bulk_create(rows, ignore_conflicts=True))
