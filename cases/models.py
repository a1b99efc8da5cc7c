"""Models of the case domain.

Orders and what is known about them, the cases built from it, and the trail of
decisions. Rules live in `cases.assessment`; writes go through `cases.services`."""

import hashlib
from datetime import UTC
from functools import partial

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import F, Q

from cases.choices import (
    AgentProposalKind,
    AgentProposalState,
    CaseStatus,
    CaseType,
    ChaseChannel,
    ConnectionSource,
    DeliveryVerdict,
    Direction,
    DisputeProcessor,
    DisputeStatus,
    EventSource,
    EvidenceKind,
    ImportKind,
    Lane,
    MoneyKind,
    MoneyState,
    NextMove,
    OutcomeKind,
    PaymentState,
    ProposalState,
    ReplayRunStatus,
    RiskLevel,
    Route,
    TicketMessageState,
    TrackingStatus,
)
from staletrack.fields import done_by, optional_link
from staletrack.runs import LOST_RUN_MESSAGE, StoredRunMixin

USER = settings.AUTH_USER_MODEL


def fingerprint(*parts) -> str:
    """A stable digest of what makes a record the same record, so re-importing adds nothing."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


class Order(models.Model):
    # Unique through Meta.constraints, not unique=True: that would add a second, pattern-matching index
    # that no query here uses and every bulk import would have to fill.
    order_id = models.CharField("order", max_length=64)
    ordered_at = models.DateTimeField(db_index=True)
    customer_email = models.EmailField(blank=True)
    country = models.CharField(
        max_length=2,
        blank=True,
        help_text="ISO 3166 alpha-2 destination country; empty when the store's export has none.",
    )
    postal_code = models.CharField(max_length=20, blank=True)
    # No index of its own: the (product, ordered_at) index below serves every lookup by product.
    product = models.ForeignKey(
        "suppliers.Product", on_delete=models.PROTECT, related_name="orders", db_index=False
    )
    value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    payment_state = models.CharField(max_length=20, choices=PaymentState.choices, default=PaymentState.PAID)
    promise_text = models.CharField(max_length=300, blank=True)
    cancelled_at = models.DateTimeField(
        null=True, blank=True, help_text="When the store cancelled the order (Shopify's Cancelled at)."
    )
    fulfilled_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the store marked the order fulfilled (Shopify's Fulfilled at): a tracking number "
        "exists somewhere, even if staletrack does not have it yet.",
    )
    erased_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the customer's personal data was erased on request (the order itself stays).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-ordered_at"]
        indexes = [
            # With the order key: the queue's country filter joins the case filters by index alone.
            models.Index(fields=["country", "id"], name="order_by_country"),
            models.Index(fields=["product", "ordered_at"]),
            models.Index(fields=["customer_email"]),
        ]
        constraints = [models.UniqueConstraint(fields=["order_id"], name="one_order_per_order_id")]

    def __str__(self):
        return self.order_id


class LineItem(models.Model):
    """One line item of an order (rules.md section 3a): its product (keyed by SKU, else by title) and
    quantity. `Order.product` stays the first line item's product, which most queries read."""

    # No index of its own: the unique (order, position) constraint below serves every lookup by order.
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="line_items", db_index=False)
    product = models.ForeignKey("suppliers.Product", on_delete=models.PROTECT, related_name="line_items")
    title = models.CharField(max_length=300, blank=True, help_text="The item's title as the store gave it.")
    quantity = models.PositiveIntegerField(default=1)
    position = models.PositiveSmallIntegerField(default=0, help_text="Input order within the order.")

    class Meta:
        ordering = ["order", "position"]
        constraints = [models.UniqueConstraint(fields=["order", "position"], name="line_item_position_once")]

    def __str__(self):
        return f"{self.order} #{self.position + 1}: {self.quantity} of {self.product}"


