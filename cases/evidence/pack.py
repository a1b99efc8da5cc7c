"""The evidence pack of an order, and an honest summary of what it shows (docs/disputes.md, "The evidence
pack").

Pure: plain values in (`cases.evidence.facts`), a JSON-ready dict out; no Django, no ORM.

The summary reads the carrier's timeline the way a bank reads it in an "item not received" dispute:

- A delivered scan counts when it is the parcel's last word: movement after it (accepted, in transit, out
  for delivery: rules.md section 3) contradicts it, and the summary says so.
- Its address is compared with the order's, field by field and only where both carry one (as rules.md
  section 3 compares a destination event): the postal code without spaces and case, the country in upper
  case. It matches, it differs, it names only the country, or the carrier gave none: each said as such.
- A signature or a photo is named only when the scan's own words mention one, quoted; a scan that says
  there was none ("signature not required") is quoted too. Nothing is inferred.
- The ship date is the first carrier scan (a label is the supplier's paperwork, not a handover:
  `vocabulary.NOT_A_SCAN`).
- Without a delivered scan it says what the carrier does show (only a label, only movement, a pickup point,
  an exception, a return, nothing), and that an "item not received" dispute is usually lost on that: the
  owner decides on a refund or a reship. It never promises an outcome, a delivery or money.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from cases.assessment import vocabulary as v
from cases.assessment.clock import iso_z, utc_date
from cases.assessment.derived import normalize_country, normalize_postal
from cases.assessment.disputes import OPEN_STATUSES
from cases.evidence import processors
from cases.evidence.facts import DisputeInfo, Event, EvidenceFacts, OrderInfo, ParcelInfo
from cases.tracking.detect import tracking_url
from cases.tracking.formats import CARRIER_NAMES

FORMAT = "staletrack.evidence_pack/1"

STATUS_WORDS = {
    v.INFO_RECEIVED: "label created",
    v.ACCEPTED: "accepted by the carrier",
    v.IN_TRANSIT: "in transit",
    v.OUT_FOR_DELIVERY: "out for delivery",
    v.AVAILABLE_FOR_PICKUP: "available for pickup",
    v.EXCEPTION: "exception",
    v.RETURNED: "returned",
    v.DELIVERED: "delivered",
    v.NO_INFORMATION: "no information (the tracker's, not a carrier scan)",
    v.UNKNOWN: "unknown status",
}
EVIDENCE_WORDS = {
    v.PICKUP_PROOF: "pickup proof",
    v.DISPATCH_CLAIM: "dispatch claim",
    v.PROCESSING_NOTE: "processing note",
    v.RESTOCK_NOTE: "restock note",
    v.REPLACEMENT_SOURCE: "replacement source",
}
DIRECTION_WORDS = {v.INBOUND: "from the customer", v.OUTBOUND: "to the customer"}
DISPUTE_STATUS_WORDS = {
    "needs_response": "needs response",
    "submitted": "evidence submitted",
    "won": "won",
    "lost": "lost",
    "accepted": "accepted (not contested)",
    "closed": "closed",
}

# What a parcel's timeline comes to (`parcel_state`).
NO_NUMBER = "no_number"
NO_SCAN = "no_scan"
LABEL_ONLY = "label_only"
MOVING = "moving"
PICKUP_POINT = "pickup_point"
EXCEPTION = "exception"
RETURNED = "returned"
DELIVERED = "delivered"
DELIVERED_THEN_MOVED = "delivered_then_moved"
MOVING_STATUSES = frozenset({v.ACCEPTED, v.IN_TRANSIT, v.OUT_FOR_DELIVERY})

# How a delivered scan's address compares with the order's (`address_check`).
ADDRESS_MATCHES = "matches"
ADDRESS_COUNTRY_ONLY = "country_only"
ADDRESS_DIFFERS = "differs"
ADDRESS_NOT_GIVEN = "not_given"
ADDRESS_NOT_COMPARABLE = "not_comparable"

# The summary's findings, by code (what the tests and the template's styling read).
NO_DISPUTE_RECORDED = "no_dispute_recorded"
NO_TRACKING_NUMBER = "no_tracking_number"
NO_DELIVERED_SCAN = "no_delivered_scan"
DELIVERED_TO_ORDER_ADDRESS = "delivered_to_order_address"
DELIVERED_COUNTRY_ONLY = "delivered_country_only"
ADDRESS_DIFFERS_FINDING = "delivered_address_differs"
NO_ADDRESS_ON_SCAN = "no_address_on_scan"
ADDRESS_NOT_COMPARED = "address_not_compared"
SIGNATURE_MENTIONED = "signature_mentioned"
PHOTO_MENTIONED = "photo_mentioned"
PROOF_DENIED = "scan_says_no_signature_or_photo"
NO_PROOF_MENTIONED = "no_proof_of_delivery_mentioned"
PERSONAL_DATA_ERASED = "personal_data_erased"
PARCEL_FINDINGS = {
    NO_NUMBER: NO_TRACKING_NUMBER,
    NO_SCAN: "no_carrier_scan",
    LABEL_ONLY: "label_created_only",
    MOVING: "in_transit_only",
    PICKUP_POINT: "at_pickup_point",
    EXCEPTION: "carrier_exception",
    RETURNED: "returned_to_sender",
    DELIVERED_THEN_MOVED: "delivered_then_moved",
}

# A delivered scan's own words about its proof. A negation is read first: "no signature required" names
# no signature, and says so.
_PROOF_DENIED = re.compile(
    r"\b(?:no|without)\s+(?:a\s+)?(?:signature|photo|picture)"
    r"|\bsignature\s+(?:was\s+)?(?:not\s+(?:required|obtained|taken|needed)|waived)",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(r"\bsign(?:ed|ature|ed\s+for)\b", re.IGNORECASE)
_PHOTO = re.compile(r"\b(?:photo(?:graph)?s?|picture|image)\b", re.IGNORECASE)

# The longest text quoted inside a summary sentence; the pack itself keeps every text whole.
QUOTE_LIMIT = 300

# "Item not received": the processors' reasons (Stripe's product_not_received, Shopify's
# PRODUCT_NOT_RECEIVED) and the networks' codes of cases.choices.COMMON_REASON_CODES.
NOT_RECEIVED_CODES = frozenset({"13.1", "4855", "C08", "UA01", "INR"})
_NOT_RECEIVED_REASON = re.compile(r"not[\s_-]*received|non[\s_-]*receipt", re.IGNORECASE)


def when(moment: datetime, approximate: bool = False) -> str:
    text = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"{text} (approximate, right within a day)" if approximate else text


def quoted(text: str) -> str:
    text = " ".join((text or "").split())
    if len(text) > QUOTE_LIMIT:
        text = text[: QUOTE_LIMIT - 1].rstrip() + "…"
    return f"“{text}”"


def carrier_name(code: str) -> str:
    code = (code or "").strip().lower()
    return CARRIER_NAMES.get(code) or (code.upper() if code else "carrier unknown")


def place(event: Event) -> str:
    return ", ".join(part for part in (event.location, event.postal_code, event.country) if part)


# -- the parcels --------------------------------------------------------------------------------------


def carrier_events(parcel: ParcelInfo) -> list[Event]:
    """The events that are the carrier's word: a tracker's "no information" and an unknown word are not."""
    return [event for event in parcel.events if event.status not in (v.NO_INFORMATION, v.UNKNOWN)]


def delivered_scan(events: list[Event]) -> tuple[Event | None, Event | None]:
    """The last delivered scan, and the first movement after it (which contradicts it), if any."""
    last = None
    for index, event in enumerate(events):
        if event.status == v.DELIVERED:
            last = index
    if last is None:
        return None, None
    moved = next((e for e in events[last + 1 :] if e.status in v.MOVEMENT_AFTER_DELIVERY), None)
    return events[last], moved


def parcel_state(parcel: ParcelInfo) -> str:
    """What the parcel's timeline comes to (one of the states above)."""
    if not parcel.number:
        return NO_NUMBER
    events = carrier_events(parcel)
    if not events:
        return NO_SCAN
    delivered, moved = delivered_scan(events)
    if delivered is not None:
        return DELIVERED_THEN_MOVED if moved is not None else DELIVERED
    if all(event.status == v.INFO_RECEIVED for event in events):
        return LABEL_ONLY
    last = events[-1].status
    if last == v.AVAILABLE_FOR_PICKUP:
        return PICKUP_POINT
    if last == v.EXCEPTION:
        return EXCEPTION
    if last == v.RETURNED:
        return RETURNED
    return MOVING


