"""The words of the rules (rules.md sections 3 to 7), spelled once.

Tuples are ordered as the spec lists them: case types in the precedence of section 4, risk levels
lowest first (section 5), so `RISK_LEVELS.index` compares risks.
"""

from __future__ import annotations

# The words, one constant each; the vocabularies that order them follow below.

# Normalized tracking statuses (section 3).
INFO_RECEIVED = "info_received"
ACCEPTED = "accepted"
IN_TRANSIT = "in_transit"
OUT_FOR_DELIVERY = "out_for_delivery"
AVAILABLE_FOR_PICKUP = "available_for_pickup"
EXCEPTION = "exception"
RETURNED = "returned"
DELIVERED = "delivered"
NO_INFORMATION = "no_information"
UNKNOWN = "unknown"

# Case types (section 4).
CANCELLED = "cancelled"
REFUNDED_CASE = "refunded"
WRONG_DESTINATION = "wrong_destination"
WRONG_TRACKING = "wrong_tracking"
UNCLEAR = "unclear"
DELIVERED_CONFLICT = "delivered_conflict"
DELIVERED_CASE = "delivered"
CARRIER_EXCEPTION = "carrier_exception"
SUPPLIER_BLOCKED = "supplier_blocked"
FULFILLED_NO_TRACKING = "fulfilled_no_tracking"
SUPPLIER_SILENCE = "supplier_silence"
AWAITING_TRACKING = "awaiting_tracking"
LABEL_CREATED_ONLY = "label_created_only"
ACCEPTED_NO_MOVEMENT = "accepted_no_movement"
STALE_IN_TRANSIT = "stale_in_transit"
IN_TRANSIT_CASE = "in_transit"

# Risk levels (section 5).
NORMAL_WATCH = "normal_watch"
SUPPLIER_CHASE = "supplier_chase"
CUSTOMER_UPDATE = "customer_update"
REVIEW_RISK = "review_risk"
REFUND_RISK = "refund_risk"
CHARGEBACK_WATCH = "chargeback_watch"
OWNER_ONLY = "owner_only"

# Next moves (section 5).
WAIT = "wait"
CHASE_SUPPLIER = "chase_supplier"
REQUEST_PROOF = "request_proof"
DRAFT_UPDATE = "draft_update"
PREPARE_REFUND_REVIEW = "prepare_refund_review"
PAUSE_PRODUCT = "pause_product"
FLAG_SUPPLIER = "flag_supplier"
ESCALATE = "escalate"
CLOSE = "close"
IMPORT_TRACKING = "import_tracking"

# Routes: the workflow the evidence goes to (section 5); "none" is None.
ROUTE_SUPPLIER_DELAY = "supplier_delay"
ROUTE_CUSTOMER_SUPPORT = "customer_support"
ROUTE_LOST_PACKAGE = "lost_package"
ROUTE_WRONG_ADDRESS = "wrong_address"
ROUTE_REFUND = "refund"

# Flags (section 7).
FLAG_RECYCLED_TRACKING = "recycled_tracking"
FLAG_PREDATES_ORDER = "predates_order"
FLAG_CHECKSUM_INVALID = "checksum_invalid"
FLAG_DESTINATION_MISMATCH = "destination_mismatch"
FLAG_LABEL_ONLY = "label_only"
FLAG_PROOF_CONFLICT = "proof_conflict"
FLAG_CUSTOMER_WAITING = "customer_waiting"
FLAG_PRODUCT_REVIEW = "product_review"
FLAG_SUPPLIER_REVIEW = "supplier_review"

# Window names (section 9), which are also the policy fields that hold their lengths.
PROCESSING_WINDOW = "processing_window_days"
LABEL_WINDOW = "label_created_max_days"
ACCEPTED_WINDOW = "accepted_no_movement_days"
IN_TRANSIT_WINDOW = "stale_in_transit_days"
EXCEPTION_WINDOW = "exception_grace_days"

# Supplier evidence kinds (section 3).
PICKUP_PROOF = "pickup_proof"
DISPATCH_CLAIM = "dispatch_claim"
PROCESSING_NOTE = "processing_note"
RESTOCK_NOTE = "restock_note"
REPLACEMENT_SOURCE = "replacement_source"

# Customer message directions and intents (section 3).
INBOUND = "inbound"
OUTBOUND = "outbound"
DISPUTE_THREAT = "dispute_threat"
REFUND_REQUEST = "refund_request"
NOT_RECEIVED = "not_received"
WHERE_IS_ORDER = "where_is_order"

# Payment states (bundle.md); CASH_ON_DELIVERY (version 2) is paid on delivery: every rule reads it as `paid`.
PAID = "paid"
REFUNDED = "refunded"
PARTIALLY_REFUNDED = "partially_refunded"
DISPUTED = "disputed"
CASH_ON_DELIVERY = "cash_on_delivery"

