"""Reading and validating a case bundle (spec bundle.md), without a database.

`read_bundle` either returns a `Bundle` of plain values or raises `BundleError` carrying every problem
found, each named by case index and field, so a person can fix the whole file in one pass. Nothing
here writes anything; `cases.intake.bundle_import` stores a valid bundle.

Both formats are read: version 1 as it always was, version 2 with line items, an order's cancellation and
fulfilment, cash on delivery, events whose status is only a description and carrier times without an
offset (bundle.md, rules.md sections 1 and 3b), and several parcels per order (section 3a), each naming
the line items it carries and, once replaced, when it was superseded.

Hostile input is refused like any other error, named by case index and field: the file is read by
`staletrack.json_input` (size, UTF-8, NUL characters, nesting, repeated keys), every field is type-checked,
every text is held to the limit of the column it is stored in (`staletrack.limits`, never cut), and every
time to the years 2000 to 2100 (`staletrack.limits.time_problem`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from cases.assessment import vocabulary as v
from cases.assessment.facts import (
    CustomerMessage,
    LineItem,
    OrderFacts,
    SupplierChase,
    SupplierEvidence,
    TrackingEvent,
)
from cases.countries import country_code
from cases.currencies import currency_code
from cases.replay.scoring import ACTUAL_FIELDS, MAX_OUTCOME, Actual
from cases.tracking.detect import checked_carrier
from cases.tracking.local_times import carrier_local_time
from cases.tracking.normalize import MIN_NUMBER_CHARACTERS, is_tracking_number
from cases.tracking.statuses import STATUS_SOURCES, read_event_status
from policies.values import validate_policy_fields
from staletrack import limits
from staletrack.json_input import JsonInputError, format_path, load_json

FORMAT_V1 = "staletrack.bundle/1"
FORMAT_V2 = "staletrack.bundle/2"
FORMATS = {FORMAT_V1: 1, FORMAT_V2: 2}
PAYMENT_STATES_V1 = tuple(state for state in v.PAYMENT_STATES if state != v.CASH_ON_DELIVERY)
CHASE_CHANNELS = ("email", "chat", "phone", "portal", "other")
MAX_TEXT = limits.MAX_TEXT
MAX_CARRIER = 32  # TrackingNumber.carrier
MAX_PRODUCT_TITLE = limits.MAX_SKU  # Product.title: a line item without SKU is keyed by its title
MAX_CURRENCY = 3
MAX_SOURCE = 32  # a status vocabulary's name: read, not stored
MAX_COUNTRY = 100  # a country code as given (read to its alpha-2 code, which is stored)
# Fields a version-1 file may not carry: read silently as version 1, they would be lost.
V2_ORDER_FIELDS = ("line_items", "cancelled_at", "fulfilled_at")


@dataclass(frozen=True, slots=True)
class BundleIssue:
    case_index: int | None  # None: the problem is in the bundle's head, not in one case
    field: str
    message: str

    def __str__(self) -> str:
        where = f"case {self.case_index}, " if self.case_index is not None else ""
        return f"{where}{self.field}: {self.message}"


class BundleError(ValueError):
    def __init__(self, issues: list[BundleIssue]):
        self.issues = issues
        super().__init__("; ".join(str(issue) for issue in issues))


@dataclass(frozen=True, slots=True)
class BundleTracking:
    number: str
    carrier: str | None
    events: tuple[TrackingEvent, ...]


@dataclass(frozen=True, slots=True)
class BundleParcel:
    """One version-2 parcel: its number (None: none yet) with carrier and events, the line item keys it
    names (as the line items spell them; empty: not said) and when it was superseded."""

    tracking: BundleTracking | None
    skus: tuple[str, ...] = ()
    superseded_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class BundleLineItem:
    """One line item of an order (rules.md section 3a). A version-1 order's sku, product_title and supplier
    are its one line item."""

    sku: str | None  # None: the store gave the item no SKU, so it is known by its title
    title: str
    supplier: str
    quantity: int = 1

    @property
    def key(self) -> str:
        """What parcels name the item by, and the product's SKU: the SKU, else the title."""
        return self.sku or self.title

    @property
    def keyed_by_title(self) -> bool:
        return self.sku is None


