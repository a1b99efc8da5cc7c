"""Storing assessments: run the pure rules over facts from the database and write each case's packet.

Two callers: facts arrived for some orders (`refresh_cases`, from imports, the webhook, the admin), and
time passed (`sweep_due_cases`, from beat). Both recompute from facts, so running either twice changes
nothing the second time; both write only the cases whose packet changed, in one statement per batch.

A large orders import creates no case in its transaction: it records a `CaseBacklog` row
(`record_case_backlog`), and the cases are created with their first assessment right after it commits
(`work_case_backlog`, from a task, else from the sweep). Until then such an order has no case: the queue
does not list it yet, the order's admin page says its case is being created, and facts that arrive for it
(the webhook) create and assess its case at once (`refresh_cases`) or are read when the backlog does.

A case that cannot be assessed (a stored time that cannot be read back, a rule that raises) never stops
the others: `reassess` runs each batch under a savepoint and, when it fails, splits it until the failing
cases stand alone (`_isolated`). Each of those is recorded (`record_unassessable`: an audit event when
the reason is new, `Case.unassessable_since` and `unassessable_reason`, next try an hour later), and the
next assessment that succeeds clears it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

import orjson
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from cases.assessment import assess_many
from cases.assessment.facts import CaseFacts
from cases.choices import CaseStatus, RiskLevel
from cases.models import Case, CaseBacklog, LineItem, Order
from cases.packets import counted_item, item_key
from cases.selectors.case_states import CaseState, case_states
from cases.selectors.facts import facts_for_orders
from cases.selectors.review_counts import StoredReviewCounts, stored_review_counts
from cases.services.audit import Target, audit_events
from policies.selectors import PolicyBook, active_policy_book
from staletrack.batches import chunked, without_gc_pauses
from staletrack.celery import queue_after_commit
from staletrack.job_reports import SWEEP, record_job

T = TypeVar("T")

logger = logging.getLogger(__name__)

SWEEP_BATCH = 1000
REASSESS_CHUNK = 1000  # orders per reassess_cases_task
BACKLOG_BATCH = 1000  # cases created and assessed per transaction when a backlog is worked off
# A backlog row this old is taken up by the sweep: its task was lost (a broker that was down, a worker
# that died) or is still running (then the two share the work, a batch at a time).
BACKLOG_GRACE = timedelta(minutes=1)
# A case that cannot be assessed is tried again this much later (new facts try it at once), not at every
# sweep: the reason is recorded, and one failing case must not cost every sweep a split batch.
UNASSESSABLE_RETRY = timedelta(hours=1)
MAX_REASON = 1000  # characters of an exception's text kept as the reason
# Errors that are no case's fault: the connection or the worker is going away. They end the batch (its
# transaction rolls back whole and the next sweep does it again), never a case.
NOT_THE_CASE = (OperationalError, InterfaceError, SoftTimeLimitExceeded, TimeLimitExceeded)
STORED = (
    "case_type",
    "parcel_case_types",
    "counted_product",
    "risk_level",
    "risk_rank",
    "next_move",
    "also",
    "route",
    "flags",
    "window",
    "clocks",
    "packet",
    "packet_digest",
    "requires_owner_approval",
    "waiting_since",
    "assessed_at",
    "next_assessment_at",
    "policy_id",
)
CLEARED = ("unassessable_since", "unassessable_reason")  # set by record_unassessable, cleared by a write


@dataclass
class AssessmentRun:
    assessed: int = 0
    written: int = 0  # cases whose packet changed
    changed: int = 0  # cases whose case type or risk changed (each has an audit event)
    batches: int = 0
    order_pks: list[int] = field(default_factory=list)
    cases_created: int = 0  # by working off case backlogs (the sweep)
    unassessable: int = 0  # cases that could not be assessed (each recorded, the others went on)

    def add(self, other: AssessmentRun) -> None:
        self.assessed += other.assessed
        self.written += other.written
        self.changed += other.changed
        self.batches += other.batches
        self.unassessable += other.unassessable

    def summary(self) -> dict:
        """What a sweep did, as its task returns it and the home page reads it (`JobReport`)."""
        counts = {
            "assessed": self.assessed,
            "written": self.written,
            "changed": self.changed,
            "batches": self.batches,
            "cases_created": self.cases_created,
        }
        if self.unassessable:  # each recorded on its case (and audited); the others were assessed
            counts["unassessable"] = self.unassessable
        return counts


def packets_for_orders(
    order_pks: Iterable[int], as_of: datetime, *, on_failure: Callable[[int, Exception], None] | None = None
) -> list[dict]:
    """Fresh packets for these orders at `as_of`, nothing written (the `packet` command). With
    `on_failure`, an order that cannot be assessed (a stored fact that cannot be read, a rule that fails on
    it) is handed to it with its error and the others still get their packets; without, the error rises."""
    order_pks = list(order_pks)
    try:
        loaded = facts_for_orders(order_pks, as_of)
        return [packet.to_dict() for packet in assess_many(loaded.facts, as_of, peers=loaded.peers)]
    except Exception as error:
        if on_failure is None or isinstance(error, NOT_THE_CASE):
            raise
        if len(order_pks) == 1:
            on_failure(order_pks[0], error)
            return []
    # One by one, only after the whole set failed: the common case reads every order at once.
    packets = []
    for pk in order_pks:
        packets += packets_for_orders([pk], as_of, on_failure=on_failure)
    return packets


@transaction.atomic
def refresh_cases(order_pks: Iterable[int], *, as_of: datetime | None = None, via: str = "assessment") -> int:
    """Facts arrived: assess these orders' cases at `as_of` (default now), creating missing cases.
    Returns how many cases changed case type or risk."""
    order_pks = list(order_pks)
    for chunk in chunked(order_pks):
        Case.objects.bulk_create([Case(order_id=pk) for pk in chunk], ignore_conflicts=True)
    return reassess(order_pks, as_of=as_of or timezone.now(), via=via).changed


def queue_reassessment(order_pks: Iterable[int], *, new_cases: bool = False) -> None:
    """Facts arrived for these orders (an import, the webhook): re-assess their cases after commit, one
    task per `REASSESS_CHUNK` orders.

    Inside the caller's transaction their open cases also become due now: the task does the work at once,
    and if it is never delivered (a broker that is down) the next sweep does it: nothing is lost.
    `new_cases`: the cases were created in this transaction, never assessed, so the sweep finds them
    without being told."""
    order_pks = list(order_pks)
    if not new_cases:
        make_due(order_pks, timezone.now())
    for start in range(0, len(order_pks), REASSESS_CHUNK):
        queue_after_commit("cases.tasks.reassess_cases_task", order_pks[start : start + REASSESS_CHUNK])


def record_case_backlog(order_pks: Sequence[int]) -> CaseBacklog | None:
    """New orders whose cases are created after the caller's transaction commits, not in it (a large
    import: creating a case per order would double its write). Inside that transaction: one
    `CaseBacklog` row for their primary-key range; after commit, a task creates the cases with their first
    assessment (`work_case_backlog`). A task that never arrives costs a sweep's delay: the sweep works off
    backlog rows older than `BACKLOG_GRACE`. Until then each order simply has no case yet."""
    if not order_pks:
        return None
    backlog = CaseBacklog.objects.create(first_order_pk=min(order_pks), last_order_pk=max(order_pks))
    queue_after_commit("cases.tasks.create_backlog_cases_task", backlog.pk)
    return backlog


def work_case_backlog(
    backlog_pk: int, *, as_of: datetime | None = None, batch_size: int = BACKLOG_BATCH
) -> int:
    """Create the missing cases of backlog `backlog_pk`'s orders and assess them (at `as_of`, default the
    time of each batch), `batch_size` orders per transaction, in primary-key order; delete the row once
    none is left. Returns how many cases this call created.

    Each batch locks the row (skipping it when another worker holds it: that one carries on) and moves
    `first_order_pk` past what it did, so a worker that dies loses one batch at most and whoever takes
    the row next goes on from there. A case created meanwhile by someone else (the webhook's re-assessment
    creates the case it needs) is left as it is: only orders without a case are taken."""
    created = 0
    while True:
        with transaction.atomic():
            backlog = CaseBacklog.objects.select_for_update(skip_locked=True).filter(pk=backlog_pk).first()
            if backlog is None:
                return created  # done, or another worker is on it right now
            order_pks = list(
                Order.objects.filter(
                    pk__gte=backlog.first_order_pk, pk__lte=backlog.last_order_pk, case__isnull=True
                )
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not order_pks:
                backlog.delete()
                return created
            Case.objects.bulk_create([Case(order_id=pk) for pk in order_pks], ignore_conflicts=True)
            reassess(order_pks, as_of=as_of or timezone.now(), via="case_backlog")
            CaseBacklog.objects.filter(pk=backlog.pk).update(first_order_pk=order_pks[-1] + 1)
            created += len(order_pks)


def work_case_backlogs(*, older_than: datetime, as_of: datetime | None = None) -> int:
    """Work off every backlog row created at or before `older_than` (the sweep: their task was lost or
    is slow). One small query when there is none. Returns how many cases were created."""
    pks = list(CaseBacklog.objects.filter(created_at__lte=older_than).values_list("pk", flat=True))
    return sum(work_case_backlog(pk, as_of=as_of) for pk in pks)


def make_due(order_pks: list[int], now: datetime) -> int:
    """Bring the next assessment of these orders' open cases forward to `now` (never back)."""
    due = 0
    for chunk in chunked(order_pks):
        due += (
            Case.objects.filter(order_id__in=chunk, status=CaseStatus.OPEN)
            .filter(Q(next_assessment_at__isnull=True) | Q(next_assessment_at__gt=now))
            .update(next_assessment_at=now)
        )
    return due


