"""Assessment facts straight from a bundle, without a database.

The same packets come from the bundle as from the imported database (spec examples/README.md)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from cases.assessment.facts import CaseFacts, OrderFacts, Parcel, SharedNumberOrder, Tracking
from cases.intake.bundles.reader import Bundle, BundleCase, BundleParcel, BundleTracking
from cases.tracking.detect import checked_carrier, number_standing
from cases.tracking.normalize import normalize_number
from policies.values import PolicyValues


def bundle_policy(bundle: Bundle, base: PolicyValues | None = None) -> PolicyValues:
    """The default policy with the bundle's `policy` fields adopted (bundle.md)."""
    base = base or PolicyValues()
    if not bundle.policy:
        return base
    return replace(base, **bundle.policy, version="bundle")


def bundle_facts(bundle: Bundle, policy: PolicyValues | None = None) -> list[CaseFacts]:
    """One CaseFacts per bundle case, in bundle order; orders sharing a number see each other (a parcel
    that was superseded no longer holds its number: it was the wrong one, or replaced)."""
    policy = bundle_policy(bundle, policy)
    by_number: dict[str, dict[str, OrderFacts]] = defaultdict(dict)
    for case in bundle.cases:
        for given in _given(case):
            if given.tracking is not None and given.superseded_at is None:
                by_number[normalize_number(given.tracking.number)][case.order.order_id] = case.order

    def tracking(given: BundleTracking | None, order_id: str) -> Tracking | None:
        if given is None:
            return None
        normalized = normalize_number(given.number)
        invalid, no_format = number_standing(normalized)
        return Tracking(
            number=given.number,
            normalized=normalized,
            carrier=checked_carrier(given.carrier, normalized) or None,
            checksum_invalid=invalid,
            events=given.events,
            shared_with=tuple(
                SharedNumberOrder(o.order_id, o.customer_email, o.postal_code, o.ordered_at)
                for o in by_number[normalized].values()
                if o.order_id != order_id
            ),
            fits_no_format=no_format,
        )

    facts = []
    for case in bundle.cases:
        order_id = case.order.order_id
        facts.append(
            CaseFacts(
                order=case.order,
                policy=policy,
                tracking=tracking(case.tracking, order_id),
                parcels=tuple(
                    Parcel(tracking(given.tracking, order_id), given.skus, given.superseded_at)
                    for given in case.parcels
                ),
                supplier_evidence=case.supplier_evidence,
                supplier_chases=case.supplier_chases,
                customer_messages=case.customer_messages,
            )
        )
    return facts


def _given(case: BundleCase) -> tuple[BundleParcel, ...]:
    return case.parcels or ((BundleParcel(case.tracking),) if case.tracking is not None else ())
