"""Reading the policy in force: one active version and its overrides, resolved per order."""

from __future__ import annotations

from dataclasses import dataclass, field

from policies.lanes import DEFAULT_SETTINGS, POLICY_LANE_FIELDS, LaneSettings, settings_from
from policies.models import Policy
from policies.values import POLICY_FIELDS, PolicyValues, resolve


@dataclass
class PolicyBook:
    """The active policy version with its overrides, loaded in three queries and reused per order."""

    policy: Policy
    default: PolicyValues
    countries: dict[str, dict[str, int | None]] = field(default_factory=dict)
    suppliers: dict[int, dict[str, int | None]] = field(default_factory=dict)
    lanes: LaneSettings = DEFAULT_SETTINGS

    def for_order(
        self, country: str, supplier_id: int | None, supplier_processing_days: int | None = None
    ) -> PolicyValues:
        """rules.md section 2: supplier beats country beats default. The supplier record's own processing
        time sits in the supplier layer, under an explicit supplier override."""
        supplier_layer = dict(self.suppliers.get(supplier_id, {}))
        if supplier_layer.get("processing_window_days") is None and supplier_processing_days is not None:
            supplier_layer["processing_window_days"] = supplier_processing_days
        country_layer = self.countries.get(country)
        parts = [self.policy.label]
        if country_layer:
            parts.append(f"country {country}")
        if any(v is not None for v in supplier_layer.values()):
            parts.append("supplier override")
        return resolve(self.default, country_layer, supplier_layer, version=" + ".join(parts))


def values_of(policy: Policy) -> PolicyValues:
    return PolicyValues(**{name: getattr(policy, name) for name in POLICY_FIELDS}, version=policy.label)


def lane_settings_of(policy: Policy) -> LaneSettings:
    """A version's lanes (policies.lanes)."""
    return settings_from({column: getattr(policy, column) for column in POLICY_LANE_FIELDS})


def active_lane_settings() -> LaneSettings:
    """The lanes of the version in force, read alone (one small query); the defaults before any version."""
    row = Policy.objects.filter(is_active=True).values(*POLICY_LANE_FIELDS).first()
    return settings_from(row) if row is not None else DEFAULT_SETTINGS


def active_policy() -> Policy:
    return Policy.objects.get(is_active=True)


def active_policy_book() -> PolicyBook:
    return policy_book(active_policy())


def policy_in_force_at(at) -> Policy | None:
    """The version that was active at `at`: the last one activated at or before it (versions are never
    re-activated, so activation times order them). None before the first activation."""
    return Policy.objects.filter(activated_at__lte=at).order_by("-activated_at", "-version").first()


def policy_book(policy: Policy) -> PolicyBook:
    """Any version (active, retired or a draft) with its overrides, for replays and what-ifs."""
    return PolicyBook(
        policy=policy,
        default=values_of(policy),
        countries={o.country: o.values() for o in policy.country_overrides.all()},
        suppliers={o.supplier_id: o.values() for o in policy.supplier_overrides.all()},
        lanes=lane_settings_of(policy),
    )