def sweep_due_cases(
    *, as_of: datetime | None = None, batch_size: int = SWEEP_BATCH, max_batches: int | None = None
) -> AssessmentRun:
    """Time passed: re-assess open cases whose next assessment time is due (or that were never assessed).

    The sweep lists the orders of every case due at `as_of` once (`due_order_pks`), then works through
    them in order, `batch_size` at a time: neighbouring orders keep their orders, tracking and case rows
    on neighbouring pages, so a batch reads far fewer pages than the same number of cases taken in due
    order, one random page each (benchmarks/bench_sweep: about a third less database time per case).

    Each batch is its own transaction, so a sweep that dies half way has written whole batches and the
    next sweep picks up what is still due. A batch is claimed with SKIP LOCKED and re-checked against
    `as_of`, so two sweeps at once split the work instead of doubling it (SQLite has one writer at a time
    anyway), and a case another sweep has just re-assessed is no longer due. Every listed case is looked
    at once, so a sweep always ends.

    First, backlog rows older than `BACKLOG_GRACE` (their task was lost) get their cases
    (`work_case_backlogs`): a query on that small table, never a scan of the orders. Last, what the sweep did
    is recorded for the home page (`record_job`, one row replaced each time).
    """
    started_at = timezone.now()
    as_of = as_of or started_at
    total = AssessmentRun()
    total.cases_created = work_case_backlogs(older_than=as_of - BACKLOG_GRACE, as_of=as_of)
    wake_held_cases(as_of)
    book = active_policy_book()
    counts = None  # taken once, at the first batch: a sweep with nothing due never counts
    order_pks = due_order_pks(as_of)
    for start in range(0, len(order_pks), batch_size):
        if max_batches is not None and total.batches >= max_batches:
            break
        with transaction.atomic(), without_gc_pauses():
            _commit_without_waiting_for_disk()
            states = _claim_due(order_pks[start : start + batch_size], as_of)
            if not states:
                continue  # another sweep has them, or has done them
            counts = counts or stored_review_counts(as_of, book)
            total.add(
                reassess(list(states), as_of=as_of, via="sweep", book=book, counts=counts, states=states)
            )
    record_job(SWEEP, started_at=started_at, summary=total.summary())
    return total


