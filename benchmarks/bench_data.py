"""The data the PostgreSQL benchmarks of the clocks share (bench_sweep, bench_whatif, bench_replay): a
catalogue, one order per tracking history with its own number, parcel and events, all loaded with COPY.
bench_admin loads its catalogue and orders (without tracking) with the same helpers.

Each benchmark measures two datasets in turn (`variants`): every order in one parcel naming no SKU, as they
always measured, then the same orders with one in five in two parcels (rules.md section 3a): two line items
(its product and another, quantity 1), two numbers, each parcel naming one item's SKU, the second number with
a history of its own drawn like the first. In that dataset every order has its line items, as every stored
order has since line items exist; the single-parcel dataset writes none, so its orders read their product as
their one line item (the facts' fallback), as before.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bench_common import AS_OF

SUPPLIERS = 12
PRODUCTS = 400
COUNTRIES = ("US", "GB", "DE", "FR", "CA", "AU", "BR")
SECOND_SEED = 20261205  # the second parcels' own draws, so every other row is as in the single-parcel data

SEQUENCES = (
    "suppliers_supplier",
    "suppliers_product",
    "cases_order",
    "cases_lineitem",
    "cases_trackingnumber",
    "cases_parcel",
)
Events = list[tuple[datetime, str]]  # [(at, normalized status)], oldest first
History = tuple[datetime, Events]  # ordered_at, events


@dataclass(frozen=True, slots=True)
class Variant:
    """One dataset each benchmark of the clocks measures: every order in one parcel (`two_parcels_every`
    0), or order i + 1 in two parcels whenever i % n == n - 1 (n = `two_parcels_every`)."""

    name: str
    two_parcels_every: int = 0

    def two_parcels(self, i: int) -> bool:
        n = self.two_parcels_every
        return n > 0 and i % n == n - 1

    @property
    def line_items(self) -> bool:
        return self.two_parcels_every > 0


SINGLE_PARCEL = Variant("one parcel per order")
TWO_PARCELS = Variant("one order in five in two parcels", 5)


def variants() -> tuple[Variant, ...]:
    """The datasets to measure, in turn: both, unless BENCH_PARCELS says `single` or `two` (a quicker run)."""
    chosen = os.environ.get("BENCH_PARCELS", "both")
    found = {"both": (SINGLE_PARCEL, TWO_PARCELS), "single": (SINGLE_PARCEL,), "two": (TWO_PARCELS,)}
    if chosen not in found:
        raise SystemExit(f"BENCH_PARCELS={chosen!r}: expected one of both, single, two")
    return found[chosen]


def announce(variant: Variant) -> None:
    """The heading the figures of one dataset are printed under."""
    print(f"== {variant.name} ==", flush=True)


def each_variant(measure: Callable[[Variant], None]) -> None:
    """`measure` each dataset of `variants()` in turn, under its heading."""
    for variant in variants():
        announce(variant)
        measure(variant)


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def second_parcels(
    variant: Variant, count: int, draw: Callable[[random.Random], History]
) -> dict[int, History]:
    """For each of orders 0..count - 1 that `variant` puts in two parcels, its second parcel's history,
    drawn by `draw` like the first but from a random stream of its own (the first parcels' data stay as in
    the single-parcel dataset). The order's time is then the earlier of the two (`order_times`)."""
    rng = random.Random(SECOND_SEED)
    return {i: draw(rng) for i in range(count) if variant.two_parcels(i)}


def order_times(histories: list[History], second: Mapping[int, History]) -> list[datetime]:
    """Each order's time: its history's, or the earlier of its two parcels' (no number predates the order,
    rules.md section 7)."""
    return [
        min(ordered_at, second[i][0]) if i in second else ordered_at
        for i, (ordered_at, _) in enumerate(histories)
    ]


