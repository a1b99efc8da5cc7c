"""The fast paths of the engine give what the definitions give (hypothesis).

- derived.History (facts sorted once, section 3 derived once per set of visible facts) equals deriving
  from scratch at that instant: filter what is visible, sort it, read it.
- schedule.build_timeline, which re-assesses only where a clock the standing read flips or a fact
  arrives, equals the definitional walk that re-assesses at every crossing of every clock a rule can
  read (the seven of rules.md sections 3 to 5) and at every fact arrival.
- review.ReviewBook's counts, with their shortcuts for cases that always or never count, equal the
  count taken instant by instant over every member's timeline.

The definitions are spelled out here on purpose, independent of the code they check.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.assessment.clock import DAY, RESOLUTION, first_exceeded_at
from cases.assessment.derived import History, normalize_country, normalize_email, normalize_postal
from cases.assessment.facts import CaseFacts, LineItem, Parcel
from cases.assessment.intents import message_intents
from cases.assessment.review import PRODUCT, SUPPLIER, ReviewBook, group_key
from cases.assessment.schedule import build_timeline
from cases.assessment.standing import assess_standing
from cases.assessment.vocabulary import (
    AT_DESTINATION,
    DELIVERED,
    DISPATCH_CLAIM,
    DISPUTED,
    INBOUND,
    INFO_RECEIVED,
    INTENTS,
    MOVEMENT_AFTER_DELIVERY,
    NO_INFORMATION,
    NOT_A_SCAN,
    OUTBOUND,
    PICKUP_PROOF,
    REFUNDED,
)
from tests.helpers.case_strategies import SETTINGS, case_facts, minutes, populations


def _unnumbered(facts: CaseFacts) -> CaseFacts:
    """The same case with a blank tracking number but its events kept (rows 8 and 9 with a first scan)."""
    if facts.tracking is None:
        return facts
    return replace(facts, tracking=replace(facts.tracking, number=" "))


# Cases of test_properties, and now and then one whose tracking has events but a blank number.
any_case = st.tuples(case_facts(), st.integers(0, 3)).map(lambda t: _unnumbered(t[0]) if t[1] == 0 else t[0])


# --- section 3 from scratch ----------------------------------------------------------------------


def _visible_sorted(items, as_of):
    return tuple(sorted((item for item in items if item.at <= as_of), key=lambda item: item.at))


def definitional_derived(case: CaseFacts, as_of: datetime) -> dict:
    order, tracking = case.order, case.tracking
    has_number = tracking is not None and bool((tracking.number or "").strip())
    all_events = tracking.events if tracking is not None else ()
    events = tuple(e for e in _visible_sorted(all_events, as_of) if e.status != NO_INFORMATION)
    labels = [e for e in events if e.status == INFO_RECEIVED]
    scans = [e for e in events if e.status not in NOT_A_SCAN]
    first_scan, last_movement = (scans[0], scans[-1]) if scans else (None, None)

    recycled = []
    if tracking is not None:
        own_email, own_postal = normalize_email(order.customer_email), normalize_postal(order.postal_code)
        for other in tracking.shared_with:
            if other.order_id == order.order_id or other.ordered_at > as_of:
                continue
            email, postal = normalize_email(other.customer_email), normalize_postal(other.postal_code)
            if (own_email and email and own_email != email) or (
                own_postal and postal and own_postal != postal
            ):
                recycled.append(other.order_id)

    mismatch = None
    order_country, order_postal = normalize_country(order.country), normalize_postal(order.postal_code)
    for e in events:
        if e.status not in AT_DESTINATION:
            continue
        country, postal = normalize_country(e.country), normalize_postal(e.postal_code)
        if (country and order_country and country != order_country) or (
            postal and order_postal and postal != order_postal
        ):
            mismatch = e
            break

    contradiction, delivered = None, None
    for e in events:
        if e.status == DELIVERED and delivered is None:
            delivered = e
        elif delivered is not None and e.status in MOVEMENT_AFTER_DELIVERY:
            contradiction = (delivered, e)
            break

    evidence = _visible_sorted(case.supplier_evidence, as_of)
    chases = _visible_sorted(case.supplier_chases, as_of)
    last_chase = chases[-1] if chases else None
    unanswered_chase = pending_chase = False
    if last_chase is not None and not any(item.at > last_chase.at for item in evidence):
        unanswered_chase = as_of - last_chase.at > case.policy.supplier_response_days * DAY
        pending_chase = not unanswered_chase

    messages = _visible_sorted(case.customer_messages, as_of)
    readings = [(m, message_intents(m)) for m in messages if m.direction == INBOUND]
    replies = [m.at for m in messages if m.direction == OUTBOUND]
    last_reply = max(replies) if replies else None

    def latest_of(kind):
        matching = [item for item in evidence if item.kind == kind]
        return matching[-1] if matching else None

    cutoff = order.ordered_at - timedelta(hours=24)

    def dated(moment):
        return moment if moment is not None and moment <= as_of else None

    payment = "paid" if order.payment_state == "cash_on_delivery" else order.payment_state
    return {
        "as_of": as_of,
        "cancelled_at": dated(order.cancelled_at),
        "refunded": payment == REFUNDED,
        "fulfilled_at": dated(order.fulfilled_at),
        "has_number": has_number,
        "events": events,
        "label_at": labels[0].at if labels else None,
        "first_scan": first_scan,
        "last_movement": last_movement,
        "latest": events[-1] if events else None,
        "recycled_with": tuple(recycled),
        "predating_event": next((e for e in events if e.at < cutoff), None),
        "checksum_invalid": bool(tracking is not None and has_number and tracking.checksum_invalid),
        "fits_no_format": bool(has_number and tracking.fits_no_format and not events),
        "approximate": any(e.approximate for e in events),
        "mismatch_event": mismatch,
        "contradiction": contradiction,
        "evidence": evidence,
        "pickup_proof": latest_of(PICKUP_PROOF),
        "dispatch_claim": latest_of(DISPATCH_CLAIM),
        "last_chase": last_chase,
        "chase_unanswered": unanswered_chase,
        "chase_pending": pending_chase,
        "readings": tuple(readings),
        "inbound_with": {i: tuple(m for m, intents in readings if i in intents) for i in INTENTS},
        "unanswered": tuple(m for m, _ in readings if last_reply is None or m.at > last_reply),
        "payment_disputed": payment == DISPUTED,
    }


def fast_derived(history: History, as_of: datetime) -> dict:
    d = history.at(as_of)
    fields = {
        name: getattr(d, name) for name in definitional_derived(history.case, as_of) if hasattr(d, name)
    }
    fields["readings"] = tuple((r.message, r.intents) for r in d.readings)
    fields["inbound_with"] = {i: d.inbound_with(i) for i in INTENTS}
    return fields


def fact_times(case: CaseFacts) -> list[datetime]:
    tracking = case.tracking
    times = [item.at for item in (*case.supplier_evidence, *case.supplier_chases, *case.customer_messages)]
    if tracking is not None:
        times += [e.at for e in tracking.events] + [s.ordered_at for s in tracking.shared_with]
    # The order's own dated facts (rules.md section 1): a cancellation or fulfilment after as_of is a clock.
    times += [t for t in (case.order.cancelled_at, case.order.fulfilled_at) if t is not None]
    return times


@SETTINGS
@given(facts=any_case, instants=st.lists(minutes(-4, 32), min_size=1, max_size=4))
def test_history_derives_what_section_3_derives_from_scratch(facts, instants):
    history = History(facts)  # one history read at many instants, in any order, as the scheduler may
    edges = [t + step for t in fact_times(facts) for step in (-RESOLUTION, timedelta(0), RESOLUTION)]
    for as_of in [*instants, *edges, *instants]:
        assert fast_derived(history, as_of) == definitional_derived(facts, as_of), as_of


# --- the definitional walk of next_assessment_at -----------------------------------------------------


def every_candidate(case: CaseFacts, as_of: datetime) -> datetime | None:
    """The earliest instant after as_of at which any fact arrives or any clock of any rule is crossed."""
    d, policy, order = assess_standing(case, as_of).derived, case.policy, case.order
    starts = [
        (order.ordered_at, policy.processing_window_days),
        (d.label_at or order.ordered_at, policy.label_created_max_days),
    ]
    if d.last_movement is not None:
        for days in (
            policy.accepted_no_movement_days,
            policy.stale_in_transit_days,
            policy.lost_package_days,
        ):
            starts.append((d.last_movement.at, days))
    if d.latest is not None:
        starts.append((d.latest.at, policy.exception_grace_days))
    if d.last_chase is not None:
        starts.append((d.last_chase.at, policy.supplier_response_days))
    # Every fact's arrival, no_information events too: re-assessing where nothing changes is harmless.
    candidates = [first_exceeded_at(start, days) for start, days in starts] + fact_times(case)
    later = [t for t in candidates if t > as_of]
    return min(later) if later else None


def definitional_timeline(case: CaseFacts, as_of: datetime) -> list[tuple[datetime, tuple]]:
    current = assess_standing(case, as_of)
    changes = [(as_of, current.key())]
    for _ in range(1000):
        moment = every_candidate(case, current.as_of)
        if moment is None:
            return changes
        current = assess_standing(case, moment)
        if current.key() != changes[-1][1]:
            changes.append((moment, current.key()))
    raise AssertionError("the definitional walk did not settle")


@SETTINGS
@given(facts=any_case, as_of=minutes(-2, 31))
def test_timeline_equals_the_walk_over_every_clock_and_fact(facts, as_of):
    timeline = build_timeline(facts, as_of)
    fast = [
        (moment, standing.key())
        for moment, standing in zip(timeline.instants, timeline.standings, strict=True)
    ]
    assert fast == definitional_timeline(facts, as_of)
    for moment, standing in zip(timeline.instants, timeline.standings, strict=True):
        assert standing.reasons == assess_standing(facts, moment).reasons


# --- overlays 5 and 6, counted instant by instant ---------------------------------------------------


def definitional_tally(kind: str, case: CaseFacts, population, as_of: datetime, timelines) -> tuple:
    """(count at as_of, first instant the flag flips) from every member's timeline, point by point."""
    policy = case.policy

    def name_of(c):
        return c.order.sku if kind == PRODUCT else c.order.supplier

    days = policy.product_review_days if kind == PRODUCT else policy.supplier_review_days
    threshold = policy.product_review_threshold if kind == PRODUCT else policy.supplier_flag_threshold
    key = group_key(name_of(case), case.order.order_id)
    members = [m for m in population if group_key(name_of(m), m.order.order_id) == key]
    qualify_at: list = []
    points = {as_of}
    for member in members:
        enter = member.order.ordered_at
        leave = enter + days * DAY + RESOLUTION
        timeline = timelines[id(member)]
        points |= {t for t in (*timeline.instants, enter, leave) if t >= as_of}

        def qualifies(moment, timeline=timeline, enter=enter, leave=leave):
            if not enter <= moment < leave:
                return False
            s = timeline.at(moment)
            return s.is_problem if kind == PRODUCT else s.is_supplier_stuck

        qualify_at.append(qualifies)
    counts = defaultdict(int)
    for moment in points:
        counts[moment] = sum(qualifies(moment) for qualifies in qualify_at)
    flagged = counts[as_of] >= threshold
    flips = sorted(t for t in points if (counts[t] >= threshold) != flagged)
    return counts[as_of], (flips[0] if flips else None)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(population=populations(), as_of=minutes(-2, 31), edge=st.sampled_from(("", "enter", "leave")))
