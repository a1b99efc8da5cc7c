"""Case type, window and base risk / next move / route (rules.md sections 4 and 5).

`classify` walks the table of section 4 top to bottom and stops at the first row that applies; the
returned `Classification` carries the row's base outcome from section 5 and one reason sentence per
rule that fired, naming its numbers.

It also names the clocks its decision read (`watched`): the instants at which each window or limit it
consulted would first be exceeded (section 1), the supplier's reply window included. With the facts
fixed, nothing else about `as_of` reaches the decision, so the outcome cannot change before the earliest
of them (schedule.py relies on this). Every clock read that can steer the outcome is noted with `watch`;
a window the row returns is watched by `row` itself, since the packet shows whether it is exceeded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from cases.assessment import vocabulary as v
from cases.assessment.clock import exceeded, first_exceeded_at, plural, utc_date, whole_days
from cases.assessment.derived import Derived
from cases.assessment.facts import CaseFacts
from policies.values import PolicyValues

# How each window is named in a sentence.
WINDOW_WORDS: dict[str, str] = {
    v.PROCESSING_WINDOW: "processing window",
    v.LABEL_WINDOW: "label window",
    v.ACCEPTED_WINDOW: "accepted-without-movement window",
    v.IN_TRANSIT_WINDOW: "in-transit window",
    v.EXCEPTION_WINDOW: "exception grace window",
}


@dataclass(frozen=True, slots=True)
class Window:
    """The clock a case type runs against (section 4), as the packet shows it (section 9)."""

    name: str
    days: int
    started_at: datetime
    elapsed_days: int
    exceeded: bool

    def sentence(self, what: str) -> str:
        """ "label created 7 days ago; the label window is 5 days" or "..., inside the 5-day label window"."""
        words = WINDOW_WORDS[self.name]
        if self.exceeded:
            return f"{what} {plural(self.elapsed_days, 'day')} ago; the {words} is {plural(self.days, 'day')}"
        return f"{what} {plural(self.elapsed_days, 'day')} ago, inside the {self.days}-day {words}"

    def key(self) -> tuple:
        """What a decision reads of the window: not the elapsed days shown beside it."""
        return (self.name, self.days, self.started_at, self.exceeded)


def open_window(name: str, policy: PolicyValues, start: datetime, as_of: datetime) -> Window:
    days = getattr(policy, name)
    return Window(
        name=name,
        days=days,
        started_at=start,
        elapsed_days=whole_days(start, as_of),
        exceeded=exceeded(start, days, as_of),
    )


@dataclass(slots=True)  # never changed once built; not frozen for speed, like derived.Derived
class Classification:
    case_type: str
    window: Window | None
    risk: str
    next_move: str
    route: str | None
    lost: bool  # stale in transit past lost_package_days
    reasons: tuple[str, ...]
    # When each clock the decision read would flip (first exceeded), whether before or after as_of.
    watched: tuple[datetime, ...]


class Outcome(NamedTuple):
    """A row of section 5: the base risk, next move and route of a case type."""

    case_type: str
    risk: str
    next_move: str
    route: str | None


# Section 5, one outcome per line, each group in the order of section 4's rows.
# Outcomes that send the case to no workflow (route "none"):
_CANCELLED = Outcome(v.CANCELLED, v.NORMAL_WATCH, v.CLOSE, None)
_REFUNDED = Outcome(v.REFUNDED_CASE, v.NORMAL_WATCH, v.CLOSE, None)
_UNCLEAR = Outcome(v.UNCLEAR, v.OWNER_ONLY, v.ESCALATE, None)
_DELIVERED = Outcome(v.DELIVERED_CASE, v.NORMAL_WATCH, v.CLOSE, None)
_FULFILLED_NO_TRACKING = Outcome(v.FULFILLED_NO_TRACKING, v.NORMAL_WATCH, v.IMPORT_TRACKING, None)
_AWAITING_TRACKING = Outcome(v.AWAITING_TRACKING, v.NORMAL_WATCH, v.WAIT, None)
_LABEL_INSIDE = Outcome(v.LABEL_CREATED_ONLY, v.NORMAL_WATCH, v.WAIT, None)
_ACCEPTED_INSIDE = Outcome(v.ACCEPTED_NO_MOVEMENT, v.NORMAL_WATCH, v.WAIT, None)
_IN_TRANSIT = Outcome(v.IN_TRANSIT_CASE, v.NORMAL_WATCH, v.WAIT, None)
# Outcomes with a route:
_WRONG_DESTINATION = Outcome(v.WRONG_DESTINATION, v.OWNER_ONLY, v.ESCALATE, v.ROUTE_WRONG_ADDRESS)
_WRONG_TRACKING = Outcome(v.WRONG_TRACKING, v.SUPPLIER_CHASE, v.REQUEST_PROOF, v.ROUTE_SUPPLIER_DELAY)
_DELIVERED_CONFLICT = Outcome(v.DELIVERED_CONFLICT, v.REFUND_RISK, v.REQUEST_PROOF, v.ROUTE_LOST_PACKAGE)
_EXCEPTION_GRACE = Outcome(v.CARRIER_EXCEPTION, v.CUSTOMER_UPDATE, v.DRAFT_UPDATE, v.ROUTE_CUSTOMER_SUPPORT)
_EXCEPTION_PAST_GRACE = Outcome(v.CARRIER_EXCEPTION, v.REFUND_RISK, v.ESCALATE, v.ROUTE_LOST_PACKAGE)
_SUPPLIER_BLOCKED = Outcome(v.SUPPLIER_BLOCKED, v.CUSTOMER_UPDATE, v.DRAFT_UPDATE, v.ROUTE_SUPPLIER_DELAY)
_SILENCE_UNANSWERED = Outcome(v.SUPPLIER_SILENCE, v.OWNER_ONLY, v.ESCALATE, v.ROUTE_SUPPLIER_DELAY)
_SILENCE = Outcome(v.SUPPLIER_SILENCE, v.SUPPLIER_CHASE, v.CHASE_SUPPLIER, v.ROUTE_SUPPLIER_DELAY)
_SILENCE_CHASE_PENDING = Outcome(v.SUPPLIER_SILENCE, v.SUPPLIER_CHASE, v.WAIT, v.ROUTE_SUPPLIER_DELAY)
_LABEL_WITH_PROOF = Outcome(v.LABEL_CREATED_ONLY, v.CUSTOMER_UPDATE, v.DRAFT_UPDATE, v.ROUTE_CUSTOMER_SUPPORT)
_LABEL_PAST = Outcome(v.LABEL_CREATED_ONLY, v.SUPPLIER_CHASE, v.CHASE_SUPPLIER, v.ROUTE_SUPPLIER_DELAY)
_LABEL_PAST_CHASE_PENDING = Outcome(v.LABEL_CREATED_ONLY, v.SUPPLIER_CHASE, v.WAIT, v.ROUTE_SUPPLIER_DELAY)
_ACCEPTED_PAST = Outcome(v.ACCEPTED_NO_MOVEMENT, v.CUSTOMER_UPDATE, v.DRAFT_UPDATE, v.ROUTE_CUSTOMER_SUPPORT)
_STALE = Outcome(v.STALE_IN_TRANSIT, v.CUSTOMER_UPDATE, v.DRAFT_UPDATE, v.ROUTE_CUSTOMER_SUPPORT)
_LOST = Outcome(v.STALE_IN_TRANSIT, v.REFUND_RISK, v.ESCALATE, v.ROUTE_LOST_PACKAGE)


def _status_words(status: str) -> str:
    return status.replace("_", " ")


def wrong_tracking_reasons(case: CaseFacts, d: Derived) -> list[str]:
    reasons = []
    if d.recycled:
        orders = ", ".join(d.recycled_with)
        reasons.append(
            f"the tracking number is also on order {orders} for a different customer email or postal code"
        )
    if d.predating_event is not None:
        gap = whole_days(d.predating_event.at, case.order.ordered_at)
        reasons.append(
            f"a carrier event on {utc_date(d.predating_event.at)} is {plural(gap, 'day')} before the order "
            f"was placed on {utc_date(case.order.ordered_at)}; more than 24 hours before means another parcel"
        )
    if d.checksum_invalid:
        reasons.append("the tracking number fails the check digit of every carrier format it resembles")
    if d.fits_no_format:
        reasons.append(
            "the tracking number fits no known carrier format, and no carrier has recorded any event for it"
        )
    return reasons


def fulfilled_sentence(fulfilled_at: datetime) -> str:
    """Section 4 row 10, in words (a reason, and with what to do, an evidence gap)."""
    return (
        f"the store marked the order fulfilled on {utc_date(fulfilled_at)}; its tracking number is not here"
    )


def _mismatch_reason(case: CaseFacts, d: Derived) -> str:
    event = d.mismatch_event
    assert event is not None

    def place(country: str, postal: str) -> str:
        parts = [f"country {country}" if country else "", f"postal code {postal}" if postal else ""]
        return ", ".join(part for part in parts if part)

    named = place(event.country, event.postal_code)
    ordered = place(case.order.country, case.order.postal_code)
    return (
        f"the {_status_words(event.status)} event on {utc_date(event.at)} names {named}; "
        f"the order goes to {ordered}"
    )


def _chase_sentence(d: Derived, policy: PolicyValues) -> str | None:
    if d.last_chase is None:
        return None
    days = whole_days(d.last_chase.at, d.as_of)
    reply = plural(policy.supplier_response_days, "day")
    if d.chase_unanswered:
        return f"supplier chased {plural(days, 'day')} ago and has not answered; the reply window is {reply}"
    if d.chase_pending:
        return f"supplier chased {plural(days, 'day')} ago, still inside the {reply} reply window"
    return None


def classify(case: CaseFacts, d: Derived) -> Classification:
    """Sections 4 and 5 for one case at `d.as_of`."""
    policy, order, as_of = case.policy, case.order, d.as_of
    watched: list[datetime] = []

    def watch(start: datetime, days: int) -> None:
        watched.append(first_exceeded_at(start, days))

    def row(outcome: Outcome, reasons, window=None, lost=False):
        if window is not None:  # the packet shows whether it is exceeded
            watch(window.started_at, window.days)
        case_type, risk, move, route = outcome
        return Classification(case_type, window, risk, move, route, lost, tuple(reasons), tuple(watched))

    # Rows 1 and 2: the order's life is over, whatever the tracking says; no clock runs for it.
    if d.cancelled_at is not None:
        return row(_CANCELLED, [f"the store cancelled the order on {utc_date(d.cancelled_at)}"])
    if d.refunded:
        return row(_REFUNDED, ["the payment was refunded in full"])
    # 3. The carrier delivered, or is about to, somewhere else.
    if d.destination_mismatch:
        return row(_WRONG_DESTINATION, [_mismatch_reason(case, d)])
    # 4. The number is not this order's, or nothing says it is a parcel's number at all.
    if d.recycled or d.predates_order or d.checksum_invalid or d.fits_no_format:
        return row(_WRONG_TRACKING, wrong_tracking_reasons(case, d))
    # 5. We cannot read the tracking.
    if (d.latest is not None and d.latest.status == v.UNKNOWN) or d.contradictory:
        reasons = []
        if d.latest is not None and d.latest.status == v.UNKNOWN:
            word = d.latest.raw_status or "an unmapped word"
            reasons.append(
                f"the latest carrier status ({word}, {utc_date(d.latest.at)}) is not one the rules understand"
            )
        if d.contradiction is not None:
            delivered, later = d.contradiction
            reasons.append(
                f"the carrier said delivered on {utc_date(delivered.at)} and then "
                f"{_status_words(later.status)} on {utc_date(later.at)}"
            )
        return row(_UNCLEAR, reasons)
    # 6 and 7. Delivered, with or without the customer saying otherwise.
    if d.latest is not None and d.latest.status == v.DELIVERED:
        claim = d.not_received_after_delivery
        if claim is not None:
            return row(
                _DELIVERED_CONFLICT,
                [
                    f"the carrier says delivered on {utc_date(d.latest.at)}, and on {utc_date(claim.at)} "
                    "the customer said it was not received"
                ],
            )
        return row(_DELIVERED, [f"the carrier says delivered on {utc_date(d.latest.at)}"])
    # 8. Carrier exception or return: a grace window from that event.
    if d.latest is not None and d.latest.status in (v.EXCEPTION, v.RETURNED):
        window = open_window(v.EXCEPTION_WINDOW, policy, d.latest.at, as_of)
        what = f"carrier {_status_words(d.latest.status)}"
        outcome = _EXCEPTION_PAST_GRACE if window.exceeded else _EXCEPTION_GRACE
        return row(outcome, [window.sentence(what)], window)
    no_first_scan = d.first_scan is None
    # 9. The supplier says it is out of stock, and nothing has been scanned.
    if no_first_scan and d.supplier_out_of_stock:
        note = d.newest_evidence
        assert note is not None
        return row(
            _SUPPLIER_BLOCKED,
            [f"no carrier scan yet, and the supplier's latest note ({utc_date(note.at)}) says out of stock"],
        )
    # 10. The store says it fulfilled the order, and its tracking number is not here: the number exists
    # somewhere (the store's export or connection), so the supplier is not silent. No clock runs.
    if not d.has_number and d.fulfilled_at is not None:
        return row(_FULFILLED_NO_TRACKING, [fulfilled_sentence(d.fulfilled_at)])
    # Rows 11 to 13: no tracking number, or no carrier scan yet. A case with a number and a first scan
    # goes on to rows 14 and 15, which read neither the processing window nor the supplier's reply window.
    if not d.has_number or no_first_scan:
        processing = open_window(v.PROCESSING_WINDOW, policy, order.ordered_at, as_of)
        if not d.has_number:
            watch(processing.started_at, processing.days)
        if d.last_chase is not None:
            # Rows 11 and 13 read chase_unanswered and chase_pending, which flip when the supplier's reply
            # window runs out (section 3).
            watch(d.last_chase.at, policy.supplier_response_days)
        # 11. The supplier is silent: no number past the processing window, or a chase left unanswered.
        if (not d.has_number and processing.exceeded) or (no_first_scan and d.chase_unanswered):
            reasons = []
            if not d.has_number and processing.exceeded:
                reasons.append(processing.sentence("no tracking number; order placed"))
            chase = _chase_sentence(d, policy)
            if chase:
                reasons.append(chase)
            if d.chase_unanswered:
                return row(_SILENCE_UNANSWERED, reasons, processing)
            return row(_SILENCE_CHASE_PENDING if d.chase_pending else _SILENCE, reasons, processing)
        # 12. No number yet, inside the processing window.
        if not d.has_number:
            reasons = [processing.sentence("no tracking number yet; order placed")]
            chase = _chase_sentence(d, policy)
            if chase:
                reasons.append(chase)
            return row(_AWAITING_TRACKING, reasons, processing)
        # 13. A number, but the carrier has never scanned the parcel.
        if no_first_scan:
            start = d.label_at or order.ordered_at
            window = open_window(v.LABEL_WINDOW, policy, start, as_of)
            what = (
                "label created" if d.label_at else "tracking number without any carrier event; order placed"
            )
            reasons = [window.sentence(what)]
            if not window.exceeded:
                return row(_LABEL_INSIDE, reasons, window)
            proof = d.pickup_proof
            if proof is not None:
                reasons.append(f"the supplier sent pickup proof on {utc_date(proof.at)}")
                return row(_LABEL_WITH_PROOF, reasons, window)
            reasons.append("the supplier has sent no pickup proof")
            chase = _chase_sentence(d, policy)
            if chase:
                reasons.append(chase)
            return row(_LABEL_PAST_CHASE_PENDING if d.chase_pending else _LABEL_PAST, reasons, window)
    last = d.last_movement
    assert last is not None  # a first scan exists, so a last movement does too
    # 14. Accepted by the carrier, nothing since.
    if d.latest_movement_is_acceptance:
        window = open_window(v.ACCEPTED_WINDOW, policy, last.at, as_of)
        reasons = [window.sentence("accepted by the carrier")]
        return row(_ACCEPTED_PAST if window.exceeded else _ACCEPTED_INSIDE, reasons, window)
    # 15. Moving, or stale, or possibly lost.
    window = open_window(v.IN_TRANSIT_WINDOW, policy, last.at, as_of)
    reasons = [window.sentence("last movement")]
    if not window.exceeded:
        return row(_IN_TRANSIT, reasons, window)
    watch(last.at, policy.lost_package_days)
    if exceeded(last.at, policy.lost_package_days, as_of):
        reasons.append(
            f"last movement {plural(window.elapsed_days, 'day')} ago; past the "
            f"{policy.lost_package_days}-day lost-package limit"
        )
        return row(_LOST, reasons, window, lost=True)
    return row(_STALE, reasons, window)
