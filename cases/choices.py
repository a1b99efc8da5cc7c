"""Choices for the case models, named as the spec names them (rules.md sections 3-5, bundle.md)."""

from django.db import models


class PaymentState(models.TextChoices):
    PAID = "paid"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"
    DISPUTED = "disputed"


class TrackingStatus(models.TextChoices):
    INFO_RECEIVED = "info_received", "Label created (info received)"
    ACCEPTED = "accepted"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    EXCEPTION = "exception"
    RETURNED = "returned"
    DELIVERED = "delivered"
    NO_INFORMATION = "no_information", "No information (tracker says nothing)"
    UNKNOWN = "unknown"


class EventSource(models.TextChoices):
    BUNDLE = "bundle"
    CSV = "csv"
    WEBHOOK = "webhook"
    MANUAL = "manual"
    DEMO = "demo"


class EvidenceKind(models.TextChoices):
    PICKUP_PROOF = "pickup_proof", "Pickup proof (strong)"
    DISPATCH_CLAIM = "dispatch_claim", "Dispatch claim (weak)"
    PROCESSING_NOTE = "processing_note"
    RESTOCK_NOTE = "restock_note", "Restock / backorder note"
    REPLACEMENT_SOURCE = "replacement_source"


class ChaseChannel(models.TextChoices):
    EMAIL = "email"
    CHAT = "chat"
    PHONE = "phone"
    PORTAL = "portal", "Supplier portal"
    OTHER = "other"


class Direction(models.TextChoices):
    INBOUND = "inbound", "From the customer"
    OUTBOUND = "outbound", "To the customer"


class CaseType(models.TextChoices):
    WRONG_DESTINATION = "wrong_destination"
    WRONG_TRACKING = "wrong_tracking"
    UNCLEAR = "unclear"
    DELIVERED_CONFLICT = "delivered_conflict"
    DELIVERED = "delivered"
    CARRIER_EXCEPTION = "carrier_exception"
    SUPPLIER_BLOCKED = "supplier_blocked"
    SUPPLIER_SILENCE = "supplier_silence"
    AWAITING_TRACKING = "awaiting_tracking"
    LABEL_CREATED_ONLY = "label_created_only"
    ACCEPTED_NO_MOVEMENT = "accepted_no_movement"
    STALE_IN_TRANSIT = "stale_in_transit"
    IN_TRANSIT = "in_transit"


class RiskLevel(models.TextChoices):
    """Lowest first: the position is the rank the queue sorts by."""

    NORMAL_WATCH = "normal_watch"
    SUPPLIER_CHASE = "supplier_chase"
    CUSTOMER_UPDATE = "customer_update"
    REVIEW_RISK = "review_risk"
    REFUND_RISK = "refund_risk"
    CHARGEBACK_WATCH = "chargeback_watch"
    OWNER_ONLY = "owner_only"

    @classmethod
    def rank(cls, value: str) -> int:
        return cls.values.index(value)


class NextMove(models.TextChoices):
    WAIT = "wait"
    CHASE_SUPPLIER = "chase_supplier"
    REQUEST_PROOF = "request_proof"
    DRAFT_UPDATE = "draft_update"
    PREPARE_REFUND_REVIEW = "prepare_refund_review"
    PAUSE_PRODUCT = "pause_product"
    FLAG_SUPPLIER = "flag_supplier"
    ESCALATE = "escalate"
    CLOSE = "close"


class Route(models.TextChoices):
    SUPPLIER_DELAY = "supplier_delay"
    CUSTOMER_SUPPORT = "customer_support"
    LOST_PACKAGE = "lost_package"
    WRONG_ADDRESS = "wrong_address"
    REFUND = "refund"


class CaseStatus(models.TextChoices):
    OPEN = "open"
    HELD = "held"
    RESOLVED = "resolved"


class OutcomeKind(models.TextChoices):
    CUSTOMER_UPDATED = "customer_updated"
    SUPPLIER_CHASED = "supplier_chased"
    CASE_HELD = "case_held"
    REFUND_REVIEWED = "refund_reviewed"
    PRODUCT_PAUSED = "product_paused"
    SUPPLIER_FLAGGED = "supplier_flagged"
    DELIVERED = "delivered"
    LOST = "lost"
    REFUNDED = "refunded"
    REPLACED = "replaced"


class MoneyKind(models.TextChoices):
    REFUND = "refund"
    PARTIAL_REFUND = "partial_refund"
    REPLACEMENT = "replacement"
    DISCOUNT = "discount"
    STORE_CREDIT = "store_credit"


class MoneyState(models.TextChoices):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
