"""The case queue's filters and page order, for the admin's queue and the agents' API alike.

Each filter narrows on an indexed column (flags and the parcels' case types: GIN indexes on PostgreSQL;
cannot be assessed: the partial index on `unassessable_since`). The page order is the queue's: risk, then
the customer's wait (no wait last), then the newest case; the `case_queue_page` and `case_status_queue`
indexes hold it, so a page reads one page of index entries."""

from __future__ import annotations

from datetime import datetime

from django.db import connections
from django.db.models import F, Q, QuerySet

from cases.assessment.vocabulary import RISK_LEVELS, risk_rank
from cases.models import Case
from cases.workbench.queue import age_bucket_filter

QUEUE_ORDER = (F("risk_rank").desc(), F("waiting_since").asc(nulls_last=True), F("id").desc())


def flag_q(queryset: QuerySet, flag: str) -> Q:
    if connections[queryset.db].vendor == "postgresql":
        return Q(flags__contains=[flag])  # jsonb @>, the GIN index of migration 0006
    return Q(flags__icontains=f'"{flag}"')


def parcel_case_type_q(queryset: QuerySet, case_type: str) -> Q:
    """A case type the order's headline or any other of its parcels has (rules.md section 3a)."""
    return _any(parcel_case_type_either(queryset, case_type))


def parcel_case_type_either(queryset: QuerySet, case_type: str) -> tuple[Q, Q]:
    """The two ways a case has a parcel of `case_type`: its own (headline) case type, or one of its other
    parcels' (jsonb @> on PostgreSQL, the GIN index of migration 0020)."""
    if connections[queryset.db].vendor == "postgresql":
        return Q(case_type=case_type), Q(parcel_case_types__contains=[case_type])
    return Q(case_type=case_type), Q(parcel_case_types__icontains=f'"{case_type}"')


def filtered_cases(
    queryset: QuerySet,
    *,
    as_of: datetime,
    status: str | None = None,
    case_type: str | None = None,
    risk_level: str | None = None,
    next_move: str | None = None,
    route: str | None = None,
    supplier: int | None = None,
    sku: str | None = None,
    flag: str | None = None,
    age: str | None = None,
    assignee: str | None = None,
    unassessable: bool | None = None,
    order: str | None = None,
) -> QuerySet:
    """`queryset` narrowed by the queue's filters; each value already one the filter knows. A parcel's case
    type is not among them: `queue_page` reads it as two branches (`parcel_case_type_either`)."""
    exact = {
        "status": status,
        "case_type": case_type,
        "risk_level": risk_level,
        "next_move": next_move,
        "route": route,
        "order__product__supplier_id": supplier,
        "order__product__sku": sku,
        "order__order_id": order,
    }
    queryset = queryset.filter(**{field: value for field, value in exact.items() if value is not None})
    if risk_level is not None:
        # The same cases: every assessment stores a risk level with its rank. Said to PostgreSQL, a page
        # starts at that rank in the queue's index instead of reading every case of a higher risk first.
        queryset = queryset.filter(risk_rank=risk_rank(risk_level))
    if flag:
        queryset = queryset.filter(flag_q(queryset, flag))
    if age:
        queryset = queryset.filter(**age_bucket_filter(age, as_of))
    if assignee == "none":
        queryset = queryset.filter(assignee__isnull=True)
    elif assignee:
        queryset = queryset.filter(assignee__username=assignee)
    if unassessable is not None:
        queryset = queryset.filter(unassessable_since__isnull=not unassessable)
    return queryset


def after(risk_rank: int, waiting_since: datetime | None, pk: int) -> Q:
    """The cases after (`risk_rank`, `waiting_since`, `pk`) in the queue's order: a cursor's page starts
    there. The first term bounds the index's leading column."""
    same_rank = _after_in_rank(waiting_since, pk)
    return Q(risk_rank__lte=risk_rank) & (Q(risk_rank__lt=risk_rank) | Q(risk_rank=risk_rank) & same_rank)