def address_check(event: Event, order: OrderInfo) -> dict:
    """How the delivered scan's address compares with the order's: {"code", "text"}. Each field is
    compared only when both carry it."""
    scan_postal, scan_country = normalize_postal(event.postal_code), normalize_country(event.country)
    order_postal, order_country = normalize_postal(order.postal_code), normalize_country(order.country)
    if not scan_postal and not scan_country:
        where = f" (it names only the place {quoted(event.location)})" if event.location else ""
        return {
            "code": ADDRESS_NOT_GIVEN,
            "text": f"The carrier gave no postal code or country with the delivered scan{where}, so it "
            "cannot be compared with the order's address.",
        }
    differs, matches, cannot = [], [], []
    for label, scan, own in (
        ("postal code", scan_postal, order_postal),
        ("country", scan_country, order_country),
    ):
        if not scan:
            continue
        if not own:
            cannot.append(f"{label} {scan}")
        elif scan == own:
            matches.append(f"{label} {scan}")
        else:
            differs.append(f"{label} {scan} (the order's is {own})")
    if differs:
        return {
            "code": ADDRESS_DIFFERS,
            "text": "The delivered scan's address differs from the order's: it names "
            f"{' and '.join(differs)}.",
        }
    if not matches:
        return {
            "code": ADDRESS_NOT_COMPARABLE,
            "text": f"The delivered scan names {' and '.join(cannot)}, but the order has none to compare it "
            "with.",
        }
    if cannot:
        return {
            "code": ADDRESS_NOT_COMPARABLE,
            "text": f"The delivered scan's {' and '.join(matches)} matches the order's, but its "
            f"{' and '.join(cannot)} cannot be compared: the order has none.",
        }
    if scan_postal and scan_postal == order_postal:
        return {
            "code": ADDRESS_MATCHES,
            "text": f"The delivered scan's {' and '.join(matches)} match the order's."
            if len(matches) > 1
            else f"The delivered scan's {matches[0]} matches the order's.",
        }
    return {
        "code": ADDRESS_COUNTRY_ONLY,
        "text": f"The delivered scan names only the country {scan_country}, which is the order's; it gives "
        "no postal code to compare.",
    }


