"""Replaying past cases (issue 9; the seed's rollout, day 2): each case assessed as of the moment a person
decided, then scored against what the store really did (`cases.replay`). Reads only: nothing here writes.

Two sources:
- `replay_bundle(bundle)`: a bundle file's cases with `decided_at`, without a database (like
  `packet --bundle`): the rules.md section 2 defaults with the bundle's own policy fields. With a chosen
  stored policy version the database is read for that version and the suppliers' records.
- `replay_orders(order_pks)` / `replay_cases(case_pks)`: stored orders with a `PastDecision`, each
  assessed with the policy version in force at its `decided_at` (`policy_in_force_at`), or with one
  chosen version for all. A decision made before any version was activated uses the oldest version,
  and the report says so.

Honesty: facts dated after `decided_at` are ignored by the rules, and peers (rules.md section 6, overlays
5 and 6) count only orders placed by then. Facts without a date cannot be dated back: an order's payment
state and fields, and a supplier's processing time, are read as they stand now.

Set-based loading: the decisions of one policy version are taken in `decided_at` order, in windows of up
to CHUNK cases spanning at most SPAN; each window loads the facts of its orders and of every possible
peer (same product or supplier, placed inside the widest review window before any of its decisions) in
one `facts_for_orders` call, whatever the number of distinct `decided_at`. Each decision instant is then
assessed on its own, with the peers placed by then.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.db.models import Q

from cases.assessment import assess_many
from cases.assessment.clock import iso_z
from cases.assessment.facts import CaseFacts
from cases.bundles.facts import bundle_facts
from cases.bundles.reader import Bundle
from cases.models import Case, Order, PastDecision
from cases.replay import Actual, Replayed, ReplayReport, score
from cases.selectors.facts import facts_for_orders
from cases.selectors.rows import chunked
from policies.models import Policy
from policies.selectors import PolicyBook, policy_book
from suppliers.models import Supplier

REPLAY_PERMISSION = "cases.view_case"  # a replay writes nothing: seeing cases is enough
CHUNK = 500  # decisions per facts load
SPAN = timedelta(days=31)  # widest spread of decided_at in one load, so the peers it loads stay few


class ReplayError(ValueError):
    """Input a replay cannot use: an unknown policy version or order id."""


@dataclass
class Run:
    """The replayed packets before scoring, with what the report says about how they were made."""

    replayed: list[Replayed] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def report(self) -> ReplayReport:
        return score(self.replayed, notes=self.notes, skipped=self.skipped)


@dataclass(frozen=True, slots=True)
class _Decision:
    order_pk: int
    order_id: str
    ordered_at: datetime
    decided_at: datetime
    actual: Actual | None


# Choosing the policy ---------------------------------------------------------------------------------


def policy_version(label: str) -> Policy:
    """A stored policy version from "v3" or "3"; ReplayError naming the known versions otherwise."""
    text = (label or "").strip().lower().removeprefix("v")
    policy = Policy.objects.filter(version=int(text)).first() if text.isdigit() else None
    if policy is None:
        known = ", ".join(
            f"v{n}" for n in Policy.objects.order_by("version").values_list("version", flat=True)
        )
        raise ReplayError(f"No policy version {label!r}; the versions are {known or 'none'}.")
    return policy


class _InForce:
    """policy_in_force_at for many instants from one query: the last version activated at or before
    the instant (versions are never re-activated), else None."""

    def __init__(self) -> None:
        activated = list(
            Policy.objects.filter(activated_at__isnull=False).order_by("activated_at", "version")
        )
        self._policies = list(activated)
        self._times = [policy.activated_at for policy in self._policies]

    def at(self, moment: datetime) -> Policy | None:
        index = bisect.bisect_right(self._times, moment)
        return self._policies[index - 1] if index else None

    @property
    def first_activation(self) -> datetime | None:
        return self._times[0] if self._times else None


# Stored cases ---------------------------------------------------------------------------------------


def replay_cases(case_pks: Iterable[int], *, policy: Policy | None = None) -> ReplayReport:
    """Replay the cases with these primary keys (the admin's selection), in the orders' stored order."""
    order_pks = []
    for chunk in chunked(list(case_pks)):
        order_pks += Case.objects.filter(pk__in=chunk).values_list("order_id", flat=True)
    return replay_orders(sorted(order_pks), policy=policy)


def replay_order_ids(order_ids: Sequence[str], *, policy: Policy | None = None) -> ReplayReport:
    """Replay orders named by their order ids; ReplayError names every unknown one."""
    found: dict[str, int] = {}
    for chunk in chunked(list(dict.fromkeys(order_ids))):
        found.update(Order.objects.filter(order_id__in=chunk).values_list("order_id", "pk"))
    missing = [order_id for order_id in dict.fromkeys(order_ids) if order_id not in found]
    if missing:
        raise ReplayError(f"No order with id {', '.join(missing)}.")
    return replay_orders([found[order_id] for order_id in order_ids], policy=policy)


def replay_all(*, policy: Policy | None = None) -> ReplayReport:
    """Every stored order with a past decision."""
    return replay_orders(PastDecision.objects.values_list("order_id", flat=True), policy=policy)


def replay_orders(order_pks: Iterable[int], *, policy: Policy | None = None) -> ReplayReport:
    """Replay these orders' past decisions: each as of its decided_at, with the policy in force then
    (or `policy` for all). Orders without a past decision are listed as not replayed."""
    return replayed_orders(order_pks, policy=policy).report()


def replayed_orders(order_pks: Iterable[int], *, policy: Policy | None = None) -> Run:
    """replay_orders before scoring: the packets, in the order asked for."""
    pks = list(dict.fromkeys(order_pks))
    decisions: list[_Decision] = []
    for chunk in chunked(pks):
        for row in PastDecision.objects.filter(order_id__in=chunk).values_list(
            "order_id",
            "order__order_id",
            "order__ordered_at",
            "decided_at",
            "actual_next_move",
            "actual_risk_level",
            "actual_outcome",
        ):
            order_pk, order_id, ordered_at, decided_at, next_move, risk_level, outcome = row
            actual = None
            if next_move or risk_level or outcome:
                actual = Actual(next_move or None, risk_level or None, outcome)
            decisions.append(_Decision(order_pk, order_id, ordered_at, decided_at, actual))
    have = {decision.order_pk for decision in decisions}
    skipped = []
    without = [pk for pk in pks if pk not in have]
    for chunk in chunked(without):
        skipped += [
            (order_id, "no past decision recorded (decided_at)")
            for order_id in Order.objects.filter(pk__in=chunk).values_list("order_id", flat=True)
        ]
    for decision in decisions:
        if decision.decided_at < decision.ordered_at:
            skipped.append((decision.order_id, "decided before the order was placed"))
    decisions = [d for d in decisions if d.decided_at >= d.ordered_at]

    notes = []
    groups: dict[int, tuple[Policy, list[_Decision]]] = {}
    if policy is not None:
        notes.append(f"Policy {policy.label} (chosen) for every case.")
        groups[policy.pk] = (policy, decisions)
    elif decisions:
        in_force = _InForce()
        oldest = None
        early = []
        for decision in decisions:
            chosen = in_force.at(decision.decided_at)
            if chosen is None:
                oldest = oldest or _oldest_policy()
                chosen = oldest
                early.append(decision.order_id)
            groups.setdefault(chosen.pk, (chosen, []))[1].append(decision)
        notes.append("Policy: the version in force at each decision.")
        if early:
            first = in_force.first_activation
            since = f" (the first was activated {iso_z(first)})" if first else ""
            notes.append(
                f"{len(early)} decided before any policy version was activated{since}: assessed with "
                f"{oldest.label}, the oldest version: {', '.join(early)}."
            )

    replayed: list[tuple[int, Replayed]] = []
    for chosen, group in groups.values():
        book = policy_book(chosen)
        for window in _windows(sorted(group, key=lambda d: (d.decided_at, d.order_pk))):
            replayed += _replay_window(window, book)
    position = {pk: i for i, pk in enumerate(pks)}
    replayed.sort(key=lambda pair: position[pair[0]])
    return Run([item for _, item in replayed], notes, skipped)


def _oldest_policy() -> Policy:
    oldest = Policy.objects.order_by("version").first()
    if oldest is None:
        raise ReplayError("No policy version is stored; run the migrations.")
    return oldest


def _windows(decisions: list[_Decision]) -> Iterable[list[_Decision]]:
    """Consecutive runs (by decided_at) of at most CHUNK decisions spanning at most SPAN."""
    window: list[_Decision] = []
    for decision in decisions:
        if window and (len(window) >= CHUNK or decision.decided_at - window[0].decided_at > SPAN):
            yield window
            window = []
        window.append(decision)
    if window:
        yield window


def _review_days(book: PolicyBook) -> int:
    """The widest review window (rules.md section 6) any layer of the book may use."""
    layers = [book.default.as_dict(), *book.countries.values(), *book.suppliers.values()]
    return max(
        (layer.get(name) or 0) for layer in layers for name in ("product_review_days", "supplier_review_days")
    )


def _replay_window(window: list[_Decision], book: PolicyBook) -> list[tuple[int, Replayed]]:
    """Load the window's orders and their possible peers once; assess each decision instant apart."""
    case_pks = [decision.order_pk for decision in window]
    start, end = window[0].decided_at, window[-1].decided_at
    days = timedelta(days=_review_days(book))
    products, suppliers = set(), set()
    for chunk in chunked(case_pks):
        for product, supplier in Order.objects.filter(pk__in=chunk).values_list(
            "product_id", "product__supplier_id"
        ):
            products.add(product)
            suppliers.add(supplier)
    peer_pks = set(
        Order.objects.filter(ordered_at__gte=start - days, ordered_at__lte=end)
        .filter(Q(product_id__in=sorted(products)) | Q(product__supplier_id__in=sorted(suppliers)))
        .values_list("pk", flat=True)
    ) - set(case_pks)
    # The clock only chooses peers, which with_peers=False does not load: facts do not depend on it.
    loaded = facts_for_orders([*case_pks, *sorted(peer_pks)], end, book, with_peers=False)
    by_pk: dict[int, CaseFacts] = {loaded.order_pks[facts.order.order_id]: facts for facts in loaded.facts}
    result = []
    at_instant: dict[datetime, list[_Decision]] = defaultdict(list)
    for decision in window:
        at_instant[decision.decided_at].append(decision)
    everyone = sorted(by_pk.items(), key=lambda pair: pair[1].order.ordered_at)
    placed = [facts.order.ordered_at for _, facts in everyone]
    for decided_at, decisions in at_instant.items():
        own = {decision.order_pk for decision in decisions}
        # Peers placed inside the widest review window before this decision: never one placed after it.
        low = bisect.bisect_left(placed, decided_at - days)
        high = bisect.bisect_right(placed, decided_at)
        peers = [facts for pk, facts in everyone[low:high] if pk not in own]
        packets = assess_many([by_pk[decision.order_pk] for decision in decisions], decided_at, peers=peers)
        for decision, packet in zip(decisions, packets, strict=True):
            result.append((decision.order_pk, Replayed(packet.to_dict(), decided_at, decision.actual)))
    return result


# Bundle files ---------------------------------------------------------------------------------------


def replay_bundle(bundle: Bundle, *, policy: Policy | None = None) -> ReplayReport:
    """Replay a bundle's cases that carry decided_at, without importing it. Without `policy` nothing is
    read from the database: the defaults with the bundle's policy fields apply (as `packet --bundle`).
    With `policy`, that stored version applies, with its overrides for the orders' countries and for
    the suppliers the database knows by name (and their own processing times)."""
    return replayed_bundle(bundle, policy=policy).report()


def replayed_bundle(bundle: Bundle, *, policy: Policy | None = None) -> Run:
    """replay_bundle before scoring: the packets, in bundle order."""
    facts = bundle_facts(bundle)
    if policy is None:
        fields = ", ".join(sorted(bundle.policy))
        notes = [
            f"Policy: the defaults of rules.md section 2 with the bundle's own fields ({fields})."
            if bundle.policy
            else "Policy: the defaults of rules.md section 2 (the bundle sets no policy fields)."
        ]
    else:
        book = policy_book(policy)
        names = sorted({f.order.supplier for f in facts})
        known = {
            name: (pk, days)
            for name, pk, days in Supplier.objects.filter(name__in=names).values_list(
                "name", "pk", "processing_window_days"
            )
        }
        facts = [
            replace(f, policy=book.for_order(f.order.country, *known.get(f.order.supplier, (None, None))))
            for f in facts
        ]
        notes = [
            f"Policy {policy.label} (chosen) for every case; the bundle's own policy fields are not used."
        ]
    skipped = [
        (case.order.order_id, "no decided_at in the bundle")
        for case in bundle.cases
        if case.decided_at is None
    ]
    at_instant: dict[datetime, list[int]] = defaultdict(list)
    for i, case in enumerate(bundle.cases):
        if case.decided_at is not None:
            at_instant[case.decided_at].append(i)
    replayed: dict[int, Replayed] = {}
    for decided_at, indexes in at_instant.items():
        own = set(indexes)
        peers = [f for i, f in enumerate(facts) if i not in own and f.order.ordered_at <= decided_at]
        packets = assess_many([facts[i] for i in indexes], decided_at, peers=peers)
        for i, packet in zip(indexes, packets, strict=True):
            replayed[i] = Replayed(packet.to_dict(), decided_at, bundle.cases[i].actual)
    return Run([replayed[i] for i in sorted(replayed)], notes, skipped)
