"""The demo's drawing kit: clocks, customers, products, parcels and their records, from one random source.

Scenarios (`cases.demo.scenarios`) draw through a `Builder` only, so the same seed always gives the same
demo: the order of the draws is the demo's shape, and changing it changes every order after it.
"""

from __future__ import annotations

import random
import string
from datetime import datetime, timedelta
from decimal import Decimal

from cases.assessment import vocabulary as v
from cases.assessment.facts import CustomerMessage, SupplierChase, SupplierEvidence, TrackingEvent
from cases.demo import events
from cases.demo.catalogue import (
    CARRIER_TROUBLE_ON_TROUBLED_SKUS,
    SUPPLIER_TROUBLE_ON_TROUBLED_SKUS,
    SUPPLIERS,
    TROUBLED_SKUS,
    TROUBLED_SUPPLIER,
    DemoProduct,
    catalogue,
)
from cases.demo.customers import COUNTRY_WEIGHTS, EMAIL_DOMAINS, FIRST_NAMES, GEO, LAST_NAMES
from cases.demo.events import ACCEPTANCE, CARRIER_FEED, LABEL, Step
from cases.demo.records import DemoOrder, DemoTracking
from cases.demo.stories import MAX_ORDER_AGE, Kind
from cases.demo.texts import (
    CHASE_CHANNELS,
    CHASE_TEXTS,
    CONVERSATIONS,
    EVIDENCE_TEXTS,
    WHERE_NO_TRACKING_TEXTS,
    WHERE_TEXTS,
)
from cases.demo.tracking_numbers import CARRIER_WEIGHTS, MAKERS, s10_number_with_bad_check_digit
from policies.values import PolicyValues


