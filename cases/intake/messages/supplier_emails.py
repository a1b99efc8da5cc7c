"""Supplier emails read into proposals of supplier evidence (rules.md section 3: the evidence kinds).

A pure reader: bytes in, `EmailProposal`s out; no database, nothing stored, nothing becomes evidence here.
A person confirms a proposal later, and only that writes anything.

What is read (docs/messages.md says the same for people):

- the text: text/plain preferred, HTML-only mail converted to text (scripts and styles dropped, block tags
  as line breaks, entities unescaped), every charset decoded with bad bytes replaced;
- the parts of that text: the supplier's own newest words, the quoted reply ("> " lines, an "On ... wrote:"
  line, Outlook's "From: ... Sent: ..." block, "-----Original Message-----"), the forwarded message
  (message/rfc822 parts, "---------- Forwarded message ---------", "Begin forwarded message:") and the
  signature (after a "-- " line);
- the evidence kind, by the phrase rules of `PHRASES` matched the way rules.md section 3 matches customer
  intents (lower case, runs of spaces as one, curly apostrophes straightened, at the start of a word and free
  to run on), read from the supplier's own words and attachments first, else from the forwarded part, else
  from the quoted part (and the notes say so); the kind chosen by `PRECEDENCE`, every match a reason;
- order numbers, tracking numbers (those cases.tracking.detect accepts) and written dates from the whole
  text (subject included), each with the sentence it came from;
- attachments: name, declared type, size, SHA-256 and the type their first bytes show (images, PDF).

Any bytes may come in: anything that cannot be read raises `EmailError` (a ValueError) saying what and
where, and nothing else is ever raised.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from email import policy
from email.errors import MessageError
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import NamedTuple

from cases.assessment.vocabulary import (
    DISPATCH_CLAIM,
    PICKUP_PROOF,
    PROCESSING_NOTE,
    REPLACEMENT_SOURCE,
    RESTOCK_NOTE,
)
from cases.tracking.detect import best_carrier, detect
from cases.tracking.normalize import normalize_number

MAX_EMAIL_BYTES = 10 * 1024 * 1024
MAX_MBOX_BYTES = 100 * 1024 * 1024
# A message nested deeper than this (multipart in multipart, forwards of forwards) is read down to here:
# real mail nests a handful of levels; hostile mail nests thousands to exhaust the stack.
MAX_DEPTH = 20
MAX_PARTS = 500
# A sentence shown as a reason is cut to this many characters: enough to judge, short enough to list.
MAX_SENTENCE = 300
# No real sentence is longer: a longer run of text is read in pieces this long, so that hostile text (one
# "sentence" of megabytes) costs time in proportion to its length.
MAX_SCANNED = 1000
# At most this many order numbers, tracking numbers and dates are kept per email (a person reads them).
MAX_FOUND = 100
# At most this many number-like runs are looked up in the carrier formats per email: a real email has a few
# dozen, hostile text millions ("12 12 12 ...").
MAX_CANDIDATES = 20_000

OWN = "own"
QUOTED = "quoted"
FORWARDED = "forwarded"
SIGNATURE = "signature"
SUBJECT = "subject"
ATTACHMENT = "attachment"


class EmailError(ValueError):
    """An email (or an mbox's message) that cannot be read; the text says which one and what is wrong."""


class Reason(NamedTuple):
    kind: str
    phrase: str  # the phrase of `PHRASES` that matched, or what an attachment is named like
    sentence: str  # the sentence it matched in (an attachment: its file name)
    part: str = OWN  # own, forwarded, quoted or attachment


class OrderNumber(NamedTuple):
    value: str  # normalized: "#1001"
    sentence: str
    part: str = OWN


class TrackingNumber(NamedTuple):
    number: str  # normalized (cases.tracking.normalize)
    carrier: str  # carrier code (cases.tracking.detect.best_carrier)
    sentence: str
    part: str = OWN


class WrittenDate(NamedTuple):
    date: date
    sentence: str
    part: str = OWN


class Attachment(NamedTuple):
    filename: str
    content_type: str  # as declared by the email
    size: int
    sha256: str
    sniffed: str | None  # what the first bytes show: image/png, image/jpeg, image/gif, image/webp,
    # application/pdf; None for anything else


@dataclass(frozen=True)
class EmailProposal:
    """What one email proposes; nothing of it is evidence until a person confirms it."""

    message_id: str
    sender: str
    subject: str
    sent_at: datetime | None
    kind: str | None
    reasons: tuple[Reason, ...] = ()
    order_numbers: tuple[OrderNumber, ...] = ()
    tracking_numbers: tuple[TrackingNumber, ...] = ()
    dates: tuple[WrittenDate, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict:
        """JSON-ready: times and dates as ISO 8601 text, tuples as lists of objects."""
        data = asdict(self)
        data["sent_at"] = self.sent_at.isoformat() if self.sent_at else None
        data["reasons"] = [reason._asdict() for reason in self.reasons]
        data["order_numbers"] = [number._asdict() for number in self.order_numbers]
        data["tracking_numbers"] = [number._asdict() for number in self.tracking_numbers]
        data["dates"] = [{**day._asdict(), "date": day.date.isoformat()} for day in self.dates]
        data["attachments"] = [attachment._asdict() for attachment in self.attachments]
        data["notes"] = list(self.notes)
        return data


# ---------------------------------------------------------------------------------------------------------
# The phrase rules per kind (rules.md section 3's kinds), as suppliers write them, non-native English
# included. Written as the normalized text reads: lower case, hyphens and underscores as spaces.

# fmt: off
PHRASES: dict[str, tuple[str, ...]] = {
    PICKUP_PROOF: (
        "picked up by the courier", "picked up by courier", "picked up by the carrier",
        "picked up by carrier", "picked up by the driver", "picked up by logistics",
        "picked up by the logistics", "courier has picked up", "courier have picked up",
        "courier already picked up", "courier picked up", "courier has collected", "courier collected",
        "carrier has picked up", "carrier picked up", "driver picked up", "driver has picked up",
        "logistics picked up", "logistics has picked up", "collected by the courier",
        "collected by courier", "collected by the carrier", "handed over to the courier",
        "handed over to courier", "handed over to the carrier", "handed over to carrier",
        "handed over to logistics", "handed over to the logistics", "handed over to the post",
        "handed to the courier", "handed to courier", "handed to logistics", "hand over to courier",
        "handover to logistics", "handover to the courier", "handover receipt", "handover photo",
        "handover record", "hand over receipt", "hand over photo", "pickup scan", "pick up scan",
        "pickup receipt", "pick up receipt", "pickup record", "pick up record", "pickup proof",
        "pick up proof", "proof of pickup", "proof of postage", "proof of shipment", "proof of dispatch",
        "carrier receipt", "courier receipt", "posting receipt", "post office receipt", "drop off receipt",
        "acceptance scan", "accepted by the carrier", "accepted by carrier", "scanned by the courier",
        "scanned by courier", "first scan",
    ),
    DISPATCH_CLAIM: (
        "shipped", "has been shipped", "have been shipped", "was shipped", "already ship",
        "already shipped", "already send", "already sent", "already dispatch", "already deliver to",
        "dispatched", "has been sent", "have been sent", "was sent", "were sent", "sent out", "send out",
        "been send", "we send it", "we sent it", "we ship it", "we ship your", "we send your",
        "we sent your", "is on the way", "on its way", "on the way", "in transit", "left our warehouse",
        "left the warehouse", "leave our warehouse", "out from warehouse", "delivered to the post",
        "here is the tracking", "here is tracking", "tracking number is", "tracking no is",
        "track number is", "tracking number as below", "tracking number below",
    ),
    PROCESSING_NOTE: (
        "processing", "being processed", "in process", "under process", "preparing", "being prepared",
        "prepare your", "prepare the", "packing", "being packed", "packed", "will ship", "will be shipped",
        "will send", "will be sent", "will be send", "will dispatch", "will be dispatched", "will deliver",
        "ship within", "ship in", "ship out in", "ship out within", "send out in", "send out within",
        "dispatch within", "dispatch in", "ready to ship", "ready to send", "ready for shipping",
        "arrange shipment", "arrange the shipment", "arrange shipping", "arrange to ship",
        "arrange to send", "not shipped yet", "not ship yet", "not yet shipped", "not yet ship",
        "not been shipped", "not been sent", "hasn't shipped", "haven't shipped", "hasn't been shipped",
        "haven't been shipped", "waiting for pickup", "waiting for pick up", "waiting for the courier",
        "waiting for courier", "waiting courier", "will be picked up", "label created", "label printed",
        "printed the label", "print the label", "in production", "production", "quality check",
        "quality inspection", "need more time", "need a few days", "need few days", "few more days",
    ),
    RESTOCK_NOTE: (
        "out of stock", "out stock", "no stock", "stock out", "stockout", "sold out", "backorder",
        "back order", "restock", "re stock", "waiting for stock", "wait for stock", "waiting stock",
        "waiting for the stock", "waiting for goods", "waiting for the goods", "waiting for material",
        "lack of stock", "short of stock", "stock shortage", "shortage", "no inventory", "out of inventory",
        "not enough stock", "stock is not enough", "stock not enough", "inventory is not enough",
        "new stock", "new batch", "next batch", "temporarily unavailable", "currently unavailable",
        "replenish", "once back in stock", "when back in stock", "until back in stock",
        "once it is back in stock", "when it is back in stock",
    ),
    REPLACEMENT_SOURCE: (
        "another warehouse", "other warehouse", "different warehouse", "another supplier", "other supplier",
        "different supplier", "another factory", "other factory", "another seller", "from us warehouse",
        "from our us warehouse", "from the us warehouse", "from local warehouse",
        "from our local warehouse", "from eu warehouse", "from our eu warehouse", "from uk warehouse",
        "reship", "re ship", "resend", "re send", "re sent", "send again", "ship again", "sent again",
        "send a new one", "send new one", "send another one", "send you another", "send a replacement",
        "send replacement", "replacement", "new parcel", "new package", "new shipment", "arrange another",
        "arrange a new", "arrange new",
    ),
}
# fmt: on

# When several kinds match, the kind is the first of these that matched (every match stays a reason):
# - replacement_source and restock_note say the goods are not on their way; a new source is the plan that
#   answers a stock-out, so it comes first, and the stock-out stays among the reasons;
# - pickup_proof, strong, only from carrier-proof language or an image/PDF attachment named like a receipt;
# - dispatch_claim, weak ("it shipped");
# - processing_note last: "being packed" beside "shipped" is a supplier saying both.
PRECEDENCE = (REPLACEMENT_SOURCE, RESTOCK_NOTE, PICKUP_PROOF, DISPATCH_CLAIM, PROCESSING_NOTE)

# A past claim ("shipped", "picked up by the courier") preceded by one of these within three words is a
# promise or a denial, not a claim: "will be shipped", "not picked up yet", "once shipped".
NEGATIONS = frozenset({"not", "no", "never", "cannot", "unable", "without", "nor"})
# fmt: off
FUTURE_OR_CONDITION = frozenset({
    "will", "would", "shall", "going", "gonna", "once", "when", "after", "before", "until", "till", "if",
    "soon", "expect", "expected", "plan", "planned", "wait", "waiting", "can", "could", "should", "may",
    "must", "need", "needs"
})
# fmt: on
# Kinds whose phrases claim something happened: a promise or condition in front takes the claim away.
CLAIMS = frozenset({PICKUP_PROOF, DISPATCH_CLAIM})

# An image or PDF attachment named like one of these is carrier proof (rules.md section 3: "carrier
# receipt, pickup scan, handover photo").
PROOF_FILE_NAME = re.compile(
    r"receipt|hand[\s_-]?over|pick[\s_-]?up|waybill|proof|awb|courier|pickup|collect|post[\s_-]?office",
    re.IGNORECASE,
)
MENTIONS_A_FILE = re.compile(
    r"\b(?:attach\w*|photos?|pictures?|pics?|images?|screenshots?|receipts?)\b", re.IGNORECASE
)


def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    # Longest first, so that the most specific phrase is the one reported ("has been shipped", not
    # "shipped"); at the start of a word, free to run on ("restock" matches "restocking").
    ordered = sorted(set(phrases), key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9'])(?:" + "|".join(re.escape(phrase) for phrase in ordered) + ")")


_PATTERNS = {kind: _phrase_pattern(phrases) for kind, phrases in PHRASES.items()}


def normalize_text(text: str) -> str:
    """Lower case, curly apostrophes straight, hyphens and underscores as spaces, runs of spaces as one."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = re.sub(r"[-_\u2010-\u2015]", " ", text)
    return " ".join(text.split())


def _vetoed(kind: str, before: str, after: str) -> bool:
    words = before.split()[-3:]
    following = after.split()[:2]
    if any(word in NEGATIONS or word.endswith("n't") for word in words):
        return True
    if kind in CLAIMS:
        if any(word in FUTURE_OR_CONDITION or word.endswith("'ll") for word in words):
            return True
        if words[-1:] == ["to"] or words[-2:] == ["to", "be"]:
            return True
        if any(word.strip(".,;:!") in ("yet", "not") for word in following):
            return True
    return False


def match_phrases(sentence: str) -> list[tuple[str, str]]:
    """(kind, phrase) for every phrase of `PHRASES` in `sentence`, questions and vetoed claims left out."""
    if sentence.rstrip().endswith("?"):
        # "Has order #1001 shipped?" asks; it claims nothing (a store's quoted question most of all).
        return []
    text = normalize_text(sentence)
    found = []
    for kind, pattern in _PATTERNS.items():
        for match in pattern.finditer(text):
            if not _vetoed(kind, text[: match.start()], text[match.end() :]):
                found.append((kind, match.group(0)))
    return found


def choose_kind(reasons: list[Reason] | tuple[Reason, ...]) -> str | None:
    """The kind of `PRECEDENCE` that comes first among the reasons; None when there is none."""
    kinds = {reason.kind for reason in reasons}
    return next((kind for kind in PRECEDENCE if kind in kinds), None)


# ---------------------------------------------------------------------------------------------------------
# Text: HTML to text, sentences, the parts of a message's text.


class _HtmlText(HTMLParser):
    """HTML mail to text: scripts and styles dropped, block tags as line breaks, entities unescaped, and
    text inside <blockquote> prefixed with "> " so that the quoted reply reads as quoted."""

    # fmt: off
    BLOCKS = frozenset({
        "p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
        "blockquote", "pre", "section", "article", "header", "footer", "address", "dd", "dt", "dl"
    })
    # fmt: on
    SKIPPED = frozenset({"script", "style", "head", "title", "template", "noscript"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.quote_depth = 0
        self.skipping = 0

    def _break(self) -> None:
        self.lines.append("")

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self._break()
            if tag == "blockquote":
                self.quote_depth += 1
        elif tag in ("td", "th"):
            self.lines[-1] += " "

    def handle_startendtag(self, tag, attrs):
        if tag in self.BLOCKS:
            self._break()

    def handle_endtag(self, tag):
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            if tag == "blockquote":
                self.quote_depth = max(0, self.quote_depth - 1)
            self._break()

    def handle_data(self, data):
        if self.skipping:
            return
        pieces = data.split("\n")
        for index, piece in enumerate(pieces):
            if index:
                self._break()
            piece = " ".join(piece.split()) if piece.strip() else ""
            if not piece:
                continue
            if not self.lines[-1].strip() and self.quote_depth:
                self.lines[-1] = "> " * self.quote_depth
            separator = " " if self.lines[-1] and not self.lines[-1].endswith((" ", "> ")) else ""
            self.lines[-1] += separator + piece


def html_to_text(html: str) -> str:
    """Readable text of an HTML mail body (stdlib html.parser; never raises on malformed HTML)."""
    parser = _HtmlText()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is lenient but not specified never to raise; keep what was read
        pass
    lines = [line.rstrip() for line in parser.lines]
    text = "\n".join(lines)
    # convert_charrefs has unescaped the entities once; unescaping again would turn "&amp;lt;" into "<".
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# Abbreviations after which a full stop does not end a sentence ("Order No. 1001", "Nov. 2").
# fmt: off
_ABBREVIATIONS = frozenset({
    "no", "nr", "num", "mr", "mrs", "ms", "dr", "st", "e.g", "i.e", "etc", "approx", "vs", "p.o", "po",
    "inc", "ltd", "co", "tel", "ref", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
    "oct", "nov", "dec"
})
# fmt: on
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*\s+")
# A line this long that does not end a sentence was wrapped by the mail client: it goes on in the next line.
_WRAPPED_LINE = 60


def _lines_to_sentences(lines: list[str]) -> list[str]:
    joined: list[str] = []
    previous = ""
    for line in lines:
        line = line.strip()
        if not line:
            previous = ""
            continue
        if (
            joined
            and previous
            and len(previous) >= _WRAPPED_LINE
            and not previous.endswith((".", "!", "?", ":"))
        ):
            joined[-1] += " " + line
        else:
            joined.append(line)
        previous = line
    sentences = []
    for line in joined:
        start = 0
        for match in _SENTENCE_END.finditer(line):
            word = line[start : match.start()].split()[-1:] or [""]
            if word[0].lower().strip("(\"'") in _ABBREVIATIONS:
                continue
            sentences.extend(_pieces(line[start : match.end()].strip()))
            start = match.end()
        if line[start:].strip():
            sentences.extend(_pieces(line[start:].strip()))
    return sentences


def _pieces(sentence: str) -> list[str]:
    if len(sentence) <= MAX_SCANNED:
        return [sentence]
    pieces = []
    while sentence:
        cut = sentence.rfind(" ", MAX_SCANNED // 2, MAX_SCANNED) if len(sentence) > MAX_SCANNED else -1
        cut = cut if cut > 0 else MAX_SCANNED
        pieces.append(sentence[:cut].strip())
        sentence = sentence[cut:].strip()
    return [piece for piece in pieces if piece]


def _shown(sentence: str) -> str:
    sentence = " ".join(sentence.split())
    return sentence if len(sentence) <= MAX_SENTENCE else sentence[: MAX_SENTENCE - 1] + "\u2026"


_ON_WROTE = re.compile(r"^\s*on\b.{0,300}\bwrote\s*:?\s*$|写道", re.IGNORECASE)
_ON_START = re.compile(r"^\s*on\s.{0,200}$", re.IGNORECASE)
_WROTE_END = re.compile(r"\bwrote\s*:\s*$", re.IGNORECASE)
_ORIGINAL = re.compile(r"^\s*-{2,}\s*original message\s*-{2,}\s*$", re.IGNORECASE)
_FORWARD = re.compile(
    r"^\s*-{2,}\s*forwarded message\s*-{2,}\s*$|^\s*begin forwarded message\s*:?\s*$", re.IGNORECASE
)
_OUTLOOK_FROM = re.compile(r"^\s*\*?from\s*:\*?\s*\S", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\s*\*?(sent|date)\s*:", re.IGNORECASE)


def split_parts(text: str) -> list[tuple[str, list[str]]]:
    """The text's lines by part: (part, lines) for own, quoted, forwarded and signature.

    The supplier's own words are the lines before the first quote or forward marker, "> " lines left out
    (they are quoted); everything from a marker on is quoted or forwarded by that first marker."""
    lines = text.splitlines()
    own: list[str] = []
    quoted: list[str] = []
    signature: list[str] = []
    rest: list[str] = []
    rest_part = QUOTED
    for index, line in enumerate(lines):
        if _FORWARD.match(line):
            rest_part, rest = FORWARDED, lines[index + 1 :]
            break
        if _ORIGINAL.match(line) or _ON_WROTE.search(line):
            rest = lines[index + 1 :]
            break
        if _ON_START.match(line) and index + 1 < len(lines) and _WROTE_END.search(lines[index + 1]):
            rest = lines[index + 2 :]
            break
        if _OUTLOOK_FROM.match(line) and any(
            _OUTLOOK_NEXT.match(next_line) for next_line in lines[index + 1 : index + 5]
        ):
            rest = lines[index:]
            break
        if line.lstrip().startswith(">"):
            quoted.append(line.lstrip().lstrip("> "))
        elif line.rstrip() == "--" or signature:
            # "-- " starts the signature: its numbers are read, its slogans never decide a kind.
            signature.append(line)
        else:
            own.append(line)
    rest = [re.sub(r"^\s*(?:>\s?)+", "", line) for line in rest]
    return [(OWN, own), (SIGNATURE, signature), (QUOTED, quoted), (rest_part, rest)]


# ---------------------------------------------------------------------------------------------------------
# Numbers and dates.

_ORDER_CONTEXT = (
    r"(?:(?<![a-z0-9])(?:purchase\s+)?orders?\s*(?:no\.?|nr\.?|num\.?|number|id|ref\.?|name)?\s*[:.]?\s*#?\s*"
    r"|(?<![a-z0-9])p\.?\s?o\.?\s*(?:no\.?|number|#)?\s*[:.]?\s*#?\s*"
    r"|(?<![a-z0-9&])#\s?)"
)
_ORDER = re.compile(_ORDER_CONTEXT + r"(\d{4,9})(?![0-9])(?![.,/-]\d)", re.IGNORECASE)
# "#1001" after one of these words is an item, an invoice or a room, not an order name.
_NOT_ORDER_BEFORE = re.compile(
    r"(?:sku|item|invoice|ticket|case|room|unit|apt|suite|box|lot|batch|model|style|tel|phone)\s*(?:no\.?)?\s*$",
    re.IGNORECASE,
)
_QUANTITY_AFTER = re.compile(
    r"\s*(?:pcs|pieces?|units?|items?|sets?|pairs?|usd|eur|dollars?|days?|hours?)\b", re.IGNORECASE
)
_PHONE_BEFORE = re.compile(
    r"(?:\+\s*\d{0,4}|\b(?:tel|phone|mobile|mob|cell|whatsapp|wechat|fax|call|contact|hotline)\b[^0-9]{0,12}"
    r"(?:\+?\s*\d{1,4}[\s-])?)[\s(-]*$",
    re.IGNORECASE,
)
_PRICE_BEFORE = re.compile(r"(?:[$\u20ac\u00a3\u00a5]|\b(?:usd|eur|gbp|cny|rmb)\b)\s*$", re.IGNORECASE)
_TRACKING_WORDS = re.compile(
    r"\b(?:track|tracking|waybill|awb|parcel|shipment|package|courier|carrier|dhl|fedex|ups|usps|gls|dpd|post)",
    re.IGNORECASE,
)

# A candidate tracking number: one token of 8 to 40 letters and digits, or digit groups written with
# spaces or dashes ("9400 1000 0000 0000 0000 00", "LX 123 456 785 CN").
_TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{8,40}(?![A-Za-z0-9])")
_GROUPS = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Z]{2,4}[ -]?)?\d{2,8}(?:[ -]\d{2,8}){1,11}(?:[ -]?[A-Z]{2})?(?![A-Za-z0-9])"
)


def _order_numbers(sentence: str, part: str) -> list[OrderNumber]:
    found = []
    for match in _ORDER.finditer(sentence):
        before = sentence[max(0, match.start() - _CONTEXT) : match.start()]
        if _NOT_ORDER_BEFORE.search(before) or _PHONE_BEFORE.search(before):
            continue
        if _QUANTITY_AFTER.match(sentence, match.end()):
            continue
        found.append(OrderNumber(f"#{int(match.group(1))}", _shown(sentence), part))
    return found


_SUPPLIER_ORDER_BEFORE = re.compile(r"(?:order|p\.?o\.?)\s*(?:no\.?|number|id|#)?\s*[:.]?\s*#?\s*$", re.I)
# How far back a number's context is read ("Tel: +86 ", "USD ", "order no. "): enough for those words, and
# short, so that a long sentence is not read again for each number in it.
_CONTEXT = 40


def _context(sentence: str, start: int) -> tuple[bool, bool]:
    """(phone or price, supplier's order number): what the words just before position `start` make of
    the digits that follow."""
    before = sentence[max(0, start - _CONTEXT) : start]
    return (
        bool(_PHONE_BEFORE.search(before) or _PRICE_BEFORE.search(before)),
        bool(_SUPPLIER_ORDER_BEFORE.search(before)),
    )


def _tracking_candidate(
    raw: str, sentence: str, *, phone_or_price: bool, order_reference: bool
) -> TrackingNumber | None:
    number = normalize_number(raw)
    if not 8 <= len(number) <= 40 or not any(ch.isdigit() for ch in number):
        return None
    if number.isdigit() and (phone_or_price or order_reference):
        return None  # a phone number, a price or the supplier's own order number, not a parcel
    matches = [match for match in detect(number) if match.check_digit != "invalid"]
    carrier = best_carrier(number)
    if not matches or carrier is None:
        return None
    # Bare digits without a check digit (GLS 11, DPD 14) fit any phone or reference number: taken only when
    # the sentence speaks of tracking or parcels.
    if number.isdigit() and matches[0].check_digit != "valid" and not _TRACKING_WORDS.search(sentence):
        return None
    return TrackingNumber(number, carrier, _shown(sentence))


def _tracking_numbers(sentence: str, part: str, budget: list[int]) -> list[TrackingNumber]:
    """The tracking numbers of one sentence; `budget` ([candidates left]) is spent on each lookup."""
    found: list[TrackingNumber] = []
    taken: list[tuple[int, int]] = []
    for match in _GROUPS.finditer(sentence):
        phone_or_price, order_reference = _context(sentence, match.start())
        if phone_or_price:
            continue  # "+86 138 0013 8000": every run of its groups is the phone number
        groups = re.split(r"[ -]", match.group(0))
        # The longest run of neighbouring groups that is a number ("order 1001 9400 1000 ..." drops 1001).
        best = None
        for size in range(len(groups), 1, -1):
            for first in range(len(groups) - size + 1):
                raw = "".join(groups[first : first + size])
                if not 8 <= len(raw) <= 40 or budget[0] <= 0:
                    continue
                budget[0] -= 1
                candidate = _tracking_candidate(
                    raw, sentence, phone_or_price=False, order_reference=order_reference and first == 0
                )
                if candidate is not None:
                    best = candidate
                    break
            if best is not None:
                break
        if best is not None:
            found.append(best._replace(part=part))
            taken.append(match.span())
    for match in _TOKEN.finditer(sentence):
        if any(start <= match.start() < end for start, end in taken) or budget[0] <= 0:
            continue
        budget[0] -= 1
        phone_or_price, order_reference = _context(sentence, match.start())
        candidate = _tracking_candidate(
            match.group(0), sentence, phone_or_price=phone_or_price, order_reference=order_reference
        )
        if candidate is not None:
            found.append(candidate._replace(part=part))
    return found


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_ISO_DATE = re.compile(r"(?<![0-9])(\d{4})-(\d{1,2})-(\d{1,2})(?![0-9])")
_DAY_MONTH = re.compile(r"(?<![0-9])(\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(\d{4})(?![0-9])", re.I)
_MONTH_DAY = re.compile(r"(?<![a-z])" + _MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?![0-9])", re.I)
_NUMERIC_DATE = re.compile(r"(?<![0-9./-])(\d{1,2})([/.])(\d{1,2})\2(\d{4})(?![0-9])")


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _dates(sentence: str, part: str, notes: list[str]) -> list[WrittenDate]:
    found: list[date | None] = []
    for match in _ISO_DATE.finditer(sentence):
        found.append(_date(int(match[1]), int(match[2]), int(match[3])))
    for match in _DAY_MONTH.finditer(sentence):
        found.append(_date(int(match[3]), _MONTHS[match[2].lower()], int(match[1])))
    for match in _MONTH_DAY.finditer(sentence):
        found.append(_date(int(match[3]), _MONTHS[match[1].lower()], int(match[2])))
    for match in _NUMERIC_DATE.finditer(sentence):
        first, second, year = int(match[1]), int(match[3]), int(match[4])
        if first > 12 >= second:
            found.append(_date(year, second, first))
        elif second > 12 >= first:
            found.append(_date(year, first, second))
        elif first == second:
            found.append(_date(year, first, first))
        else:
            # 02/11/2026 is 2 November or February 11: the email does not say which, so it is not read.
            notes.append(f"date {match.group(0)} not read: day and month could be either way round")
    return [WrittenDate(day, _shown(sentence), part) for day in found if day is not None]


# ---------------------------------------------------------------------------------------------------------
# Attachments.


def sniff(data: bytes) -> str | None:
    """The type the first bytes show: PNG, JPEG, GIF, WebP or PDF; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:1024].lstrip().startswith(b"%PDF-"):
        return "application/pdf"
    return None


# ---------------------------------------------------------------------------------------------------------
# Reading one message.


def _clean(text: str) -> str:
    """Text that can be printed and written as JSON: bytes the parser kept as surrogates read as UTF-8."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeError:
        return text.encode("utf-8", "replace").decode("utf-8", "replace")


def _header(message: Message, name: str) -> str:
    """A header's text; one the parser cannot parse is read raw, its encoded words decoded if they can be."""
    try:
        value = message.get(name)
        return _clean(str(value)) if value is not None else ""
    except Exception:  # the email package's header parser has raised many kinds of error on bad headers
        pass
    for key, raw in message.raw_items():
        if key.lower() == name.lower():
            try:
                return _clean(str(make_header(decode_header(raw))))
            except Exception:  # as above: fall back to the raw text
                return _clean(raw)
    return ""


def _sender(message: Message) -> str:
    raw = _header(message, "From")
    try:
        addresses = [address for _, address in getaddresses([raw]) if "@" in address]
    except Exception:  # getaddresses on hostile text
        addresses = []
    return addresses[0] if addresses else raw.strip()


def _sent_at(message: Message, notes: list[str]) -> datetime | None:
    raw = _header(message, "Date").strip()
    if not raw:
        notes.append("no Date header")
        return None
    try:
        sent = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        sent = None
    if sent is None or sent.tzinfo is None:
        notes.append(f"Date header {raw[:60]!r} not read (no date with a time zone)")
        return None
    return sent


class _Reader:
    """Walks one message's parts: the text by part, the attachments, the notes."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.texts: list[tuple[str, str]] = []  # (part, text)
        self.attachments: list[Attachment] = []
        self.notes: list[str] = []
        self.parts = 0
        self.read_html = False

    def part_name(self, path: str) -> str:
        return f"{self.where}, part {path}" if path else self.where

    def decoded(self, part: Message, path: str) -> str:
        try:
            payload = part.get_payload(decode=True)
        except Exception as error:  # a transfer encoding the email package chokes on
            raise EmailError(f"{self.part_name(path)}: the text cannot be decoded ({error})") from error
        if payload is None:
            payload = b""
        if not isinstance(payload, bytes):
            payload = str(payload).encode("utf-8", "surrogateescape")
        charset = "utf-8"
        try:
            declared = part.get_content_charset()
        except Exception:  # a charset parameter the header parser cannot read
            declared = None
        if declared:
            try:
                charset = codecs.lookup(declared).name
            except (LookupError, ValueError):
                self.notes.append(f"{self.part_name(path)}: unknown charset {declared[:40]!r}, read as UTF-8")
        return payload.decode(charset, errors="replace")

    def text_of(self, part: Message, path: str) -> str:
        text = self.decoded(part, path)
        if part.get_content_subtype() == "html":
            self.read_html = True
            return html_to_text(text)
        return text

    def walk(self, part: Message, path: str, origin: str, depth: int) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            if self.parts == MAX_PARTS + 1:
                self.notes.append(f"more than {MAX_PARTS} parts: the rest not read")
            return
        if depth > MAX_DEPTH:
            self.notes.append(f"{self.part_name(path)}: nested more than {MAX_DEPTH} levels deep, not read")
            return
        content_type = part.get_content_type()
        if part.is_multipart():
            children = part.get_payload()
            if not isinstance(children, list):
                return
            if content_type == "message/rfc822":
                for index, child in enumerate(children, start=1):
                    self.forwarded(child, f"{path}.{index}".lstrip("."), depth)
                return
            if part.get_content_subtype() == "alternative":
                self.alternative(children, path, origin, depth)
                return
            for index, child in enumerate(children, start=1):
                if isinstance(child, Message):
                    self.walk(child, f"{path}.{index}".lstrip("."), origin, depth + 1)
            return
        if self.is_attachment(part):
            self.attachment(part, path)
        elif content_type in ("text/plain", "text/html"):
            self.texts.append((origin, self.text_of(part, path)))
        else:
            self.attachment(part, path)  # text/csv, text/calendar ...: kept only when it has a file name

    def is_attachment(self, part: Message) -> bool:
        try:
            disposition = part.get_content_disposition()
        except Exception:  # a disposition header the parser cannot read
            disposition = None
        if disposition == "attachment":
            return True
        return part.get_content_maintype() != "text"

    def alternative(self, children: list, path: str, origin: str, depth: int) -> None:
        """multipart/alternative: the plain text when it says something, else the HTML, else a nested part."""
        indexed = [
            (index, child) for index, child in enumerate(children, start=1) if isinstance(child, Message)
        ]
        for wanted in ("text/plain", "text/html"):
            for index, child in indexed:
                if child.get_content_type() == wanted and not child.is_multipart():
                    text = self.text_of(child, f"{path}.{index}".lstrip("."))
                    if text.strip():
                        self.texts.append((origin, text))
                        return
        for index, child in indexed:
            if child.is_multipart():  # e.g. multipart/related holding the HTML and its images
                self.walk(child, f"{path}.{index}".lstrip("."), origin, depth + 1)
                return

    def forwarded(self, message: Message, path: str, depth: int) -> None:
        subject = _header(message, "Subject")
        if subject:
            self.texts.append((FORWARDED, f"Subject: {subject}"))
        self.walk(message, path, FORWARDED, depth + 1)

    def attachment(self, part: Message, path: str) -> None:
        try:
            data = part.get_payload(decode=True)
        except Exception:  # a transfer encoding the email package chokes on
            data = None
        if not isinstance(data, bytes):
            data = b""
        try:
            filename = _clean(part.get_filename() or "")
        except Exception:  # a file name parameter the header parser cannot read
            filename = ""
        if part.get_content_type() == "message/rfc822" or (
            not filename and part.get_content_maintype() == "text"
        ):
            return
        sniffed = sniff(data)
        declared = part.get_content_type()
        if declared.startswith(("image/", "application/pdf")) and sniffed is None:
            self.notes.append(
                f"attachment {filename or path!r}: declared {declared} but its content is no image or PDF"
            )
        self.attachments.append(
            Attachment(
                filename or f"(part {path})", declared, len(data), hashlib.sha256(data).hexdigest(), sniffed
            )
        )


def _sentences_by_part(texts: list[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    collected: list[tuple[str, list[str]]] = []
    for origin, text in texts:
        if origin == FORWARDED:
            collected.append((FORWARDED, _lines_to_sentences(text.splitlines())))
            continue
        for part, lines in split_parts(text):
            if lines:
                collected.append((part, _lines_to_sentences(lines)))
    return collected


def _attachment_reasons(attachments: list[Attachment]) -> list[Reason]:
    return [
        Reason(
            PICKUP_PROOF,
            "image or PDF attachment named like a receipt or pickup proof",
            attachment.filename,
            ATTACHMENT,
        )
        for attachment in attachments
        if attachment.sniffed is not None and PROOF_FILE_NAME.search(attachment.filename)
    ]


def _kind_reasons(
    by_part: list[tuple[str, list[str]]], attachments: list[Attachment], notes: list[str]
) -> tuple[str | None, tuple[Reason, ...]]:
    """The kind and its reasons: own words and attachments first, else forwarded, else quoted."""
    own = [
        Reason(kind, phrase, _shown(sentence), OWN)
        for part, sentences in by_part
        if part == OWN
        for sentence in sentences
        for kind, phrase in match_phrases(sentence)
    ]
    own += _attachment_reasons(attachments)
    reasons = own
    if not reasons:
        for fallback in (FORWARDED, QUOTED):
            reasons = [
                Reason(kind, phrase, _shown(sentence), fallback)
                for part, sentences in by_part
                if part == fallback
                for sentence in sentences
                for kind, phrase in match_phrases(sentence)
            ]
            if reasons:
                notes.append(f"kind read from the {fallback} part: the supplier's own words name none")
                break
    unique = tuple(dict.fromkeys(reasons))
    kind = choose_kind(unique)
    if (
        kind == PICKUP_PROOF
        and not any(a.sniffed for a in attachments)
        and any(MENTIONS_A_FILE.search(reason.sentence) for reason in unique if reason.kind == PICKUP_PROOF)
    ):
        notes.append("the email speaks of a receipt or photo but carries no image or PDF attachment")
    return kind, unique


def _proposal(message: Message, where: str) -> EmailProposal:
    # Raw names: a header present but unparseable still makes an email (it is read raw by `_header`).
    present = {name.lower() for name, _ in message.raw_items()}
    if not present & {"from", "date", "subject", "message-id"}:
        raise EmailError(f"{where}: not an email (no From, Date, Subject or Message-ID header)")
    reader = _Reader(where)
    notes = reader.notes
    subject = _header(message, "Subject").strip()
    sent_at = _sent_at(message, notes)
    reader.walk(message, "", OWN, 0)
    if not reader.texts:
        notes.append("no text part")
    elif reader.read_html:
        notes.append("text read from HTML")
    by_part = _sentences_by_part(reader.texts)
    kind, reasons = _kind_reasons(by_part, reader.attachments, notes)

    # The body's sentences first: a number is shown with the supplier's sentence rather than the subject.
    sources = by_part + ([(SUBJECT, [subject])] if subject else [])
    orders: dict[str, OrderNumber] = {}
    tracking: dict[str, TrackingNumber] = {}
    dates: dict[date, WrittenDate] = {}
    budget = [MAX_CANDIDATES]
    for part, sentences in sources:
        for sentence in sentences:
            if max(len(orders), len(tracking), len(dates)) >= MAX_FOUND:
                notes.append(f"more than {MAX_FOUND} numbers or dates: the rest not read")
                break
            for order in _order_numbers(sentence, part):
                orders.setdefault(order.value, order)
            for number in _tracking_numbers(sentence, part, budget):
                tracking.setdefault(number.number, number)
            for day in _dates(sentence, part, notes):
                dates.setdefault(day.date, day)
    if budget[0] <= 0:
        notes.append(f"more than {MAX_CANDIDATES:,} number-like runs: the rest not looked up")
    return EmailProposal(
        message_id=_header(message, "Message-ID").strip(),
        sender=_sender(message),
        subject=subject,
        sent_at=sent_at,
        kind=kind,
        reasons=reasons,
        order_numbers=tuple(orders.values()),
        tracking_numbers=tuple(tracking.values()),
        dates=tuple(dates.values()),
        attachments=tuple(reader.attachments),
        notes=tuple(dict.fromkeys(notes)),
    )


def _read(data: bytes, where: str) -> EmailProposal:
    if len(data) > MAX_EMAIL_BYTES:
        raise EmailError(f"{where}: {len(data):,} bytes, more than the {MAX_EMAIL_BYTES:,} an email may have")
    if not data.strip():
        raise EmailError(f"{where}: empty")
    try:
        message = BytesParser(policy=policy.default).parsebytes(data)
        return _proposal(message, where)
    except EmailError:
        raise
    except (
        MessageError,
        LookupError,
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        KeyError,
        UnicodeError,
        AssertionError,
        RecursionError,
    ) as error:
        # The email package documents few of the errors its lenient parser can still raise on hostile
        # bytes; whatever it raises is an email that cannot be read, said as such.
        raise EmailError(f"{where}: cannot be read ({type(error).__name__}: {error})") from error


def read_eml(data: bytes) -> EmailProposal:
    """One email (.eml bytes) read into a proposal; `EmailError` when it cannot be read."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise EmailError(f"the email must be bytes, not {type(data).__name__}")
    return _read(bytes(data), "the email")


_QUOTED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)


def split_mbox(data: bytes) -> list[bytes]:
    """The messages of an mbox, from its bytes: split at "From " lines that start the file or follow a
    blank line (a body line starting "From " that a writer left unquoted stays in its message), each
    message's ">From " lines unquoted by one level (mboxrd and mboxo alike)."""
    if len(data) > MAX_MBOX_BYTES:
        raise EmailError(f"the mbox: {len(data):,} bytes, more than the {MAX_MBOX_BYTES:,} an mbox may have")
    data = data.lstrip(b"\r\n")
    if not data.startswith(b"From "):
        raise EmailError("the mbox: does not start with a 'From ' line")
    starts = [0] + [match.end() for match in re.finditer(rb"\n\r?\n(?=From )", data)]
    messages = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(data)
        chunk = data[start:end]
        _, _, body = chunk.partition(b"\n")  # drop the "From " separator line
        messages.append(_QUOTED_FROM.sub(rb"\1", body))
    return messages


def read_mbox_each(data: bytes) -> list[EmailProposal | EmailError]:
    """Every email of an mbox (bytes), in order, each its proposal or the `EmailError` saying why it cannot
    be read (naming the message, from 1): one bad message does not hide the others. `EmailError` for an
    mbox that cannot be split at all."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise EmailError(f"the mbox must be bytes, not {type(data).__name__}")
    results: list[EmailProposal | EmailError] = []
    for index, message in enumerate(split_mbox(bytes(data)), start=1):
        try:
            results.append(_read(message, f"message {index} of the mbox"))
        except EmailError as error:
            results.append(error)
    return results


def read_mbox(data: bytes) -> list[EmailProposal]:
    """Every email of an mbox (bytes), in order; `EmailError` names the first message (from 1) not read."""
    results = read_mbox_each(data)
    for result in results:
        if isinstance(result, EmailError):
            raise result
    return results  # type: ignore[return-value]  # no error among them


MAX_PROOF_BYTES = 10 * 1024 * 1024  # an attachment kept with evidence: a photo or a receipt, not a video
PROOF_EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
}


def proof_attachment(data: bytes, proposal: EmailProposal) -> tuple[str, str, bytes] | None:
    """The first attachment of the email `data` (read into `proposal`) whose bytes are an image or a PDF
    (`sniff`, whatever the email declared) within MAX_PROOF_BYTES: (a safe file name, its type, its bytes)
    to keep with the evidence; None when there is none."""
    wanted = {
        attachment.sha256: attachment
        for attachment in proposal.attachments
        if attachment.sniffed in PROOF_EXTENSIONS and attachment.size <= MAX_PROOF_BYTES
    }
    if not wanted:
        return None
    try:
        message = BytesParser(policy=policy.default).parsebytes(bytes(data))
        parts = list(message.walk())
    except (MessageError, LookupError, ValueError, TypeError, RecursionError):
        return None
    for part in parts:
        if part.is_multipart():
            continue
        try:
            payload = part.get_payload(decode=True)
        except (LookupError, ValueError, TypeError, AssertionError):
            continue
        if not isinstance(payload, bytes):
            continue
        found = wanted.get(hashlib.sha256(payload).hexdigest())
        if found is not None:
            stem = (
                re.sub(r"[^A-Za-z0-9._-]+", "-", PurePosixPath(found.filename or "proof").stem)[:60]
                or "proof"
            )
            return f"{stem}{PROOF_EXTENSIONS[found.sniffed]}", found.sniffed, payload
    return None
