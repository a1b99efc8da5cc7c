"""Draft messages for a person to review and send (rules.md section 8); nothing is sent automatically.

A customer reply is drafted when the customer should hear from us: the next move or `also` holds
`draft_update`, or a customer message is unanswered (overlay 1 already puts draft_update in the moves
then; the second test keeps that true should the overlays change). No reply is drafted for a case the
customer need not hear about yet (wait, close, a supplier chase nobody asked about): writing unprompted
"still nothing to report" mails is how stores teach customers to worry.

A supplier message is drafted when the next move or `also` holds `chase_supplier` or `request_proof`.

Drafts are filled only with known facts: the order id, the product title, the latest carrier event in
words with its date (UTC), what the supplier has and has not proved. A template that needs a fact the
case lacks writes nothing and says why in `notes`; no draft ever shows a blank or "None". Free text
from outside (the product title, a carrier's event description) is used only if the whole draft still
passes the guard (guard.py); otherwise the draft is written again without it. A draft that would fail
the guard even then is withheld, with a note.

Dates are written in UTC ("13 November 2026"), so the same facts give the same words whatever offsets
the importer received.

Closed orders (cancelled, refunded) get a reply only when the customer wrote: it says what the store's
records show and promises nothing, neither shipping nor money. An order the store marked fulfilled
without a tracking number here (fulfilled_no_tracking) is no proof that the parcel moved: its reply is
checked as strictly as a label-only case's, so it never says "shipped" or "on its way" unless the
supplier proved a handover.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from cases.assessment import vocabulary as v
from cases.assessment.guard import GuardContext, check_draft
from cases.assessment.standing import ParcelStanding, Standing

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# The carrier's status in a customer's words.
STATUS_WORDS: dict[str, str] = {
    v.INFO_RECEIVED: "shipping label created",
    v.ACCEPTED: "accepted by the carrier",
    v.IN_TRANSIT: "in transit",
    v.OUT_FOR_DELIVERY: "out for delivery",
    v.AVAILABLE_FOR_PICKUP: "available for pickup",
    v.EXCEPTION: "delivery exception",
    v.RETURNED: "returned to the sender",
    v.DELIVERED: "delivered",
    v.UNKNOWN: "a status we could not read",
}

CASE_WORDS: dict[str, str] = {name: name.replace("_", " ") for name in v.CASE_TYPES}

_LEFTOVER = re.compile(r"\bNone\b|[{}]")


def _has_leftover(text: str) -> bool:
    """An unfilled blank: "None" as a word, or a brace. The substring test only skips the regex when
    neither can be there."""
    return ("None" in text or "{" in text or "}" in text) and _LEFTOVER.search(text) is not None


_MAX_FREE_TEXT = 80


class MissingFact(Exception):
    """A template needs a fact the case does not have."""


@dataclass(frozen=True, slots=True)
class Drafts:
    customer: str | None
    supplier: str | None
    notes: tuple[str, ...]


def words_date(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return f"{utc.day} {MONTHS[utc.month - 1]} {utc.year}"


def _need(value: str | None, fact: str) -> str:
    if value is None or not str(value).strip():
        raise MissingFact(fact)
    return str(value).strip()


def _free_text(value: str) -> str | None:
    """Outside text short and plain enough to quote, else None (the draft then goes without it)."""
    text = " ".join((value or "").split())
    if not text or len(text) > _MAX_FREE_TEXT or _has_leftover(text):
        return None
    return text


# --- customer reply -----------------------------------------------------------------------------


def _item(s: Standing, with_title: bool) -> str:
    order = s.case.order
    item = f"your order {_need(order.order_id, 'the order id')}"
    title = _free_text(order.product_title) if with_title else None
    return f"{item} ({title})" if title else item


def _carrier_known(s: Standing, with_free_text: bool, status_words: dict[str, str] = STATUS_WORDS) -> str:
    d = s.derived
    if d.whole_order:
        return ""  # a closed order: the tracking is no longer what the reply is about
    latest = d.latest
    if latest is None:
        if d.has_number:
            return "The carrier has not recorded any scan of the parcel yet."
        return ""  # no number: the situation sentence says so in its own words
    words = status_words.get(latest.status, "a status we could not read")
    note = (
        _free_text(latest.description)
        if with_free_text and latest.status in (v.EXCEPTION, v.RETURNED)
        else None
    )
    if note:
        words = f'{words} (carrier note: "{note}")'
    return f"The latest carrier update is from {words_date(latest.at)}: {words}."


def _situation(s: Standing) -> str:
    d = s.derived
    case_type = s.case_type
    if case_type == v.CANCELLED and d.cancelled_at is not None:
        return f"Our records show that this order was cancelled on {words_date(d.cancelled_at)}."
    if case_type == v.REFUNDED_CASE:
        return "Our records show that the payment for this order was refunded."
    if case_type == v.FULFILLED_NO_TRACKING:
        return (
            "Our store has marked the order as fulfilled, but its tracking number has not reached us yet; "
            "we are getting it and will pass it on as soon as we have it."
        )
    if case_type == v.WRONG_DESTINATION:
        return (
            "The carrier's tracking shows details that do not match your delivery address, "
            "so we are looking into it with the carrier and our supplier."
        )
    if case_type == v.WRONG_TRACKING:
        return (
            "The tracking number we were given does not look like it belongs to your order, "
            "so we are asking our supplier to confirm the right number."
        )
    if case_type == v.UNCLEAR:
        return (
            "The carrier's tracking is unclear at the moment, so we are checking it "
            "before we tell you anything we are not sure of."
        )
    if case_type == v.DELIVERED_CONFLICT:
        return (
            "We are sorry it has not reached you. We are asking for the carrier's proof of delivery. "
            "In the meantime, it may help to check with neighbours, a building reception or a safe place "
            "near the door."
        )
    if case_type == v.DELIVERED_CASE:
        return "If you cannot find the parcel, please reply and we will look into it with the carrier."
    if case_type == v.CARRIER_EXCEPTION:
        return "The carrier reported a problem with the delivery, and we are looking into what it needs."
    if case_type == v.SUPPLIER_BLOCKED:
        return (
            "Our supplier has told us the item is waiting for new stock, and we do not have a restock "
            "date yet."
        )
    if case_type == v.SUPPLIER_SILENCE:
        if d.has_number:
            return "The carrier has not scanned the parcel yet, and we are following up with our supplier."
        return "Our supplier has not sent a tracking number yet, and we are following up with them."
    if case_type == v.AWAITING_TRACKING:
        return "Our supplier has not sent a tracking number yet; we will pass it on as soon as we have it."
    if case_type == v.LABEL_CREATED_ONLY:
        proof = d.pickup_proof
        if proof is not None:
            return (
                f"Our supplier has confirmed the handover to the carrier on {words_date(proof.at)}, "
                "but the carrier has not shown a scan yet, and we are looking into it."
            )
        return "The carrier has not scanned the parcel yet, so we are checking with our supplier."
    if case_type == v.ACCEPTED_NO_MOVEMENT:
        if s.window is not None and s.window.exceeded:
            return "There has been no carrier update since then, and we are looking into it."
        return "Carrier updates can pause for a few days between scans, and we are keeping an eye on it."
    if case_type == v.STALE_IN_TRANSIT:
        return "There has been no new carrier update since then, and we are looking into it with the carrier."
    return "Carrier updates can pause for a few days between scans, and we are keeping an eye on it."


def _not_known(s: Standing) -> str:
    if s.derived.whole_order:
        return "If anything about it is unclear, please reply and we will look into it."
    if s.case_type in (v.DELIVERED_CASE, v.DELIVERED_CONFLICT):
        return (
            "We do not know yet where the parcel was left, and we will write again as soon as we learn more."
        )
    return "We cannot give a delivery date yet, and we will write again as soon as we know more."


# In a reply about several parcels, one parcel's status is said in words that a label-only parcel beside it
# cannot make wrong: the guard of section 8 reads the whole draft, and "in transit" said of one parcel
# would read as said of all.
PARCEL_STATUS_WORDS = STATUS_WORDS | {v.IN_TRANSIT: "moving through the carrier's network"}


def _parcel_words(ps: ParcelStanding, with_free_text: bool) -> str:
    """How the reply names a parcel: by its items' titles, else its number, else as the items waiting."""
    parcel = ps.parcel
    if with_free_text and parcel.skus:
        titles = {item.key: item.title for item in ps.standing.case.items()}
        named = [_free_text(titles.get(sku, "")) for sku in parcel.skus]
        if all(named):
            return " and ".join(named)
    if parcel.tracking is not None and (parcel.tracking.number or "").strip():
        return f"the parcel with tracking number {parcel.tracking.number.strip()}"
    return "the items still waiting for a tracking number"