# Rules.md section 4's rows (the first that applies) of the case types these histories produce, and the
# risk levels lowest first (section 5): the headline's order (section 3a).
ROWS = ("delivered", "label_created_only", "accepted_no_movement", "stale_in_transit")
RISKS = ("normal_watch", "supplier_chase", "customer_update", "review_risk", "refund_risk")
Decision = tuple[str, str, str]  # case type, risk level, next move

DAY = timedelta(days=1)


def decided(events: Events, moment: datetime, *, in_transit_days: int = 7) -> Decision:
    """(case type, risk level, next move) of one parcel at `moment` (not before its first event), for the
    simple histories these benchmarks draw (labelled, accepted, moving or delivered; no messages, no
    supplier records): the last event before it and the time since decide, with v1's numbers (label 5
    days, accepted 4, lost 20) and `in_transit_days` for stale in transit."""
    at, status = [event for event in events if event[0] <= moment][-1]
    age = moment - at
    if status == "info_received":
        if age > 5 * DAY:
            return ("label_created_only", "supplier_chase", "chase_supplier")
        return ("label_created_only", "normal_watch", "wait")
    if status == "accepted":
        if age > 4 * DAY:
            return ("accepted_no_movement", "customer_update", "draft_update")
        return ("accepted_no_movement", "normal_watch", "wait")
    if status == "in_transit":
        if age > 20 * DAY:
            return ("stale_in_transit", "refund_risk", "escalate")
        if age > in_transit_days * DAY:
            return ("stale_in_transit", "customer_update", "draft_update")
        return ("in_transit", "normal_watch", "wait")
    return ("delivered", "normal_watch", "close")


def headline(decisions: list[Decision]) -> Decision:
    """Rules.md section 3a: the order follows its most urgent parcel: highest risk, then a move other than
    close, then the earlier row of section 4 (in transit and stale in transit share one), then the first."""

    def rank(indexed: tuple[int, Decision]) -> tuple:
        index, (case_type, risk, move) = indexed
        row = ROWS.index("stale_in_transit" if case_type == "in_transit" else case_type)
        return (-RISKS.index(risk), move == "close", row, index)

    return min(enumerate(decisions), key=rank)[1]


def order_decided(
    events: Events, second: Events | None, moment: datetime, *, in_transit_days: int = 7
) -> Decision:
    """An order's decision at `moment`: its one parcel's, or its headline parcel's of two."""
    first = decided(events, moment, in_transit_days=in_transit_days)
    if second is None:
        return first
    return headline([first, decided(second, moment, in_transit_days=in_transit_days)])


def copy_catalogue(cur, now: datetime, *, suppliers: int = SUPPLIERS, products: int = PRODUCTS) -> None:
    """COPY suppliers 1..`suppliers` and products 1..`products` (SKU-0000 …), spread over the suppliers."""
    with cur.copy(
        "COPY suppliers_supplier (id, name, contact_email, status, status_reason, created_at) FROM STDIN"
    ) as copy:
        for s in range(suppliers):
            copy.write_row((s + 1, f"Supplier {s}", "", "active", "", now))
    with cur.copy(
        "COPY suppliers_product (id, sku, keyed_by_title, title, supplier_id, vendor, supplier_set_by_owner, "
        "promise_text, state, state_reason, created_at) FROM STDIN"
    ) as copy:
        for p in range(products):
            supplier = p % suppliers + 1
            copy.write_row(
                (p + 1, f"SKU-{p:04d}", False, f"Product {p}", supplier, "", False, "", "active", "", now)
            )


def sku(product_id: int) -> str:
    """The SKU copy_catalogue gives product `product_id`."""
    return f"SKU-{product_id - 1:04d}"


@dataclass(frozen=True, slots=True)
class Orders:
    """What copy_order_rows wrote: each order's time and its line items' products, by order."""

    ordered_at: list[datetime]
    items: list[tuple[int, ...]]


