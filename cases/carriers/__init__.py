"""Carrier intelligence: tracking-number normalization, carrier detection, check digits and status mapping.

Pure functions only (no Django, no ORM, no I/O), so the importer, the admin and the assessment rules
can all call them. Spec: rules.md section 3 (normalized statuses, `checksum_invalid`, normalized numbers)
and status-vocabularies.md.
"""

from cases.carriers.detect import (
    CarrierMatch,
    best_carrier,
    checksum_invalid,
    detect,
    to_json,
    tracking_url,
)
from cases.carriers.formats import CARRIER_NAMES, FORMATS, CarrierFormat
from cases.carriers.normalize import normalize_number
from cases.carriers.statuses import NORMALIZED_STATUSES, STATUS_SOURCES, normalize_status

__all__ = [
    "CARRIER_NAMES",
    "FORMATS",
    "NORMALIZED_STATUSES",
    "STATUS_SOURCES",
    "CarrierFormat",
    "CarrierMatch",
    "best_carrier",
    "checksum_invalid",
    "detect",
    "normalize_number",
    "normalize_status",
    "to_json",
    "tracking_url",
]