def _parcel_paragraphs(s: Standing, with_free_text: bool) -> list[str]:
    """Section 3a: what is known of each assessed parcel, the headline parcel first (its facts are the
    case's), each by its items; a superseded parcel is not spoken of."""
    assessed = [ps for ps in s.parcels if ps.standing is not None]
    assessed.sort(key=lambda ps: ps.standing.case is not s.case)  # stable: the headline, then input order
    paragraphs = []
    for ps in assessed:
        known = _carrier_known(ps.standing, with_free_text, PARCEL_STATUS_WORDS)
        words = _parcel_words(ps, with_free_text)
        paragraphs.append(f"About {words}: {known} {_situation(ps.standing)}".strip())
    return paragraphs


def customer_reply(s: Standing, *, with_free_text: bool) -> str:
    d = s.derived
    several = len([ps for ps in s.parcels if ps.standing is not None]) > 1 and not d.whole_order
    item = _item(s, with_free_text and not several)
    if d.unanswered:
        opening = f"Thank you for your message about {item}."
    else:
        opening = f"We are writing with an update on {item}."
    if several:
        paragraphs = [
            "Hello,",
            opening,
            "It travels in more than one parcel.",
            *_parcel_paragraphs(s, with_free_text),
        ]
    else:
        known = _carrier_known(s, with_free_text)
        paragraphs = ["Hello,", opening, f"{known} {_situation(s)}".strip()]
    if d.refund_requested and s.case_type == v.REFUNDED_CASE:
        paragraphs.append(
            "You asked about a refund: the store owner reviews every question about refunds, "
            "and we will write to you once that review is done."
        )
    elif d.refund_requested:
        paragraphs.append(
            "You asked about a refund: refund requests are reviewed by the store owner, "
            "and we will write to you once that review is done."
        )
    paragraphs += [_not_known(s), "Kind regards"]
    return "\n\n".join(paragraphs)