def proof_mentions(event: Event) -> dict:
    """What the delivered scan's own words say about a signature or a photo: {"codes", "text"}, quoting
    them; never more than they say."""
    words = " — ".join(part for part in (event.description, event.raw_status) if part)
    if words and _PROOF_DENIED.search(words):
        return {"codes": [PROOF_DENIED], "text": f"The delivered scan says: {quoted(words)}."}
    codes = []
    if words and _SIGNATURE.search(words):
        codes.append(SIGNATURE_MENTIONED)
    if words and _PHOTO.search(words):
        codes.append(PHOTO_MENTIONED)
    if codes:
        kinds = " and ".join(
            name
            for code, name in ((SIGNATURE_MENTIONED, "a signature"), (PHOTO_MENTIONED, "a photo"))
            if code in codes
        )
        return {"codes": codes, "text": f"The delivered scan's words mention {kinds}: {quoted(words)}."}
    return {
        "codes": [NO_PROOF_MENTIONED],
        "text": "The delivered scan mentions no signature or photo: ask the carrier for its proof of "
        "delivery.",
    }


def event_dict(event: Event) -> dict:
    return {
        "at": iso_z(event.at),
        "status": event.status,
        "status_words": STATUS_WORDS.get(event.status, event.status),
        "raw_status": event.raw_status,
        "description": event.description,
        "location": event.location,
        "postal_code": event.postal_code,
        "country": event.country,
        "approximate": event.approximate,
        "source": event.source,
    }


