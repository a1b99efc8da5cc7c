"""Reading vendor names through the vendor map (suppliers.models.VendorMapping), for every importer.

A vendor name the map says stands for a supplier gives that supplier; one the map says is not a supplier
(the store's own name, a category), and an empty one, give the default supplier (the map's row for the
empty vendor, else a supplier named DEFAULT_SUPPLIER_NAME); a name the map does not know is taken as a
supplier's name, as before, and listed as unmapped so the owner can map it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

DEFAULT_SUPPLIER_NAME = "Unassigned supplier"


@dataclass(frozen=True)
class VendorReading:
    suppliers: dict[str, str]  # vendor name as given -> the supplier's name
    unmapped: list[str] = field(default_factory=list)  # names the map does not know, sorted
    defaulted: list[str] = field(default_factory=list)  # names (or "") read as the default supplier


def read_vendors(names: Iterable[str]) -> VendorReading:
    """What each vendor name stands for, by one query of the map. Creates nothing.

    Names compare by `vendor_key` (case and spaces do not matter). `suppliers` has one entry per distinct
    name as given; `unmapped` and `defaulted` are sorted and distinct, names as given."""
    from suppliers.models import VendorMapping, vendor_key

    given = list(dict.fromkeys(names))
    keys = {vendor_key(name) for name in given} | {""}
    rows = {
        row.key: row
        for row in VendorMapping.objects.filter(key__in=keys)
        .select_related("supplier")
        .only("key", "meaning", "supplier__name")
    }
    default_row = rows.get("")
    default_name = (
        default_row.supplier.name if default_row and default_row.supplier else DEFAULT_SUPPLIER_NAME
    )

    suppliers: dict[str, str] = {}
    unmapped: set[str] = set()
    defaulted: set[str] = set()
    for name in given:
        key = vendor_key(name)
        row = rows.get(key) if key else None
        if row is not None and row.meaning == VendorMapping.Meaning.SUPPLIER:
            suppliers[name] = row.supplier.name
        elif row is not None or not key:
            # The store's own name, a category, or nothing at all: the default supplier.
            suppliers[name] = default_name
            defaulted.add(name)
        else:
            # Not in the map: read as a supplier's name, as files always were, and reported for mapping.
            suppliers[name] = name.strip()
            unmapped.add(name)
    return VendorReading(suppliers=suppliers, unmapped=sorted(unmapped), defaulted=sorted(defaulted))
