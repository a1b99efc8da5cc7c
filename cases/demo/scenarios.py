"""How each story of the demo is drawn: one function per scenario kind of `cases.demo.stories`.

Each function draws its orders through the `Builder` and places every fact so that the case type the
kind names is what the rules reach at `now` (see `cases.demo.stories` for the margins kept).
What real stores' data brings is here too (bundle.md, version 2): cancelled and refunded orders, orders
the store marked fulfilled without a tracking number here, cash on delivery, and a carrier feed whose
events have only a description and a local time (rules.md sections 1 and 3b).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from cases.assessment import vocabulary as v
from cases.demo import events
from cases.demo.builder import Builder
from cases.demo.customers import NEIGHBOURS
from cases.demo.events import (
    ATTEMPT_RAW,
    CARRIER_FEED,
    DELIVERY,
    FIRST_TRANSIT,
    LAST_TRANSIT,
    OFD,
    UNKNOWN_RAW,
    Step,
)
from cases.demo.records import DemoOrder
from cases.demo.stories import MARGIN, MAX_ORDER_AGE, Kind
from cases.demo.texts import CANCEL_TEXTS, CANCELLED_TEXTS


def _in_transit(b: Builder, kind: Kind) -> list[DemoOrder]:
    """A parcel on its way, last scanned inside the in-transit window (a few out for delivery or at a
    pickup point)."""
    p = b.policy
    order, road = b.start(kind, v.IN_TRANSIT_CASE)
    last_age = b.u(0.05, p.stale_in_transit_days - MARGIN)
    ending = b.rng.choices(("transit", "ofd", "pickup"), weights=(90, 7, 3))[0]
    if ending == "transit":
        steps = b.transit_prefix(road, b.rng.randint(FIRST_TRANSIT, LAST_TRANSIT))
    else:
        steps = [*b.transit_prefix(road, LAST_TRANSIT), road[OFD]]
        if ending == "pickup":
            city, country, postal = road[OFD].location, order.country, order.postal_code
            steps[-1] = Step(
                v.AVAILABLE_FOR_PICKUP, f"Available for pickup at {city} post office", city, country, postal
            )
    span = b.u(1.0, 2.5) + len(steps) * b.u(0.5, 1.2)
    label_age = last_age + span
    order_age = b.set_age(order, label_age + b.u(0.3, 2.5))
    order.tracking = b.tracking()
    b.journey(order.tracking, steps, label_age, last_age)
    b.tracker_silence(order.tracking, order_age, label_age)
    b.maybe_talk(order, kind, order_age - 1, 0.02)
    return [order]


def _delivered(b: Builder, kind: Kind) -> list[DemoOrder]:
    """A parcel delivered, at any time in the last weeks."""
    order, road = b.start(kind, v.DELIVERED_CASE)
    span = b.u(7, 16)
    slack = b.u(0.3, 2.5)
    delivered_age = b.u(0.05, MAX_ORDER_AGE - span - slack)
    label_age = delivered_age + span
    order_age = b.set_age(order, label_age + slack)
    order.tracking = b.tracking()
    steps = b.transit_prefix(road, LAST_TRANSIT, skip=0.2)
    if b.chance(0.85):
        steps.append(road[OFD])
    steps.append(road[DELIVERY])
    b.journey(order.tracking, steps, label_age, delivered_age)
    b.maybe_talk(order, kind, order_age - 1, delivered_age + 0.5)
    return [order]


def _combined_shipment(b: Builder, kind: Kind) -> list[DemoOrder]:
    """One customer, two orders from one supplier, shipped together under one number."""
    first = b.product(kind)
    second = b.rng.choice([p for p in b.by_supplier[first.supplier] if p.sku != first.sku])
    delivered = b.chance(0.5)
    case_type = v.DELIVERED_CASE if delivered else v.IN_TRANSIT_CASE
    earlier = b.order(kind, case_type, first)
    later = b.order(
        kind,
        case_type,
        second,
        country=earlier.country,
        email=earlier.customer_email,
        postal=earlier.postal_code,
    )
    road = b.road(first, earlier.country, earlier.postal_code)
    if delivered:
        last_age = b.u(0.5, 15)
        steps = [*b.transit_prefix(road, LAST_TRANSIT), road[OFD], road[DELIVERY]]
    else:
        last_age = b.u(0.05, b.policy.stale_in_transit_days - MARGIN)
        steps = b.transit_prefix(road, b.rng.randint(FIRST_TRANSIT, LAST_TRANSIT))
    label_age = last_age + b.u(1.0, 2.0) + len(steps) * b.u(0.5, 1.0)
    later_order_age = label_age + b.u(0.3, 2.0)
    b.set_age(later, later_order_age)
    b.set_age(earlier, later_order_age + b.u(0.02, 0.9))
    shared = b.tracking()
    b.journey(shared, steps, label_age, last_age)
    earlier.tracking = later.tracking = shared
    return [earlier, later]


def _stale_in_transit(b: Builder, kind: Kind) -> list[DemoOrder]:
    """A parcel whose scans stopped past the in-transit window, but not yet for long enough to be lost."""
    p = b.policy
    order, road = b.start(kind, v.STALE_IN_TRANSIT)
    last_age = b.u(p.stale_in_transit_days + MARGIN, p.lost_package_days - MARGIN)
    steps = b.transit_prefix(road, b.rng.randint(FIRST_TRANSIT, LAST_TRANSIT - 1))
    label_age = last_age + b.u(1.0, 2.0) + len(steps) * b.u(0.3, 0.7)
    b.set_age(order, label_age + b.u(0.3, 2.0))
    order.tracking = b.tracking()
    b.journey(order.tracking, steps, label_age, last_age)
    _supplier_asked(b, order, last_age)
    b.maybe_talk(order, kind, last_age - 1, 0.02)
    return [order]


def _two_parcels(b: Builder, kind: Kind) -> list[DemoOrder]:
    """Two items from two suppliers in two parcels: the first delivered, the second stuck past the
    in-transit window. The order reads stale in transit, not delivered (rules.md section 3a), and counts
    for the stuck item's SKU and supplier, so the trouble is drawn for that one."""
    p = b.policy
    stuck = b.product(kind)
    other = b.popular([x for x in b.products if x.supplier != stuck.supplier])
    order = b.order(kind, v.STALE_IN_TRANSIT, other)
    order.second_sku = stuck.sku
    road = b.road(stuck, order.country, order.postal_code)
    last_age = b.u(p.stale_in_transit_days + MARGIN, p.lost_package_days - MARGIN)
    steps = b.transit_prefix(road, b.rng.randint(FIRST_TRANSIT, LAST_TRANSIT - 1))
    label_age = last_age + b.u(1.0, 2.0) + len(steps) * b.u(0.3, 0.7)
    order_age = b.set_age(order, label_age + b.u(0.3, 2.0))
    order.second_tracking = b.tracking()
    b.journey(order.second_tracking, steps, label_age, last_age)
    delivered_age = b.u(0.5, last_age - MARGIN)
    other_road = b.road(other, order.country, order.postal_code)
    delivered = [*b.transit_prefix(other_road, LAST_TRANSIT), other_road[OFD], other_road[DELIVERY]]
    order.tracking = b.tracking()
    b.journey(order.tracking, delivered, b.u(label_age, order_age - 0.2), delivered_age)
    b.maybe_talk(order, kind, last_age - 1, 0.02)
    return [order]


