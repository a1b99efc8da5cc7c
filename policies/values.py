"""The numbers of a store policy, as plain values (spec rules.md section 2).

No ORM import: the assessment engine, the bundle reader and the tests use these without a database.
The `policies.models` rows are stored copies of these values; `resolve` is the one place that
decides which override wins.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any


@dataclass(frozen=True, slots=True)
class PolicyValues:
    """Every field of rules.md section 2, with its default, in the order the spec lists them, plus the
    version label the packet records."""

    processing_window_days: int = 3  # order -> tracking number from the supplier
    label_created_max_days: int = 5  # label created -> first carrier scan
    accepted_no_movement_days: int = 4  # carrier acceptance -> next movement
    stale_in_transit_days: int = 7  # last movement -> next movement
    exception_grace_days: int = 3  # carrier exception -> next event
    lost_package_days: int = 20  # last movement -> possibly lost
    supplier_response_days: int = 2  # supplier chased -> supplier answers
    review_risk_unanswered: int = 2  # unanswered customer messages that make a public-review risk
    product_review_threshold: int = 3  # problem cases on one SKU in product_review_days: owner review
    product_review_days: int = 14
    supplier_flag_threshold: int = 3  # stuck or silent cases on one supplier in supplier_review_days: flag
    supplier_review_days: int = 30
    version: str = "default"

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in POLICY_FIELDS}


POLICY_FIELDS: tuple[str, ...] = tuple(
    field.name for field in fields(PolicyValues) if field.name != "version"
)
DEFAULTS: dict[str, int] = PolicyValues().as_dict()

# Counts must be at least one, or every case would trip them; windows may be zero days
# ("chase the moment a label exists") but never negative.
MINIMUMS: dict[str, int] = {name: 0 for name in POLICY_FIELDS} | {
    "review_risk_unanswered": 1,
    "product_review_threshold": 1,
    "supplier_flag_threshold": 1,
}
MAXIMUM_DAYS = 365


def validate_policy_fields(values: dict[str, Any]) -> dict[str, str]:
    """Return {field: reason} for every field that is unknown or not a whole number in range.

    Used by the bundle reader (a bundle's `policy` block) and by the admin forms, so both say the same.
    """
    errors: dict[str, str] = {}
    for name, value in values.items():
        if name not in DEFAULTS:
            errors[name] = "is not a policy field"
        elif isinstance(value, bool) or not isinstance(value, int):
            errors[name] = "must be a whole number"
        elif not MINIMUMS[name] <= value <= MAXIMUM_DAYS:
            errors[name] = f"must be between {MINIMUMS[name]} and {MAXIMUM_DAYS}"
    return errors


def resolve(
    default: PolicyValues,
    country_override: dict[str, int | None] | None = None,
    supplier_override: dict[str, int | None] | None = None,
    version: str | None = None,
) -> PolicyValues:
    """The effective policy for one order (rules.md section 2: supplier beats country beats default).

    Overrides are field by field: a field an override leaves empty (None or absent) falls through to
    the next layer, so a supplier override of the processing window does not undo a country's longer
    transit window.
    """
    merged = default.as_dict()
    for layer in (country_override, supplier_override):
        for name, value in (layer or {}).items():
            if name in merged and value is not None:
                merged[name] = value
    return replace(default, **merged, version=version or default.version)
