"""Assessment facts straight from a bundle, without a database.

The same packets come from the bundle as from the imported database (spec examples/README.md)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from cases.assessment.facts import CaseFacts, SharedNumberOrder, Tracking
from cases.intake.bundles.reader import Bundle
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
    """One CaseFacts per bundle case, in bundle order; orders sharing a number see each other."""
    policy = bundle_policy(bundle, policy)
    by_number: dict[str, list] = defaultdict(list)
    for case in bundle.cases:
        if case.tracking is not None:
            by_number[normalize_number(case.tracking.number)].append(case.order)
    facts = []
    for case in bundle.cases:
        tracking = None
        if case.tracking is not None:
            normalized = normalize_number(case.tracking.number)
            invalid, no_format = number_standing(normalized)
            tracking = Tracking(
                number=case.tracking.number,
                normalized=normalized,
                carrier=checked_carrier(case.tracking.carrier, normalized) or None,
                checksum_invalid=invalid,
                events=case.tracking.events,
                shared_with=tuple(
                    SharedNumberOrder(o.order_id, o.customer_email, o.postal_code, o.ordered_at)
                    for o in by_number[normalized]
                    if o.order_id != case.order.order_id
                ),
                fits_no_format=no_format,
            )
        facts.append(
            CaseFacts(
                order=case.order,
                policy=policy,
                tracking=tracking,
                supplier_evidence=case.supplier_evidence,
                supplier_chases=case.supplier_chases,
                customer_messages=case.customer_messages,
            )
        )
    return facts