def _lost_in_transit(b: Builder, kind: Kind) -> list[DemoOrder]:
    """A parcel whose scans stopped early on its road, past the lost-package window."""
    p = b.policy
    order, road = b.start(kind, v.STALE_IN_TRANSIT)
    last_age = b.u(p.lost_package_days + MARGIN, p.lost_package_days + 9)
    steps = b.transit_prefix(road, b.rng.randint(FIRST_TRANSIT, FIRST_TRANSIT + 5))
    label_age = last_age + b.u(1.0, 2.0) + len(steps) * b.u(0.2, 0.5)
    b.set_age(order, label_age + b.u(0.3, 1.5))
    order.tracking = b.tracking()
    b.journey(order.tracking, steps, label_age, last_age)
    _supplier_asked(b, order, last_age)
    if b.chance(0.3):
        b.evidence(order, v.REPLACEMENT_SOURCE, b.u(0.1, 3))
    b.maybe_talk(order, kind, last_age - 2, 0.02)
    return [order]


def _supplier_asked(b: Builder, order: DemoOrder, since_age: float) -> None:
    """A stuck parcel: sometimes the store asked the supplier, who sometimes answered."""
    if b.chance(0.4):
        chased = b.u(0.1, since_age - 0.5)
        b.chase(order, chased, "stuck")
        if b.chance(0.6):
            b.evidence(order, v.DISPATCH_CLAIM, b.u(0.02, chased - 0.01))