class TrackingNumber(models.Model):
    """One carrier number. Carriers recycle numbers and combined shipments share one, so a number may
    sit on several orders, and even twice on one order (two parcels); an order may have several parcels
    (`Parcel`)."""

    number = models.CharField(max_length=64, help_text="As the supplier gave it.")
    normalized = models.CharField(max_length=64, unique=True, help_text="Upper case, no spaces or dashes.")
    carrier = models.CharField(max_length=32, blank=True, help_text="Carrier code, given or detected.")
    url = models.URLField(max_length=500, blank=True)
    orders = models.ManyToManyField(Order, through="Parcel", related_name="tracking_numbers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["normalized"]

    def __str__(self):
        return self.number


class Parcel(models.Model):
    """One parcel of an order (rules.md section 3a): its tracking number (none yet: null) and the line item
    keys it carries (empty: not said). A second number is a second parcel; a parcel stops counting only
    once superseded (a wrong number replaced, a reship), and is never deleted for it."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="parcels")
    tracking_number = models.ForeignKey(
        TrackingNumber,
        on_delete=models.CASCADE,
        related_name="parcels",
        null=True,
        blank=True,
        db_index=False,  # the (tracking_number, order) index below serves every lookup by number
    )
    skus = models.JSONField(
        default=list, blank=True, help_text="The line item keys (SKU, else title) this parcel carries."
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Input order within the order.")
    assigned_at = models.DateTimeField(auto_now_add=True)
    superseded_at = models.DateTimeField(
        null=True, blank=True, help_text="From then on the parcel no longer counts (listed, not assessed)."
    )
    superseded_by = done_by()
    superseded_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["order", "position", "id"]
        indexes = [models.Index(fields=["tracking_number", "order"], name="parcel_by_number")]

    def __str__(self):
        return f"{self.order} ↔ {self.tracking_number or 'no number yet'}"


class TrackingEvent(models.Model):
    tracking_number = models.ForeignKey(TrackingNumber, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    status = models.CharField(max_length=24, choices=TrackingStatus.choices)
    raw_status = models.CharField(
        max_length=100, blank=True, help_text="The carrier's or tracker's own word."
    )
    description = models.CharField(max_length=500, blank=True)
    location = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    source = models.CharField(max_length=16, choices=EventSource.choices, default=EventSource.MANUAL)
    approximate = models.BooleanField(
        default=False,
        help_text="The time was given without an offset (read as local time at the event's place) or is "
        "when the tracker's update arrived: right within a day.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tracking_number", "at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tracking_number", "at", "status", "description"], name="tracking_event_once"
            )
        ]

    def __str__(self):
        return f"{self.tracking_number} {self.status} at {self.at:%Y-%m-%d %H:%M}"


class OrderRecord(models.Model):
    """What staff or an import recorded about one order at one time. `fingerprint` makes re-import a no-op."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()
    text = models.TextField(blank=True)
    fingerprint = models.CharField(max_length=64, editable=False)
    recorded_by = done_by()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["order", "at", "id"]

    def __init_subclass__(cls, *, identity_field: str = "", **kwargs):
        """`identity_field`: what, besides the time and the text, tells two records of an order apart."""
        super().__init_subclass__(**kwargs)
        cls.identity_field = identity_field

    def save(self, *args, **kwargs):
        self.with_fingerprint()
        super().save(*args, **kwargs)

    def identity(self) -> tuple:
        # The same instant written with another offset is the same record.
        return (getattr(self, self.identity_field), self.at.astimezone(UTC).isoformat(), self.text)

    def with_fingerprint(self):
        """Set the fingerprint; bulk_create skips save(), so bulk writers call this themselves."""
        self.fingerprint = fingerprint(*self.identity())
        return self


class SupplierEvidence(OrderRecord, identity_field="kind"):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="supplier_evidence")
    kind = models.CharField(max_length=24, choices=EvidenceKind.choices)
    attachment = models.FileField(upload_to="evidence/%Y/%m/", blank=True)

    class Meta(OrderRecord.Meta):
        verbose_name_plural = "supplier evidence"
        constraints = [models.UniqueConstraint(fields=["order", "fingerprint"], name="evidence_once")]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.order} at {self.at:%Y-%m-%d}"


class EvidenceProposal(models.Model):
    """What a supplier's email seems to say (cases.intake.messages.supplier_emails), waiting for a person:
    the kind of evidence, the sentences behind it, the numbers found and the order it would attach to.
    Nothing of it is a fact (no packet reads it) until staff confirm it, corrected or not; then it becomes
    one `SupplierEvidence` (and a parcel per tracking number kept), through the one writing path."""

    source = models.CharField(max_length=16, default="email")
    message_id = models.CharField(max_length=300, blank=True, help_text="The email's Message-ID.")
    body_sha256 = models.CharField(max_length=64, unique=True)
    sender = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=24, choices=EvidenceKind.choices, blank=True)
    text = models.TextField(blank=True, help_text="The sentences the kind was read from.")
    reading = models.JSONField(default=dict, blank=True, help_text="The whole reading, reasons and numbers.")
    tracking_numbers = models.JSONField(default=list, blank=True)
    order = optional_link(Order, on_delete=models.SET_NULL, related_name="evidence_proposals")
    match = models.CharField(max_length=300, blank=True, help_text="How the order was found, or why not.")
    attachment = models.FileField(upload_to="proposals/%Y/%m/", blank=True)
    state = models.CharField(max_length=12, choices=ProposalState.choices, default=ProposalState.PENDING)
    decided_by = done_by()
    decided_at = models.DateTimeField(null=True, blank=True)
    evidence = optional_link("SupplierEvidence", on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["state", "received_at"], name="proposal_by_state")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "message_id"], condition=~Q(message_id=""), name="one_proposal_per_message"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display() if self.kind else 'no kind'} from {self.sender or '?'}"


