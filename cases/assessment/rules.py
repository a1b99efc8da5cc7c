"""The assessment: rules.md applied to cases at one instant, giving packets (section 9).

Everything is a pure function of (facts, policy, as_of); nothing reads the wall clock. The single-case
rules live in derived.py (section 3), classify.py (sections 4 and 5), overlays.py (section 6, overlays
1-4) and standing.py (section 7 flags); overlays 5 and 6 count other cases in review.py; the packet's
next_assessment_at comes from schedule.py.

`assess_many` assesses `cases` in order; `peers` are other orders (on the same SKUs or suppliers) that
are counted by overlays 5 and 6 but not returned. Cases and peers are one population, deduplicated by
order_id (a case wins over a peer with its id).

next_assessment_at is the first whole second at or after the earliest instant, strictly after as_of,
at which the packet's decisions (case type, risk, next move, also, route, flags, window and whether it is
exceeded, owner approval) would differ with no new facts. A window of N days from `start` is first
exceeded one microsecond after start + N days, so for a whole-second start the packet reports
start + N days + 1 second; until then, including at start + N days exactly, nothing changes. The day
counts shown beside the decisions (window.elapsed_days, clocks, numbers in gaps and reasons) change
daily and are deliberately not watched: re-assessing every midnight to bump a counter would drown the
scheduler. It is None when nothing can change any more.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from cases.assessment import disputes
from cases.assessment import vocabulary as v
from cases.assessment.clock import ceil_to_second, require_aware, whole_days
from cases.assessment.drafts import compose_drafts
from cases.assessment.facts import CaseFacts, Tracking
from cases.assessment.guard import context_of
from cases.assessment.packet import Clocks, Packet, ParcelEntry
from cases.assessment.parcels import PARCEL_FLAGS
from cases.assessment.review import ReviewBook, Tally
from cases.assessment.schedule import Timeline, build_timeline
from cases.assessment.standing import Standing

OWNER_RISKS = frozenset({v.CHARGEBACK_WATCH, v.OWNER_ONLY})


def requires_owner_approval(risk: str, next_move: str, also: Sequence[str]) -> bool:
    """Section 7: refund reviews, chargeback watch and owner-only cases need the owner."""
    return v.PREPARE_REFUND_REVIEW in (next_move, *also) or risk in OWNER_RISKS


def _clocks(s: Standing) -> Clocks:
    d, as_of = s.derived, s.as_of

    def days(moment: datetime | None) -> int | None:
        return None if moment is None else whole_days(moment, as_of)

    if d.whole_order:  # cancelled or refunded: the order's age only (section 3a)
        return Clocks(whole_days(s.case.order.ordered_at, as_of), None, None, None)
    return Clocks(
        order_age_days=whole_days(s.case.order.ordered_at, as_of),
        tracking_age_days=days(d.label_at),
        days_since_first_scan=days(d.first_scan_at),
        days_since_last_movement=days(d.last_movement_at),
    )


def _parcel_entries(s: Standing) -> tuple[ParcelEntry, ...]:
    """Section 9's `parcels`: an order with parcels lists each (standing.py); a version-1 order its one
    tracking, whose own decisions are the case's before the overlays; an order without any, none."""
    if not s.parcels:
        tracking = s.case.tracking
        return () if tracking is None else (_parcel_entry(tracking, (), s),)
    return tuple(_parcel_entry(p.parcel.tracking, p.parcel.skus, p.standing) for p in s.parcels)


def _parcel_entry(tracking: Tracking | None, skus: tuple[str, ...], s: Standing | None) -> ParcelEntry:
    number = tracking.normalized if tracking is not None else None
    carrier = tracking.carrier if tracking is not None else None
    if s is None:
        return ParcelEntry(number, carrier, skus, superseded=True)
    return ParcelEntry(
        number,
        carrier,
        skus,
        superseded=False,
        case_type=s.case_type,
        risk_level=s.base_risk,
        next_move=s.base_move,
        window=s.window,
        clocks=_clocks(s),
        flags=tuple(sorted(s.flags & PARCEL_FLAGS)),
    )


