"""Stored policy versions.

The numbers mean what rules.md section 2 says; `policies.values` holds them
as plain values and decides which override wins."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from cases.assessment.vocabulary import CASE_TYPES, RISK_LEVELS
from policies.lanes import DEFAULT_SETTINGS, FAST_RISKS
from policies.values import DEFAULTS, MAXIMUM_DAYS, MINIMUMS, POLICY_FIELDS
from staletrack.fields import done_by, optional_link
from staletrack.runs import StoredRunMixin

HELP: dict[str, str] = {
    "processing_window_days": "Order → tracking number from the supplier.",
    "label_created_max_days": "Label created → first carrier scan.",
    "accepted_no_movement_days": "Carrier acceptance → next movement.",
    "stale_in_transit_days": "Last movement → next movement.",
    "exception_grace_days": "Carrier exception → next event.",
    "lost_package_days": "Last movement → treated as possibly lost.",
    "supplier_response_days": "Supplier chased → supplier answers.",
    "review_risk_unanswered": "Unanswered customer messages that make a public-review risk.",
    "product_review_threshold": "Problem cases on one SKU that put it up for owner review.",
    "product_review_days": "The period those SKU cases are counted over.",
    "supplier_flag_threshold": "Label-stuck or silent cases on one supplier that flag it.",
    "supplier_review_days": "The period those supplier cases are counted over.",
}


def policy_field(name: str, *, override: bool) -> models.PositiveSmallIntegerField:
    validators = [MinValueValidator(MINIMUMS[name]), MaxValueValidator(MAXIMUM_DAYS)]
    if override:
        return models.PositiveSmallIntegerField(
            null=True, blank=True, validators=validators, help_text=HELP[name] + " Empty: inherit."
        )
    return models.PositiveSmallIntegerField(
        default=DEFAULTS[name], validators=validators, help_text=HELP[name]
    )


class PolicyFields(models.Model):
    """The twelve numbers, declared once for the policy and both override tables."""

    class Meta:
        abstract = True

    def values(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name in POLICY_FIELDS}


def _declare_fields(cls: type[models.Model], *, override: bool) -> None:
    for name in POLICY_FIELDS:
        cls.add_to_class(name, policy_field(name, override=override))


def default_fast_case_types() -> list[str]:
    return list(DEFAULT_SETTINGS.fast_case_types)


def default_owner_only_case_types() -> list[str]:
    return list(DEFAULT_SETTINGS.owner_only_case_types)


def default_owner_only_risks() -> list[str]:
    return list(DEFAULT_SETTINGS.owner_only_risks)


def words(values) -> list[tuple[str, str]]:
    return [(value, value.replace("_", " ")) for value in values]


CASE_TYPE_CHOICES = words(CASE_TYPES)
RISK_CHOICES = words(RISK_LEVELS)
FAST_RISK_CHOICES = words(FAST_RISKS)


class Policy(PolicyFields):
    """One version of the store's default policy. Versions are kept forever: a packet names the version
    it used. Only a draft can be edited; an owner activates it, and exactly one version is active.

    Beside the numbers, each version holds its lanes (policies.lanes, docs/fast-lane.md): which cases
    staff may answer in bulk and which stay the owner's. They are the store's, not a country's or a
    supplier's: no override sets them."""

    version = models.PositiveIntegerField(unique=True, editable=False)
    is_active = models.BooleanField(default=False, editable=False)
    note = models.TextField(blank=True, help_text="Why this version exists.")
    refund_terms = models.TextField(
        blank=True,
        help_text="The store's refund and return terms as its customers see them (the refund policy page). "
        "A dispute's evidence pack quotes them; nothing else reads them.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = done_by()
    activated_at = models.DateTimeField(null=True, blank=True, editable=False)
    lane_fast_case_types = models.JSONField(
        default=default_fast_case_types,
        blank=True,
        help_text="Case types whose drafts staff may review in bulk (at or below the highest risk below).",
    )
    lane_fast_max_risk = models.CharField(
        max_length=20,
        choices=FAST_RISK_CHOICES,
        default=DEFAULT_SETTINGS.fast_max_risk,
        help_text="The highest risk a fast-lane case may have.",
    )
    lane_owner_only_case_types = models.JSONField(
        default=default_owner_only_case_types,
        blank=True,
        help_text="Case types only an owner answers (marks the reply as sent, records the outcome).",
    )
    lane_owner_only_risks = models.JSONField(
        default=default_owner_only_risks, blank=True, help_text="Risk levels only an owner answers."
    )
    lane_owner_only_refunds = models.BooleanField(
        default=DEFAULT_SETTINGS.owner_only_refunds,
        help_text="Any case with a refund request or a dispute is the owner's.",
    )

    class Meta:
        ordering = ["-version"]
        verbose_name_plural = "policies"
        permissions = [("edit_policy", "Can create, edit and activate store policy versions")]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="one_active_policy"
            )
        ]

    def __str__(self):
        state = "active" if self.is_active else ("draft" if self.activated_at is None else "retired")
        return f"v{self.version} ({state})"

    @property
    def label(self) -> str:
        return f"v{self.version}"

    @property
    def is_draft(self) -> bool:
        return self.activated_at is None