class TicketMessage(models.Model):
    """One message of a helpdesk ticket as it came in (a helpdesk's webhook, its export): put on its order as
    a customer message when it names exactly one (cases.intake.helpdesk.intake), else kept here, unmatched,
    until staff attach it to an order or dismiss it. The same message arriving twice is kept once."""

    source = models.CharField(max_length=16)
    ticket_id = models.CharField(max_length=100, blank=True)
    helpdesk_id = models.CharField(
        max_length=200, help_text="The helpdesk's id, else a digest of the message."
    )
    at = models.DateTimeField()
    from_email = models.CharField(max_length=254, blank=True)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    subject = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=12, choices=TicketMessageState.choices)
    match = models.CharField(max_length=300, blank=True, help_text="How its order was found, or why not.")
    order = optional_link(Order, on_delete=models.SET_NULL, related_name="ticket_messages")
    customer_message = optional_link("CustomerMessage", on_delete=models.SET_NULL)
    decided_by = done_by()

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["state", "at"], name="ticket_message_by_state")]
        constraints = [models.UniqueConstraint(fields=["source", "helpdesk_id"], name="one_ticket_message")]

    def __str__(self):
        return f"{self.source} ticket {self.ticket_id or '?'} message of {self.at:%Y-%m-%d %H:%M}"


class SupplierChase(OrderRecord, identity_field="channel"):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="supplier_chases")
    channel = models.CharField(max_length=16, choices=ChaseChannel.choices, default=ChaseChannel.EMAIL)

    class Meta(OrderRecord.Meta):
        constraints = [models.UniqueConstraint(fields=["order", "fingerprint"], name="chase_once")]

    def __str__(self):
        return f"Supplier chased for {self.order} at {self.at:%Y-%m-%d}"


class CustomerMessage(OrderRecord, identity_field="direction"):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="customer_messages")
    direction = models.CharField(max_length=8, choices=Direction.choices)
    intents = models.JSONField(
        null=True, blank=True, help_text="Given intents; empty means they are read from the text."
    )
    helpdesk_ticket = models.CharField(
        max_length=100, blank=True, help_text="The helpdesk ticket it came in on, or that a reply answered."
    )

    class Meta(OrderRecord.Meta):
        constraints = [models.UniqueConstraint(fields=["order", "fingerprint"], name="message_once")]

    def __str__(self):
        return f"{self.get_direction_display()} message on {self.order} at {self.at:%Y-%m-%d}"