def copy_order_rows(
    cur,
    rng: random.Random,
    ordered_times: Iterable[datetime],
    now: datetime,
    *,
    products: int = PRODUCTS,
    countries: tuple[str, ...] = COUNTRIES,
    variant: Variant = SINGLE_PARCEL,
) -> Orders:
    """COPY order i + 1 (order id #{i:07d}, paid, a country of `countries` in turn) ordered at the i-th of
    `ordered_times`, for a random one of products 1..`products`. The times are read lazily, each just before
    its order's rng.randrange, so a generator that draws them from `rng` takes its turns with the product
    draws. With a `variant` that has line items, every order gets its product as line item 0, and each
    order it puts in two parcels another product as line item 1 (quantity 1), drawn from a random stream
    of its own. `cur` is a psycopg cursor."""
    order_columns = (
        "id, order_id, ordered_at, customer_email, country, postal_code, product_id, value, currency, "
        "payment_state, promise_text, created_at, updated_at"
    )
    second_rng = random.Random(SECOND_SEED + 1)
    orders = Orders([], [])
    with cur.copy(f"COPY cases_order ({order_columns}) FROM STDIN") as copy:
        for i, ordered_at in enumerate(ordered_times):
            product = rng.randrange(products) + 1
            items: tuple[int, ...] = (product,)
            if variant.two_parcels(i):
                items = (product, (product + second_rng.randrange(1, products)) % products or products)
            orders.ordered_at.append(ordered_at)
            orders.items.append(items)
            copy.write_row(
                (
                    i + 1,
                    f"#{i:07d}",
                    ordered_at,
                    f"c{i}@example.com",
                    countries[i % len(countries)],
                    f"{10000 + i % 9000}",
                    product,
                    "29.90",
                    "USD",
                    "paid",
                    "",
                    now,
                    now,
                )
            )
    if variant.line_items:
        with cur.copy(
            "COPY cases_lineitem (id, order_id, product_id, title, quantity, position) FROM STDIN"
        ) as copy:
            pk = 0
            for i, items in enumerate(orders.items):
                for position, product in enumerate(items):
                    pk += 1
                    copy.write_row((pk, i + 1, product, f"Product {product - 1}", 1, position))
    return orders


def copy_parcels(
    cur, orders: Orders, events: list[Events], second: Mapping[int, History], now: datetime
) -> None:
    """COPY tracking number i + 1 and a parcel of order i + 1 on it, with events[i] on the number; and for
    each order in `second`, a second number (numbered after the first ones) and parcel with that history's
    events, each of its two parcels naming one of its line items' SKUs. `cur` is a psycopg cursor."""
    count = len(orders.ordered_at)
    seconds = sorted(second)
    with cur.copy(
        "COPY cases_trackingnumber (id, number, normalized, carrier, url, created_at) FROM STDIN"
    ) as copy:
        for pk in range(1, count + len(seconds) + 1):
            number = f"YT{2431220000000000 + pk - 1:016d}"
            copy.write_row((pk, number, number, "yunexpress", "", now))
    with cur.copy(
        "COPY cases_parcel (id, order_id, tracking_number_id, assigned_at, position, skus, "
        "superseded_reason) FROM STDIN"
    ) as copy:
        for i in range(count):
            skus = f'["{sku(orders.items[i][0])}"]' if i in second else "[]"
            copy.write_row((i + 1, i + 1, i + 1, now, 0, skus, ""))
        for j, i in enumerate(seconds):
            pk = count + j + 1
            copy.write_row((pk, i + 1, pk, now, 1, f'["{sku(orders.items[i][1])}"]', ""))
    event_columns = (
        "tracking_number_id, at, status, raw_status, description, location, country, postal_code, source, "
        "approximate, created_at"
    )
    with cur.copy(f"COPY cases_trackingevent ({event_columns}) FROM STDIN") as copy:
        numbered = [*enumerate(events, 1), *((count + j + 1, second[i][1]) for j, i in enumerate(seconds))]
        for number, history in numbered:
            for at, status in history:
                copy.write_row((number, at, status, "", "", "", "", "", "demo", False, now))