class Builder:
    """Draws every fact of the demo from `rng`, relative to `now`, with `policy`'s windows."""

    def __init__(self, now: datetime, rng: random.Random, policy: PolicyValues):
        self.now = now
        self.base = now.replace(microsecond=0)
        self.rng = rng
        self.policy = policy
        self.products = catalogue()
        self.suppliers = {s.name: s for s in SUPPLIERS}
        self.by_sku = {p.sku: p for p in self.products}
        self.by_supplier: dict[str, list[DemoProduct]] = {}
        for product in self.products:
            self.by_supplier.setdefault(product.supplier, []).append(product)
        self.used_numbers: set[str] = set()
        self.used_emails: set[str] = set()

    # -- clocks ------------------------------------------------------------------------------------

    def at(self, age_days: float) -> datetime:
        """The moment `age_days` before now, in whole seconds from `now`'s whole second: how times sort
        then depends on the ages alone, not on when the demo is generated."""
        return self.base - timedelta(seconds=round(age_days * 86400))

    def u(self, low: float, high: float) -> float:
        return self.rng.uniform(low, high) if high > low else low

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    # -- who and what --------------------------------------------------------------------------------

    def processing_days(self, product: DemoProduct) -> int:
        own = self.suppliers[product.supplier].processing_window_days
        return own if own is not None else self.policy.processing_window_days

    def product(self, kind: Kind) -> DemoProduct:
        """Trouble concentrates: supplier trouble on one supplier (mostly on its troubled SKUs), carrier
        trouble on a few SKUs, so the review flags (rules.md section 6) point somewhere instead of
        everywhere; calm orders go to products by their popularity, as a store's sales do."""
        if kind.blame == "supplier":
            products = self.by_supplier[TROUBLED_SUPPLIER]
            troubled = self.chance(SUPPLIER_TROUBLE_ON_TROUBLED_SKUS)
            return self.popular([p for p in products if (p.sku in TROUBLED_SKUS) == troubled])
        if kind.blame == "carrier" and self.chance(CARRIER_TROUBLE_ON_TROUBLED_SKUS):
            return self.by_sku[self.rng.choice(TROUBLED_SKUS)]
        return self.popular(self.products)

    def popular(self, products: list[DemoProduct]) -> DemoProduct:
        """One of `products`, drawn by popularity."""
        return self.rng.choices(products, weights=[p.popularity for p in products])[0]

    def country(self) -> str:
        return self.rng.choices(list(COUNTRY_WEIGHTS), weights=list(COUNTRY_WEIGHTS.values()))[0]

    def postal_code(self, country: str) -> str:
        return self._pattern(GEO[country].postal)

    def _pattern(self, pattern: str) -> str:
        out = []
        for c in pattern:
            if c == "9":
                out.append(self.rng.choice(string.digits))
            elif c == "A":
                out.append(self.rng.choice(string.ascii_uppercase))
            else:
                out.append(c)
        return "".join(out)

    def email(self) -> str:
        while True:
            first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
            address = f"{first}.{last}{self.rng.randint(1, 999)}@{self.rng.choice(EMAIL_DOMAINS)}"
            if address not in self.used_emails:
                self.used_emails.add(address)
                return address

    def order(
        self, kind: Kind, case_type: str, product: DemoProduct, country=None, email=None, postal=None
    ) -> DemoOrder:
        """A new order; its `ordered_at` is set by the scenario (`set_age`)."""
        country = country or self.country()
        geo = GEO[country]
        local = max(1, round(product.price_usd * geo.rate * self.u(0.95, 1.1))) - Decimal("0.01")
        return DemoOrder(
            kind=kind.name,
            expected_case_type=case_type,
            ordered_at=self.now,
            customer_email=email or self.email(),
            country=country,
            postal_code=postal or self.postal_code(country),
            sku=product.sku,
            value=Decimal(local).quantize(Decimal("0.01")),
            currency=geo.currency,
            promise_text=product.promise_text,
        )

    def order_of(self, kind: Kind, case_type: str) -> tuple[DemoOrder, DemoProduct]:
        """A new order of `kind`, and the product it is for."""
        product = self.product(kind)
        return self.order(kind, case_type, product), product

    def start(self, kind: Kind, case_type: str) -> tuple[DemoOrder, list[Step]]:
        """A new order of `kind` and the road its parcel would take."""
        order, product = self.order_of(kind, case_type)
        return order, self.road(product, order.country, order.postal_code)

    def set_age(self, order: DemoOrder, age: float) -> float:
        """Place `order` `age` days ago (at most `MAX_ORDER_AGE`); returns `age` as given."""
        order.ordered_at = self.at(min(age, MAX_ORDER_AGE))
        return age

    # -- tracking ------------------------------------------------------------------------------------

    def tracking(self, carrier: str | None = None) -> DemoTracking:
        carrier = (
            carrier or self.rng.choices(list(CARRIER_WEIGHTS), weights=list(CARRIER_WEIGHTS.values()))[0]
        )
        while True:
            number = MAKERS[carrier](self.rng)
            if number not in self.used_numbers:
                self.used_numbers.add(number)
                break
        return DemoTracking(number=number, carrier=carrier, tracker=self.rng.choice(events.TRACKERS))

    def bad_checksum_tracking(self) -> DemoTracking:
        while True:
            number = s10_number_with_bad_check_digit(self.rng, self.rng.choice(("RR", "RB", "LZ")))
            if number not in self.used_numbers:
                self.used_numbers.add(number)
                return DemoTracking(number=number, carrier="s10", tracker=events.SEVENTEEN_TRACK)

    def road(self, product: DemoProduct, country: str, postal: str) -> list[Step]:
        """Every step of a parcel from the supplier's town to the customer's door."""
        return events.road(self.rng, self.suppliers[product.supplier], country, postal)

    def event(self, tracking: DemoTracking, step: Step, age: float, raw: str | None = None) -> TrackingEvent:
        """`step` scanned `age` days ago, as `tracking`'s tracker reports it."""
        return events.tracking_event(tracking.tracker, step, self.at(age), raw)

    def place(self, tracking: DemoTracking, steps: list[Step], start_age: float, end_age: float) -> None:
        """Add `steps` to the tracking: the first `start_age` days ago, the last `end_age` days ago, the
        others in order in between."""
        if len(steps) == 1:
            ages = [start_age]
        else:
            middle = sorted((self.u(end_age, start_age) for _ in range(len(steps) - 2)), reverse=True)
            ages = [start_age, *middle, end_age]
        tracking.events.extend(self.event(tracking, step, age) for step, age in zip(steps, ages, strict=True))

    def journey(self, tracking: DemoTracking, steps: list[Step], label_age: float, last_age: float) -> None:
        """The label, then acceptance within a couple of days, then the remaining steps up to `last_age`."""
        self.place(tracking, steps[:1], label_age, label_age)
        if len(steps) == 1:
            return
        accepted_age = label_age - min(self.u(0.3, 1.8), (label_age - last_age) / 3)
        if len(steps) == 2:
            accepted_age = last_age
        self.place(tracking, steps[1:], accepted_age, last_age)

    def transit_prefix(self, road: list[Step], last: int, skip: float = 0.15) -> list[Step]:
        """The road from the label up to step `last`, with some middle scans missed as carriers do."""
        steps = road[: last + 1]
        return [s for i, s in enumerate(steps) if i in (LABEL, ACCEPTANCE, last) or not self.chance(skip)]

    def tracker_silence(self, tracking: DemoTracking, order_age: float, label_age: float) -> None:
        """Sometimes the tracker polled before the carrier knew the number: a `no_information` event,
        which the rules ignore."""
        if tracking.tracker == CARRIER_FEED:
            return  # the carrier's own feed has no tracker in between
        if order_age - label_age > 0.3 and self.chance(0.3):
            age = self.u(label_age + 0.1, order_age - 0.1)
            tracking.events.append(events.no_information_event(tracking.tracker, self.at(age)))
            tracking.events.sort(key=lambda e: e.at)

    def label_age(self, order: DemoOrder) -> float:
        """How many days ago the label of `order`'s parcel was created."""
        label = next(e for e in order.tracking.events if e.status == v.INFO_RECEIVED)
        return (self.now - label.at) / timedelta(days=1)

    # -- supplier and customer records ----------------------------------------------------------------

    def evidence(self, order: DemoOrder, kind: str, age: float) -> None:
        order.evidence.append(SupplierEvidence(self.at(age), kind, self.rng.choice(EVIDENCE_TEXTS[kind])))

    def chase(self, order: DemoOrder, age: float, topic: str) -> None:
        order.chases.append(
            SupplierChase(self.at(age), self.rng.choice(CHASE_CHANNELS), self.rng.choice(CHASE_TEXTS[topic]))
        )

    def say(self, order: DemoOrder, age: float, texts: tuple[str, ...], direction: str = v.INBOUND) -> None:
        if texts is WHERE_TEXTS and (order.tracking is None or not order.tracking.events):
            texts = WHERE_NO_TRACKING_TEXTS
        # An order in two parcels is written about the second, the one the demo leaves stuck.
        title = self.by_sku[order.second_sku or order.sku].title.lower()
        text = self.rng.choice(texts).format(title=title)
        order.messages.append(CustomerMessage(self.at(age), direction, text))

    def conversation(self, order: DemoOrder, pattern: str, first_age: float, last_age: float = 0.02) -> None:
        """Customer messages between `first_age` and `last_age` days ago, in order."""
        if first_age <= last_age:
            return
        script = CONVERSATIONS[pattern]
        ages = sorted((self.u(last_age, first_age) for _ in script), reverse=True)
        for (direction, texts), age in zip(script, ages, strict=True):
            self.say(order, age, texts, direction)
        if pattern == "dispute" and self.chance(0.4):
            order.payment_state = v.DISPUTED

    def maybe_talk(self, order: DemoOrder, kind: Kind, first_age: float, last_age: float = 0.02) -> None:
        """Customer contact, more likely (and angrier) on problem cases."""
        if not kind.problem:
            if self.chance(0.07):
                pattern = self.rng.choices(("where_answered", "where_waiting"), weights=(8, 2))[0]
                self.conversation(order, pattern, first_age, last_age)
            return
        if self.chance(0.7 if kind.angry else 0.45):
            patterns = ("where_answered", "where_waiting", "where_twice", "refund", "dispute", "not_received")
            weights = (10, 20, 15, 30, 20, 5) if kind.angry else (25, 25, 15, 20, 10, 5)
            self.conversation(order, self.rng.choices(patterns, weights=weights)[0], first_age, last_age)
