"""The replay engine: past cases assessed as of their decisions, streamed to the scorer, over processes.

Each case is assessed as of the moment a person decided, then scored against what the store really did
(`cases.replay.scoring`). Reads only: nothing here writes.

Two sources:
- `replay_bundle(bundle)`: a bundle file's cases with `decided_at`, without a database (like
  `packet --bundle`): the rules.md section 2 defaults with the bundle's own policy fields. With a chosen
  stored policy version the database is read for that version and the suppliers' records.
- `replay_orders(order_pks)` / `replay_cases(case_pks)` / `replay_all()`: stored orders with a
  `PastDecision`, each assessed with the policy version in force at its `decided_at`
  (`policy_in_force_at`), or with one chosen version for all. A decision made before any version was
  activated uses the oldest version, and the report says so.

Honesty: facts dated after `decided_at` are ignored by the rules (rules.md section 1), an order's
cancellation and fulfilment included: an order cancelled after the decision replays as it stood then.
Facts without a date cannot be dated back: an order's payment state (a refund too) and other fields, and
a supplier's processing time, are read as they stand now.

Stored cases stream: the orders are taken in batches of BATCH keys (by key, for the database's sake; each
keeps its orders' input positions); each batch reads its past decisions in one query and its facts in one
`facts_for_orders` per policy version met (set-based, without peers), assesses each case on its own at
its own decided_at (`cases.assessment.standing`: sections 3 to 6, overlays 1 to 4 and the single-case
flags) and feeds a `Scorer`, which keeps counts and the first KEEP disagreements by input position. The
batches split over forked processes on PostgreSQL (`processes=`), whose scorers merge. Nothing holds
every packet: a million past decisions replay in under a minute on two cores (benchmarks/bench_replay).

Review flags (rules.md section 6, overlays 5 and 6: the product and supplier review counts) are therefore
not replayed for stored cases, and the report says so (REVIEW_NOTE). Counting them as of each past moment
means re-assessing, at that moment, every other order of the SKU and the supplier placed in the review
window: per decision, not per batch, so a million decisions would assess billions of peer timelines.
They only add flags, `also` moves and reasons; they never change the case type, risk level or next move
(rules.md section 6; cases.assessment.rules._packet), so every count of the report is exact without
them. Only a disagreement's listed `also` and reasons lack the review sentences.

A bundle file is small (a person wrote or exported it), so its replay keeps them exactly: each decision
instant is assessed with the bundle's other orders of the same SKUs or suppliers placed inside the review
window by then (an order placed after the decision never counts).
"""

from __future__ import annotations

import bisect
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.db import connection, connections

from cases.assessment import assess_many
from cases.assessment.clock import DAY, iso_z
from cases.assessment.facts import CaseFacts
from cases.assessment.review import group_name
from cases.assessment.standing import assess_standing
from cases.intake.bundles.facts import bundle_facts
from cases.intake.bundles.reader import Bundle
from cases.models import Case, Order
from cases.replay.scoring import KEEP, Actual, First, Replayed, ReplayReport, Scorer
from cases.selectors.facts import facts_for_orders
from cases.selectors.rows import fetch_by_ids
from policies.models import Policy
from policies.selectors import PolicyBook, policy_book
from staletrack.batches import chunked, without_gc_pauses
from staletrack.processes import can_fork, forget_inherited_connections, fork_context
from suppliers.models import Supplier

logger = logging.getLogger(__name__)

REPLAY_PERMISSION = "cases.view_case"  # a replay writes nothing: seeing cases is enough
BATCH = 5000  # order keys per batch: one query for the decisions, one facts load per policy version

NO_DECISION = "no past decision recorded (decided_at)"
BEFORE_ORDER = "decided before the order was placed"
REVIEW_NOTE = (
    "Review flags (rules.md section 6: the product and supplier review counts) are not replayed: counting "
    "them as of each past moment means re-assessing every other order of the SKU and supplier at that "
    "moment. They only add flags, moves under 'also' and reasons, and never change the case type, risk "
    "level or next move, so the agreement and the tables are exact; the reasons listed lack their "
    "sentences."
)


class ReplayError(ValueError):
    """Input a replay cannot use: an unknown policy version or order id."""


@dataclass
class Run:
    """Replayed packets before scoring, with what the report says about how they were made (bundles, and
    small stored selections in tests: a large replay streams into a Scorer instead)."""

    replayed: list[Replayed] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def report(self, keep: int = KEEP) -> ReplayReport:
        scorer = Scorer(keep)
        for item in self.replayed:
            scorer.add(item)
        return scorer.report(notes=self.notes, skipped=self.skipped[:keep], skipped_total=len(self.skipped))


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


