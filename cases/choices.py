"""Choices for the case models.

The spec's vocabularies (rules.md sections 3-5, bundle.md) are defined
once, in `cases.assessment.vocabulary`; these build the Django choices from them."""

from django.db import models

from cases.assessment import vocabulary as v


def choices(name: str, values, labels: dict[str, str] | None = None) -> type[models.TextChoices]:
    labels = labels or {}
    members = [(value.upper(), (value, labels.get(value, value.replace("_", " ")))) for value in values]
    return models.TextChoices(name, members)


PaymentState = choices("PaymentState", v.PAYMENT_STATES)
TrackingStatus = choices(
    "TrackingStatus",
    v.STATUSES,
    {
        v.INFO_RECEIVED: "label created (info received)",
        v.NO_INFORMATION: "no information (tracker says nothing)",
    },
)
EvidenceKind = choices(
    "EvidenceKind",
    v.EVIDENCE_KINDS,
    {v.PICKUP_PROOF: "pickup proof (strong)", v.DISPATCH_CLAIM: "dispatch claim (weak)"},
)
Direction = choices(
    "Direction", v.DIRECTIONS, {v.INBOUND: "from the customer", v.OUTBOUND: "to the customer"}
)
CaseType = choices("CaseType", v.CASE_TYPES)
NextMove = choices("NextMove", v.NEXT_MOVES)
Route = choices("Route", v.ROUTES)


class RiskLevel(models.TextChoices):
    """Lowest first (rules.md section 5): the position is the rank the queue sorts by."""

    NORMAL_WATCH = v.NORMAL_WATCH, "normal watch"
    SUPPLIER_CHASE = v.SUPPLIER_CHASE, "supplier chase"
    CUSTOMER_UPDATE = v.CUSTOMER_UPDATE, "customer update"
    REVIEW_RISK = v.REVIEW_RISK, "review risk"
    REFUND_RISK = v.REFUND_RISK, "refund risk"
    CHARGEBACK_WATCH = v.CHARGEBACK_WATCH, "chargeback watch"
    OWNER_ONLY = v.OWNER_ONLY, "owner only"

    @classmethod
    def rank(cls, value: str) -> int:
        return v.risk_rank(value)


class EventSource(models.TextChoices):
    BUNDLE = "bundle"
    CSV = "csv"
    WEBHOOK = "webhook"
    MANUAL = "manual"
    DEMO = "demo"


class ChaseChannel(models.TextChoices):
    EMAIL = "email"
    CHAT = "chat"
    PHONE = "phone"
    PORTAL = "portal", "supplier portal"
    OTHER = "other"


class OutcomeKind(models.TextChoices):
    """The outcomes of the seed workflow's last step, and how a case ended."""

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
    RESOLVED = "resolved"
    # The workbench's own steps, recorded on the case's timeline.
    PROOF_RECORDED = "proof_recorded"
    ASSIGNED = "assigned"
    MONEY_REQUESTED = "money_requested"
    MONEY_APPROVED = "money_approved"
    MONEY_REJECTED = "money_rejected"
    MONEY_EDITED = "money_edited"
    # A note a person added, or accepted from an agent's proposal.
    NOTE = "note"
    # A dispute's steps (cases.services.disputes); its outcomes only an owner records, and sees.
    DISPUTE_OPENED = "dispute_opened"
    DISPUTE_SUBMITTED = "dispute_submitted"
    DISPUTE_WON = "dispute_won"
    DISPUTE_LOST = "dispute_lost"
    DISPUTE_ACCEPTED = "dispute_accepted"


# The outcomes that close a dispute, as the timeline records them (only an owner sees which).
DISPUTE_CLOSINGS = frozenset(
    {OutcomeKind.DISPUTE_WON, OutcomeKind.DISPUTE_LOST, OutcomeKind.DISPUTE_ACCEPTED}
)


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