def _accepted(b: Builder, kind: Kind, last_age: float) -> list[DemoOrder]:
    """A parcel the carrier accepted `last_age` days ago and has not scanned since."""
    order, road = b.start(kind, v.ACCEPTED_NO_MOVEMENT)
    label_age = last_age + b.u(0.2, 2.0)
    order_age = b.set_age(order, label_age + b.u(0.3, 2.0))
    order.tracking = b.tracking()
    b.journey(order.tracking, road[:2], label_age, last_age)
    b.tracker_silence(order.tracking, order_age, label_age)
    b.maybe_talk(order, kind, order_age - 1, 0.02)
    return [order]


def _accepted_waiting(b: Builder, kind: Kind) -> list[DemoOrder]:
    """Accepted, and still inside the accepted-no-movement window."""
    return _accepted(b, kind, b.u(0.05, b.policy.accepted_no_movement_days - MARGIN))


def _accepted_stuck(b: Builder, kind: Kind) -> list[DemoOrder]:
    """Accepted, and past the accepted-no-movement window."""
    days = b.policy.accepted_no_movement_days
    return _accepted(b, kind, b.u(days + MARGIN, days + 12))


def _label_only(b: Builder, kind: Kind, label_age: float) -> tuple[DemoOrder, float]:
    """An order whose parcel has a label `label_age` days old and no carrier scan; and its age."""
    order, road = b.start(kind, v.LABEL_CREATED_ONLY)
    order_age = b.set_age(order, label_age + b.u(0.2, 2.0))
    order.tracking = b.tracking()
    b.place(order.tracking, road[:1], label_age, label_age)
    b.tracker_silence(order.tracking, order_age, label_age)
    return order, order_age


def _label_waiting(b: Builder, kind: Kind) -> list[DemoOrder]:
    """A label inside the label-created window."""
    order, order_age = _label_only(b, kind, b.u(0.05, b.policy.label_created_max_days - MARGIN))
    if b.chance(0.3):
        b.evidence(order, v.PROCESSING_NOTE, b.u(0.02, order_age - 0.1))
    b.maybe_talk(order, kind, order_age - 1, 0.02)
    return [order]


def _number_without_events(b: Builder, kind: Kind) -> list[DemoOrder]:
    """The supplier sent a number the carrier does not know yet (window runs from the order)."""
    order, _ = b.order_of(kind, v.LABEL_CREATED_ONLY)
    b.set_age(order, b.u(0.1, b.policy.label_created_max_days - MARGIN))
    order.tracking = b.tracking()
    return [order]


def _label_stuck(b: Builder, kind: Kind) -> tuple[DemoOrder, float]:
    """A label past the label-created window; and the order's age."""
    days = b.policy.label_created_max_days
    label_age = b.u(days + MARGIN, days + 12)
    return _label_only(b, kind, label_age)


def _label_stuck_pickup_proof(b: Builder, kind: Kind) -> list[DemoOrder]:
    """A label past its window, but the supplier sent pickup proof."""
    order, _ = _label_stuck(b, kind)
    label_age = b.label_age(order)
    if b.chance(0.5):
        chased = b.u(1.0, label_age - 0.5)
        b.chase(order, chased, "no_scan")
        b.evidence(order, v.PICKUP_PROOF, b.u(0.02, chased - 0.02))
    else:
        b.evidence(order, v.PICKUP_PROOF, b.u(0.02, label_age - 0.1))
    b.maybe_talk(order, kind, label_age - 1, 0.02)
    return [order]