class _Policies:
    """Which version assesses a decision, and its book (loaded once per process per version)."""

    def __init__(self, chosen: Policy | None) -> None:
        self.chosen = chosen
        self.in_force = None if chosen else _InForce()
        self.oldest = None if chosen else Policy.objects.order_by("version").first()
        self._books: dict[int, PolicyBook] = {}
        if chosen is not None:
            self._books[chosen.pk] = policy_book(chosen)

    def at(self, moment: datetime) -> tuple[Policy, bool]:
        """(the version for a decision at `moment`, whether it came before any activation)."""
        if self.chosen is not None:
            return self.chosen, False
        policy = self.in_force.at(moment)
        if policy is not None:
            return policy, False
        if self.oldest is None:
            raise ReplayError("No policy version is stored; run the migrations.")
        return self.oldest, True

    def book(self, policy: Policy) -> PolicyBook:
        book = self._books.get(policy.pk)
        if book is None:
            book = self._books[policy.pk] = policy_book(policy)
        return book


# Stored cases ---------------------------------------------------------------------------------------


def replay_cases(
    case_pks: Iterable[int], *, policy: Policy | None = None, processes: int = 1, keep: int = KEEP
) -> ReplayReport:
    """Replay the cases with these primary keys (the admin's selection), in the orders' stored order."""
    order_pks = []
    for chunk in chunked(list(case_pks)):
        order_pks += Case.objects.filter(pk__in=chunk).values_list("order_id", flat=True)
    return replay_orders(sorted(order_pks), policy=policy, processes=processes, keep=keep)


def replay_order_ids(
    order_ids: Sequence[str], *, policy: Policy | None = None, processes: int = 1, keep: int = KEEP
) -> ReplayReport:
    """Replay orders named by their order ids; ReplayError names every unknown one."""
    found: dict[str, int] = {}
    for chunk in chunked(list(dict.fromkeys(order_ids))):
        found.update(Order.objects.filter(order_id__in=chunk).values_list("order_id", "pk"))
    missing = [order_id for order_id in dict.fromkeys(order_ids) if order_id not in found]
    if missing:
        raise ReplayError(f"No order with id {', '.join(missing)}.")
    pks = [found[order_id] for order_id in order_ids]
    return replay_orders(pks, policy=policy, processes=processes, keep=keep)


def replay_all(*, policy: Policy | None = None, processes: int = 1, keep: int = KEEP) -> ReplayReport:
    """Every stored order with a past decision, in decision order."""
    return replay_orders(past_decision_order_pks(), policy=policy, processes=processes, keep=keep)


