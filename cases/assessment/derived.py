"""Facts derived from the input (rules.md section 3), as seen at one instant `as_of`.

Only what has happened by `as_of` exists (section 1): tracking events, supplier evidence, supplier chases
and customer messages timed after `as_of`, orders sharing the tracking number that were placed after
`as_of`, and an order's cancellation or fulfilment dated after `as_of`, are left out. A replay that
assesses a past case at its past `as_of` must not see the future, and the scheduler (next_assessment_at)
relies on the packet changing only when as_of reaches such a fact.

Events are sorted by time, ties keeping input order. Events normalized to `no_information` are dropped
here, because section 3 says every rule ignores them; callers that display events use the facts.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter

from cases.assessment.clock import DAY
from cases.assessment.facts import (
    CaseFacts,
    CustomerMessage,
    SupplierChase,
    SupplierEvidence,
    TrackingEvent,
)
from cases.assessment.intents import message_intents
from cases.assessment.vocabulary import (
    ACCEPTED,
    AT_DESTINATION,
    CASH_ON_DELIVERY,
    DELIVERED,
    DISPATCH_CLAIM,
    DISPUTE_THREAT,
    DISPUTED,
    INBOUND,
    INFO_RECEIVED,
    MOVEMENT_AFTER_DELIVERY,
    NO_INFORMATION,
    NOT_A_SCAN,
    NOT_RECEIVED,
    OUTBOUND,
    PAID,
    PICKUP_PROOF,
    REFUND_REQUEST,
    REFUNDED,
    RESTOCK_NOTE,
)

PREDATES_MARGIN = timedelta(hours=24)
_time_of = attrgetter("at")


def normalize_postal(code: str) -> str:
    """Postal codes compare upper case with spaces removed (section 3)."""
    return "".join((code or "").split()).upper()


def normalize_email(email: str) -> str:
    """Emails compare case-insensitively; surrounding blanks are typing noise."""
    return (email or "").strip().casefold()


def normalize_country(country: str) -> str:
    """Countries compare upper case (section 3)."""
    return (country or "").strip().upper()


def payment_reading(payment_state: str) -> str:
    """The payment state as the rules read it: cash on delivery reads as `paid` everywhere (bundle.md
    version 2), and a partial refund stays what it is (judged as paid: no rule reads it)."""
    return PAID if payment_state == CASH_ON_DELIVERY else payment_state


@dataclass(frozen=True, slots=True)
class MessageReading:
    message: CustomerMessage
    intents: frozenset[str]


# Not frozen, but never changed once built: the scheduler builds one for every instant it reads, and a
# frozen dataclass sets each field through object.__setattr__, several times slower to build.
@dataclass(slots=True)
class Derived:
    """Everything section 3 derives, at `as_of`. Times are the facts' own datetimes."""

    as_of: datetime
    cancelled_at: datetime | None  # the order's cancellation, if dated at or before as_of (section 4 row 1)
    refunded: bool  # payment state `refunded`: a full refund (section 4 row 2)
    fulfilled_at: datetime | None  # the store's fulfilment, if dated at or before as_of (section 4 row 10)
    has_number: bool
    events: tuple[TrackingEvent, ...]  # visible, sorted, no_information removed
    label_at: datetime | None
    first_scan: TrackingEvent | None
    last_movement: TrackingEvent | None
    latest: TrackingEvent | None
    recycled_with: tuple[str, ...]  # order ids of other customers or addresses on the same number
    predating_event: TrackingEvent | None
    checksum_invalid: bool
    # A number that fits no known carrier format, and no carrier event (of those the rules read) by as_of.
    fits_no_format: bool
    approximate: bool  # some visible event's time was read as local time at its place (section 1)
    mismatch_event: TrackingEvent | None
    contradiction: tuple[TrackingEvent, TrackingEvent] | None  # (delivered, later movement)
    evidence: tuple[SupplierEvidence, ...]  # visible, sorted
    pickup_proof: SupplierEvidence | None  # the latest pickup proof, the strong evidence of section 3
    dispatch_claim: SupplierEvidence | None  # the latest dispatch claim
    last_chase: SupplierChase | None
    chase_unanswered: bool
    chase_pending: bool
    readings: tuple[MessageReading, ...]  # visible messages, sorted, with their intents
    by_intent: dict[str, tuple[CustomerMessage, ...]]  # the inbound messages of `readings` with each intent
    unanswered: tuple[CustomerMessage, ...]
    payment_disputed: bool

    @property
    def whole_order(self) -> bool:
        """Cancelled and refunded orders are assessed as a whole: no tracking rule reads them (section 3a)."""
        return self.cancelled_at is not None or self.refunded

    @property
    def first_scan_at(self) -> datetime | None:
        return self.first_scan.at if self.first_scan else None

    @property
    def last_movement_at(self) -> datetime | None:
        return self.last_movement.at if self.last_movement else None

    @property
    def recycled(self) -> bool:
        return bool(self.recycled_with)

    @property
    def predates_order(self) -> bool:
        return self.predating_event is not None

    @property
    def destination_mismatch(self) -> bool:
        return self.mismatch_event is not None

    @property
    def contradictory(self) -> bool:
        return self.contradiction is not None

    @property
    def newest_evidence(self) -> SupplierEvidence | None:
        return self.evidence[-1] if self.evidence else None

    @property
    def supplier_out_of_stock(self) -> bool:
        newest = self.newest_evidence
        return newest is not None and newest.kind == RESTOCK_NOTE

    def inbound_with(self, intent: str) -> tuple[CustomerMessage, ...]:
        return self.by_intent.get(intent, ())

    @property
    def refund_requested(self) -> bool:
        return bool(self.inbound_with(REFUND_REQUEST))

    @property
    def dispute_threatened(self) -> bool:
        return bool(self.inbound_with(DISPUTE_THREAT))

    @property
    def not_received_after_delivery(self) -> CustomerMessage | None:
        """The first inbound `not_received` message newer than the latest event, if that is `delivered`."""
        if self.latest is None or self.latest.status != DELIVERED:
            return None
        for message in self.inbound_with(NOT_RECEIVED):
            if message.at > self.latest.at:
                return message
        return None

    @property
    def latest_movement_is_acceptance(self) -> bool:
        return self.last_movement is not None and self.last_movement.status == ACCEPTED