def _label_stuck_no_proof(b: Builder, kind: Kind) -> list[DemoOrder]:
    """A label past its window, and at most a dispatch claim or a chase from the supplier's side."""
    order, _ = _label_stuck(b, kind)
    label_age = b.label_age(order)
    variant = b.rng.choice(("nothing", "claim", "chase_pending", "chase_answered"))
    if variant == "claim":
        b.evidence(order, v.DISPATCH_CLAIM, b.u(0.02, label_age - 0.1))
    elif variant == "chase_pending":
        b.chase(order, b.u(0.02, b.policy.supplier_response_days - MARGIN), "no_scan")
    elif variant == "chase_answered":
        chased = b.u(1.0, label_age - 0.5)
        b.chase(order, chased, "no_scan")
        b.evidence(order, v.DISPATCH_CLAIM, b.u(0.02, chased - 0.02))
    b.maybe_talk(order, kind, label_age - 1, 0.02)
    return [order]


def _awaiting_tracking(b: Builder, kind: Kind) -> list[DemoOrder]:
    """No number yet, still inside the supplier's processing window."""
    order, product = b.order_of(kind, v.AWAITING_TRACKING)
    order_age = b.set_age(order, b.u(0.02, b.processing_days(product) - MARGIN))
    if order_age > 0.5 and b.chance(0.4):
        b.evidence(order, v.PROCESSING_NOTE, b.u(0.02, order_age - 0.1))
    return [order]


def _silent_no_number(b: Builder, kind: Kind) -> list[DemoOrder]:
    """No number past the processing window: not chased, chased, chased twice, or only a claim."""
    order, product = b.order_of(kind, v.SUPPLIER_SILENCE)
    window = b.processing_days(product)
    order_age = b.set_age(order, b.u(window + MARGIN, window + 14))
    variant = b.rng.choice(("nothing", "chased", "chased_twice", "claim_without_number", "pending"))
    response = b.policy.supplier_response_days
    if variant == "chased":
        b.chase(order, b.u(0.05, order_age - window), "no_number")
    elif variant == "chased_twice" and order_age - window > response + 1:
        first = b.u(response + 1, order_age - window)
        b.chase(order, first, "no_number")
        b.chase(order, b.u(0.05, first - 0.5), "no_number")
    elif variant == "claim_without_number":
        b.evidence(order, v.DISPATCH_CLAIM, b.u(0.05, order_age - 0.2))
    elif variant == "pending":
        b.chase(order, b.u(0.02, response - MARGIN), "no_number")
    b.maybe_talk(order, kind, order_age - 1, 0.02)
    return [order]


def _silent_chase_unanswered(b: Builder, kind: Kind) -> list[DemoOrder]:
    """A number but no carrier scan, and the supplier has not answered the store's chase."""
    response = b.policy.supplier_response_days
    if b.chance(0.75):
        order, order_age = _label_only(b, kind, b.u(response + 1.5, 16))
        latest_chase_bound = b.label_age(order) - 0.1
    else:
        order, _ = b.order_of(kind, v.SUPPLIER_SILENCE)
        order_age = b.set_age(order, b.u(response + 2, 16))
        order.tracking = b.tracking()
        latest_chase_bound = order_age - 0.5
    order.expected_case_type = v.SUPPLIER_SILENCE
    chased = b.u(response + MARGIN, latest_chase_bound)
    if b.chance(0.4):
        b.evidence(order, v.DISPATCH_CLAIM, b.u(chased + 0.01, order_age - 0.05))
    if b.chance(0.3):
        earlier = b.u(chased + 0.05, order_age - 0.02)
        b.chase(order, earlier, "no_scan")
    b.chase(order, chased, "no_scan")
    order.chases.sort(key=lambda c: c.at)
    b.maybe_talk(order, kind, order_age - 1, 0.02)
    return [order]