# --- supplier message ---------------------------------------------------------------------------


def _order_sentence(s: Standing, with_title: bool) -> str:
    """ "Order #1001 (SKU-1001, Sunset lamp) was placed on 11 November 2026." """
    order = s.case.order
    order_id = _need(order.order_id, "the order id")
    sku = _need(order.sku, "the SKU")
    title = _free_text(order.product_title) if with_title else None
    product = f"{sku}, {title}" if title else sku
    return f"Order {order_id} ({product}) was placed on {words_date(order.ordered_at)}."


def _proof_so_far(s: Standing) -> str:
    d = s.derived
    if d.pickup_proof is not None:
        return f"We have your pickup proof from {words_date(d.pickup_proof.at)}."
    if d.dispatch_claim is not None:
        return (
            f"Your message of {words_date(d.dispatch_claim.at)} said it had shipped, "
            "but we have no proof of the handover to the carrier."
        )
    return "We have no proof of the handover to the carrier."


_PROOF_KINDS = "a carrier receipt, a pickup scan or a handover photo"


def supplier_message(s: Standing, moves: tuple[str, ...], *, with_free_text: bool) -> str:
    d = s.derived
    supplier = _need(_free_text(s.case.order.supplier), "the supplier's name")
    placed = _order_sentence(s, with_free_text)
    number = s.case.tracking.number.strip() if s.case.tracking is not None and d.has_number else None
    body: list[str]
    if v.REQUEST_PROOF in moves and s.case_type == v.DELIVERED_CONFLICT:
        delivered_on = words_date(d.latest.at) if d.latest is not None else None
        body = [
            f"{placed} Its tracking number {_need(number, 'the tracking number')} shows it delivered on "
            f"{_need(delivered_on, 'the delivery date')}, but the customer says it has not arrived.",
            "Please ask the carrier for its proof of delivery (photo, signature or GPS location) "
            "and send it to us.",
        ]
    elif v.REQUEST_PROOF in moves:
        causes = []
        if d.recycled:
            causes.append("it is also on another customer's order")
        if d.predating_event is not None:
            causes.append(
                f"it shows carrier activity on {words_date(d.predating_event.at)}, "
                "before the order was placed"
            )
        if d.checksum_invalid:
            causes.append("it fails the carrier's check digit")
        if d.fits_no_format:
            causes.append("it fits no carrier's number format, and no carrier has recorded it")
        why = "; ".join(causes) or "it does not match this order"
        body = [
            f"{placed} The tracking number you gave for it, {_need(number, 'the tracking number')}, "
            f"does not seem to belong to it: {why}.",
            f"Please confirm the correct tracking number and send proof of the handover to the carrier "
            f"({_PROOF_KINDS}).",
        ]
    elif number is None:
        body = [
            f"{placed} We have not received a tracking number for it.",
            f"Please send the tracking number and proof of the handover to the carrier ({_PROOF_KINDS}).",
        ]
    else:
        seen = (
            f"only a label created on {words_date(d.label_at)}"
            if d.label_at is not None
            else "no carrier event"
        )
        body = [
            f"{placed} Its tracking number {number} shows {seen}, and no carrier scan since.",
            _proof_so_far(s),
            f"Please send proof of the handover to the carrier ({_PROOF_KINDS}), "
            "or tell us the parcel's real status.",
        ]
    return "\n\n".join([f"Hello {supplier},", *body, "Thank you."])