def past_decision_order_pks() -> list[int]:
    """The order keys of every past decision, by decided_at (then by when it was recorded)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT order_id FROM cases_pastdecision ORDER BY decided_at, id")
        return [row[0] for row in cursor.fetchall()]


def replay_orders(
    order_pks: Iterable[int],
    *,
    policy: Policy | None = None,
    processes: int = 1,
    batch_size: int = BATCH,
    keep: int = KEEP,
) -> ReplayReport:
    """Replay these orders' past decisions: each as of its decided_at, with the policy in force then
    (or `policy` for all). Orders without a past decision are listed as not replayed. The report lists
    the first `keep` disagreements (and not-comparable and skipped cases) in the order asked for, and
    counts them all. `processes` > 1 splits the batches over forked processes on PostgreSQL outside a
    transaction; elsewhere the replay runs in this process."""
    pks = list(dict.fromkeys(order_pks))
    policies = _Policies(policy)
    total = _Part(Scorer(keep), First(keep), First(keep))
    for part in _parts(_batches(pks, batch_size), processes, policies, keep):
        total.merge(part)
    notes = _notes(policies, total.scorer.cases, total.early)
    return total.scorer.report(notes=notes, skipped=total.skipped.items(), skipped_total=total.skipped.total)


def replayed_orders(
    order_pks: Iterable[int], *, policy: Policy | None = None, batch_size: int = BATCH
) -> Run:
    """replay_orders before scoring, in this process: every replayed packet (the part of it the report
    reads), in the order asked for. For small selections: it holds them all."""
    pks = list(dict.fromkeys(order_pks))
    policies = _Policies(policy)
    everything = len(pks)
    part = _Part(Scorer(everything), First(everything), First(everything))
    replayed = []
    for batch in _batches(pks, batch_size):
        replayed += _replayed_batch(*batch, policies, part)
    replayed.sort(key=lambda pair: pair[0])
    notes = _notes(policies, len(replayed), part.early)
    return Run([item for _, item in replayed], notes, part.skipped.items())


@dataclass
class _Part:
    """What one batch (or one process, or the whole replay once merged) found."""

    scorer: Scorer
    skipped: First  # (order id, why it could not be replayed), by input position
    early: First  # order ids decided before any policy version was activated, by input position

    def merge(self, other: _Part) -> None:
        self.scorer.merge(other.scorer)
        self.skipped.merge(other.skipped)
        self.early.merge(other.early)


def _notes(policies: _Policies, cases: int, early: First) -> list[str]:
    notes = []
    if policies.chosen is not None:
        notes.append(f"Policy {policies.chosen.label} (chosen) for every case.")
    elif cases:
        notes.append("Policy: the version in force at each decision.")
    if early.total:
        first = policies.in_force.first_activation
        since = f" (the first was activated {iso_z(first)})" if first else ""
        listed = ", ".join(early.items())
        more = early.total - len(early.items())
        notes.append(
            f"{early.total} decided before any policy version was activated{since}: assessed with "
            f"{policies.oldest.label}, the oldest version: {listed}{f', and {more} more' if more else ''}."
        )
    notes.append(REVIEW_NOTE)
    return notes


def _batches(pks: list[int], size: int) -> list[tuple[list[int], list[int]]]:
    """(order keys, their input positions) in batches of `size`, by key: neighbouring keys share the
    database's pages (a million decisions taken by decided_at would read them at random, about 15%
    slower). The positions keep the input order for the report."""
    order = sorted(range(len(pks)), key=pks.__getitem__)
    batches = []
    for start in range(0, len(order), size):
        positions = order[start : start + size]
        batches.append(([pks[i] for i in positions], positions))
    return batches


def _replay_batches(batches: list[tuple[list[int], list[int]]], policies: _Policies, keep: int) -> _Part:
    """Batches scored into one partial result. One scorer for all of them: once it holds `keep`
    disagreements, a later one is built only if it comes earlier in the input, so a million cases build
    a few thousand, not `keep` per batch."""
    part = _Part(Scorer(keep), First(keep), First(keep))
    add = part.scorer.add
    for order_pks, positions in batches:
        with without_gc_pauses():
            for position, item in _replayed_batch(order_pks, positions, policies, part):
                add(item, position)
    return part


# 0 order key, 1 order id, 2 ordered_at, 3 decided_at (None: no past decision), 4-6 the actual, 7 how the
# order's latest closed dispute ended (None: none closed).
_DECISIONS = (
    "SELECT o.id, o.order_id, o.ordered_at, d.decided_at, d.actual_next_move, d.actual_risk_level, "
    "d.actual_outcome, (SELECT ds.status FROM cases_dispute ds WHERE ds.order_id = o.id "
    "AND ds.status IN ('won', 'lost', 'accepted') ORDER BY ds.id DESC LIMIT 1) "
    "FROM cases_order o LEFT JOIN cases_pastdecision d ON d.order_id = o.id WHERE o.id IN ({ids})"
)


def _replayed_batch(
    order_pks: list[int], positions: list[int], policies: _Policies, part: _Part
) -> Iterator[tuple[int, Replayed]]:
    """(input position, replayed case) for the batch's orders with a usable past decision, in no
    particular order; the others go to part.skipped, and decisions before any activation to part.early."""
    position = dict(zip(order_pks, positions, strict=True))
    decisions: dict[int, tuple[datetime, Actual | None]] = {}
    groups: dict[int, tuple[Policy, list[int]]] = {}
    for pk, order_id, ordered_at, decided_at, next_move, risk_level, outcome, dispute in fetch_by_ids(
        _DECISIONS, order_pks, times=(2, 3)
    ):
        at = position[pk]
        if decided_at is None or decided_at < ordered_at:
            _offer(part.skipped, at, (order_id, NO_DECISION if decided_at is None else BEFORE_ORDER))
            continue
        chosen, early = policies.at(decided_at)
        if early:
            _offer(part.early, at, order_id)
        actual = None
        if next_move or risk_level or outcome or dispute:
            actual = Actual(next_move or None, risk_level or None, outcome or "", dispute or "")
        decisions[pk] = (decided_at, actual)
        groups.setdefault(chosen.pk, (chosen, []))[1].append(pk)
    for chosen, pks in groups.values():
        # The clock only chooses peers, which with_peers=False does not load: the facts do not depend on it.
        loaded = facts_for_orders(pks, decisions[pks[0]][0], policies.book(chosen), with_peers=False)
        by_id = loaded.order_pks
        for facts in loaded.facts:
            pk = by_id[facts.order.order_id]
            decided_at, actual = decisions[pk]
            s = assess_standing(facts, decided_at)
            packet = {
                "order_id": facts.order.order_id,
                "case_type": s.case_type,
                "risk_level": s.risk,
                "next_move": s.next_move,
                "also": list(s.also),
                "reasons": list(s.reasons),
                "policy_version": facts.policy.version,
            }
            yield position[pk], Replayed(packet, decided_at, actual)


def _offer(first: First, position: int, item) -> None:
    if first.wants(position):
        first.add(position, item)
    else:
        first.count()


# Processes -------------------------------------------------------------------------------------------


def _parts(batches: list[tuple[list[int], list[int]]], processes: int, policies: _Policies, keep: int):
    """Partial results: one for all batches in this process, or one per forked process, each taking every
    `processes`-th batch (batches are alike, so the shares are too)."""
    processes = min(processes, len(batches))
    if processes > 1 and not can_fork():
        logger.info("replay in one process: forked children need PostgreSQL and committed data")
        processes = 1
    if processes <= 1:
        yield _replay_batches(batches, policies, keep)
        return
    # The children must not share this process's connections (staletrack.processes): close them; this
    # process reopens on its next query. The children inherit the batches: only a share's index is sent.
    connections.close_all()
    shares = [batches[i::processes] for i in range(processes)]
    with fork_context().Pool(processes, initializer=_child_start, initargs=(shares, policies, keep)) as pool:
        yield from pool.imap_unordered(_child_share, range(processes))


_child: dict = {}


def _child_start(shares: list, policies: _Policies, keep: int) -> None:
    forget_inherited_connections()
    _child.update(shares=shares, policies=policies, keep=keep)


def _child_share(index: int) -> _Part:
    return _replay_batches(_child["shares"][index], _child["policies"], _child["keep"])


# Bundle files ---------------------------------------------------------------------------------------


def replay_bundle(bundle: Bundle, *, policy: Policy | None = None, keep: int = KEEP) -> ReplayReport:
    """Replay a bundle's cases that carry decided_at, without importing it. Without `policy` nothing is
    read from the database: the defaults with the bundle's policy fields apply (as `packet --bundle`).
    With `policy`, that stored version applies, with its overrides for the orders' countries and for
    the suppliers the database knows by name (and their own processing times)."""
    return replayed_bundle(bundle, policy=policy).report(keep)


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
    peers = _BundlePeers(facts)
    replayed: dict[int, Replayed] = {}
    for decided_at, indexes in at_instant.items():
        packets = assess_many([facts[i] for i in indexes], decided_at, peers=peers.at(indexes, decided_at))
        for i, packet in zip(indexes, packets, strict=True):
            replayed[i] = Replayed(packet.to_dict(), decided_at, bundle.cases[i].actual)
    return Run([replayed[i] for i in sorted(replayed)], notes, skipped)


class _BundlePeers:
    """The bundle's orders that overlays 5 and 6 could count for some cases at one instant: those of the
    same SKU or supplier (as review.py compares names), placed inside the widest review window up to the
    instant. Any other order would be grouped apart or aged out, so leaving it out changes no count; each
    instant then assesses its neighbours, not the whole bundle."""

    def __init__(self, facts: Sequence[CaseFacts]) -> None:
        self._facts = facts
        self._days = DAY * max(
            (max(f.policy.product_review_days, f.policy.supplier_review_days) for f in facts), default=0
        )
        self._groups: dict[tuple[str, str], list[tuple[datetime, int]]] = defaultdict(list)
        for i, f in enumerate(facts):
            # Every item's SKU and supplier: an order counts for its headline parcel's (rules.md section
            # 3a), which may be any of its items; a peer more is one the counts group apart.
            names = {("sku", item.key) for item in f.items()} | {
                ("supplier", item.supplier) for item in f.items()
            }
            for kind, name in names:
                if group_name(name):  # a blank name is a group of its own: never anyone's peer
                    self._groups[(kind, group_name(name))].append((f.order.ordered_at, i))
        for members in self._groups.values():
            members.sort()

    def at(self, indexes: Sequence[int], moment: datetime) -> list[CaseFacts]:
        own = set(indexes)
        found: set[int] = set()
        low, high = (moment - self._days, -1), (moment, len(self._facts))
        for i in indexes:
            order = self._facts[i].order
            for kind, name in (("sku", order.sku), ("supplier", order.supplier)):
                members = self._groups.get((kind, group_name(name)), ())
                start, end = bisect.bisect_left(members, low), bisect.bisect_right(members, high)
                found.update(index for _, index in members[start:end])
        return [self._facts[i] for i in sorted(found - own)]