class ReplayRunStatus(models.TextChoices):
    """Where a background replay of every stored past case stands (cases.models.ReplayRun)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportKind(models.TextChoices):
    ORDERS = "orders", "orders CSV"
    TRACKING_NUMBERS = "tracking_numbers", "tracking numbers CSV"
    TRACKING_EVENTS = "tracking_events", "tracking events CSV"
    DISPUTES = "disputes", "disputes CSV"


class CaseStatus(models.TextChoices):
    """Where a case stands in the queue: open, held until a time with a reason, or resolved."""

    OPEN = "open"
    HELD = "held"
    RESOLVED = "resolved"


class ConnectionSource(models.TextChoices):
    """The sources that push facts in (cases.intake.webhooks.sources): each one's URL segment and name."""

    SHOPIFY = "shopify", "Shopify"
    SEVENTEEN_TRACK = "17track", "17TRACK"
    EASYPOST = "easypost", "EasyPost"
    PARCELPANEL = "parcelpanel", "ParcelPanel"
    TRACK123 = "track123", "Track123"
    CJDROPSHIPPING = "cjdropshipping", "CJdropshipping"
    AFTERSHIP = "aftership", "AfterShip"
    TRACKINGMORE = "trackingmore", "TrackingMore (token in the URL)"
    SHIPPO = "shippo", "Shippo (token in the URL)"
    ZENDESK = "zendesk", "Zendesk (customer messages)"
    GORGIAS = "gorgias", "Gorgias (customer messages; a token header)"


class ProposalState(models.TextChoices):
    """Where a proposal read from a message stands: nothing of it is a fact until a person confirms it."""

    PENDING = "pending", "waiting for a person"
    CONFIRMED = "confirmed", "confirmed (the evidence it made is on the order)"
    DISMISSED = "dismissed", "dismissed"


class TicketMessageState(models.TextChoices):
    """A helpdesk message: on its order's case (a customer message), or waiting for staff to attach it."""

    ATTACHED = "attached", "on its order"
    UNMATCHED = "unmatched", "waiting for staff: no order, or several"
    DISMISSED = "dismissed", "dismissed (not about an order)"


class DeliveryVerdict(models.TextChoices):
    """What became of a verified delivery (cases.models.WebhookDelivery)."""

    PENDING = "pending", "pending (verified and kept, waiting for the worker)"
    APPLIED = "applied", "applied"
    IGNORED = "ignored", "ignored (nothing staletrack reads)"
    REFUSED = "refused", "refused (a value cannot be read or stored)"
    FAILED = "failed", "failed (an error while writing)"


class AgentProposalKind(models.TextChoices):
    """What an agent with a `propose` token may put forward; a person makes it real (rules.md section 8
    for drafts: an agent's draft is checked before it is kept)."""

    DRAFT = "draft", "customer reply draft"
    CHASE = "chase", "supplier chase"
    OUTCOME = "outcome", "outcome to record"
    NOTE = "note", "note"


class AgentProposalState(models.TextChoices):
    PENDING = "pending", "waiting for a person"
    ACCEPTED = "accepted", "accepted"
    DISMISSED = "dismissed", "dismissed"


class Lane(models.TextChoices):
    """The lanes of the policy (policies.lanes): who may answer a case, and how."""

    FAST = "fast", "fast lane"
    STANDARD = "standard", "standard"
    OWNER_ONLY = "owner_only", "owner-only"


class DisputeProcessor(models.TextChoices):
    """Who holds the disputed payment: the evidence pack speaks each one's field names."""

    SHOPIFY_PAYMENTS = "shopify_payments", "Shopify Payments"
    STRIPE = "stripe", "Stripe"
    PAYPAL = "paypal", "PayPal"
    OTHER = "other", "other"


class DisputeStatus(models.TextChoices):
    """Where a dispute stands. Needs response: the evidence is still to be submitted, against
    `evidence_due_by`; the last three are outcomes, which only an owner records."""

    NEEDS_RESPONSE = "needs_response", "needs response"
    SUBMITTED = "submitted", "evidence submitted"
    WON = "won", "won"
    LOST = "lost", "lost"
    ACCEPTED = "accepted", "accepted (not contested)"


DISPUTE_OUTCOMES = frozenset({DisputeStatus.WON, DisputeStatus.LOST, DisputeStatus.ACCEPTED})
# Offered beside the free-text reason code: the "item not received" codes of the networks stores meet.
COMMON_REASON_CODES: tuple[tuple[str, str], ...] = (
    ("13.1", "Visa 13.1: merchandise/services not received"),
    ("4855", "Mastercard 4855: goods or services not provided"),
    ("C08", "American Express C08: goods/services not received"),
    ("UA01", "Discover UA01: non-receipt of goods or services"),
    ("INR", "PayPal: item not received"),
    ("SNAD", "PayPal: significantly not as described"),
    ("13.3", "Visa 13.3: not as described or defective"),
    ("10.4", "Visa 10.4: other fraud, card-absent environment"),
    ("4837", "Mastercard 4837: no cardholder authorization"),
)