def _supplier_blocked(b: Builder, kind: Kind) -> list[DemoOrder]:
    """The supplier says it is out of stock (with or without a label already printed)."""
    if b.chance(0.6):
        order, _ = b.order_of(kind, v.SUPPLIER_BLOCKED)
        order_age = b.set_age(order, b.u(1.0, 18))
    else:
        order, order_age = _label_only(b, kind, b.u(0.5, 12))
    order.expected_case_type = v.SUPPLIER_BLOCKED
    restock = b.u(0.02, order_age - 0.5)
    if b.chance(0.4):
        chased = b.u(restock + 0.01, order_age - 0.2)
        b.chase(order, chased, "no_number")
        if b.chance(0.3):
            b.evidence(order, v.PROCESSING_NOTE, b.u(restock + 0.01, order_age - 0.1))
    b.evidence(order, v.RESTOCK_NOTE, restock)
    order.evidence.sort(key=lambda e: e.at)
    b.maybe_talk(order, kind, order_age - 1, 0.02)
    return [order]


def _exception(b: Builder, kind: Kind, exception_age: float, returned: bool) -> list[DemoOrder]:
    """A carrier exception `exception_age` days ago at origin, in customs or at the door (and, when
    `returned`, sent back after it)."""
    order, road = b.start(kind, v.CARRIER_EXCEPTION)
    rng = b.rng
    where = rng.choice(("origin", "customs", "door"))
    if where == "origin":
        steps = b.transit_prefix(road, rng.randint(FIRST_TRANSIT, FIRST_TRANSIT + 3))
        problem = Step(
            v.EXCEPTION, "Parcel held at export: battery / restricted item check", road[2].location, "CN"
        )
    elif where == "customs":
        steps = b.transit_prefix(road, FIRST_TRANSIT + 6)
        problem = Step(
            v.EXCEPTION, "Held by customs: import documents required", road[8].location, order.country
        )
    else:
        steps = [*b.transit_prefix(road, LAST_TRANSIT), road[OFD]]
        problem = Step(
            v.EXCEPTION,
            rng.choice(
                ("Delivery attempted, recipient not available", "Address incomplete, contact carrier")
            ),
            road[OFD].location,
            order.country,
        )
    problem_age = exception_age + b.u(0.5, 3.0) if returned else exception_age
    last_movement_age = problem_age + b.u(0.3, 4.0)
    label_age = last_movement_age + b.u(1.0, 2.0) + len(steps) * b.u(0.4, 0.9)
    b.set_age(order, label_age + b.u(0.3, 2.0))
    order.tracking = tracking = b.tracking()
    b.journey(tracking, steps, label_age, last_movement_age)
    raw = ATTEMPT_RAW[tracking.tracker] if where == "door" else None
    tracking.events.append(b.event(tracking, problem, problem_age, raw))
    if returned:
        back = Step(v.RETURNED, "Returned to sender", problem.location, problem.country)
        tracking.events.append(b.event(tracking, back, exception_age))
    b.maybe_talk(order, kind, exception_age, 0.02)
    return [order]


def _exception_in_grace(b: Builder, kind: Kind) -> list[DemoOrder]:
    """A carrier exception inside the exception grace window."""
    return _exception(b, kind, b.u(0.05, b.policy.exception_grace_days - MARGIN), returned=False)


def _exception_overdue(b: Builder, kind: Kind) -> list[DemoOrder]:
    """A carrier exception past the grace window, half of them returned to sender."""
    days = b.policy.exception_grace_days
    return _exception(b, kind, b.u(days + MARGIN, days + 12), returned=b.chance(0.5))