class Case(models.Model):
    """One per order: the latest assessment, stored so the queue can sort and filter without recomputing."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="case")
    case_type = models.CharField(max_length=24, choices=CaseType.choices, blank=True)
    risk_level = models.CharField(max_length=20, choices=RiskLevel.choices, blank=True)
    risk_rank = models.PositiveSmallIntegerField(
        default=0, help_text="Position of the risk level, for sorting."
    )
    next_move = models.CharField(max_length=24, choices=NextMove.choices, blank=True)
    also = models.JSONField(default=list, blank=True)
    route = models.CharField(max_length=20, choices=Route.choices, blank=True)
    flags = models.JSONField(default=list, blank=True)
    parcel_case_types = models.JSONField(
        default=list,
        blank=True,
        help_text="An order in several parcels: its parcels' own case types (rules.md section 3a).",
    )
    # Set with the packet (cases.services.assessment.write_cases); the scorecard groups a case by it.
    counted_product = optional_link(
        "suppliers.Product",
        on_delete=models.SET_NULL,
        # Only the few orders in several parcels have one: a partial index, not one entry per case.
        db_index=False,
        help_text="An order in several parcels: the product its case counts for, that of its headline "
        "parcel's first item (rules.md section 3a); empty: the order's product (its first item's).",
    )
    window = models.JSONField(null=True, blank=True)
    clocks = models.JSONField(default=dict, blank=True)
    packet = models.JSONField(default=dict, blank=True, help_text="The last decision packet, as assessed.")
    packet_digest = models.CharField(
        max_length=32,
        blank=True,
        editable=False,
        help_text="Hash of the packet without its as_of: an unchanged packet is not written again.",
    )
    requires_owner_approval = models.BooleanField(default=False)
    waiting_since = models.DateTimeField(
        null=True, blank=True, help_text="The oldest customer message still unanswered, for the queue."
    )
    assessed_at = models.DateTimeField(null=True, blank=True)
    unassessable_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set when the last attempt to assess this case failed (the sweep went on with the rest); "
        "cleared by the next assessment that succeeds.",
    )
    unassessable_reason = models.TextField(blank=True, help_text="Why the last assessment failed.")
    next_assessment_at = models.DateTimeField(null=True, blank=True)
    policy = optional_link("policies.Policy", on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    held_until = models.DateTimeField(null=True, blank=True)
    hold_reason = models.TextField(blank=True)
    assignee = optional_link(USER, on_delete=models.SET_NULL, related_name="cases")
    draft_text = models.TextField(
        blank=True, help_text="The customer reply as staff edited it; empty means the packet's draft."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-risk_rank", "order__ordered_at"]
        permissions = [
            ("import_cases", "Can import case bundles"),
            # The owner-only lane (policies.lanes): its replies marked as sent, its outcomes recorded.
            (
                "answer_owner_only_case",
                "Can answer owner-only-lane cases (mark replies sent, record outcomes)",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_assessment_at"], name="case_due"),
            models.Index(fields=["order"], condition=Q(assessed_at__isnull=True), name="case_never_assessed"),
            models.Index(
                fields=["unassessable_since"],
                condition=Q(unassessable_since__isnull=False),
                name="case_unassessable",
            ),
            models.Index(
                fields=["counted_product"],
                condition=Q(counted_product__isnull=False),
                name="case_counted_product",
            ),
            # The queue's filters, each with the order key: combined with a filter on the order (its
            # country), PostgreSQL joins two index-only scans instead of reading both tables' rows.
            models.Index(fields=["case_type", "order"], name="case_by_type"),
            models.Index(fields=["next_move", "order"], name="case_by_next_move"),
            models.Index(fields=["route", "order"], name="case_by_route"),
            models.Index(fields=["risk_level", "order"], name="case_by_risk"),
            # The queue's page order (risk, then the customer's wait, then the admin's -pk tie-break),
            # whole and behind the status filter, so the first page reads 100 index entries.
            models.Index(fields=["-risk_rank", "waiting_since", "-id"], name="case_queue_page"),
            models.Index(fields=["status", "-risk_rank", "waiting_since", "-id"], name="case_status_queue"),
            # The home page (cases.selectors.home): the open cases per risk level, counted from this small
            # index alone, and the open cases whose customer waits longest, its first entries.
            models.Index(
                fields=["risk_level"], condition=Q(status=CaseStatus.OPEN), name="open_case_by_risk"
            ),
            models.Index(
                fields=["waiting_since", "id"],
                condition=Q(status=CaseStatus.OPEN, waiting_since__isnull=False),
                name="open_case_waiting",
            ),
            # The queue's page order behind the filters whose cases sit at some risks only (a case type, a
            # route, a next move): read through case_queue_page, a page of those low in the queue first
            # skipped every case above them, hundreds of thousands of rows (benchmarks/bench_api.py). A
            # risk level needs none: it fixes the rank (the API filters on both).
            models.Index(fields=["case_type", "-risk_rank", "waiting_since", "-id"], name="case_type_queue"),
            models.Index(fields=["route", "-risk_rank", "waiting_since", "-id"], name="case_route_queue"),
            models.Index(
                fields=["next_move", "-risk_rank", "waiting_since", "-id"], name="case_next_move_queue"
            ),
        ]

    def __str__(self):
        return f"Case {self.order.order_id}"


class OpenCaseCount(models.Model):
    """How many cases were open at one risk level when a day began (store time): the first count of the day,
    kept by beat (`cases.services.open_case_counts`), so the home page says what changed since yesterday
    without a history of every case. One row per day and risk level ("" is a case not assessed yet)."""

    day = models.DateField()
    risk_level = models.CharField(max_length=20, choices=RiskLevel.choices, blank=True)
    cases = models.PositiveIntegerField()
    counted_at = models.DateTimeField()

    class Meta:
        ordering = ["-day", "risk_level"]
        constraints = [models.UniqueConstraint(fields=["day", "risk_level"], name="open_case_count_once")]

    def __str__(self):
        return f"{self.day}: {self.cases} open {self.risk_level or 'not assessed'}"


class CaseBacklog(models.Model):
    """The orders of one large import whose cases are still to be created (their first assessment with
    them): every order with a primary key from `first_order_pk` to `last_order_pk` that has no case.
    Written in the import's transaction, worked off right after it commits
    (`cases.services.assessment.work_case_backlog`), and by the sweep when that task never ran; the row
    goes when the range has no case-less order left. `first_order_pk` moves up as batches are done."""

    first_order_pk = models.BigIntegerField()
    last_order_pk = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"cases of orders {self.first_order_pk}-{self.last_order_pk}"


class Outcome(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="outcomes")
    kind = models.CharField(max_length=20, choices=OutcomeKind.choices)
    at = models.DateTimeField()
    by = done_by()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["case", "at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.case}"


class SentReply(models.Model):
    """One reply to a customer recorded as sent (`mark_draft_sent`, in bulk or not, and
    `mark_customer_updated`), with the lane its case was in then and how long the customer had waited
    for it: what each lane costs and saves (the owner's home, `cases.selectors.lanes`). Whether the
    customer came back (a new inbound message soon after) is read from the messages when asked."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sent_replies")
    message = models.ForeignKey(CustomerMessage, on_delete=models.SET_NULL, null=True, blank=True)
    lane = models.CharField(max_length=10, choices=Lane.choices)
    sent_at = models.DateTimeField()
    waited_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="From the oldest message the customer still waited on to the reply; empty: none waited.",
    )
    in_bulk = models.BooleanField(default=False, help_text="Marked as sent from the bulk review.")
    by = done_by()

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name_plural = "sent replies"
        indexes = [models.Index(fields=["sent_at"], name="sent_reply_by_time")]

    def __str__(self):
        return f"Reply on {self.case} at {self.sent_at:%Y-%m-%d %H:%M} ({self.lane})"