@dataclass(frozen=True, slots=True)
class BundleCase:
    index: int
    order: OrderFacts
    tracking: BundleTracking | None = None
    supplier_evidence: tuple[SupplierEvidence, ...] = ()
    supplier_chases: tuple[SupplierChase, ...] = ()
    customer_messages: tuple[CustomerMessage, ...] = ()
    # A past case (seed rollout, day 2): when a person decided, and what the store really did.
    decided_at: datetime | None = None
    actual: Actual | None = None
    # Every line item, in input order; `order.sku`, `product_title` and `supplier` are the first one's.
    line_items: tuple[BundleLineItem, ...] = ()
    # Version 2 `parcels`, in input order (then `tracking` is None).
    parcels: tuple[BundleParcel, ...] = ()


@dataclass(frozen=True, slots=True)
class Bundle:
    cases: tuple[BundleCase, ...]
    as_of: datetime | None = None
    policy: dict[str, int] = field(default_factory=dict)
    version: int = 1  # the format's version: 1 or 2


def read_bundle(raw: bytes | str, *, max_bytes: int = limits.MAX_BUNDLE_BYTES) -> Bundle:
    """Parse and validate a bundle file's contents; raise BundleError listing every problem. A file of
    more than `max_bytes` is refused before it is read (every path passes the same limit: settings
    BUNDLE_MAX_BYTES)."""
    try:
        document = load_json(raw, what="file", max_bytes=max_bytes)
    except JsonInputError as exc:
        raise BundleError([json_issue(exc)]) from None
    reader = _Reader()
    bundle = reader.bundle(document)
    if reader.issues:
        raise BundleError(reader.issues)
    return bundle


def json_issue(error: JsonInputError) -> BundleIssue:
    """A refused JSON document's problem, named like every other: by case index and field where it lies
    inside a case, else by its path, else as the file's."""
    path = error.path
    if len(path) >= 2 and path[0] == "cases" and isinstance(path[1], int):
        return BundleIssue(path[1], format_path(path[2:]) if len(path) > 2 else "case", error.problem)
    return BundleIssue(None, format_path(path) if path else "file", error.problem)


