"""The demo generator: `generate(now, orders=..., seed=...)`, every demo order's facts relative to `now`.

Pure: no ORM, no wall clock. The same `now`, seed and policy always give the same demo; `cases.demo.seed`
writes it.
"""

from __future__ import annotations

import random
from datetime import datetime

from cases.demo.builder import Builder
from cases.demo.catalogue import SUPPLIERS
from cases.demo.records import DemoData, DemoOrder
from cases.demo.scenarios import draw
from cases.demo.stories import plan_kinds
from policies.values import PolicyValues


def generate(
    now: datetime, *, orders: int = 2000, seed: int = 7, policy: PolicyValues | None = None
) -> DemoData:
    """The demo: suppliers, products, and `orders` orders whose facts are placed relative to `now`."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    rng = random.Random(seed)
    builder = Builder(now, rng, policy or PolicyValues())
    generated: list[DemoOrder] = []
    for kind in plan_kinds(orders, rng):
        generated.extend(draw(builder, kind))
    for order in generated:
        for records in (order.evidence, order.chases, order.messages):
            records.sort(key=lambda r: r.at)
        if order.tracking is not None:
            order.tracking.events.sort(key=lambda e: e.at)
    generated.sort(key=lambda o: o.ordered_at)  # stable: equal times keep generation order
    for index, order in enumerate(generated):
        order.order_id = f"#{1001 + index}"
    return DemoData(now=now, suppliers=list(SUPPLIERS), products=builder.products, orders=generated)