def read_parcel(parcel: ParcelInfo, order: OrderInfo) -> dict:
    """The parcel as the pack lists it: its number, carrier and whole timeline, what its timeline comes to,
    and the sentences of the summary that are its own ("shows" and "does not show")."""
    state = parcel_state(parcel)
    events = carrier_events(parcel)
    labels = [e for e in events if e.status == v.INFO_RECEIVED]
    scans = [e for e in events if e.status not in v.NOT_A_SCAN]
    name = carrier_name(parcel.carrier)
    shows, missing, findings = [], [], []
    delivered_entry = None
    if labels:
        shows.append(f"A shipping label was created on {utc_date(labels[0].at)} ({name}, {parcel.number}).")
    if scans:
        first = scans[0]
        at = f" at {place(first)}" if place(first) else ""
        shows.append(
            f"Shipped with {name}, tracking number {parcel.number}: the first carrier scan is of "
            f"{when(first.at, first.approximate)} ({STATUS_WORDS[first.status]}{at})."
        )
    if state == NO_NUMBER:
        missing.append("No tracking number: nothing shows this parcel was handed to a carrier.")
    elif state == NO_SCAN:
        missing.append(f"The carrier shows no scan at all for {parcel.number}.")
    elif state == LABEL_ONLY:
        missing.append(
            f"No delivered scan: the carrier shows only a label created on {utc_date(labels[0].at)}; no "
            "carrier scan shows the parcel was ever handed over."
        )
    elif state in (MOVING, PICKUP_POINT, EXCEPTION, RETURNED):
        last = events[-1]
        at = f" at {place(last)}" if place(last) else ""
        said = f": {quoted(last.description)}" if last.description else ""
        lead = {
            MOVING: "No delivered scan: the carrier shows the parcel only "
            f"{STATUS_WORDS[last.status]}, its last event",
            PICKUP_POINT: "No delivered scan: the carrier's last event says the parcel is available for "
            "pickup (it does not show the customer collected it), its last event",
            EXCEPTION: "No delivered scan: the carrier's last event is an exception",
            RETURNED: "No delivered scan: the carrier shows the parcel returned, its last event",
        }[state]
        missing.append(f"{lead} of {when(last.at, last.approximate)}{at}{said}.")
    else:
        delivered, moved = delivered_scan(events)
        address = address_check(delivered, order)
        proof = proof_mentions(delivered)
        at = f" at {place(delivered)}" if place(delivered) else ""
        shows.append(f"The carrier shows it delivered on {when(delivered.at, delivered.approximate)}{at}.")
        (shows if address["code"] in (ADDRESS_MATCHES, ADDRESS_COUNTRY_ONLY) else missing).append(
            address["text"]
        )
        (missing if proof["codes"] == [NO_PROOF_MENTIONED] else shows).append(proof["text"])
        findings += [
            {
                ADDRESS_MATCHES: DELIVERED_TO_ORDER_ADDRESS,
                ADDRESS_COUNTRY_ONLY: DELIVERED_COUNTRY_ONLY,
                ADDRESS_DIFFERS: ADDRESS_DIFFERS_FINDING,
                ADDRESS_NOT_GIVEN: NO_ADDRESS_ON_SCAN,
                ADDRESS_NOT_COMPARABLE: ADDRESS_NOT_COMPARED,
            }[address["code"]],
            *proof["codes"],
        ]
        if moved is not None:
            missing.insert(
                0,
                f"After the delivered scan of {utc_date(delivered.at)} the carrier shows the parcel "
                f"{STATUS_WORDS[moved.status]} on {when(moved.at, moved.approximate)}: the delivery is "
                "contradicted.",
            )
        delivered_entry = {
            **event_dict(delivered),
            "address": address["code"],
            "address_text": address["text"],
            "proof": proof["codes"],
            "proof_text": proof["text"],
            "contradicted_by": event_dict(moved) if moved is not None else None,
        }
    if state in PARCEL_FINDINGS:
        findings.insert(0, PARCEL_FINDINGS[state])
    if state not in (DELIVERED, DELIVERED_THEN_MOVED, NO_NUMBER):
        findings.insert(0, NO_DELIVERED_SCAN)
    return {
        "position": parcel.position,
        "number": parcel.number,
        "carrier": parcel.carrier or None,
        "carrier_name": name if parcel.number else None,
        "tracking_url": tracking_url(parcel.carrier, parcel.number)
        if parcel.number and parcel.carrier
        else None,
        "items": list(parcel.skus),
        "superseded_at": iso_z(parcel.superseded_at),
        "superseded_reason": parcel.superseded_reason,
        "state": state,
        "label_created_at": iso_z(labels[0].at) if labels else None,
        "shipped_at": iso_z(scans[0].at) if scans else None,
        "delivered": delivered_entry,
        "events": [event_dict(event) for event in parcel.events],
        "shows": shows,
        "does_not_show": missing,
        "findings": findings,
    }