def _delivered_journey(
    b: Builder,
    kind: Kind,
    case_type: str,
    delivered_age: float,
    road_for: Callable[[DemoOrder, list[Step]], list[Step]] | None = None,
) -> tuple[DemoOrder, list[Step]]:
    """An order whose parcel was delivered `delivered_age` days ago, on the road `road_for` gives."""
    order, road = b.start(kind, case_type)
    if road_for is not None:
        road = road_for(order, road)
    steps = [*b.transit_prefix(road, LAST_TRANSIT), road[OFD], road[DELIVERY]]
    label_age = delivered_age + b.u(7, 14)
    b.set_age(order, label_age + b.u(0.3, 2.0))
    order.tracking = b.tracking()
    b.journey(order.tracking, steps, label_age, delivered_age)
    return order, road


def _delivered_conflict(b: Builder, kind: Kind) -> list[DemoOrder]:
    """Delivered, and the customer says it never arrived."""
    delivered_age = b.u(1.0, 12)
    order, _ = _delivered_journey(b, kind, v.DELIVERED_CONFLICT, delivered_age)
    pattern = b.rng.choice(("not_received", "not_received", "not_received_refund"))
    b.conversation(order, pattern, delivered_age - 0.2, 0.02)
    return [order]


def _wrong_destination(b: Builder, kind: Kind) -> list[DemoOrder]:
    """Delivered at another postal code or in the neighbouring country, or waiting for pickup at another
    postal code."""
    variant = b.rng.choice(("postal", "country", "pickup"))

    def misroute(order: DemoOrder, road: list[Step]) -> list[Step]:
        if variant == "country":
            neighbour, city, postal = NEIGHBOURS[order.country]
        else:
            city, postal = road[OFD].location, order.postal_code
            while postal == order.postal_code:
                postal = b.postal_code(order.country)
            neighbour = order.country
        road = list(road)
        if variant == "country":
            road[LAST_TRANSIT] = Step(v.IN_TRANSIT, "Arrived at local delivery unit", city, neighbour)
        road[OFD] = Step(v.OUT_FOR_DELIVERY, "Out for delivery", city, neighbour, postal)
        if variant == "pickup":
            road[DELIVERY] = Step(
                v.AVAILABLE_FOR_PICKUP,
                f"Available for pickup at {city} post office",
                city,
                neighbour,
                postal,
            )
        else:
            road[DELIVERY] = Step(v.DELIVERED, road[DELIVERY].description, city, neighbour, postal)
        return road

    delivered_age = b.u(0.5, 15)
    order, _ = _delivered_journey(b, kind, v.WRONG_DESTINATION, delivered_age, misroute)
    if b.chance(0.6):
        b.conversation(order, "wrong_place", delivered_age - 0.1, 0.02)
    return [order]


def _recycled_number(b: Builder, kind: Kind) -> list[DemoOrder]:
    """The supplier gave a new customer a number that already belongs to another customer's parcel."""
    first_product, second_product = b.product(kind), b.product(kind)
    owner = b.order(kind, v.WRONG_TRACKING, first_product)
    newcomer = b.order(kind, v.WRONG_TRACKING, second_product)
    road = b.road(first_product, owner.country, owner.postal_code)
    steps = b.transit_prefix(road, b.rng.randint(FIRST_TRANSIT, LAST_TRANSIT))
    last_age = b.u(0.5, 12)
    label_age = last_age + b.u(1.0, 2.0) + len(steps) * b.u(0.4, 0.8)
    owner_age = label_age + b.u(0.3, 2.0)
    b.set_age(owner, owner_age)
    b.set_age(newcomer, b.u(1.0, max(1.5, owner_age - 2)))
    shared = b.tracking(b.rng.choice(("yunexpress", "cainiao")))
    b.journey(shared, steps, label_age, last_age)
    owner.tracking = newcomer.tracking = shared
    b.maybe_talk(newcomer, kind, (b.now - newcomer.ordered_at) / timedelta(days=1) - 0.5, 0.02)
    return [owner, newcomer]


def _predates_order(b: Builder, kind: Kind) -> list[DemoOrder]:
    """The number's scans start days before the order was placed: an old label reused."""
    order, road = b.start(kind, v.WRONG_TRACKING)
    order_age = b.set_age(order, b.u(3.0, 20))
    steps = b.transit_prefix(road, b.rng.randint(FIRST_TRANSIT, LAST_TRANSIT))
    label_age = order_age + b.u(2.0, 15)
    last_age = b.u(0.2, label_age - len(steps) * 0.3)
    order.tracking = b.tracking()
    b.journey(order.tracking, steps, label_age, last_age)
    b.maybe_talk(order, kind, order_age - 1, 0.02)
    return [order]


