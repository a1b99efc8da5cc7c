"""Orders with several parcels for tests (rules.md section 3a): a lamp and a rug from two suppliers, each
in its own parcel, and a gift box that no parcel names."""

from __future__ import annotations

from dataclasses import replace

from cases.assessment.facts import LineItem, Parcel
from tests.helpers.case_builders import case
from tests.helpers.case_pieces import at, ev, tracking

LAMP = LineItem("LAMP-01", "Bright Home", "Sunset lamp")
RUG = LineItem("RUG-07", "Loomworks", "Wool rug")
BOX = LineItem("Gift box", "Pack Co", "Gift box")


def moving(last: float, number: str, status: str = "in_transit"):
    return tracking(ev(at(1), "accepted"), ev(at(last), status), number=number)


def with_parcels(*parcels: Parcel, items=(LAMP, RUG), order_id: str = "#1", **fields):
    facts = case(order_id=order_id, sku=items[0].key, supplier=items[0].supplier, **fields)
    return replace(facts, order=replace(facts.order, line_items=tuple(items)), parcels=tuple(parcels))


def lamp(last: float = 8, status: str = "delivered", **fields) -> Parcel:
    return Parcel(moving(last, "LP00510000000001", status), ("LAMP-01",), **fields)


def rug(last: float = 2, status: str = "in_transit", **fields) -> Parcel:
    return Parcel(moving(last, "LP00510000000002", status), ("RUG-07",), **fields)
