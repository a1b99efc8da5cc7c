"""Reading a stored packet's parcels (rules.md sections 3a and 9): which one is the headline, and which item
the case counts for. Pure: no ORM.

The packet does not name its headline parcel; the headline is the parcel whose decisions it took: the
first parcel not superseded whose case type, window and clocks are the packet's. The case page lists it
first (`cases.workbench.selectors.parcel_rows`); the case is counted for its first item
(`cases.services.assessment.write_cases` stores that item's product, which the supplier scorecard groups
by).
"""

from __future__ import annotations


def headline_index(packet: dict) -> int | None:
    """The position in `packet["parcels"]` of its headline parcel; None when no parcel is (an order
    assessed as a whole, every parcel superseded). An order of one parcel: that parcel."""
    parcels = packet.get("parcels") or []
    if len(parcels) == 1:
        return 0
    taken = (packet.get("case_type"), packet.get("window"), packet.get("clocks"))
    return next(
        (
            i
            for i, parcel in enumerate(parcels)
            if not parcel.get("superseded")
            and (parcel.get("case_type"), parcel.get("window"), parcel.get("clocks")) == taken
        ),
        None,
    )


def counted_item(packet: dict) -> str | None:
    """The line item key (SKU, else title) an order in several parcels counts for: its headline parcel's
    first item. None for an order of one parcel or none, for no headline, and for a headline that names
    no item: the case counts for the order's first item, as the engine's overlays 5 and 6 do."""
    parcels = packet.get("parcels") or []
    if len(parcels) < 2:
        return None
    index = headline_index(packet)
    if index is None:
        return None
    skus = parcels[index].get("skus") or []
    return skus[0] if skus else None


def item_key(text: str) -> str:
    """How a parcel's item is matched with a line item's key (rules.md section 3a: as the engine does,
    without regard to case or surrounding spaces)."""
    return text.strip().casefold()