# Never assessed, and not tried and failed either: such a case waits for its next assessment time.
NEVER_ASSESSED = Q(assessed_at__isnull=True, unassessable_since__isnull=True)


def due_order_pks(as_of: datetime) -> array:
    """The orders of the open cases due at `as_of` or never assessed, in order (the due and
    never-assessed indexes; nothing due is one index probe each). An array of 8-byte integers, not a
    list, read in chunks: a million due cases (every case after a policy change) hold 8 MB, not 115."""
    return array(
        "q",
        Case.objects.filter(status=CaseStatus.OPEN)
        .filter(NEVER_ASSESSED | Q(next_assessment_at__lte=as_of))
        .order_by("order_id")
        .values_list("order_id", flat=True)
        .iterator(chunk_size=20_000),
    )


def _commit_without_waiting_for_disk() -> None:
    """A sweep batch need not wait for its commit to reach the disk: if the server crashed right after,
    the batch would be lost whole (never half), its cases would still be due, and the next sweep would
    write the same packets and audit events again. The database stays consistent either way."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


@transaction.atomic
def wake_held_cases(as_of: datetime) -> int:
    """A held case comes back to the queue on its review date, due for re-assessment at once."""
    woken = list(
        Case.objects.select_for_update(skip_locked=True)
        .filter(status=CaseStatus.HELD, held_until__lte=as_of)
        .select_related("order")
    )
    if not woken:
        return 0
    Case.objects.filter(pk__in=[case.pk for case in woken]).update(
        status=CaseStatus.OPEN, next_assessment_at=as_of
    )
    audit_events(
        {
            "action": "hold_ended",
            "obj": case,
            "via": "sweep",
            "changes": {"status": [CaseStatus.HELD, CaseStatus.OPEN]},
            "reason": f"review date {case.held_until.isoformat()} reached: {case.hold_reason}",
            "at": as_of,
        }
        for case in woken
    )
    return len(woken)


SWEEP_LOCKS = 0x5357  # the advisory-lock namespace of sweep batches ("SW")


def _claim_due(order_pks: Sequence[int], as_of: datetime) -> dict[int, CaseState]:
    """Lock the cases of these orders that are still due, skipping those another sweep holds; their stored
    states, by order.

    On PostgreSQL a batch is first taken whole with an advisory lock on its first order: two sweeps
    listing the same due cases cut the same batches, and the second skips a batch the first is working
    on instead of taking every other row of it (halving both sweeps' batches). The row locks taken
    with the states still decide which cases each one gets when their lists differ."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_try_advisory_xact_lock(%s, mod(%s, 2147483647)::integer)",
                [SWEEP_LOCKS, order_pks[0]],
            )
            if not cursor.fetchone()[0]:
                return {}
    parts, failures = _isolated(list(order_pks), lambda pks: case_states(pks, due_at=as_of))
    if failures:  # a stored time of the order that cannot be read back: the others are claimed
        record_unassessable(failures, as_of=as_of, via="sweep")
    return {pk: state for part in parts for pk, state in part.items()}