def _checksum_invalid(b: Builder, kind: Kind) -> list[DemoOrder]:
    """An S10 number whose check digit is wrong: mistyped by the supplier, or made up."""
    order, road = b.start(kind, v.WRONG_TRACKING)
    order_age = b.set_age(order, b.u(2.0, 15))
    order.tracking = b.bad_checksum_tracking()
    if b.chance(0.3):
        b.place(order.tracking, road[:1], order_age - 0.5, order_age - 0.5)
    b.maybe_talk(order, kind, order_age - 1, 0.02)
    return [order]


def _unknown_status(b: Builder, kind: Kind) -> list[DemoOrder]:
    """The latest carrier word is one no vocabulary knows."""
    order, road = b.start(kind, v.UNCLEAR)
    unknown_age = b.u(0.1, 8)
    steps = b.transit_prefix(road, b.rng.randint(FIRST_TRANSIT, LAST_TRANSIT))
    last_age = unknown_age + b.u(0.3, 3)
    label_age = last_age + b.u(1.0, 2.0) + len(steps) * b.u(0.4, 0.8)
    order_age = b.set_age(order, label_age + b.u(0.3, 2.0))
    order.tracking = tracking = b.tracking()
    b.journey(tracking, steps, label_age, last_age)
    tracking.events.append(events.unknown_event(b.at(unknown_age), b.rng.choice(UNKNOWN_RAW), steps[-1]))
    b.maybe_talk(order, kind, order_age - 1, 0.02)
    return [order]


def _cancelled(b: Builder, kind: Kind) -> list[DemoOrder]:
    """The customer asked to cancel and the store did, mostly before the supplier shipped (sometimes
    after the label was printed); the payment is usually refunded with it."""
    order, product = b.order_of(kind, v.CANCELLED)
    order_age = b.set_age(order, b.u(0.5, 25))
    cancelled_age = b.u(0.05, order_age - 0.1) if order_age < 3.1 else b.u(order_age - 3, order_age - 0.1)
    if b.chance(0.3) and order_age - cancelled_age > 0.4:
        order.tracking = b.tracking()
        road = b.road(product, order.country, order.postal_code)
        b.place(order.tracking, road[:1], b.u(cancelled_age + 0.1, order_age - 0.2), 0)
    order.cancelled_at = b.at(cancelled_age)
    if b.chance(0.8):
        order.payment_state = v.REFUNDED
    if b.chance(0.6):
        b.say(order, b.u(cancelled_age + 0.02, order_age - 0.02), CANCEL_TEXTS)
        b.say(order, b.u(0.01, cancelled_age), CANCELLED_TEXTS, v.OUTBOUND)
    return [order]


def _refunded(b: Builder, kind: Kind) -> list[DemoOrder]:
    """The parcel stopped moving and the store refunded the customer in full; the case is closed."""
    order, road = b.start(kind, v.REFUNDED_CASE)
    last_age = b.u(8, 18)
    steps = b.transit_prefix(road, b.rng.randint(FIRST_TRANSIT, LAST_TRANSIT - 1))
    label_age = last_age + b.u(1.0, 2.0) + len(steps) * b.u(0.3, 0.7)
    b.set_age(order, label_age + b.u(0.3, 2.0))
    order.tracking = b.tracking()
    b.journey(order.tracking, steps, label_age, last_age)
    if b.chance(0.6):
        b.conversation(order, "refund", last_age - 1, 0.05)
    order.payment_state = v.REFUNDED
    return [order]


