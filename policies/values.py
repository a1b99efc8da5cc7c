"""The numbers of a store policy, as plain values (spec rules.md section 2).

No ORM import: the assessment engine, the bundle reader and the tests use these without a database.
The `policies.models` rows are stored copies of these values; `resolve` is the one place that
decides which override wins.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

# rules.md section 2, in the order the spec lists them.
DEFAULTS: dict[str, int] = {
    "processing_window_days": 3,
    "label_created_max_days": 5,
    "accepted_no_movement_days": 4,
    "stale_in_transit_days": 7,
    "exception_grace_days": 3,
    "lost_package_days": 20,
    "supplier_response_days": 2,
    "review_risk_unanswered": 2,
    "product_review_threshold": 3,
    "product_review_days": 14,
    "supplier_flag_threshold": 3,
    "supplier_review_days": 30,
}

POLICY_FIELDS: tuple[str, ...] = tuple(DEFAULTS)

# Counts must be at least one, or every case would trip them; windows may be zero days
# ("chase the moment a label exists") but never negative.
MINIMUMS: dict[str, int] = {name: 0 for name in POLICY_FIELDS} | {
    "review_risk_unanswered": 1,
    "product_review_threshold": 1,
    "supplier_flag_threshold": 1,
}
MAXIMUM_DAYS = 365


@dataclass(frozen=True, slots=True)
class PolicyValues:
    """Every field of rules.md section 2 plus the version label the packet records."""

    processing_window_days: int = DEFAULTS["processing_window_days"]
    label_created_max_days: int = DEFAULTS["label_created_max_days"]
    accepted_no_movement_days: int = DEFAULTS["accepted_no_movement_days"]
    stale_in_transit_days: int = DEFAULTS["stale_in_transit_days"]
    exception_grace_days: int = DEFAULTS["exception_grace_days"]
    lost_package_days: int = DEFAULTS["lost_package_days"]
    supplier_response_days: int = DEFAULTS["supplier_response_days"]
    review_risk_unanswered: int = DEFAULTS["review_risk_unanswered"]
    product_review_threshold: int = DEFAULTS["product_review_threshold"]
    product_review_days: int = DEFAULTS["product_review_days"]
    supplier_flag_threshold: int = DEFAULTS["supplier_flag_threshold"]
    supplier_review_days: int = DEFAULTS["supplier_review_days"]
    version: str = "default"

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in POLICY_FIELDS}


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
