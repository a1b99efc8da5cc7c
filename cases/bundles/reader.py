"""Reading and validating a case bundle (spec bundle.md), without a database.

`read_bundle` either returns a `Bundle` of plain values or raises `BundleError` carrying every problem
found, each named by case index and field, so a person can fix the whole file in one pass. Nothing
here writes anything; `cases.services.bundle_import` stores a valid bundle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from cases.assessment import vocabulary as v
from cases.assessment.facts import CustomerMessage, OrderFacts, SupplierChase, SupplierEvidence, TrackingEvent
from cases.carriers.statuses import normalize_status
from cases.countries import is_country_code
from cases.replay.scoring import ACTUAL_FIELDS, MAX_OUTCOME, Actual
from policies.values import validate_policy_fields

FORMAT = "staletrack.bundle/1"
PAYMENT_STATES = v.PAYMENT_STATES
EVIDENCE_KINDS = v.EVIDENCE_KINDS
DIRECTIONS = v.DIRECTIONS
INTENTS = v.INTENTS
NORMALIZED_STATUSES = v.STATUSES
NEXT_MOVES = v.NEXT_MOVES
RISK_LEVELS = v.RISK_LEVELS
CHASE_CHANNELS = ("email", "chat", "phone", "portal", "other")
MAX_TEXT = 10_000


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


@dataclass(frozen=True, slots=True)
class Bundle:
    cases: tuple[BundleCase, ...]
    as_of: datetime | None = None
    policy: dict[str, int] = field(default_factory=dict)


def read_bundle(raw: bytes | str) -> Bundle:
    """Parse and validate a bundle file's contents; raise BundleError listing every problem."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BundleError(
                [BundleIssue(None, "file", f"is not UTF-8 (first bad byte at offset {exc.start})")]
            ) from None
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BundleError(
            [
                BundleIssue(
                    None, "file", f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
                )
            ]
        ) from None
    reader = _Reader()
    bundle = reader.bundle(document)
    if reader.issues:
        raise BundleError(reader.issues)
    return bundle