class PastDecision(models.Model):
    """A past case as a person decided it (bundle.md `decided_at` and `actual`): when they decided, what
    the store really did and how it ended. A replay assesses the order as of `decided_at` and compares
    (the seed's rollout, day 2). Blank actual fields were not given."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="past_decision")
    decided_at = models.DateTimeField(help_text="When a person decided; the replay's clock.")
    actual_next_move = models.CharField(max_length=24, choices=NextMove.choices, blank=True)
    actual_risk_level = models.CharField(max_length=20, choices=RiskLevel.choices, blank=True)
    actual_outcome = models.TextField(blank=True, help_text="How the case ended, in the store's words.")
    source = models.CharField(max_length=32, default="bundle")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["decided_at", "id"]

    def __str__(self):
        return f"Past decision on {self.order.order_id}"


class ReplayRun(StoredRunMixin, models.Model):
    """A replay of every stored past case, run by the Celery task `replay_past_cases_task`
    (cases.replay.runs) because a million past decisions take longer than a web request should.
    The admin's run page follows it and renders the stored report (`ReplayReport.to_dict()`)."""

    Status = ReplayRunStatus
    WAITING, RUNNING, TASK = Status.QUEUED, Status.RUNNING, "cases.replay.tasks.replay_past_cases_task"

    created_by = done_by()
    policy = optional_link(
        "policies.Policy",
        on_delete=models.PROTECT,
        help_text="The version chosen for every case; blank: the version in force at each decision.",
    )
    status = models.CharField(max_length=10, choices=ReplayRunStatus.choices, default=ReplayRunStatus.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cases_replayed = models.PositiveIntegerField(default=0)
    compared = models.PositiveIntegerField(default=0, help_text="Replayed cases with an actual next move.")
    agreed = models.PositiveIntegerField(default=0, help_text="Compared cases whose next move agreed.")
    report = models.JSONField(null=True, blank=True, help_text="The report (ReplayReport.to_dict()).")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Replay run {self.pk} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (ReplayRunStatus.DONE, ReplayRunStatus.FAILED)


class AgentProposal(models.Model):
    """What an agent (an API or MCP token with the `propose` scope) put forward for a case: nothing of it is
    a draft, a chase, an outcome or a note until a person accepts it (`cases.services.agent_proposals`)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="agent_proposals")
    token = optional_link("staletrack.ApiToken", on_delete=models.SET_NULL)
    agent = models.CharField(max_length=100, help_text="The token's name when it proposed.")
    kind = models.CharField(max_length=10, choices=AgentProposalKind.choices)
    text = models.TextField(help_text="The draft, the chase's note, the outcome's note or the note.")
    channel = models.CharField(max_length=16, choices=ChaseChannel.choices, blank=True)
    ending = models.CharField(max_length=20, choices=OutcomeKind.choices, blank=True)
    proposed_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(
        max_length=10, choices=AgentProposalState.choices, default=AgentProposalState.PENDING
    )
    decided_by = done_by()
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, help_text="Why it was dismissed, or what accepting made.")

    class Meta:
        ordering = ["-proposed_at", "-id"]
        indexes = [
            models.Index(fields=["state", "proposed_at"], name="agent_proposal_by_state"),
            models.Index(fields=["case", "state"], name="agent_proposal_by_case"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} proposed by {self.agent} for case {self.case_id}"


class MoneyDecision(models.Model):
    """A refund, replacement, discount or store credit. Staff request; a second person with the owner
    permission decides. Whoever sets the terms is a requester: the one who asked (`requested_by`) and the
    one other person who changed them (`amended_by`); the database refuses a decision by either."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="money_decisions")
    kind = models.CharField(max_length=20, choices=MoneyKind.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    reason = models.TextField()
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=MoneyState.choices, default=MoneyState.PENDING)
    amended_by = done_by(
        on_delete=models.PROTECT,
        help_text="The person other than the requester who changed the terms; they cannot decide it.",
    )
    above_value_reason = models.TextField(
        blank=True,
        help_text="An owner's reason for an amount above the order's value (required then, audited).",
    )
    decided_by = done_by(on_delete=models.PROTECT)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    version = models.PositiveIntegerField(
        default=1, help_text="Raised by every edit of the request; a decision names the version it saw."
    )

    class Meta:
        ordering = ["-requested_at"]
        permissions = [("approve_money_decision", "Can approve or reject money decisions")]
        # The requests waiting for a decision (the home page's count, the list's state filter): few of many.
        indexes = [
            models.Index(
                fields=["-requested_at"], condition=Q(state=MoneyState.PENDING), name="money_pending"
            )
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="money_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="money_decided_by_second_person",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True)
                | Q(amended_by__isnull=True)
                | ~Q(decided_by=F("amended_by")),
                name="money_decided_by_no_requester",
            ),
            models.CheckConstraint(
                condition=Q(amended_by__isnull=True) | ~Q(amended_by=F("requested_by")),
                name="money_amended_by_another",
            ),
            models.CheckConstraint(
                condition=Q(state=MoneyState.PENDING, decided_by__isnull=True)
                | (~Q(state=MoneyState.PENDING) & Q(decided_by__isnull=False, decided_at__isnull=False)),
                name="money_decision_complete",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} {self.currency} on {self.case} ({self.state})"


class Dispute(models.Model):
    """A chargeback or payment dispute on an order (docs/disputes.md). Opening one sets the order's payment
    state to `disputed`; its evidence is due by `evidence_due_by` (the clock the queue and the home page
    show; under three days left without a submitted pack, the case is owner-only). Written only by
    `cases.services.disputes`: staff open one and build its evidence pack, an owner records its outcome."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="disputes")
    processor = models.CharField(max_length=20, choices=DisputeProcessor.choices)
    external_id = models.CharField(
        max_length=64, blank=True, help_text="The processor's id of the dispute (re-importing it updates it)."
    )
    kind = models.CharField(
        max_length=20, blank=True, help_text="The processor's type: chargeback or inquiry (Shopify's type)."
    )
    reason = models.CharField(
        max_length=40, blank=True, help_text="The processor's reason, e.g. product_not_received."
    )
    network_reason_code = models.CharField(
        max_length=20, blank=True, help_text="The card network's code: Visa 13.1, Mastercard 4855, ..."
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    opened_at = models.DateTimeField(help_text="When the customer's bank or the processor opened it.")
    evidence_due_by = models.DateTimeField(
        null=True, blank=True, help_text="The last moment the processor accepts evidence."
    )
    status = models.CharField(
        max_length=16, choices=DisputeStatus.choices, default=DisputeStatus.NEEDS_RESPONSE
    )
    evidence_sent_on = models.DateTimeField(null=True, blank=True, help_text="When the pack was submitted.")
    finalized_on = models.DateTimeField(null=True, blank=True, help_text="When it was won, lost or accepted.")
    payment_state_before = models.CharField(
        max_length=20,
        choices=PaymentState.choices,
        default=PaymentState.PAID,
        editable=False,
        help_text="The order's payment state before the dispute, given back when it is won.",
    )
    note = models.TextField(blank=True)
    opened_by = done_by()
    outcome_by = done_by()
    source = models.CharField(max_length=16, default="admin", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["evidence_due_by", "id"]
        permissions = [("record_dispute_outcome", "Can record disputes' outcomes (submitted, won, lost)")]
        indexes = [
            # The home page and the clock: disputes still waiting for evidence, soonest deadline first.
            models.Index(
                fields=["evidence_due_by"],
                condition=Q(status="needs_response"),
                name="dispute_waiting_by_due",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["processor", "external_id"],
                condition=~Q(external_id=""),
                name="dispute_external_id_once",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0) | Q(amount__isnull=True), name="dispute_amount"
            ),
        ]

    def __str__(self):
        return f"{self.get_processor_display()} dispute on {self.order} ({self.get_status_display()})"


class AuditEvent(models.Model):
    """Append-only: who did what to which object, when, and why."""

    at = models.DateTimeField(db_index=True)
    actor = done_by()
    actor_label = models.CharField(max_length=150, help_text="The user, or the process that acted.")
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=64)
    changes = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"], name="audit_object")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label}: {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit events are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events are append-only and cannot be deleted.")


class Connection(models.Model):
    """One source that pushes facts in (docs/connections.md): its secret, whether it is on, and how long its
    deliveries are kept. A source without a row, or with one switched off, refuses every delivery."""

    source = models.CharField(max_length=32, unique=True, choices=ConnectionSource.choices)
    # What the source signs with (an app secret, an API key, an openId); for a source without a signature,
    # the token its URL carries. Never shown back whole (admin and `connection list` show its last four).
    secret = models.CharField(max_length=500, blank=True)
    secret_set_at = models.DateTimeField(null=True, blank=True)
    # The secret before the last change, still accepted for a while: a source keeps signing with the old
    # one for some time after a rotation (Shopify: up to an hour).
    previous_secret = models.CharField(max_length=500, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    retention_days = models.PositiveSmallIntegerField(
        default=30, help_text="Deliveries older than this many days are deleted (1 to 3650)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source"]
        permissions = [("manage_connections", "Can set connections' secrets and replay their deliveries")]

    def __str__(self):
        return self.get_source_display()


class WebhookDelivery(models.Model):
    """One verified delivery of a pushed source, kept whole (its raw body) for its connection's retention
    period, with what it changed; the body digest and the sender's id make a re-delivery a no-op."""

    source = models.CharField(max_length=32, default="aftership")
    topic = models.CharField(max_length=100, blank=True, help_text="The source's event or topic.")
    delivery_id = models.CharField(max_length=200, blank=True, help_text="The sender's event id, if any.")
    body_sha256 = models.CharField(max_length=64, unique=True)
    body = models.BinaryField(blank=True, default=b"", editable=False)
    headers = models.JSONField(
        default=dict, blank=True, help_text="The headers its source's reader reads (never a signature)."
    )
    received_at = models.DateTimeField(auto_now_add=True)
    verdict = models.CharField(
        max_length=16, choices=DeliveryVerdict.choices, default=DeliveryVerdict.PENDING
    )
    reason = models.TextField(blank=True, help_text="Why it was ignored, refused or failed.")
    tracking_numbers = models.JSONField(default=list, blank=True)
    order_ids = models.JSONField(default=list, blank=True)
    events_created = models.PositiveIntegerField(default=0)
    changes = models.JSONField(default=dict, blank=True, help_text="What applying it changed.")
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["source", "received_at"], name="delivery_by_source"),
            # The worker's queue: small, whatever the number of deliveries kept.
            models.Index(fields=["id"], condition=Q(verdict="pending"), name="delivery_pending"),
        ]
        constraints = [
            # Two bodies with one event id (a sender that re-signs a re-delivery) are one delivery.
            models.UniqueConstraint(
                fields=["source", "delivery_id"], condition=~Q(delivery_id=""), name="one_delivery_per_event"
            )
        ]

    def __str__(self):
        return f"{self.source} delivery {self.delivery_id or self.body_sha256[:12]}"