def test_review_counts_equal_the_count_taken_instant_by_instant(population, as_of, edge):
    if edge:  # as_of exactly at an order's entry to, or at the last instant inside, a review window
        order, policy = population[0].order, population[0].policy
        as_of = order.ordered_at
        if edge == "leave":
            as_of += policy.product_review_days * DAY
    timelines = {id(c): build_timeline(c, as_of) for c in population}
    book = ReviewBook(population, as_of, lambda c: timelines[id(c)])
    for case in population:
        for kind, tally in ((PRODUCT, book.product(case)), (SUPPLIER, book.supplier(case))):
            expected = definitional_tally(kind, case, population, as_of, timelines)
            assert (tally.count, tally.flips_at) == expected


# --- an order with parcels (rules.md section 3a) ---------------------------------------------------------


def _with_parcels(first: CaseFacts, second: CaseFacts, names: int, superseded: datetime | None) -> CaseFacts:
    """`first`'s order with two parcels: its own tracking and `second`'s, naming SKUs as `names` says (0:
    none, 1: the first names its item only, 2: each names its own), the second superseded at `superseded`."""
    order = first.order
    items = (LineItem(order.sku, order.supplier), LineItem(order.sku + "-B", "Supplier B"))
    skus = {0: ((), ()), 1: ((items[0].key,), ()), 2: ((items[0].key,), (items[1].key,))}[names]
    return replace(
        first,
        order=replace(order, line_items=items),
        tracking=None,
        parcels=(Parcel(first.tracking, skus[0]), Parcel(second.tracking, skus[1], superseded)),
    )