def _latest_of_kind(evidence: tuple[SupplierEvidence, ...], kind: str) -> SupplierEvidence | None:
    for item in reversed(evidence):
        if item.kind == kind:
            return item
    return None


def _recycled_with(case: CaseFacts, as_of: datetime) -> tuple[str, ...]:
    """Other orders on the same number for another customer or address (section 3).

    `Tracking.shared_with` is trusted to list the orders carrying the same normalized number: whoever
    builds the facts (database or bundle) finds them; the rules do not search other cases for it.

    A field is compared only when both orders have it: a missing email or postal code proves nothing,
    and flagging on a blank would send honest combined shipments to the supplier as wrong tracking.
    Orders placed after `as_of` did not exist yet.
    """
    tracking = case.tracking
    if tracking is None or not tracking.shared_with:
        return ()
    order = case.order
    own_email, own_postal = normalize_email(order.customer_email), normalize_postal(order.postal_code)
    others = []
    for shared in tracking.shared_with:
        if shared.order_id == order.order_id or shared.ordered_at > as_of:
            continue
        email = normalize_email(shared.customer_email)
        postal = normalize_postal(shared.postal_code)
        email_differs = bool(own_email and email and own_email != email)
        postal_differs = bool(own_postal and postal and own_postal != postal)
        if email_differs or postal_differs:
            others.append(shared.order_id)
    return tuple(others)


