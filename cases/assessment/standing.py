"""What one case's own facts give, before any count over other cases.

One case on its own at one instant: sections 3 to 6 (overlays 1 to 4) and the flags of section 7
that need no other case.

A `Standing` is what the review counts of overlays 5 and 6 read from every case on a SKU or supplier,
and what the scheduler compares over time. `assess_standing` is a pure function of (facts, as_of).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from cases.assessment import vocabulary as v
from cases.assessment.classify import Classification, Window, classify, wrong_tracking_reasons
from cases.assessment.clock import plural, require_aware, utc_date
from cases.assessment.derived import Derived, History
from cases.assessment.disputes import apply_dispute_clock, watched_instants
from cases.assessment.facts import CaseFacts, Parcel
from cases.assessment.gaps import evidence_gaps
from cases.assessment.overlays import Moves, apply_customer_overlays
from cases.assessment.parcels import PARCEL_FLAGS, OrderHistory, ParcelPart, has_number, headline_rank


@dataclass(slots=True)  # never changed once built; not frozen for speed, like derived.Derived
class Standing:
    case: CaseFacts
    derived: Derived
    case_type: str
    window: Window | None
    risk: str
    next_move: str
    also: tuple[str, ...]
    route: str | None
    flags: frozenset[str]  # without product_review and supplier_review
    reasons: tuple[str, ...]
    evidence_gaps: tuple[str, ...]
    # When the clocks the decisions read would flip (classify.py), and the disputes' steps and deadlines
    # (disputes.py); overlays 1-4 and the flags read none.
    watched: tuple[datetime, ...]
    base_risk: str  # section 5, before the overlays
    base_move: str
    # An order with parcels (parcels.py): every parcel's own standing (None: superseded) in input order,
    # and the SKUs its headline parcel names; the fields above are the headline's and the order's.
    parcels: tuple[ParcelStanding, ...] = ()
    skus: tuple[str, ...] = ()

    @property
    def as_of(self) -> datetime:
        return self.derived.as_of

    @property
    def is_problem(self) -> bool:
        """Counts toward a product review (overlay 5): risk after overlays 1-4 above normal_watch."""
        return v.risk_rank(self.risk) > v.risk_rank(v.NORMAL_WATCH)

    @property
    def is_supplier_stuck(self) -> bool:
        """Counts toward a supplier flag (overlay 6): silent, or label-only past its window."""
        if self.case_type == v.SUPPLIER_SILENCE:
            return True
        return self.case_type == v.LABEL_CREATED_ONLY and self.window is not None and self.window.exceeded

    @property
    def review_names(self) -> tuple[tuple[str, ...], str]:
        """The SKUs and the supplier this case counts for in overlays 5 and 6 (section 3a): its headline
        parcel's, else the order's first line item's."""
        return (self.skus or (self.case.order.sku,)), self.case.order.supplier

    def key(self) -> tuple:
        """What the packet decides, without display day counts (see schedule.py)."""
        decided = (
            self.case_type,
            self.risk,
            self.next_move,
            self.also,
            self.route,
            tuple(sorted(self.flags)),
        )
        window = None if self.window is None else self.window.key()
        if not self.parcels:
            return (*decided, window)
        parcels = tuple(None if p.standing is None else p.standing.key() for p in self.parcels)
        return (*decided, window, parcels)


@dataclass(slots=True)  # never changed once built; plain for speed, like facts.py
class ParcelStanding:
    """One parcel of an order with parcels: what it is, and its standing when assessed."""

    parcel: Parcel
    standing: Standing | None  # None: superseded
    added: bool = False  # carries the items no parcel names (section 3a)


def _flags(case: CaseFacts, d: Derived, c: Classification) -> tuple[frozenset[str], list[str]]:
    """Section 7 flags that one case decides alone, and the reasons of those not already given.

    A cancelled or refunded order is assessed as a whole: its flags are the order's own (section 3a),
    none of the tracking's.
    """
    flags: set[str] = set()
    reasons: list[str] = []
    if d.whole_order:
        if d.unanswered:
            flags.add(v.FLAG_CUSTOMER_WAITING)
        return frozenset(flags), reasons
    if d.recycled:
        flags.add(v.FLAG_RECYCLED_TRACKING)
    if d.predates_order:
        flags.add(v.FLAG_PREDATES_ORDER)
    if d.checksum_invalid:
        flags.add(v.FLAG_CHECKSUM_INVALID)
    if d.destination_mismatch:
        flags.add(v.FLAG_DESTINATION_MISMATCH)
    if d.has_number and (d.latest is None or d.latest.status == v.INFO_RECEIVED):
        # "has no events" counts events the rules read: a tracker that only ever said
        # "pending" or "expired" (no_information) has told us nothing about the parcel.
        flags.add(v.FLAG_LABEL_ONLY)
    if c.case_type == v.LABEL_CREATED_ONLY and c.window is not None and c.window.exceeded:
        claim = d.pickup_proof or d.dispatch_claim
        if claim is not None:
            flags.add(v.FLAG_PROOF_CONFLICT)
            what = "pickup proof" if claim.kind == v.PICKUP_PROOF else "a dispatch claim"
            reasons.append(
                f"the supplier sent {what} on {utc_date(claim.at)}, but the carrier has not scanned "
                f"the parcel in {plural(c.window.elapsed_days, 'day')}"
            )
    if d.unanswered:
        flags.add(v.FLAG_CUSTOMER_WAITING)
    # A case can carry wrong-tracking flags while a higher row (wrong destination) decided its type;
    # those flags still fired, so they still get their sentence.
    if c.case_type == v.WRONG_DESTINATION and (d.recycled or d.predates_order or d.checksum_invalid):
        reasons.extend(wrong_tracking_reasons(case, d))
    return frozenset(flags), reasons