def copy_orders(
    cur,
    rng: random.Random,
    histories: list[History],
    now: datetime,
    *,
    variant: Variant = SINGLE_PARCEL,
    second: Mapping[int, History] | None = None,
) -> Orders:
    """COPY the suppliers and products, then order i + 1 for histories[i] (random product), tracking
    number i + 1 in its parcel, and the history's events on that number; with `variant` and `second`
    (from second_parcels), its line items and second parcels too. `cur` is a psycopg cursor."""
    second = second or {}
    copy_catalogue(cur, now)
    orders = copy_order_rows(cur, rng, order_times(histories, second), now, variant=variant)
    copy_parcels(cur, orders, [events for _, events in histories], second, now)
    return orders


def blank_case_values() -> dict[str, object]:
    """Each Case column's empty value (NULL, empty JSON or blank text), by column name."""
    from cases.models import Case

    blank = {}
    for field in Case._meta.concrete_fields:
        if field.null:
            blank[field.column] = None
        elif field.get_internal_type() == "JSONField":
            blank[field.column] = "[]" if field.default is list else "{}"
        else:
            blank[field.column] = ""
    return blank


def copy_cases(cur, rows: Iterable[dict]) -> None:
    """COPY cases_case from `rows` (column -> value, every other column blank, so that a column added
    later never breaks a load), then move the id sequences past what was loaded."""
    blank = blank_case_values()
    columns = list(blank)
    quoted = ", ".join(f'"{column}"' for column in columns)
    with cur.copy(f"COPY cases_case ({quoted}) FROM STDIN") as copy:
        for named in rows:
            copy.write_row(tuple(named.get(column, blank[column]) for column in columns))
    reset_sequences(cur, (*SEQUENCES, "cases_case"))


def reset_sequences(cur, tables: tuple[str, ...]) -> None:
    for table in tables:
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def settle(connection) -> None:
    """A settled database, as in production: without this, the timed run would set the hint bits of every
    freshly copied row, run beside an autovacuum of each loaded table and flush the load in a checkpoint.
    (Django's connections autocommit outside atomic(), so VACUUM may run here; CHECKPOINT needs a
    superuser, which the benchmark database's owner is.)"""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE, FREEZE)")
        cursor.execute("CHECKPOINT")


def parcel_history(rng: random.Random) -> tuple[datetime, Events]:
    """(ordered_at, events) of one parcel of bench_whatif and bench_replay, before AS_OF: labelled,
    accepted, moving or delivered, no messages, no supplier records, so that rules.md sections 4 and 5
    decide it from one clock (`decided`). A parcel changes under the what-if's draft exactly when it last
    moved between 7 and 10 days before AS_OF."""
    shape = rng.random()
    if shape < 0.15:  # label only
        label = AS_OF - rng.uniform(0, 12) * DAY
        return label - rng.uniform(0.2, 2) * DAY, [(label, "info_received")]
    if shape < 0.3:  # accepted, no movement since
        accepted = AS_OF - rng.uniform(0, 10) * DAY
        label = accepted - rng.uniform(0.5, 3) * DAY
        return label - DAY, [(label, "info_received"), (accepted, "accepted")]
    if shape < 0.85:  # moving, last movement up to 30 days ago
        moved = AS_OF - rng.uniform(0, 30) * DAY
        accepted = moved - rng.uniform(0.5, 4) * DAY
        label = accepted - rng.uniform(0.5, 3) * DAY
        return label - DAY, [(label, "info_received"), (accepted, "accepted"), (moved, "in_transit")]
    delivered = AS_OF - rng.uniform(0, 10) * DAY
    label = delivered - rng.uniform(4, 12) * DAY
    events = [(label, "info_received"), (label + 2 * DAY, "in_transit"), (delivered, "delivered")]
    return label - DAY, events
