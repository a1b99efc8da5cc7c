"""Tracking: carriers in plain Python (what a tracking number is, what a tracker's words mean), the
tracking service that stores numbers and events (`services`) and their admin (`admin`).

Carrier intelligence: tracking-number normalization, carrier detection, check digits, status mapping and
reading a status from an event's description.

The carrier modules are pure functions only (no Django, no ORM, no I/O; this package's `__init__`
imports only them), so the importer, the admin and the assessment rules
can all call them. Spec: rules.md section 3 (normalized statuses, `checksum_invalid`, normalized numbers),
section 3b (a status read from a description) and status-vocabularies.md.
"""

from cases.tracking.detect import (
    CarrierMatch,
    best_carrier,
    checksum_invalid,
    detect,
    to_json,
    track_as,
    tracking_url,
)
from cases.tracking.formats import CARRIER_NAMES, FORMATS, CarrierFormat
from cases.tracking.normalize import normalize_number
from cases.tracking.statuses import (
    NORMALIZED_STATUSES,
    STATUS_SOURCES,
    normalize_status,
    read_event_status,
    status_from_description,
)

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
    "read_event_status",
    "status_from_description",
    "to_json",
    "track_as",
    "tracking_url",
]
