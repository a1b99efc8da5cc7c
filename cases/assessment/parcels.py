"""An order's parcels as the rules see them (rules.md section 3a), without the rules themselves.

A case that gives `parcels` is read parcel by parcel: each parcel not superseded at as_of is assessed alone,
as a one-parcel case with the order's facts, its own number and events, and its own supplier and SKUs. When
some parcel names SKUs, the order's line items that no assessed parcel names are carried by one more parcel
without a number (they still wait for tracking). standing.py assesses the parts and combines them; this
module says what the parts are and which one leads.

A case that gives only `tracking` (a version-1 order, or one parcel naming nothing, as the database gives
the everyday order) never comes here: it is its own one parcel.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, replace
from datetime import datetime

from cases.assessment import vocabulary as v
from cases.assessment.derived import History
from cases.assessment.facts import CaseFacts, LineItem, Parcel

# Section 7: the flags a parcel decides alone; the others are the order's.
PARCEL_FLAGS = frozenset(
    {
        v.FLAG_RECYCLED_TRACKING,
        v.FLAG_PREDATES_ORDER,
        v.FLAG_CHECKSUM_INVALID,
        v.FLAG_DESTINATION_MISMATCH,
        v.FLAG_LABEL_ONLY,
        v.FLAG_PROOF_CONFLICT,
    }
)

# Section 4's rows, for the headline's third tie rule; in transit and stale in transit share row 15.
ROW = {case_type: row for row, case_type in enumerate(v.CASE_TYPES, 1)}
ROW[v.IN_TRANSIT_CASE] = ROW[v.STALE_IN_TRANSIT]


def _key(text: str) -> str:
    return text.strip().casefold()


@dataclass(slots=True)  # never changed once built; plain for speed, like facts.py
class ParcelPart:
    """One parcel of an order at one instant: what it is and the case as it alone is assessed."""

    parcel: Parcel
    facts: CaseFacts | None  # None: superseded at this instant, listed and not assessed
    added: bool = False  # the parcel without a number that carries the items no parcel names

    @property
    def superseded(self) -> bool:
        return self.facts is None


class OrderHistory:
    """An order with parcels, read at any instant: each parcel's facts sorted once (derived.History), and
    the instants at which a parcel is superseded, which change what is assessed (for the scheduler)."""

    __slots__ = (
        "_by_key",
        "_facts",
        "_histories",
        "_item_keys",
        "_items",
        "_names_skus",
        "_parcel_keys",
        "_supersessions",
        "case",
    )

    def __init__(self, case: CaseFacts) -> None:
        self.case = case
        self._items = case.items()
        # Keys compared as section 3a says, once per order rather than at every instant read.
        self._item_keys = tuple((_key(item.key), item) for item in self._items)
        self._by_key: dict[str, LineItem] = {}
        for key, item in self._item_keys:
            self._by_key.setdefault(key, item)
        self._parcel_keys = tuple(frozenset(_key(sku) for sku in parcel.skus) for parcel in case.parcels)
        # "A superseded parcel that names SKUs still counts as naming them."
        self._names_skus = any(parcel.skus for parcel in case.parcels)
        self._supersessions = sorted(p.superseded_at for p in case.parcels if p.superseded_at is not None)
        self._facts: dict[tuple, CaseFacts] = {}
        self._histories: dict[int, History] = {}

    def next_fact_after(self, moment: datetime) -> datetime | None:
        """The first instant after `moment` at which a fact any part reads becomes visible, or a parcel is
        superseded."""
        candidates = [h.next_fact_after(moment) for h in self._histories.values()]
        index = bisect_right(self._supersessions, moment)
        if index < len(self._supersessions):
            candidates.append(self._supersessions[index])
        candidates = [t for t in candidates if t is not None]
        return min(candidates) if candidates else None

    def history(self, facts: CaseFacts) -> History:
        history = self._histories.get(id(facts))
        if history is None:
            history = self._histories[id(facts)] = History(facts)
        return history

    def parts(self, as_of: datetime) -> list[ParcelPart]:
        """The order's parcels at `as_of` in input order, then the parcel §3a adds, if any."""
        parts = []
        named: set[str] = set()
        for index, parcel in enumerate(self.case.parcels):
            if parcel.superseded_at is not None and parcel.superseded_at <= as_of:
                parts.append(ParcelPart(parcel, None))
                continue
            named |= self._parcel_keys[index]
            parts.append(ParcelPart(parcel, self._parcel_facts(("parcel", index), parcel)))
        if self._names_skus:
            unnamed = tuple(item.key for key, item in self._item_keys if key not in named)
            if unnamed:
                added = Parcel(None, unnamed)
                parts.append(ParcelPart(added, self._parcel_facts(("added", unnamed), added), added=True))
        return parts

    def whole(self, parts: list[ParcelPart]) -> CaseFacts:
        """The order assessed as a whole: its first item's SKU and supplier, and the first assessed parcel
        with a number as its tracking (no rule of an order assessed whole reads it; the packet names its
        carrier)."""
        tracking = next(
            (p.parcel.tracking for p in parts if not p.superseded and p.parcel.tracking is not None), None
        )
        key = ("whole", id(tracking))
        return self._cached(key, lambda: replace(self.case, tracking=tracking, parcels=()))

    def _parcel_facts(self, key: tuple, parcel: Parcel) -> CaseFacts:
        def build() -> CaseFacts:
            case, order = self.case, self.case.order
            if parcel.skus:
                item = self._item(parcel.skus[0])
                if (item.key, item.supplier) != (order.sku, order.supplier):
                    order = replace(order, sku=item.key, supplier=item.supplier, product_title=item.title)
            # Built field by field (a parcel view is made on every assessment of the order): the order's
            # facts with this parcel as its one tracking.
            return CaseFacts(
                order,
                case.policy,
                parcel.tracking,
                case.supplier_evidence,
                case.supplier_chases,
                case.customer_messages,
                disputes=case.disputes,
            )

        return self._cached(key, build)

    def _cached(self, key: tuple, build) -> CaseFacts:
        facts = self._facts.get(key)
        if facts is None:
            facts = self._facts[key] = build()
        return facts

    def _item(self, sku: str) -> LineItem:
        """The line item a parcel names (its supplier is the parcel's); the order's first if none is."""
        return self._by_key.get(_key(sku), self._items[0])


def has_number(part: ParcelPart) -> bool:
    tracking = part.parcel.tracking
    return tracking is not None and bool((tracking.number or "").strip())


def headline_rank(risk: str, next_move: str, case_type: str, index: int) -> tuple:
    """Section 3a: the most urgent parcel first: highest base risk; then a next move other than `close`;
    then the earlier row of section 4; then the first in input order."""
    return (-v.risk_rank(risk), next_move == v.CLOSE, ROW[case_type], index)