def _mismatch_event(case: CaseFacts, events: tuple[TrackingEvent, ...]) -> TrackingEvent | None:
    """The first destination event naming another country or postal code (section 3).

    Each field is compared only when both the event and the order carry it.
    """
    at_destination = [event for event in events if event.status in AT_DESTINATION]
    if not at_destination:
        return None
    order_country = normalize_country(case.order.country)
    order_postal = normalize_postal(case.order.postal_code)
    for event in at_destination:
        country = normalize_country(event.country)
        postal = normalize_postal(event.postal_code)
        if (country and order_country and country != order_country) or (
            postal and order_postal and postal != order_postal
        ):
            return event
    return None


def _contradiction(events: tuple[TrackingEvent, ...]) -> tuple[TrackingEvent, TrackingEvent] | None:
    """A delivered event followed by movement (section 3).

    "Followed" means later in the sorted order, so two events with the same time read in input order.
    """
    delivered: TrackingEvent | None = None
    for event in events:
        if event.status == DELIVERED and delivered is None:
            delivered = event
        elif delivered is not None and event.status in MOVEMENT_AFTER_DELIVERY:
            return (delivered, event)
    return None


def _by_time(items: tuple | list) -> tuple:
    """`items` sorted by time; sorted() is stable, so equal times keep input order (section 3)."""
    return tuple(sorted(items, key=_time_of)) if len(items) > 1 else tuple(items)


