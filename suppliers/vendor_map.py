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
    """What each vendor name stands for, by one query of the map. Creates nothing."""
    raise NotImplementedError  # filled in by the vendor map work