# The vocabularies, in the order the spec lists them.

STATUSES: tuple[str, ...] = (
    INFO_RECEIVED,
    ACCEPTED,
    IN_TRANSIT,
    OUT_FOR_DELIVERY,
    AVAILABLE_FOR_PICKUP,
    EXCEPTION,
    RETURNED,
    DELIVERED,
    NO_INFORMATION,
    UNKNOWN,
)
# In the precedence of section 4: the first that applies wins.
CASE_TYPES: tuple[str, ...] = (
    CANCELLED,
    REFUNDED_CASE,
    WRONG_DESTINATION,
    WRONG_TRACKING,
    UNCLEAR,
    DELIVERED_CONFLICT,
    DELIVERED_CASE,
    CARRIER_EXCEPTION,
    SUPPLIER_BLOCKED,
    FULFILLED_NO_TRACKING,
    SUPPLIER_SILENCE,
    AWAITING_TRACKING,
    LABEL_CREATED_ONLY,
    ACCEPTED_NO_MOVEMENT,
    STALE_IN_TRANSIT,
    IN_TRANSIT_CASE,
)
# Lowest first, so that `risk_rank` compares risks.
RISK_LEVELS: tuple[str, ...] = (
    NORMAL_WATCH,
    SUPPLIER_CHASE,
    CUSTOMER_UPDATE,
    REVIEW_RISK,
    REFUND_RISK,
    CHARGEBACK_WATCH,
    OWNER_ONLY,
)
NEXT_MOVES: tuple[str, ...] = (
    WAIT,
    CHASE_SUPPLIER,
    REQUEST_PROOF,
    DRAFT_UPDATE,
    PREPARE_REFUND_REVIEW,
    PAUSE_PRODUCT,
    FLAG_SUPPLIER,
    ESCALATE,
    CLOSE,
    IMPORT_TRACKING,
)
ROUTES: tuple[str, ...] = (
    ROUTE_SUPPLIER_DELAY,
    ROUTE_CUSTOMER_SUPPORT,
    ROUTE_LOST_PACKAGE,
    ROUTE_WRONG_ADDRESS,
    ROUTE_REFUND,
)
# Packets list them sorted.
FLAGS: tuple[str, ...] = (
    FLAG_RECYCLED_TRACKING,
    FLAG_PREDATES_ORDER,
    FLAG_CHECKSUM_INVALID,
    FLAG_DESTINATION_MISMATCH,
    FLAG_LABEL_ONLY,
    FLAG_PROOF_CONFLICT,
    FLAG_CUSTOMER_WAITING,
    FLAG_PRODUCT_REVIEW,
    FLAG_SUPPLIER_REVIEW,
)
WINDOW_NAMES: tuple[str, ...] = (
    PROCESSING_WINDOW,
    LABEL_WINDOW,
    ACCEPTED_WINDOW,
    IN_TRANSIT_WINDOW,
    EXCEPTION_WINDOW,
)
EVIDENCE_KINDS: tuple[str, ...] = (
    PICKUP_PROOF,
    DISPATCH_CLAIM,
    PROCESSING_NOTE,
    RESTOCK_NOTE,
    REPLACEMENT_SOURCE,
)
DIRECTIONS: tuple[str, ...] = (INBOUND, OUTBOUND)
INTENTS: tuple[str, ...] = (DISPUTE_THREAT, REFUND_REQUEST, NOT_RECEIVED, WHERE_IS_ORDER)
PAYMENT_STATES: tuple[str, ...] = (PAID, REFUNDED, PARTIALLY_REFUNDED, DISPUTED, CASH_ON_DELIVERY)

# Sets of words the rules test membership of.

# Statuses that are not a carrier scan of the parcel: they never start the first-scan or movement clocks.
NOT_A_SCAN: frozenset[str] = frozenset({INFO_RECEIVED, UNKNOWN, NO_INFORMATION})
# Statuses that say where the parcel ends up, so they can contradict the order's address.
AT_DESTINATION: frozenset[str] = frozenset({DELIVERED, OUT_FOR_DELIVERY, AVAILABLE_FOR_PICKUP})
# Movement that cannot follow a delivery without the tracking contradicting itself.
MOVEMENT_AFTER_DELIVERY: frozenset[str] = frozenset({ACCEPTED, IN_TRANSIT, OUT_FOR_DELIVERY})
# Moves that ask the supplier for something, so a supplier message is drafted (our addition to section 8).
SUPPLIER_MOVES: frozenset[str] = frozenset({CHASE_SUPPLIER, REQUEST_PROOF})


def risk_rank(risk: str) -> int:
    """Position of a risk level, lowest first, so risks compare as numbers."""
    return RISK_LEVELS.index(risk)


def higher_risk(current: str, floor: str) -> str:
    """`current` raised to at least `floor` (section 6: risk only ever rises)."""
    return floor if risk_rank(floor) > risk_rank(current) else current