def reassess(
    order_pks: list[int],
    *,
    as_of: datetime,
    via: str,
    book: PolicyBook | None = None,
    counts: StoredReviewCounts | None = None,
    states: dict[int, CaseState] | None = None,
) -> AssessmentRun:
    """Assess the cases of these orders and write the ones whose packet changed; record each change of
    case type or risk in the audit trail. Review counts (overlays 5-6) come from the stored cases of the
    other orders (`counts`, else taken for these orders' SKUs and suppliers). `states`: the cases' stored
    states when the caller has read them already (a sweep's claim). Call inside a transaction.

    A case that cannot be assessed is recorded (`record_unassessable`) and the others are assessed all
    the same (`_isolated`): the batch runs under one savepoint, which is all a batch without a failure
    costs more."""
    book = book or active_policy_book()
    if counts is None:
        counts = stored_review_counts(
            as_of,
            book,
            product_ids=set(Order.objects.filter(pk__in=order_pks).values_list("product_id", flat=True)),
            supplier_ids=set(
                Order.objects.filter(pk__in=order_pks).values_list("product__supplier_id", flat=True)
            ),
        )

    def assess(pks: list[int]) -> AssessmentRun:
        chosen = states if states is None or len(pks) == len(order_pks) else {pk: states[pk] for pk in pks}
        return _reassess(pks, as_of=as_of, via=via, book=book, counts=counts, states=chosen)

    parts, failures = _isolated(list(order_pks), assess)
    if len(parts) == 1 and not failures:
        return parts[0]
    run = AssessmentRun(batches=1)
    for part in parts:
        run.add(part)
        run.order_pks += part.order_pks
    run.batches = 1
    if failures:
        run.unassessable = record_unassessable(failures, as_of=as_of, via=via)
    return run