def _packet(timeline: Timeline, product: Tally, supplier: Tally) -> Packet:
    s = timeline.standings[0]
    case = s.case

    flags = set(s.flags)
    added = list(s.also)
    reasons = list(s.reasons)
    # Overlays 5 and 6: flags and `also` only; they never move risk or the next move.
    for tally, flag, move in (
        (product, v.FLAG_PRODUCT_REVIEW, v.PAUSE_PRODUCT),
        (supplier, v.FLAG_SUPPLIER_REVIEW, v.FLAG_SUPPLIER),
    ):
        if tally.flagged:
            flags.add(flag)
            if move not in added and move != s.next_move:
                added.append(move)
            reasons.append(tally.reason)
    also = tuple(added)

    changes = [t for t in (timeline.first_change, product.flips_at, supplier.flips_at) if t is not None]
    guard = context_of(flags, s.derived)
    drafts = compose_drafts(s, s.next_move, also, guard)
    return Packet(
        order_id=case.order.order_id,
        case_type=s.case_type,
        risk_level=s.risk,
        next_move=s.next_move,
        also=also,
        route=s.route,
        window=s.window,
        clocks=_clocks(s),
        carrier=case.tracking.carrier if case.tracking is not None else None,
        flags=tuple(sorted(flags)),
        evidence_gaps=s.evidence_gaps,
        reasons=tuple(reasons),
        requires_owner_approval=requires_owner_approval(s.risk, s.next_move, also),
        policy_version=case.policy.version,
        next_assessment_at=ceil_to_second(min(changes)) if changes else None,
        draft_reply=drafts.customer,
        supplier_draft=drafts.supplier,
        draft_notes=drafts.notes,
        as_of=s.as_of,
        guard=guard,
        parcels=_parcel_entries(s),
        dispute=disputes.entry(case.disputes, s.as_of),
    )


def assess_many(
    cases: Sequence[CaseFacts],
    as_of: datetime,
    peers: Sequence[CaseFacts] = (),
    outside: Mapping[tuple[str, str], int] | None = None,
) -> list[Packet]:
    """Packets for `cases`, in order, at `as_of`; overlays 5 and 6 count over cases and peers, plus the
    `outside` counts a caller took from stored assessments (review.py), keyed (kind, group_name)."""
    require_aware(as_of)
    population: dict[str, CaseFacts] = {}
    for case in (*cases, *peers):
        population.setdefault(case.order.order_id, case)

    timelines: dict[int, Timeline] = {}
    keep_alive: list[CaseFacts] = []  # id() keys stay unique only while their objects live

    def timeline_of(case: CaseFacts) -> Timeline:
        key = id(case)
        if key not in timelines:
            keep_alive.append(case)
            timelines[key] = build_timeline(case, as_of)
        return timelines[key]

    book = ReviewBook(list(population.values()), as_of, timeline_of, outside)
    # Overlays 5 and 6 first, while the timelines they count are at hand. Then each case's timeline is let
    # go once its packet is built (and the peers' at once): fewer live objects for Python's cyclic garbage
    # collector to walk again and again while the packets pile up.
    tallies = [(book.product(case), book.supplier(case)) for case in cases]
    own = {id(case) for case in cases}
    for key in [key for key in timelines if key not in own]:
        del timelines[key]
    packets = []
    for case, (product, supplier) in zip(cases, tallies, strict=True):
        timeline = timelines.pop(id(case), None) or build_timeline(case, as_of)
        packets.append(_packet(timeline, product, supplier))
    return packets


def assess(case: CaseFacts, as_of: datetime, peers: Sequence[CaseFacts] = ()) -> Packet:
    """The packet of one case at `as_of`; `peers` are counted by overlays 5 and 6."""
    return assess_many([case], as_of, peers)[0]