class _Reader:
    """Walks the document once, collecting issues instead of stopping at the first."""

    def __init__(self) -> None:
        self.issues: list[BundleIssue] = []
        self.case_index: int | None = None

    def fail(self, path: str, message: str) -> None:
        self.issues.append(BundleIssue(self.case_index, path, message))

    # Head -------------------------------------------------------------------------------------------

    def bundle(self, document: Any) -> Bundle:
        if not isinstance(document, dict):
            self.fail("file", "must be a JSON object with format and cases")
            return Bundle(cases=())
        if document.get("format") != FORMAT:
            found = document.get("format")
            self.fail("format", f'must be "{FORMAT}", found {json.dumps(found)}')
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
        return Bundle(cases=tuple(cases), as_of=as_of, policy=policy)

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
        order = self.order(raw.get("order"))
        tracking = self.tracking(raw.get("tracking"))
        evidence = tuple(
            SupplierEvidence(at=at, kind=item["kind"], text=self.text(item, f"supplier_evidence[{i}].text"))
            for i, item, at in self.items(raw, "supplier_evidence")
            if self.choice(item, f"supplier_evidence[{i}].kind", "kind", EVIDENCE_KINDS)
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
            if self.choice(item, f"customer_messages[{i}].direction", "direction", DIRECTIONS)
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
            index, order, tracking, evidence, chases, messages, decided_at=decided_at, actual=actual
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
        self.choice(value, "actual.next_move", "next_move", NEXT_MOVES, required=False)
        self.choice(value, "actual.risk_level", "risk_level", RISK_LEVELS, required=False)
        outcome = self.string(value, "actual.outcome", "outcome", required=False, max_length=MAX_OUTCOME)
        if len(self.issues) > before:
            return None
        return Actual(
            next_move=value.get("next_move"), risk_level=value.get("risk_level"), outcome=outcome or ""
        )

    def order(self, raw: Any) -> OrderFacts | None:
        if not isinstance(raw, dict):
            self.fail("order", "is required and must be an object")
            return None
        before = len(self.issues)
        order_id = self.string(raw, "order.order_id", "order_id", max_length=64)
        ordered_at = self.timestamp(raw, "ordered_at", "order.ordered_at")
        country = self.string(raw, "order.country", "country", max_length=2)
        if country and not is_country_code(country):
            self.fail("order.country", f"{country!r} is not an ISO 3166 alpha-2 country code")
        sku = self.string(raw, "order.sku", "sku", max_length=100)
        supplier = self.string(raw, "order.supplier", "supplier", max_length=200)
        optional = {
            name: self.string(raw, f"order.{name}", name, required=False, max_length=limit)
            for name, limit in (
                ("customer_email", 254),
                ("postal_code", 20),
                ("product_title", 300),
                ("currency", 3),
                ("promise_text", 300),
            )
        }
        payment_state = raw.get("payment_state") or "paid"
        if payment_state not in PAYMENT_STATES:
            self.fail("order.payment_state", f"must be one of {', '.join(PAYMENT_STATES)}")
        value = self.decimal(raw.get("value"), "order.value")
        if len(self.issues) > before:
            return None
        return OrderFacts(
            order_id=order_id,
            ordered_at=ordered_at,
            country=country,
            sku=sku,
            supplier=supplier,
            value=value,
            payment_state=payment_state,
            **{name: text or "" for name, text in optional.items()},
        )

    def tracking(self, raw: Any) -> BundleTracking | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            self.fail("tracking", "must be an object or null")
            return None
        number = raw.get("number")
        if number is None:
            return None
        if not isinstance(number, str) or not number.strip() or len(number) > 64:
            self.fail("tracking.number", "must be a non-empty string of at most 64 characters, or null")
            return None
        carrier = raw.get("carrier")
        if carrier is not None and (not isinstance(carrier, str) or len(carrier) > 32):
            self.fail("tracking.carrier", "must be a carrier code or null")
            carrier = None
        events = []
        for i, item, at in self.items(raw, "events", prefix="tracking."):
            path = f"tracking.events[{i}]"
            status, raw_status = item.get("status"), item.get("raw_status")
            if not any(isinstance(word, str) and word.strip() for word in (status, raw_status)):
                self.fail(f"{path}.status", "an event needs a status or a raw_status")
                continue
            # A word outside the normalized vocabulary is treated as the carrier's own: mapped, never refused.
            if status not in NORMALIZED_STATUSES:
                raw_status = raw_status or status
                status = normalize_status(raw_status)
            events.append(
                TrackingEvent(
                    at=at,
                    status=status,
                    raw_status=(raw_status or "")[:100],
                    **{
                        name: self.string(item, f"{path}.{name}", name, required=False, max_length=limit)
                        or ""
                        for name, limit in (
                            ("description", 500),
                            ("location", 200),
                            ("country", 2),
                            ("postal_code", 20),
                        )
                    },
                )
            )
        return BundleTracking(number=number.strip(), carrier=carrier or None, events=tuple(events))

    # Field helpers ----------------------------------------------------------------------------------

    def items(self, raw: dict, name: str, prefix: str = ""):
        """Yield (index, object, its `at`) for each well-formed entry of the list `name`."""
        entries = raw.get(name)
        if entries is None:
            return
        if not isinstance(entries, list):
            self.fail(f"{prefix}{name}", "must be a list")
            return
        for i, item in enumerate(entries):
            path = f"{prefix}{name}[{i}]"
            if not isinstance(item, dict):
                self.fail(path, "must be an object")
                continue
            at = self.timestamp(item, "at", f"{path}.at")
            if at is not None:
                yield i, item, at

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
        if len(value) > max_length:
            self.fail(path, f"is longer than {max_length} characters")
            return None
        return value.strip()

    def text(self, raw: dict, path: str) -> str:
        value = raw.get("text") or ""
        if not isinstance(value, str):
            self.fail(path, "must be a string")
            return ""
        if len(value) > MAX_TEXT:
            self.fail(path, f"is longer than {MAX_TEXT} characters")
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
        if not isinstance(value, list) or any(intent not in INTENTS for intent in value):
            self.fail(path, f"must be a list of intents from {', '.join(INTENTS)}")
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
    return parsed