def _isolated(order_pks: list[int], work: Callable[[list[int]], T]) -> tuple[list[T], dict[int, Exception]]:
    """`work(order_pks)` under a savepoint; when it raises for something a case can cause, the savepoint
    is rolled back and each half is tried again the same way, down to single cases. A batch with one
    failing case costs about 2 log2(n) smaller batches, not n. Returns the results of the parts that
    succeeded and the exception of each order whose case failed alone."""
    try:
        with transaction.atomic():
            return [work(order_pks)], {}
    except NOT_THE_CASE:
        raise
    except Exception as exc:
        if len(order_pks) == 1:
            return [], {order_pks[0]: exc}
    middle = len(order_pks) // 2
    results, failures = [], {}
    for half in (order_pks[:middle], order_pks[middle:]):
        done, failed = _isolated(half, work)
        results += done
        failures.update(failed)
    return results, failures


def _reassess(
    order_pks: list[int],
    *,
    as_of: datetime,
    via: str,
    book: PolicyBook,
    counts: StoredReviewCounts,
    states: dict[int, CaseState] | None,
) -> AssessmentRun:
    loaded = facts_for_orders(order_pks, as_of, book, with_peers=False)
    states = case_states(order_pks) if states is None else states
    run = AssessmentRun(assessed=len(loaded.facts), batches=1)
    rows, audits, written = [], [], []
    packets = assess_many(loaded.facts, as_of, outside=counts.outside(states.values()))
    for facts, packet in zip(loaded.facts, packets, strict=True):
        data = packet.to_dict()
        state = states[loaded.order_pks[data["order_id"]]]
        values = stored_values(data, as_of, waiting_since(facts, as_of), book.policy.pk)
        if _unchanged(state, values):
            continue
        rows.append({"id": state.pk, **values})
        written.append(state.order_pk)
        if (state.case_type, state.risk_level) != (data["case_type"], data["risk_level"]):
            audits.append(
                {
                    "action": "case_assessed",
                    "obj": Target(Case, state.pk, state.label),
                    "via": via,
                    "changes": {
                        "case_type": [state.case_type or None, data["case_type"]],
                        "risk_level": [state.risk_level or None, data["risk_level"]],
                    },
                    "reason": "; ".join(data["reasons"]),
                    "at": as_of,
                }
            )
        if state.unassessable:
            audits.append(
                {
                    "action": "case_assessable_again",
                    "obj": Target(Case, state.pk, state.label),
                    "via": via,
                    "changes": {"unassessable": [True, False]},
                    "reason": "The case could be assessed again.",
                    "at": as_of,
                }
            )
    write_cases(rows)
    audit_events(audits)
    run.written = len(rows)
    run.changed = sum(1 for audit in audits if audit["action"] == "case_assessed")
    run.order_pks = written
    return run


def unassessable_reason(exc: BaseException) -> str:
    """What the case page and the audit trail say of a failed assessment: the error's kind and text."""
    text = " ".join(str(exc).split()) or "no message"
    return f"{type(exc).__name__}: {text}"[:MAX_REASON]