def _after_in_rank(waiting_since: datetime | None, pk: int) -> Q:
    """Within one risk rank, the cases after (`waiting_since`, `pk`): a later wait, no wait, or the same
    wait and an older case."""
    if waiting_since is None:
        return Q(waiting_since__isnull=True, id__lt=pk)
    return (
        Q(waiting_since__gt=waiting_since)
        | Q(waiting_since__isnull=True)
        | Q(waiting_since=waiting_since, id__lt=pk)
    )


# The filters on what a case is, which go with its risk (a case waiting on the carrier is rarely owner-only):
# their cases sit low in the queue, behind hundreds of thousands of others, and the page reads them rank by
# rank (`queue_page`'s `by_rank`), each rank from the index its filter has (case_type_queue and its kin).
BY_RANK_FILTERS = frozenset({"case_type", "parcel_case_type", "next_move", "route"})


def queue_page(
    queryset: QuerySet,
    *,
    cursor: tuple | None,
    limit: int,
    by_rank: bool = False,
    either: tuple[Q, ...] = (),
) -> tuple[list[Case] | list[dict], tuple | None]:
    """One page of `queryset` in the queue's order from `cursor`, and the cursor of the next page. The rows
    are what `queryset` gives: cases, or dicts of a `.values()` queryset that has risk_rank, waiting_since
    and id among its fields. `either`: conditions of which a case meets at least one (read as branches of
    their own on PostgreSQL). One query whatever the page's length.

    `by_rank` (PostgreSQL): one branch per risk rank. Asked for the queue's order over a filter, PostgreSQL
    reads the queue's index from the top and skips every case above the first that matches, expecting the
    matches spread evenly; a filter whose cases sit low in the queue (next_move=wait) then reads most of a
    million. Each branch reads its rank from the start of the index its filter and rank single out. A
    filter spread across the queue (a supplier, a flag) is faster in one ordered scan."""
    postgresql = connections[queryset.db].vendor == "postgresql"
    if postgresql and (by_rank or either):
        rows = _page_by_rank(queryset, cursor=cursor, size=limit + 1, either=either or (Q(),))
    else:
        if either:
            queryset = queryset.filter(_any(either))
        if cursor is not None:
            queryset = queryset.filter(after(*cursor))
        rows = list(queryset.order_by(*QUEUE_ORDER)[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    if isinstance(last, dict):
        return rows[:limit], (last["risk_rank"], last["waiting_since"], last["id"])
    return rows[:limit], (last.risk_rank, last.waiting_since, last.pk)


def _any(conditions: tuple[Q, ...]) -> Q:
    found = Q()
    for condition in conditions:
        found |= condition
    return found


def _page_by_rank(queryset: QuerySet, *, cursor: tuple | None, size: int, either: tuple[Q, ...]) -> list:
    """The page as one query: a branch per risk rank (ranks above the cursor's left out, the cursor's own
    starting after it) and per condition of `either`, each the first `size` cases of its rank in the
    queue's order; merged, a case met twice once."""
    branches = []
    for rank in range(len(RISK_LEVELS) - 1, -1, -1):
        if cursor is not None and rank > cursor[0]:
            continue
        for condition in either:
            branch = queryset.filter(condition, risk_rank=rank)
            if cursor is not None and rank == cursor[0]:
                branch = branch.filter(_after_in_rank(*cursor[1:]))
            branches.append(branch.order_by(*QUEUE_ORDER[1:])[:size])
    if len(branches) == 1:  # one condition and the cursor in the lowest rank: that branch is the page
        return list(branches[0])
    merged = branches[0].union(*branches[1:], all=len(either) == 1)
    # PostgreSQL sorts NULL last in ascending order: the queue's "no wait last" (QUEUE_ORDER says it).
    return list(merged.order_by("-risk_rank", "waiting_since", "-id")[:size])