# --- both ---------------------------------------------------------------------------------------


def _first_clean(build, check) -> tuple[str | None, list[str]]:
    """The first variant (with outside text, then without) that is complete and passes `check`."""
    problems: list[str] = []
    for with_free_text in (True, False):
        try:
            text = build(with_free_text)
        except MissingFact as missing:
            return None, [f"it needs {missing}, which the case does not have"]
        found = check(text)
        if not found:
            return text, []
        problems = found
    return None, problems


def compose_drafts(s: Standing, next_move: str, also: tuple[str, ...], guard: GuardContext) -> Drafts:
    moves = (next_move, *also)
    notes: list[str] = []
    customer = supplier = None
    case_words = CASE_WORDS[s.case_type]

    if v.DRAFT_UPDATE in moves or s.derived.unanswered:
        rules = guard.kwargs()
        if s.case_type == v.FULFILLED_NO_TRACKING:
            # The store's word "fulfilled" is no carrier fact: say nothing moved that nobody proved.
            rules["label_only"] = True

        def customer_check(text: str) -> list[str]:
            problems = [violation.message for violation in check_draft(text, **rules)]
            if _has_leftover(text):
                problems.append("it would show an unfilled blank")
            return problems

        customer, problems = _first_clean(lambda free: customer_reply(s, with_free_text=free), customer_check)
        if customer is None:
            notes.append(f"No customer reply drafted for this {case_words} case: {'; '.join(problems)}.")

    if v.SUPPLIER_MOVES & set(moves):

        def supplier_check(text: str) -> list[str]:
            return ["it would show an unfilled blank"] if _has_leftover(text) else []

        supplier, problems = _first_clean(
            lambda free: supplier_message(s, moves, with_free_text=free), supplier_check
        )
        if supplier is None:
            notes.append(f"No supplier message drafted for this {case_words} case: {'; '.join(problems)}.")
    return Drafts(customer, supplier, tuple(notes))