# -- the dispute --------------------------------------------------------------------------------------


def headline_dispute(disputes: tuple[DisputeInfo, ...]) -> DisputeInfo | None:
    """The dispute the pack answers: the open one whose evidence is due soonest, else the latest opened."""
    if not disputes:
        return None
    still_open = [d for d in disputes if d.status in OPEN_STATUSES]
    due = [d for d in still_open if d.evidence_due_by is not None]
    if due:
        return min(due, key=lambda d: d.evidence_due_by)
    return max(still_open or disputes, key=lambda d: d.opened_at)


def is_not_received(dispute: DisputeInfo | None) -> bool:
    """Whether the dispute says the customer did not receive the item (its reason or network code)."""
    if dispute is None:
        return False
    code = dispute.network_reason_code.strip().upper()
    return code in NOT_RECEIVED_CODES or bool(_NOT_RECEIVED_REASON.search(dispute.reason))


def dispute_dict(dispute: DisputeInfo) -> dict:
    return {
        "processor": dispute.processor,
        "external_id": dispute.external_id,
        "kind": dispute.kind,
        "reason": dispute.reason,
        "network_reason_code": dispute.network_reason_code,
        "amount": None if dispute.amount is None else str(dispute.amount),
        "currency": dispute.currency,
        "opened_at": iso_z(dispute.opened_at),
        "evidence_due_by": iso_z(dispute.evidence_due_by),
        "status": dispute.status,
        "status_words": DISPUTE_STATUS_WORDS.get(dispute.status, dispute.status),
        "evidence_sent_on": iso_z(dispute.evidence_sent_on),
        "finalized_on": iso_z(dispute.finalized_on),
        "item_not_received": is_not_received(dispute),
    }


PROCESSOR_NAMES = {
    "shopify_payments": "Shopify Payments",
    "stripe": "Stripe",
    "paypal": "PayPal",
    "other": "another processor",
}


def dispute_sentence(dispute: DisputeInfo | None) -> str:
    if dispute is None:
        return "No dispute is recorded on this order: the pack is built all the same."
    parts = [f"{PROCESSOR_NAMES.get(dispute.processor, dispute.processor)} dispute"]
    if dispute.external_id:
        parts.append(dispute.external_id)
    reason = " ".join(
        p
        for p in (dispute.reason, f"({dispute.network_reason_code})" if dispute.network_reason_code else "")
        if p
    )
    if reason:
        parts.append(f"reason {reason}")
    if dispute.amount is not None:
        parts.append(f"{dispute.amount} {dispute.currency}".strip())
    parts.append(f"opened {utc_date(dispute.opened_at)}")
    if dispute.evidence_due_by is not None:
        parts.append(f"evidence due by {when(dispute.evidence_due_by)}")
    parts.append(DISPUTE_STATUS_WORDS.get(dispute.status, dispute.status))
    return ", ".join(parts) + "."


# -- the summary --------------------------------------------------------------------------------------

STORE_KEEPS_NO_NAME = (
    "The customer's name, street address and city: staletrack keeps only the destination's postal code and "
    "country; add them from the store's order page."
)
STORE_KEEPS_NO_REFUND_TERMS = (
    "The store's refund policy: the policy in force has no refund terms written (Policies: What customers "
    "are told); attach the store's own refund policy as the customer saw it."
)


def _prefixed(parcel: dict, sentences: list[str], several: bool) -> list[str]:
    if not several:
        return sentences
    name = parcel["number"] or f"without a number (items: {', '.join(parcel['items']) or 'not said'})"
    return [f"Parcel {name}: {sentence}" for sentence in sentences]