def every_parcel_candidate(case: CaseFacts, as_of: datetime) -> datetime | None:
    """The earliest instant after as_of at which any parcel's clock or fact, or a supersession, comes."""
    parts = [replace(case, tracking=p.tracking, parcels=()) for p in case.parcels]
    candidates = [every_candidate(part, as_of) for part in parts]
    candidates += [p.superseded_at for p in case.parcels if p.superseded_at is not None]
    later = [t for t in candidates if t is not None and t > as_of]
    return min(later) if later else None


@SETTINGS
@given(
    first=case_facts(),
    second=case_facts(),
    names=st.integers(0, 2),
    superseded=st.one_of(st.none(), minutes(-2, 31)),
    as_of=minutes(-2, 31),
)
def test_an_orders_timeline_equals_the_walk_over_every_parcels_clocks(
    first, second, names, superseded, as_of
):
    facts = _with_parcels(first, second, names, superseded)
    timeline = build_timeline(facts, as_of)
    fast = [(m, s.key()) for m, s in zip(timeline.instants, timeline.standings, strict=True)]
    current = assess_standing(facts, as_of)
    walk = [(as_of, current.key())]
    for _ in range(1000):
        moment = every_parcel_candidate(facts, current.as_of)
        if moment is None:
            break
        current = assess_standing(facts, moment)
        if current.key() != walk[-1][1]:
            walk.append((moment, current.key()))
    assert fast == walk