def history_of(case: CaseFacts) -> History | OrderHistory:
    """The case's facts sorted once, to be read at several instants (schedule.py)."""
    return OrderHistory(case) if case.parcels else History(case)


def assess_standing(
    case: CaseFacts, as_of: datetime, history: History | OrderHistory | None = None
) -> Standing:
    """Sections 3 to 6 (overlays 1-4) and the single-case flags of section 7, at `as_of`; an order with
    parcels parcel by parcel, as section 3a says (`_order_standing`).

    `history` is `history_of(case)`, for callers that read one case at several instants.
    """
    require_aware(as_of)
    if history is None:
        history = history_of(case)
    if isinstance(history, OrderHistory):
        return _order_standing(history, as_of)
    return _parcel_standing(case, as_of, history)


def _parcel_standing(case: CaseFacts, as_of: datetime, history: History) -> Standing:
    """A case with at most one parcel: the rules of sections 3 to 7 as written."""
    d = history.at(as_of)
    c = classify(case, d)
    moves = apply_customer_overlays(
        Moves(risk=c.risk, next_move=c.next_move, route=c.route, reasons=list(c.reasons)),
        d,
        case.policy,
    )
    apply_dispute_clock(moves, case.disputes, as_of)
    flags, flag_reasons = _flags(case, d, c)
    return Standing(
        case=case,
        derived=d,
        flags=flags,
        evidence_gaps=evidence_gaps(case, d, c),
        reasons=(*moves.reasons, *flag_reasons),
        # The case type and its clocks are the classification's; risk, moves and route are the overlays'.
        case_type=c.case_type,
        window=c.window,
        watched=(*c.watched, *watched_instants(case.disputes)) if case.disputes else c.watched,
        risk=moves.risk,
        next_move=moves.next_move,
        also=moves.also,
        route=moves.route,
        base_risk=c.risk,
        base_move=c.next_move,
    )


def _order_standing(history: OrderHistory, as_of: datetime) -> Standing:
    """Section 3a: each assessed parcel alone; the order as a whole when it is cancelled or refunded or
    has no assessed parcel with a number; otherwise the headline parcel's decisions, with the overlays
    applied once (each parcel's standing applied overlays 1-4 to its own base moves from the same order
    facts, so the headline's are the order's), the flags of every assessed parcel, and every parcel's
    clocks watched (another parcel can become the headline when its clock runs out)."""
    parts = history.parts(as_of)
    standings = [
        None if part.superseded else _parcel_standing(part.facts, as_of, history.history(part.facts))
        for part in parts
    ]
    listed = tuple(
        ParcelStanding(part.parcel, standing, part.added)
        for part, standing in zip(parts, standings, strict=True)
    )
    assessed = [(i, s) for i, s in enumerate(standings) if s is not None]
    watched = sorted({t for _, s in assessed for t in s.watched})
    numbered = [i for i, _ in assessed if has_number(parts[i])]
    if not numbered or assessed[0][1].derived.whole_order:
        whole_facts = history.whole(parts)
        whole = _parcel_standing(whole_facts, as_of, history.history(whole_facts))
        return replace(whole, parcels=listed, watched=tuple(sorted({*watched, *whole.watched})))

    def rank(pair: tuple[int, Standing]) -> tuple:
        i, standing = pair
        return headline_rank(standing.base_risk, standing.base_move, standing.case_type, i)

    index, headline = min(assessed, key=rank)
    flags = set(headline.flags)
    reasons = list(headline.reasons)
    for i, standing in assessed:
        flags.update(standing.flags & PARCEL_FLAGS)
        if i != index:
            reasons.append(f"{_parcel_words(parts[i])}: {standing.case_type.replace('_', ' ')}")
    # The headline's decisions are the order's; what the other parcels add is the flags, the reasons, the
    # clocks watched and the list of parcels.
    return replace(
        headline,
        flags=frozenset(flags),
        reasons=tuple(reasons),
        watched=tuple(watched),
        parcels=listed,
        skus=parts[index].parcel.skus,
    )


def _parcel_words(part: ParcelPart) -> str:
    """How a reason names another parcel: its number, else the items it waits to carry."""
    if part.parcel.tracking is not None:
        return f"parcel {part.parcel.tracking.number}"
    return f"the items without a tracking number ({', '.join(part.parcel.skus)})"