def record_unassessable(failures: dict[int, BaseException], *, as_of: datetime, via: str) -> int:
    """These orders' cases could not be assessed at `as_of`: set `unassessable_since` (kept from the
    first failure) and `unassessable_reason`, try again `UNASSESSABLE_RETRY` later, and write a
    `case_unassessable` audit event for each case whose reason is new (a case failing the same way at
    every try is audited once). Reads no stored time of the case: one of them may be what failed.
    Returns how many cases were recorded."""
    rows = list(
        Case.objects.filter(order_id__in=list(failures)).values_list(
            "pk", "order_id", "order__order_id", "unassessable_reason"
        )
    )
    audits = []
    for pk, order_pk, order_id, stored in rows:
        reason = unassessable_reason(failures[order_pk])
        logger.warning("Case %s (order %s) cannot be assessed: %s", pk, order_id, reason)
        Case.objects.filter(pk=pk, unassessable_since__isnull=True).update(unassessable_since=as_of)
        Case.objects.filter(pk=pk).update(
            unassessable_reason=reason, next_assessment_at=as_of + UNASSESSABLE_RETRY
        )
        if stored != reason:
            audits.append(
                {
                    "action": "case_unassessable",
                    "obj": Target(Case, pk, f"Case {order_id}"),
                    "via": via,
                    "changes": {"unassessable_reason": [stored or None, reason]},
                    "reason": reason,
                    "at": as_of,
                }
            )
    audit_events(audits)
    return len(rows)


def waiting_since(facts: CaseFacts, as_of: datetime) -> datetime | None:
    """The oldest inbound message newer than the latest outbound one (rules.md section 3: unanswered),
    so the queue can put the longest-waiting customer first."""
    seen = [m for m in facts.customer_messages if m.at <= as_of]
    answered = max((m.at for m in seen if m.direction == "outbound"), default=None)
    return min(
        (m.at for m in seen if m.direction == "inbound" and (answered is None or m.at > answered)),
        default=None,
    )


def _unchanged(state: CaseState, values: dict) -> bool:
    """Nothing to write but the time of assessment. The stored next assessment time counts too: a case
    woken from a hold, or otherwise made due, must get a new one, or the sweep would claim it again."""
    return (
        state.assessed_at is not None
        and not state.unassessable
        and state.policy_id == values["policy_id"]
        and state.packet_digest == values["packet_digest"]
        and state.waiting_since == values["waiting_since"]
        and state.next_assessment_at == values["next_assessment_at"]
    )


def encode_packet(data: dict) -> tuple[str, str]:
    """(the packet as JSON, its digest). The digest is what "the packet changed" means: a hash of
    everything but the instant it was computed at. One serialization (orjson: a sweep encodes every
    packet it computes) serves both."""
    body = orjson.dumps(
        {key: value for key, value in data.items() if key != "as_of"},
        option=orjson.OPT_SORT_KEYS,
        default=str,
    )
    digest = hashlib.blake2b(body, digest_size=16).hexdigest()
    return body[:-1].decode() + ',"as_of":' + json.dumps(data["as_of"]) + "}", digest


def stored_values(data: dict, as_of: datetime, waiting: datetime | None, policy_id: int) -> dict:
    """The Case columns a packet sets (the queue sorts and filters on them without reading the packet),
    plus "packet_json", the packet as the PostgreSQL writer sends it, and "counted_item", the item key
    `write_cases` resolves to `Case.counted_product`."""
    packet_json, digest = encode_packet(data)
    return {
        "case_type": data["case_type"],
        "risk_level": data["risk_level"],
        "risk_rank": RiskLevel.rank(data["risk_level"]),
        "next_move": data["next_move"],
        "also": data["also"],
        "route": data["route"] or "",
        "flags": data["flags"],
        "parcel_case_types": parcel_case_types(data),
        "counted_item": counted_item(data),
        "window": data["window"],
        "clocks": data["clocks"],
        "packet": data,
        "packet_json": packet_json,
        "packet_digest": digest,
        "requires_owner_approval": data["requires_owner_approval"],
        "waiting_since": waiting,
        "assessed_at": as_of,
        "next_assessment_at": (
            datetime.fromisoformat(data["next_assessment_at"]) if data["next_assessment_at"] else None
        ),
        "policy_id": policy_id,
    }


def parcel_case_types(data: dict) -> list[str]:
    """The case types of an order's assessed parcels when it has several (rules.md section 3a), sorted;
    none for an order of one parcel, whose case type is the case's."""
    parcels = data.get("parcels") or []
    if len(parcels) < 2:
        return []
    return sorted({parcel["case_type"] for parcel in parcels if parcel.get("case_type")})