class SourceOrderVersion(models.Model):
    """The newest version of an order a source has pushed and staletrack applied (the source's own
    `updated_at`): an older one arriving late (a retry, deliveries out of order) changes nothing."""

    source = models.CharField(max_length=32)
    order_id = models.CharField(max_length=64)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "order_id"], name="one_version_per_source_order")
        ]

    def __str__(self):
        return f"{self.source} {self.order_id} as of {self.updated_at:%Y-%m-%d %H:%M}"


class WebhookRefusal(models.Model):
    """A delivery refused before anything of it was kept (no connection, wrong or missing signature, too
    large): when, from where and why, never its body."""

    source = models.CharField(max_length=32)
    at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=200)
    remote_addr = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["source", "at"], name="refusal_by_source")]

    def __str__(self):
        return f"{self.source} refused {self.status_code}: {self.reason}"


ORDERS_IMPORTED = "orders_imported"  # the audit action of an order import, written in its transaction
LOST_COMMAND_MESSAGE = (
    "This run stopped without finishing: the import_orders command running it stopped answering (it was "
    "killed, or its machine went down). Nothing was written (the import is one transaction); run the "
    "command again."
)
LOST_AFTER_WRITING = (
    "This import stopped after its orders were written, before their counts were recorded here: the "
    "import's audit event has them."
)