def summarize(facts: EvidenceFacts, parcels: list[dict], dispute: DisputeInfo | None) -> dict:
    """What the evidence shows and does not show, the headline and a suggestion for the owner."""
    order = facts.order
    in_force = [p for p in parcels if p["superseded_at"] is None]
    several = len(in_force) > 1
    shows: list[str] = []
    missing: list[str] = []
    findings: list[str] = [] if dispute is not None else [NO_DISPUTE_RECORDED]
    for parcel in in_force:
        shows += _prefixed(parcel, parcel["shows"], several)
        missing += _prefixed(parcel, parcel["does_not_show"], several)
        findings += [code for code in parcel["findings"] if code not in findings]
    if not in_force:
        missing.append(
            "No tracking number: staletrack holds no parcel with a tracking number for this order."
        )
        findings.append(NO_TRACKING_NUMBER)
    if order.fulfilled_at is not None:
        shows.append(f"The store marked the order fulfilled on {utc_date(order.fulfilled_at)}.")
    if order.cancelled_at is not None:
        shows.append(f"The store cancelled the order on {utc_date(order.cancelled_at)}.")
    for record in facts.supplier_evidence:
        if record.kind == v.PICKUP_PROOF:
            shows.append(f"The supplier's pickup proof of {utc_date(record.at)}: {quoted(record.text)}.")
        elif record.kind == v.DISPATCH_CLAIM:
            shows.append(
                f"The supplier says it dispatched the order ({utc_date(record.at)}; its word, not a carrier "
                f"scan): {quoted(record.text)}."
            )
    inbound = [m for m in facts.customer_messages if m.direction == v.INBOUND]
    outbound = [m for m in facts.customer_messages if m.direction == v.OUTBOUND]
    if facts.customer_messages:
        words = []
        if inbound:
            words.append(f"{len(inbound)} from the customer (the first on {utc_date(inbound[0].at)})")
        if outbound:
            words.append(f"{len(outbound)} from the store (the last on {utc_date(outbound[-1].at)})")
        shows.append(f"Messages with the customer: {' and '.join(words)}, all listed below.")
    else:
        missing.append("No message with the customer is on record.")
    if order.erased_at is not None:
        findings.append(PERSONAL_DATA_ERASED)
        missing.append(
            f"The customer's personal data was erased on {utc_date(order.erased_at)}: their email and postal "
            "code are gone from the order."
        )
    missing.append(STORE_KEEPS_NO_NAME)
    if not facts.refund_terms:  # the policy in force has none written (policy_dict quotes them when it has)
        missing.append(STORE_KEEPS_NO_REFUND_TERMS)
    delivered = [p for p in in_force if p["state"] == DELIVERED]
    return {
        "dispute": dispute_sentence(dispute),
        "headline": _headline(in_force, delivered),
        "shows": shows,
        "does_not_show": missing,
        "suggestion": _suggestion(in_force, delivered, dispute),
        "findings": findings,
    }


def _headline(in_force: list[dict], delivered: list[dict]) -> str:
    if not in_force:
        return "No tracking number: nothing shows the order was handed to a carrier."
    differ = [p for p in delivered if p["delivered"]["address"] == ADDRESS_DIFFERS]
    if differ:
        return differ[0]["delivered"]["address_text"]
    if len(delivered) == len(in_force):
        codes = {p["delivered"]["address"] for p in delivered}
        last = max(p["delivered"]["at"] for p in delivered)
        if codes == {ADDRESS_MATCHES}:
            return f"The carrier shows the order delivered to the order's postal code ({last[:10]})."
        return (
            f"The carrier shows the order delivered ({last[:10]}), but not at an address that can be matched "
            "with the order's postal code."
        )
    waiting = [p for p in in_force if p["state"] != DELIVERED]
    first = waiting[0]["does_not_show"][0] if waiting[0]["does_not_show"] else "No delivered scan."
    if len(in_force) > 1:
        return f"{len(waiting)} of {len(in_force)} parcels have no delivered scan. {first}"
    return first