class _Reader:
    """Walks the document once, collecting issues instead of stopping at the first."""

    def __init__(self) -> None:
        self.issues: list[BundleIssue] = []
        self.case_index: int | None = None
        self.version = 2

    def fail(self, path: str, message: str) -> None:
        self.issues.append(BundleIssue(self.case_index, path, message))

    # Head -------------------------------------------------------------------------------------------

    def bundle(self, document: Any) -> Bundle:
        if not isinstance(document, dict):
            self.fail("file", "must be a JSON object with format and cases")
            return Bundle(cases=())
        found = document.get("format")
        if isinstance(found, str) and found in FORMATS:
            self.version = FORMATS[found]
        else:
            # The cases are still read (as the newest version) so that every other error shows at once.
            known = " or ".join(json.dumps(name) for name in FORMATS)
            self.fail("format", f"must be {known}, found {json.dumps(found)}")
        as_of = self.timestamp(document, "as_of", "as_of", required=False)
        policy = self.policy(document.get("policy"))
        raw_cases = document.get("cases")
        if not isinstance(raw_cases, list) or not raw_cases:
            self.fail("cases", "must be a non-empty list of cases")
            raw_cases = []
        cases = []
        seen_orders: dict[str, int] = {}
        for index, raw_case in enumerate(raw_cases):
            self.case_index = index
            case = self.case(index, raw_case)
            if case is not None:
                first = seen_orders.setdefault(case.order.order_id, index)
                if first != index:
                    self.fail("order.order_id", f"{case.order.order_id} is also case {first}")
                cases.append(case)
        self.case_index = None
        return Bundle(cases=tuple(cases), as_of=as_of, policy=policy, version=self.version)

    def policy(self, raw: Any) -> dict[str, int]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.fail("policy", "must be an object of policy fields")
            return {}
        for name, reason in validate_policy_fields(raw).items():
            self.fail(f"policy.{name}", reason)
        return dict(raw)

    # One case ---------------------------------------------------------------------------------------

    def case(self, index: int, raw: Any) -> BundleCase | None:
        if not isinstance(raw, dict):
            self.fail("case", "must be an object")
            return None
        order, line_items = self.order(raw.get("order"))
        tracking, parcels = self.case_parcels(raw, line_items)
        evidence = tuple(
            SupplierEvidence(at=at, kind=item["kind"], text=self.text(item, f"supplier_evidence[{i}].text"))
            for i, item, at in self.items(raw, "supplier_evidence")
            if self.choice(item, f"supplier_evidence[{i}].kind", "kind", v.EVIDENCE_KINDS)
        )
        chases = tuple(
            SupplierChase(
                at=at,
                channel=item.get("channel") or "email",
                text=self.text(item, f"supplier_chases[{i}].text"),
            )
            for i, item, at in self.items(raw, "supplier_chases")
            if self.choice(item, f"supplier_chases[{i}].channel", "channel", CHASE_CHANNELS, required=False)
        )
        messages = tuple(
            CustomerMessage(
                at=at,
                direction=item["direction"],
                text=self.text(item, f"customer_messages[{i}].text"),
                intents=self.intents(item, f"customer_messages[{i}].intents"),
            )
            for i, item, at in self.items(raw, "customer_messages")
            if self.choice(item, f"customer_messages[{i}].direction", "direction", v.DIRECTIONS)
        )
        decided_at = self.timestamp(raw, "decided_at", "decided_at", required=False)
        actual = self.actual(raw)
        if raw.get("actual") is not None and raw.get("decided_at") is None:
            self.fail("decided_at", "is required with actual: the replay assesses the case as of then")
        if order is None:
            return None
        if decided_at is not None and decided_at < order.ordered_at:
            self.fail("decided_at", f"is before the order was placed ({raw['order']['ordered_at']})")
        return BundleCase(
            index,
            order,
            tracking,
            evidence,
            chases,
            messages,
            decided_at=decided_at,
            actual=actual,
            line_items=line_items,
            parcels=parcels,
        )

    def actual(self, raw: dict) -> Actual | None:
        """`actual`: what the store really did (next_move, risk_level from rules.md section 5) and how it
        ended (outcome, free text); every key optional, at least one given, no other keys."""
        value = raw.get("actual")
        if value is None:
            return None
        if not isinstance(value, dict):
            self.fail("actual", f"must be an object with any of {', '.join(ACTUAL_FIELDS)}")
            return None
        before = len(self.issues)
        for name in sorted(set(value) - set(ACTUAL_FIELDS)):
            self.fail(f"actual.{name}", f"is not a field of actual; known: {', '.join(ACTUAL_FIELDS)}")
        if all(value.get(name) in (None, "") for name in ACTUAL_FIELDS):
            self.fail("actual", f"needs at least one of {', '.join(ACTUAL_FIELDS)}")
        self.choice(value, "actual.next_move", "next_move", v.NEXT_MOVES, required=False)
        self.choice(value, "actual.risk_level", "risk_level", v.RISK_LEVELS, required=False)
        outcome = self.string(value, "actual.outcome", "outcome", required=False, max_length=MAX_OUTCOME)
        if len(self.issues) > before:
            return None
        return Actual(
            next_move=value.get("next_move"), risk_level=value.get("risk_level"), outcome=outcome or ""
        )

    def order(self, raw: Any) -> tuple[OrderFacts | None, tuple[BundleLineItem, ...]]:
        if not isinstance(raw, dict):
            self.fail("order", "is required and must be an object")
            return None, ()
        before = len(self.issues)
        order_id = self.string(raw, "order.order_id", "order_id", max_length=limits.MAX_ORDER_ID)
        ordered_at = self.timestamp(raw, "ordered_at", "order.ordered_at")
        country = self.country(raw, "order.country", required=True)
        if self.version >= 2 and raw.get("line_items") is not None:
            for name in ("sku", "supplier", "product_title"):
                if raw.get(name) is not None:
                    self.fail(f"order.{name}", "give line_items or sku, supplier and product_title, not both")
            line_items = self.line_items(raw["line_items"])
        else:
            line_items = self.single_line_item(raw)
        optional = {
            name: self.string(raw, f"order.{name}", name, required=False, max_length=limit)
            for name, limit in (
                ("customer_email", limits.MAX_EMAIL),
                ("postal_code", limits.MAX_POSTAL_CODE),
                ("currency", MAX_CURRENCY),
                ("promise_text", limits.MAX_PROMISE_TEXT),
            )
        }
        if optional["currency"] is not None:
            code = currency_code(optional["currency"])
            if code is None:
                self.fail("order.currency", f"{optional['currency']!r} is not an ISO 4217 currency code")
            optional["currency"] = code
        allowed = v.PAYMENT_STATES if self.version >= 2 else PAYMENT_STATES_V1
        payment_state = raw.get("payment_state") or "paid"
        if payment_state not in allowed:
            self.fail("order.payment_state", f"must be one of {', '.join(allowed)}")
        value = self.decimal(raw.get("value"), "order.value")
        life = {}
        for name in ("cancelled_at", "fulfilled_at"):
            if self.version < 2:
                continue  # refused by single_line_item's check of version-2 fields
            life[name] = self.timestamp(raw, name, f"order.{name}", required=False)
            if life[name] is not None and ordered_at is not None and life[name] < ordered_at:
                self.fail(f"order.{name}", f"is before the order was placed ({raw['ordered_at']})")
        if len(self.issues) > before or not line_items:
            return None, ()
        # The first line item's SKU (else title) and supplier are the order's where one is needed (rules.md
        # section 3a: a parcel that names no SKUs, an order assessed as a whole).
        first = line_items[0]
        facts = OrderFacts(
            order_id=order_id,
            ordered_at=ordered_at,
            country=country,
            sku=first.key,
            supplier=first.supplier,
            product_title=first.title,
            line_items=tuple(LineItem(i.key, i.supplier, i.title, i.quantity) for i in line_items),
            value=value,
            payment_state=payment_state,
            **{name: text or "" for name, text in optional.items()},
            **life,
        )
        return facts, line_items

    def single_line_item(self, raw: dict) -> tuple[BundleLineItem, ...]:
        """A version-1 order's (or a version-2 order's without line_items) sku, product_title, supplier."""
        if self.version < 2:
            for name in V2_ORDER_FIELDS:
                if raw.get(name) is not None:
                    self.fail(f"order.{name}", f'is a version-2 field: the format must be "{FORMAT_V2}"')
        sku = self.string(raw, "order.sku", "sku", max_length=limits.MAX_SKU)
        supplier = self.string(raw, "order.supplier", "supplier", max_length=limits.MAX_SUPPLIER)
        title = self.string(
            raw, "order.product_title", "product_title", required=False, max_length=MAX_PRODUCT_TITLE
        )
        if sku is None or supplier is None:
            return ()
        return (BundleLineItem(sku=sku, title=title or "", supplier=supplier),)

    def line_items(self, raw: Any) -> tuple[BundleLineItem, ...]:
        """Version 2 `line_items`: one or more, each with sku or else title, supplier and quantity."""
        if not isinstance(raw, list) or not raw:
            self.fail("order.line_items", "must be a non-empty list of line items")
            return ()
        items = []
        for _, path, item in self.objects(raw, "order.line_items"):
            before = len(self.issues)
            sku = self.string(item, f"{path}.sku", "sku", required=False, max_length=limits.MAX_SKU)
            title = self.string(item, f"{path}.title", "title", required=False, max_length=MAX_PRODUCT_TITLE)
            if sku is None and title is None and len(self.issues) == before:
                self.fail(f"{path}.sku", "a line item needs a sku or, where the store has none, a title")
            supplier = self.string(item, f"{path}.supplier", "supplier", max_length=limits.MAX_SUPPLIER)
            quantity = item.get("quantity")
            if quantity is None:
                quantity = 1
            elif isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
                self.fail(f"{path}.quantity", "must be a whole number of at least 1")
            if len(self.issues) == before:
                items.append(BundleLineItem(sku=sku, title=title or "", supplier=supplier, quantity=quantity))
        return tuple(items)

    def case_parcels(
        self, raw: dict, line_items: tuple[BundleLineItem, ...]
    ) -> tuple[BundleTracking | None, tuple[BundleParcel, ...]]:
        """The case's `tracking` (its one parcel), or (version 2) its `parcels`, in input order."""
        if raw.get("parcels") is None:
            return self.tracking(raw.get("tracking"), "tracking"), ()
        if self.version < 2:
            self.fail("parcels", f'is a version-2 field: the format must be "{FORMAT_V2}"')
            return None, ()
        if raw.get("tracking") is not None:
            self.fail("parcels", "a case gives tracking or parcels, not both")
            return None, ()
        parcels = raw["parcels"]
        if not isinstance(parcels, list):
            self.fail("parcels", "must be a list of parcels")
            return None, ()
        read = [self.parcel(i, parcel, line_items) for i, parcel in enumerate(parcels)]
        return None, tuple(parcel for parcel in read if parcel is not None)

    def parcel(self, i: int, raw: Any, line_items: tuple[BundleLineItem, ...]) -> BundleParcel | None:
        path = f"parcels[{i}]"
        if not isinstance(raw, dict):
            self.fail(path, "must be an object")
            return None
        before = len(self.issues)
        superseded_at = self.timestamp(raw, "superseded_at", f"{path}.superseded_at", required=False)
        skus = raw.get("skus")
        named: tuple[str, ...] = ()
        if skus is not None and line_items:  # without readable line items there is nothing to name
            named = self.parcel_skus(skus, f"{path}.skus", line_items)
        tracking = self.tracking(raw, path)
        if len(self.issues) > before:
            return None
        if tracking is None and raw.get("events"):
            self.fail(f"{path}.events", "a parcel without a number has no carrier events")
            return None
        return BundleParcel(tracking=tracking, skus=named, superseded_at=superseded_at)

    def parcel_skus(self, skus: Any, path: str, line_items: tuple[BundleLineItem, ...]) -> tuple[str, ...]:
        """`skus` names line items by key (SKU, else title), compared without regard to case or spaces;
        returns them as the line items spell them."""
        if not isinstance(skus, list) or not all(isinstance(sku, str) for sku in skus):
            self.fail(path, "must be a list of the order's line item keys (SKU, else title)")
            return ()
        keys = {item.key.strip().casefold(): item.key for item in line_items}
        named: list[str] = []
        for j, sku in enumerate(skus):
            key = keys.get(sku.strip().casefold())
            if key is None:
                known = ", ".join(keys.values()) or "none"
                self.fail(f"{path}[{j}]", f"{sku!r} is not a line item of this order (line items: {known})")
            elif key not in named:
                named.append(key)
        return tuple(named)

    def tracking(self, raw: Any, prefix: str) -> BundleTracking | None:
        if not isinstance(raw, dict):
            if raw is not None:
                self.fail(prefix, "must be an object or null")
            return None
        number = raw.get("number")
        if number is None:
            return None
        if not isinstance(number, str) or not number.strip():
            self.fail(f"{prefix}.number", "must be a non-empty string, or null")
            return None
        problem = limits.text_problem(number.strip(), limits.MAX_TRACKING_NUMBER)
        if problem:
            self.fail(f"{prefix}.number", problem)
            return None
        if not is_tracking_number(number):
            self.fail(
                f"{prefix}.number",
                f"{number!r} has fewer than {MIN_NUMBER_CHARACTERS} letters or digits: no tracking number",
            )
            return None
        carrier = raw.get("carrier")
        if carrier is not None and (not isinstance(carrier, str) or len(carrier) > MAX_CARRIER):
            self.fail(f"{prefix}.carrier", "must be a carrier code or null")
            carrier = None
        # The carrier whose own event codes the events may use: the one named when the number fits it, else
        # the one the number shows (a USPS "03" means something only on a USPS parcel).
        events = self.events(raw, prefix, checked_carrier(carrier, number))
        return BundleTracking(number=number.strip(), carrier=carrier or None, events=tuple(events))

    def events(self, raw: dict, prefix: str, carrier: str = "") -> list[TrackingEvent]:
        events = []
        for _, path, item in self.entries(raw, "events", f"{prefix}."):
            event = self.event(item, path, carrier)
            if event is not None:
                events.append(event)
        return events

    def event(self, item: dict, path: str, carrier: str = "") -> TrackingEvent | None:
        before = len(self.issues)
        country = self.country(item, f"{path}.country", required=False)
        at, approximate = self.event_time(item, f"{path}.at", country)
        words = {
            name: self.string(item, f"{path}.{name}", name, required=False, max_length=limit)
            # A status word no vocabulary knows is kept as the raw status: held to its limit too.
            for name, limit in (
                ("status", limits.MAX_RAW_STATUS),
                ("raw_status", limits.MAX_RAW_STATUS),
                ("description", limits.MAX_DESCRIPTION),
            )
        }
        if len(self.issues) == before:
            needed = (
                ("status", "raw_status", "description") if self.version >= 2 else ("status", "raw_status")
            )
            if not any(words[name] for name in needed):
                if self.version >= 2:
                    self.fail(f"{path}.status", "an event needs a status, a raw_status or a description")
                else:
                    self.fail(f"{path}.status", "an event needs a status or a raw_status")
        source = self.string(item, f"{path}.source", "source", required=False, max_length=MAX_SOURCE)
        if source is not None and source.lower() not in STATUS_SOURCES:
            self.fail(f"{path}.source", f"{source!r} is not known; use one of {', '.join(STATUS_SOURCES)}")
        others = {
            name: self.string(item, f"{path}.{name}", name, required=False, max_length=limit) or ""
            for name, limit in (("location", limits.MAX_LOCATION), ("postal_code", limits.MAX_POSTAL_CODE))
        }
        if len(self.issues) > before:
            return None
        # A word outside the normalized vocabulary is the carrier's own: mapped, never refused; with no
        # word a mapping knows, the description tells (rules.md section 3b).
        status, raw_status = read_event_status(
            status=words["status"],
            raw_status=words["raw_status"],
            description=words["description"],
            source=source.lower() if source else None,
            carrier=carrier,
        )
        return TrackingEvent(
            at=at,
            status=status,
            raw_status=raw_status or "",
            description=words["description"] or "",
            country=country,
            approximate=approximate,
            **others,
        )

    def event_time(self, item: dict, path: str, country: str) -> tuple[datetime | None, bool]:
        """(the event's time, whether it is approximate). A version-2 time without an offset is the local
        time at the event's place (rules.md section 1); version 1 refuses it like every other time."""
        value = item.get("at")
        if value is None:
            self.fail(path, "is required")
            return None, False
        if self.version >= 2 and isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value.strip())
            except ValueError:
                parsed = None
            if parsed is not None and parsed.tzinfo is None:
                try:
                    local = carrier_local_time(parsed, country)
                except (OverflowError, ValueError):
                    local = None  # a year at the very edge of what a datetime holds
                problem = limits.time_problem(local) if local is not None else limits.TIME_RANGE_MESSAGE
                if problem:
                    self.fail(path, f"{value!r} {problem}")
                    return None, False
                return local, True
        parsed = parse_timestamp(value)
        if isinstance(parsed, str):
            self.fail(path, parsed)
            return None, False
        return parsed, False

    # Field helpers ----------------------------------------------------------------------------------

    def items(self, raw: dict, name: str, prefix: str = ""):
        """Yield (index, object, its `at`) for each well-formed entry of the list `name`."""
        for i, path, item in self.entries(raw, name, prefix):
            at = self.timestamp(item, "at", f"{path}.at")
            if at is not None:
                yield i, item, at

    def entries(self, raw: dict, name: str, prefix: str = "") -> Iterator[tuple[int, str, dict]]:
        """(index, path, entry) for each object of the optional list `name`; a value that is not a list is
        named, and so is an entry that is not an object."""
        entries = raw.get(name)
        if entries is None:
            return
        if not isinstance(entries, list):
            self.fail(f"{prefix}{name}", "must be a list")
            return
        yield from self.objects(entries, f"{prefix}{name}")

    def objects(self, entries: list, path: str) -> Iterator[tuple[int, str, dict]]:
        """(index, path, entry) for each entry of the list at `path` that is an object; any other is named."""
        for i, item in enumerate(entries):
            if isinstance(item, dict):
                yield i, f"{path}[{i}]", item
            else:
                self.fail(f"{path}[{i}]", "must be an object")

    def country(self, raw: dict, path: str, *, required: bool) -> str:
        """An ISO 3166 alpha-2 or alpha-3 code, as the alpha-2 code; "" when absent (or wrong: named)."""
        value = self.string(raw, path, "country", required=required, max_length=MAX_COUNTRY)
        if value is None:
            return ""
        code = country_code(value)
        if not code:
            self.fail(path, f"{value!r} is not an ISO 3166 alpha-2 or alpha-3 country code")
        return code

    def string(
        self, raw: dict, path: str, name: str, *, required: bool = True, max_length: int
    ) -> str | None:
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(path, "is required")
            return None
        if not isinstance(value, str):
            self.fail(path, "must be a string")
            return None
        value = value.strip()
        problem = limits.text_problem(value, max_length)
        if problem:
            self.fail(path, problem)
            return None
        return value

    def text(self, raw: dict, path: str) -> str:
        value = raw.get("text") or ""
        if not isinstance(value, str):
            self.fail(path, "must be a string")
            return ""
        problem = limits.text_problem(value, MAX_TEXT)
        if problem:
            self.fail(path, problem)
        return value

    def choice(
        self, raw: dict, path: str, name: str, allowed: tuple[str, ...], *, required: bool = True
    ) -> bool:
        value = raw.get(name)
        if value is None and not required:
            return True
        if value not in allowed:
            found = "missing" if value is None else f"{json.dumps(value)} is not known"
            self.fail(path, f"{found}; must be one of {', '.join(allowed)}")
            return False
        return True

    def intents(self, raw: dict, path: str) -> frozenset[str] | None:
        value = raw.get("intents")
        if value is None:
            return None
        if not isinstance(value, list) or any(intent not in v.INTENTS for intent in value):
            self.fail(path, f"must be a list of intents from {', '.join(v.INTENTS)}")
            return None
        return frozenset(value)

    def timestamp(self, raw: dict, name: str, path: str, *, required: bool = True) -> datetime | None:
        value = raw.get(name)
        if value is None:
            if required:
                self.fail(path, "is required")
            return None
        parsed = parse_timestamp(value)
        if isinstance(parsed, str):
            self.fail(path, parsed)
            return None
        return parsed

    def decimal(self, value: Any, path: str) -> Decimal | None:
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(path, 'must be a decimal string such as "39.90"')
            return None
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            self.fail(path, f'{value!r} is not a decimal number such as "39.90"')
            return None
        if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2 or amount >= 10**10:
            self.fail(path, f"{value!r} must be a non-negative amount with at most two decimals")
            return None
        return amount


def parse_timestamp(value: Any) -> datetime | str:
    """An ISO 8601 timestamp with an offset, or the reason it is not one (rules.md section 1)."""
    if not isinstance(value, str):
        return "must be an ISO 8601 timestamp string"
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return f"{value!r} is not an ISO 8601 timestamp"
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return f"{value!r} has no UTC offset; add Z or +hh:mm"
    problem = limits.time_problem(parsed)
    if problem:
        return f"{value!r} {problem}"
    return parsed