def counted_products(rows: list[dict]) -> dict[int, int]:
    """Case id -> the product its case counts for (`Case.counted_product`, rules.md section 3a), for the
    rows whose headline parcel names an item other than the order's first: the product of the order's
    line item with that key. One query for the batch, only when some order of it is in several parcels.
    A key no line item has counts for the first item (as the engine's `_item` does): no entry."""
    wanted = {row["id"]: item_key(row["counted_item"]) for row in rows if row.get("counted_item")}
    if not wanted:
        return {}
    items: dict[int, list[tuple[str, int]]] = {}
    for case_pk, sku, product_pk in (
        LineItem.objects.filter(order__case__id__in=list(wanted))
        .order_by("order_id", "position")
        .values_list("order__case__id", "product__sku", "product_id")
    ):
        items.setdefault(case_pk, []).append((item_key(sku), product_pk))
    counted = {}
    for case_pk, key in wanted.items():
        found = next((i for i, (sku, _) in enumerate(items.get(case_pk, ())) if sku == key), None)
        if found:  # not the first item (the order's product), nor none
            counted[case_pk] = items[case_pk][found][1]
    return counted


def write_cases(rows: list[dict]) -> None:
    """One UPDATE per batch of `stored_values` rows (with "id"). On PostgreSQL the rows travel as one
    JSON document joined with jsonb_to_recordset; Django's bulk_update does the same on SQLite. A case
    written was assessed: a failure recorded before is cleared (`CLEARED`). The product each case counts
    for is set with it (`counted_products`: one more query when an order of the batch is in several
    parcels)."""
    if not rows:
        return
    counted = counted_products(rows)
    if connection.vendor != "postgresql":
        now = timezone.now()
        cases = [
            Case(
                pk=row["id"],
                updated_at=now,
                unassessable_since=None,
                unassessable_reason="",
                counted_product_id=counted.get(row["id"]),
                **{k: v for k, v in row.items() if k not in ("id", "packet_json", "counted_item")},
            )
            for row in rows
        ]
        Case.objects.bulk_update(cases, [*STORED, *CLEARED, "updated_at"], batch_size=500)
        return
    # The queue's columns are read out of the packet by the server: each packet is sent and parsed once,
    # as encoded for its digest.
    document = "[" + ",".join(_document_row(row, counted.get(row["id"])) for row in rows) + "]"
    table = Case._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} AS c SET
                case_type = v.packet->>'case_type', risk_level = v.packet->>'risk_level',
                risk_rank = v.risk_rank, next_move = v.packet->>'next_move', also = v.packet->'also',
                route = coalesce(v.packet->>'route', ''), flags = v.packet->'flags',
                parcel_case_types = v.parcel_case_types, counted_product_id = v.counted_product_id,
                "window" = nullif(v.packet->'window', 'null'::jsonb), clocks = v.packet->'clocks',
                packet = v.packet, packet_digest = v.packet_digest,
                requires_owner_approval = (v.packet->>'requires_owner_approval')::boolean,
                waiting_since = v.waiting_since, assessed_at = v.assessed_at,
                next_assessment_at = (v.packet->>'next_assessment_at')::timestamptz,
                policy_id = v.policy_id, unassessable_since = NULL, unassessable_reason = '',
                updated_at = now()
            FROM jsonb_to_recordset(%s::jsonb) AS v(
                id bigint, packet jsonb, packet_digest text, risk_rank smallint, waiting_since timestamptz,
                assessed_at timestamptz, policy_id bigint, parcel_case_types jsonb, counted_product_id bigint
            )
            WHERE c.id = v.id
            """,
            [document],
        )


def _document_row(row: dict, counted_product_id: int | None) -> str:
    waiting = json.dumps(row["waiting_since"].isoformat()) if row["waiting_since"] else "null"
    return (
        f'{{"id":{int(row["id"])},"packet":{row["packet_json"]},"packet_digest":"{row["packet_digest"]}",'
        f'"risk_rank":{int(row["risk_rank"])},"waiting_since":{waiting},'
        f'"assessed_at":"{row["assessed_at"].isoformat()}","policy_id":{json.dumps(row["policy_id"])},'
        f'"parcel_case_types":{json.dumps(row["parcel_case_types"])},'
        f'"counted_product_id":{json.dumps(counted_product_id)}}}'
    )