def _suggestion(in_force: list[dict], delivered: list[dict], dispute: DisputeInfo | None) -> str:
    """A suggestion for the owner; never a promise to anyone."""
    reason = ""
    if (
        dispute is not None
        and not is_not_received(dispute)
        and (dispute.reason or dispute.network_reason_code)
    ):
        reason = (
            f" The dispute's reason ({dispute.reason or dispute.network_reason_code}) may not be about "
            "delivery: this pack speaks to delivery only; answer the reason itself with what the store holds."
        )
    all_delivered = bool(in_force) and len(delivered) == len(in_force)
    if all_delivered and all(p["delivered"]["address"] == ADDRESS_MATCHES for p in delivered):
        proof = all(p["delivered"]["proof"] == [NO_PROOF_MENTIONED] for p in delivered)
        return (
            "The delivered scan at the order's postal code is the evidence an “item not received” dispute "
            "asks for: submit it with the carrier's whole timeline"
            + (
                ", and ask the carrier for its proof of delivery (a photo or a signature) to add"
                if proof
                else ""
            )
            + ". The bank decides the outcome."
            + reason
        )
    if any(p["delivered"]["address"] == ADDRESS_DIFFERS for p in delivered):
        return (
            "The carrier's record does not show delivery to the customer's address. Ask the carrier where "
            "it delivered and for its proof of delivery; without that, an “item not received” dispute is "
            "usually lost on this evidence: decide whether to refund or to reship (the owner's decision)."
            + reason
        )
    if all_delivered:
        return (
            "The delivered scan cannot be matched with the order's address: ask the carrier for its proof of "
            "delivery (the address, a photo or a signature) before deciding whether to contest." + reason
        )
    return (
        "For an “item not received” dispute, a store whose carrier shows only a label or a parcel still on "
        "its route usually loses: nothing here shows the parcel reached the customer. Decide whether to "
        "refund or to reship (the owner's decision) rather than contest on this evidence." + reason
    )


# -- the pack -----------------------------------------------------------------------------------------


def order_dict(order: OrderInfo) -> dict:
    return {
        "order_id": order.order_id,
        "ordered_at": iso_z(order.ordered_at),
        "customer_email": order.customer_email,
        "country": order.country,
        "postal_code": order.postal_code,
        "value": None if order.value is None else str(order.value),
        "currency": order.currency,
        "payment_state": order.payment_state,
        "promise_text": order.promise_text,
        "cancelled_at": iso_z(order.cancelled_at),
        "fulfilled_at": iso_z(order.fulfilled_at),
        "erased_at": iso_z(order.erased_at),
    }


def policy_dict(facts: EvidenceFacts) -> dict:
    """The store's policy in force for the order, and the delivery promises the customer was shown."""
    promises = []
    if facts.order.promise_text:
        promises.append({"source": "the order", "text": facts.order.promise_text, "days": None})
    for item in facts.items:
        if item.promise_text or item.promised_delivery_days is not None:
            promises.append(
                {
                    "source": f"the product page of {item.sku}",
                    "text": item.promise_text,
                    "days": item.promised_delivery_days,
                }
            )
    policy = facts.policy
    return {
        "version": policy.version if policy is not None else None,
        "windows_days": policy.as_dict() if policy is not None else None,
        "promises": promises,
        "refund_terms": facts.refund_terms or None,
        "refund_terms_note": (
            "The refund terms below are those of the store's policy in force (Policies: What customers are "
            "told); attach the refund policy page as the customer saw it too."
            if facts.refund_terms
            else "The store's policy in force has no refund terms written (Policies: What customers are "
            "told): attach the store's own refund policy."
        ),
    }


def build_pack(facts: EvidenceFacts, *, generated_at: datetime) -> dict:
    """The evidence pack of one order: its facts, whole, as a JSON-ready dict, with the summary and the
    processors' fields (`cases.evidence.processors`)."""
    order = facts.order
    parcels = [read_parcel(parcel, order) for parcel in facts.parcels]
    dispute = headline_dispute(facts.disputes)
    pack = {
        "format": FORMAT,
        "generated_at": iso_z(generated_at),
        "order": order_dict(order),
        "items": [
            {
                "sku": item.sku,
                "title": item.title,
                "quantity": item.quantity,
                "supplier": item.supplier,
            }
            for item in facts.items
        ],
        "parcels": parcels,
        "supplier_evidence": [
            {
                "at": iso_z(record.at),
                "kind": record.kind,
                "kind_words": EVIDENCE_WORDS.get(record.kind, record.kind),
                "text": record.text,
                "attachment": record.attachment,
            }
            for record in facts.supplier_evidence
        ],
        "customer_messages": [
            {
                "at": iso_z(message.at),
                "direction": message.direction,
                "direction_words": DIRECTION_WORDS.get(message.direction, message.direction),
                "text": message.text,
                "helpdesk_ticket": message.helpdesk_ticket,
            }
            for message in facts.customer_messages
        ],
        "policy": policy_dict(facts),
        "disputes": [dispute_dict(d) for d in facts.disputes],
        "dispute": dispute_dict(dispute) if dispute is not None else None,
        "summary": summarize(facts, parcels, dispute),
    }
    pack["processor_evidence"] = processors.for_pack(pack)
    return pack