class History:
    """One case's facts sorted by time once, then read at any instant (section 3).

    Sorting is stable, so the facts visible at `as_of` (timed at or before it) are a prefix of each
    sorted list, in the order section 3 asks for, and which facts are visible depends only on how many
    fact times are at or before `as_of` (its "epoch"). What section 3 derives from them is computed once
    per epoch; only the supplier reply clock reads `as_of` itself. The scheduler reads one case at
    several instants (schedule.py), so it derives again only when a new fact has become visible.
    """

    __slots__ = ("_chases", "_events", "_evidence", "_fact_times", "_messages", "_seen", "case")

    def __init__(self, case: CaseFacts) -> None:
        self.case = case
        tracking = case.tracking
        # no_information events are dropped here, because section 3 says every rule ignores them;
        # callers that display events use the facts.
        events = tracking.events if tracking is not None else ()
        # Most orders have no evidence, chases or messages: an empty tuple needs no sorting (a what-if
        # builds a history for each of a million cases).
        self._events = _by_time([e for e in events if e.status != NO_INFORMATION]) if events else ()
        self._evidence = _by_time(case.supplier_evidence) if case.supplier_evidence else ()
        self._chases = _by_time(case.supplier_chases) if case.supplier_chases else ()
        self._messages = _by_time(case.customer_messages) if case.customer_messages else ()
        # Every instant at which a fact a rule reads becomes visible; an order sharing the tracking number
        # becomes one when it is placed, and the order's own cancellation and fulfilment when they are dated.
        times = [item.at for item in self._events]
        for facts in (self._evidence, self._chases, self._messages):
            if facts:
                times.extend(item.at for item in facts)
        if tracking is not None and tracking.shared_with:
            times.extend(shared.ordered_at for shared in tracking.shared_with)
        order = case.order
        if order.cancelled_at is not None:
            times.append(order.cancelled_at)
        if order.fulfilled_at is not None:
            times.append(order.fulfilled_at)
        times.sort()
        self._fact_times = times
        self._seen: dict[int, _Seen] = {}

    def next_fact_after(self, moment: datetime) -> datetime | None:
        """The first instant after `moment` at which a fact a rule reads becomes visible (for the scheduler).

        no_information events are left out: no rule reads them, so their arrival changes nothing.
        """
        index = bisect_right(self._fact_times, moment)
        return self._fact_times[index] if index < len(self._fact_times) else None

    def at(self, as_of: datetime) -> Derived:
        """The derived facts of section 3 at `as_of`."""
        epoch = bisect_right(self._fact_times, as_of)
        seen = self._seen.get(epoch)
        if seen is None:
            seen = self._seen[epoch] = self._derive_seen(as_of)

        chase_unanswered = chase_pending = False
        if seen.chase_open:
            last_chase = seen.fields["last_chase"]
            window = self.case.policy.supplier_response_days * DAY
            chase_unanswered = as_of - last_chase.at > window
            chase_pending = not chase_unanswered
        return Derived(
            as_of=as_of, chase_unanswered=chase_unanswered, chase_pending=chase_pending, **seen.fields
        )

    def _derive_seen(self, as_of: datetime) -> _Seen:
        """Everything of section 3 that the facts visible at `as_of` alone decide."""
        case = self.case
        order = case.order
        tracking = case.tracking
        has_number = tracking is not None and bool((tracking.number or "").strip())

        def visible(items: tuple) -> tuple:
            return items[: bisect_right(items, as_of, key=_time_of)] if items else items

        events = visible(self._events)
        labels = [e for e in events if e.status == INFO_RECEIVED]
        scans = [e for e in events if e.status not in NOT_A_SCAN]

        cutoff = order.ordered_at - PREDATES_MARGIN
        predating = next((e for e in events if e.at < cutoff), None)

        evidence = visible(self._evidence)
        chases = visible(self._chases)
        last_chase = chases[-1] if chases else None
        # Evidence timed exactly at the chase is not "newer": it is what the chase was about, not the reply.
        chase_open = last_chase is not None and not any(item.at > last_chase.at for item in evidence)

        messages = visible(self._messages)
        readings, unanswered = (), ()
        by_intent: dict[str, tuple[CustomerMessage, ...]] = {}
        if messages:
            readings = tuple(
                MessageReading(m, message_intents(m)) for m in messages if m.direction == INBOUND
            )
            for reading in readings:
                for intent in reading.intents:
                    by_intent[intent] = (*by_intent.get(intent, ()), reading.message)
            outbound_times = [m.at for m in messages if m.direction == OUTBOUND]
            last_reply = max(outbound_times) if outbound_times else None
            unanswered = tuple(r.message for r in readings if last_reply is None or r.message.at > last_reply)

        payment = payment_reading(order.payment_state)
        fields = {
            "cancelled_at": _visible_time(order.cancelled_at, as_of),
            "refunded": payment == REFUNDED,
            "fulfilled_at": _visible_time(order.fulfilled_at, as_of),
            "has_number": has_number,
            "events": events,
            "label_at": labels[0].at if labels else None,
            "first_scan": scans[0] if scans else None,
            "last_movement": scans[-1] if scans else None,
            # `latest` skips no_information too (they were dropped above): a tracker saying "expired"
            # after a delivery must not turn a delivered case into something else.
            "latest": events[-1] if events else None,
            "recycled_with": _recycled_with(case, as_of),
            "predating_event": predating,
            "checksum_invalid": bool(tracking is not None and has_number and tracking.checksum_invalid),
            "fits_no_format": bool(has_number and tracking.fits_no_format and not events),
            "approximate": any(e.approximate for e in events),
            "mismatch_event": _mismatch_event(case, events),
            "contradiction": _contradiction(events),
            "evidence": evidence,
            "pickup_proof": _latest_of_kind(evidence, PICKUP_PROOF),
            "dispatch_claim": _latest_of_kind(evidence, DISPATCH_CLAIM),
            "last_chase": last_chase,
            "readings": readings,
            "by_intent": by_intent,
            "unanswered": unanswered,
            "payment_disputed": payment == DISPUTED,
        }
        return _Seen(fields, chase_open)


def _visible_time(moment: datetime | None, as_of: datetime) -> datetime | None:
    """An order's own dated fact, once as_of has reached it (section 1)."""
    return moment if moment is not None and moment <= as_of else None


@dataclass(frozen=True, slots=True)
class _Seen:
    """The part of `Derived` that only the set of visible facts decides."""

    fields: dict[str, object]  # keyword arguments of Derived
    chase_open: bool  # chased, and no supplier evidence newer than the last chase


def derive(case: CaseFacts, as_of: datetime) -> Derived:
    """The derived facts of section 3 for one case at `as_of`."""
    return History(case).at(as_of)