class CountryOverride(PolicyFields):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="country_overrides")
    country = models.CharField(max_length=2, help_text="ISO 3166 alpha-2 destination country, e.g. BR.")

    class Meta:
        ordering = ["country"]
        constraints = [models.UniqueConstraint(fields=["policy", "country"], name="one_override_per_country")]

    def __str__(self):
        return f"{self.policy.label} override for {self.country}"


class SupplierOverride(PolicyFields):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="supplier_overrides")
    supplier = models.ForeignKey(
        "suppliers.Supplier", on_delete=models.CASCADE, related_name="policy_overrides"
    )

    class Meta:
        ordering = ["supplier__name"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "supplier"], name="one_override_per_supplier")
        ]

    def __str__(self):
        return f"{self.policy.label} override for {self.supplier}"


_declare_fields(Policy, override=False)
_declare_fields(CountryOverride, override=True)
_declare_fields(SupplierOverride, override=True)


class WhatIfRun(StoredRunMixin, models.Model):
    """One what-if of a draft (policies.whatif.engine): how many open cases its numbers would change
    and the first of them, computed by a Celery task (or at once when there are few open cases)."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    WAITING, RUNNING, TASK = Status.PENDING, Status.RUNNING, "policies.whatif.tasks.what_if_policy_task"

    draft = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="what_if_runs")
    baseline = optional_link(
        Policy, on_delete=models.SET_NULL, help_text="The active version the draft was compared with."
    )
    draft_digest = models.CharField(
        max_length=32, blank=True, help_text="The draft's numbers and overrides when the run started."
    )
    as_of = models.DateTimeField()
    as_of_explicit = models.BooleanField(
        default=False,
        help_text="Started for an instant asked for, not for now: a start without one never joins it.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    total_cases = models.PositiveIntegerField(default=0, help_text="Open cases to look at.")
    processed_cases = models.PositiveIntegerField(default=0)
    open_cases = models.PositiveIntegerField(default=0)
    same_numbers = models.PositiveIntegerField(
        default=0, help_text="Open cases whose numbers are the same under both versions."
    )
    assessed = models.PositiveIntegerField(default=0, help_text="Open cases assessed under the draft.")
    baseline_assessed = models.PositiveIntegerField(default=0)
    changed_any = models.PositiveIntegerField(default=0)
    changed_case_type = models.PositiveIntegerField(default=0)
    changed_risk = models.PositiveIntegerField(default=0)
    changed_next_move = models.PositiveIntegerField(default=0)
    risk_raised = models.PositiveIntegerField(default=0)
    risk_lowered = models.PositiveIntegerField(default=0)
    # The open cases per lane (policies.lanes) under the active version and under the draft.
    fast_now = models.PositiveIntegerField(default=0)
    fast_draft = models.PositiveIntegerField(default=0)
    standard_now = models.PositiveIntegerField(default=0)
    standard_draft = models.PositiveIntegerField(default=0)
    owner_only_now = models.PositiveIntegerField(default=0)
    owner_only_draft = models.PositiveIntegerField(default=0)
    lane_changed = models.PositiveIntegerField(
        default=0, help_text="Open cases whose lane the draft changes."
    )
    changes = models.JSONField(default=list, blank=True, help_text="The first 1,000 changed cases.")
    error = models.TextField(blank=True)
    seconds = models.FloatField(null=True, blank=True)
    created_by = done_by()
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "what-if run"

    def __str__(self):
        return f"what-if of {self.draft.label} at {self.as_of:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def progress_percent(self) -> int:
        if not self.total_cases:
            return 100 if self.finished else 0
        return min(100, round(100 * self.processed_cases / self.total_cases))
