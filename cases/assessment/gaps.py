"""Evidence gaps (rules.md section 7): what is missing, in words a person reads.

Each gap names its number of days, e.g. "no first carrier scan after 9 days". Day counts change every
day, so gaps are display, not part of what next_assessment_at watches.

A cancelled or refunded order is assessed as a whole (section 3a): nothing about its tracking or its
supplier is missing any more, so only the order's own gaps remain. An order without a destination country
names it whatever its case type (destination checks then compare postal codes only, section 3), and
carrier times read as local time say so (section 1) wherever the tracking was read.
"""

from __future__ import annotations

from cases.assessment import vocabulary as v
from cases.assessment.classify import Classification, fulfilled_sentence
from cases.assessment.clock import plural, utc_date, whole_days
from cases.assessment.derived import Derived
from cases.assessment.facts import CaseFacts

NO_COUNTRY = "no destination country on the order: the carrier's destination is checked by postal code only"
APPROXIMATE_TIMES = (
    "some carrier times came without an offset and were read as local time at the event's place "
    "(within a day)"
)
FITS_NO_FORMAT = "the tracking number fits no known carrier format"


def evidence_gaps(case: CaseFacts, d: Derived, c: Classification) -> tuple[str, ...]:
    gaps = [] if d.whole_order else _case_gaps(case, d, c)
    if not d.whole_order and d.approximate:
        gaps.append(APPROXIMATE_TIMES)
    if not (case.order.country or "").strip():
        gaps.append(NO_COUNTRY)
    return tuple(gaps)


def _case_gaps(case: CaseFacts, d: Derived, c: Classification) -> list[str]:
    as_of = d.as_of
    gaps: list[str] = []
    no_first_scan = d.first_scan is None

    if c.case_type == v.FULFILLED_NO_TRACKING and d.fulfilled_at is not None:
        gaps.append(f"{fulfilled_sentence(d.fulfilled_at)}: import the store's tracking export")
    elif not d.has_number:
        gaps.append(
            f"no tracking number {plural(whole_days(case.order.ordered_at, as_of), 'day')} after the order"
        )
    elif no_first_scan:
        start = d.label_at or case.order.ordered_at
        gaps.append(f"no first carrier scan after {plural(whole_days(start, as_of), 'day')}")

    # The store fulfilled it: whether the supplier proved a handover is no longer what is missing.
    supplier_owes_proof = c.case_type != v.FULFILLED_NO_TRACKING
    if supplier_owes_proof and (no_first_scan or c.case_type == v.WRONG_TRACKING) and d.pickup_proof is None:
        if d.dispatch_claim is not None:
            gaps.append(f"no supplier pickup proof, only a dispatch claim ({utc_date(d.dispatch_claim.at)})")
        else:
            gaps.append("no supplier pickup proof")

    if d.last_chase is not None and (d.chase_unanswered or d.chase_pending):
        days = plural(whole_days(d.last_chase.at, as_of), "day")
        if d.chase_unanswered:
            gaps.append(f"supplier chased {days} ago and has not answered")
        else:
            gaps.append(f"supplier chased {days} ago; no answer yet")

    if c.case_type == v.WRONG_TRACKING:
        if d.fits_no_format:
            gaps.append(FITS_NO_FORMAT)
        gaps.append("no tracking number confirmed as this order's")
    elif c.case_type == v.WRONG_DESTINATION:
        gaps.append("no confirmation of the address the carrier is delivering to")
    elif c.case_type == v.UNCLEAR:
        gaps.append("no carrier status the rules can read with confidence")
    elif c.case_type == v.DELIVERED_CONFLICT:
        gaps.append("no proof of delivery (photo, signature or location) behind the delivered scan")
    elif c.case_type == v.CARRIER_EXCEPTION and d.latest is not None:
        gaps.append(
            f"no carrier event since the {d.latest.status} on {utc_date(d.latest.at)} "
            f"({plural(whole_days(d.latest.at, as_of), 'day')})"
        )
    elif c.case_type == v.SUPPLIER_BLOCKED:
        gaps.append("no restock date from the supplier")
    elif c.case_type in (v.STALE_IN_TRANSIT, v.ACCEPTED_NO_MOVEMENT) and c.window and c.window.exceeded:
        gaps.append(f"no carrier movement for {plural(c.window.elapsed_days, 'day')}")
    return gaps