def _fulfilled_no_tracking(b: Builder, kind: Kind) -> list[DemoOrder]:
    """The store marked the order fulfilled (its tracking went to the shop, not here): the number has
    to be imported, the supplier is not silent."""
    order, product = b.order_of(kind, v.FULFILLED_NO_TRACKING)
    order_age = b.set_age(order, b.u(1.0, 20))
    fulfilled_age = b.u(max(0.05, order_age - b.processing_days(product)), order_age - 0.3)
    order.fulfilled_at = b.at(fulfilled_age)
    if b.chance(0.3):
        b.evidence(order, v.DISPATCH_CLAIM, b.u(0.02, fulfilled_age))
    b.maybe_talk(order, kind, fulfilled_age, 0.02)
    return [order]


def _cash_on_delivery(b: Builder, kind: Kind) -> list[DemoOrder]:
    """The customer pays the courier: every rule reads it as paid."""
    orders = _delivered(b, kind) if b.chance(0.4) else _in_transit(b, kind)
    for order in orders:
        order.payment_state = v.CASH_ON_DELIVERY
    return orders


def _carrier_feed(b: Builder, kind: Kind) -> list[DemoOrder]:
    """A parcel on its way, tracked from the carrier's own feed: descriptions and local times only."""
    order, product = b.order_of(kind, v.IN_TRANSIT_CASE)
    road = b.road(product, order.country, order.postal_code)
    last_age = b.u(0.1, b.policy.stale_in_transit_days - MARGIN)
    steps = b.transit_prefix(road, b.rng.randint(FIRST_TRANSIT, LAST_TRANSIT))
    label_age = last_age + b.u(1.0, 2.5) + len(steps) * b.u(0.5, 1.0)
    b.set_age(order, label_age + b.u(0.3, 2.0))
    order.tracking = b.tracking(b.rng.choice(("yunexpress", "cainiao")))
    order.tracking.tracker = CARRIER_FEED
    b.journey(order.tracking, steps, label_age, last_age)
    return [order]


def _contradictory(b: Builder, kind: Kind) -> list[DemoOrder]:
    """Delivered, then scanned in transit again."""
    delivered_age = b.u(1.5, 12)
    order, road = _delivered_journey(b, kind, v.UNCLEAR, delivered_age)
    again = road[LAST_TRANSIT - 2]  # "Arrived at regional sorting facility"
    order.tracking.events.append(b.event(order.tracking, again, b.u(0.1, delivered_age - 0.5)))
    b.maybe_talk(order, kind, delivered_age - 0.2, 0.02)
    return [order]


SCENARIOS: dict[str, Callable[[Builder, Kind], list[DemoOrder]]] = {
    "in_transit": _in_transit,
    "delivered": _delivered,
    "combined_shipment": _combined_shipment,
    "stale_in_transit": _stale_in_transit,
    "two_parcels": _two_parcels,
    "lost_in_transit": _lost_in_transit,
    "accepted_waiting": _accepted_waiting,
    "accepted_stuck": _accepted_stuck,
    "label_waiting": _label_waiting,
    "number_without_events": _number_without_events,
    "label_stuck_pickup_proof": _label_stuck_pickup_proof,
    "label_stuck_no_proof": _label_stuck_no_proof,
    "awaiting_tracking": _awaiting_tracking,
    "silent_no_number": _silent_no_number,
    "silent_chase_unanswered": _silent_chase_unanswered,
    "supplier_blocked": _supplier_blocked,
    "exception_in_grace": _exception_in_grace,
    "exception_overdue": _exception_overdue,
    "delivered_conflict": _delivered_conflict,
    "wrong_destination": _wrong_destination,
    "recycled_number": _recycled_number,
    "predates_order": _predates_order,
    "checksum_invalid": _checksum_invalid,
    "unknown_status": _unknown_status,
    "contradictory": _contradictory,
    "cancelled": _cancelled,
    "refunded": _refunded,
    "fulfilled_no_tracking": _fulfilled_no_tracking,
    "cash_on_delivery": _cash_on_delivery,
    "carrier_feed": _carrier_feed,
}


def draw(b: Builder, kind: Kind) -> list[DemoOrder]:
    """The orders of one scenario of `kind`."""
    return SCENARIOS[kind.name](b, kind)