class ColumnMapping(models.Model):
    """Which file column a person named for each field of a CSV import, remembered for the next file with
    the same headers (docs/imports.md, *Columns a person names*)."""

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    headers_key = models.CharField(
        max_length=64, help_text="SHA-256 of the file's folded headers, in order: same headers, same map."
    )
    headers = models.JSONField(default=list, help_text="The file's headers as it spells them.")
    mapping = models.JSONField(default=dict, help_text="{field: header} as the person chose them.")
    updated_by = done_by()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "headers_key"], name="one_column_mapping_per_headers")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} columns {self.headers_key[:8]}"


class ImportRun(StoredRunMixin, models.Model):
    """One file import (orders, tracking numbers, tracking events): its progress while it runs, its
    counts and its errors afterwards. Large files run as a Celery task that updates this row."""

    Kind = ImportKind

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed", "failed (nothing written)"

    class RunsIn(models.TextChoices):
        TASK = "task", "a worker task"
        COMMAND = "command", "the import_orders command"

    WAITING, RUNNING, TASK = Status.PENDING, Status.RUNNING, "cases.intake.tasks.import_orders_task"
    FAILURE_FIELD = "message"
    # A command's import runs in the command's own process: the task's time limit does not stop it, so it
    # must not make the run lost; its heartbeat does (staletrack.runs.run_is_lost).
    IN_TASK = {"runs_in": RunsIn.TASK}
    HEARTBEAT_FIELD = "heartbeat_at"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    runs_in = models.CharField(
        max_length=10,
        choices=RunsIn.choices,
        default=RunsIn.TASK,
        help_text="Where the import runs: only a worker task has a time limit.",
    )
    heartbeat_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A command's import: its last sign of life. Silent for 5 minutes, it is lost.",
    )
    # Its progress while it runs.
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=255)
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    only_valid_rows = models.BooleanField(
        default=False, help_text="Import the valid rows even when other rows have errors."
    )
    summary = models.JSONField(
        default=dict,
        blank=True,
        help_text="What the import read besides its counts: skipped orders by reason, orders left "
        "fulfilled without a tracking number, vendor names the map does not know, how times were read.",
    )
    created_rows = models.PositiveIntegerField(default=0)
    updated_rows = models.PositiveIntegerField(default=0)
    unchanged_rows = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{line, column, message}], first 1,000.")
    created_by = done_by()
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    message = models.TextField(blank=True)  # the phase while it runs; what came of it once finished

    class Meta:
        ordering = ["-created_at"]
        permissions = [("import_orders", "Can import orders and tracking files")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.file_name} ({self.status})"

    @classmethod
    def discard_lost(cls, runs: list) -> None:
        """A lost run's upload is customer data kept for nothing: its page asks for the file again. The
        files go once the runs are failed for good (after commit)."""
        uploads = [run.file for run in runs if run.file]
        cls.objects.filter(pk__in=[run.pk for run in runs]).exclude(file="").update(file="")
        for upload in uploads:
            transaction.on_commit(partial(upload.storage.delete, upload.name))

    def wrote_orders(self) -> bool:
        """Whether this run's import committed: its audit event, written in the import's transaction,
        exists. A run stopped after that wrote its orders, whatever the row still says."""
        return AuditEvent.objects.filter(
            action=ORDERS_IMPORTED,
            content_type=ContentType.objects.get_for_model(ImportRun),
            object_id=str(self.pk),
        ).exists()

    def lost_outcome(self) -> tuple[str, str]:
        """A lost import that committed before it stopped wrote its orders: it succeeded, and says how to
        find its counts. Else it failed: it wrote nothing (one transaction)."""
        if self.wrote_orders():
            return self.Status.SUCCEEDED, LOST_AFTER_WRITING
        return self.Status.FAILED, LOST_RUN_MESSAGE if self.in_task else LOST_COMMAND_MESSAGE

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status in (self.Status.SUCCEEDED, self.Status.FAILED) else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))
