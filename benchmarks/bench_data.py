"""The data the PostgreSQL benchmarks of the clocks share (bench_sweep, bench_whatif, bench_replay): a
catalogue, one order per tracking history with its own number, link and events, all loaded with COPY.
bench_admin loads its catalogue and orders (without tracking) with the same helpers."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime

SUPPLIERS = 12
PRODUCTS = 400
COUNTRIES = ("US", "GB", "DE", "FR", "CA", "AU", "BR")

SEQUENCES = (
    "suppliers_supplier",
    "suppliers_product",
    "cases_order",
    "cases_trackingnumber",
    "cases_parcel",
)
History = tuple[datetime, list[tuple[datetime, str]]]  # ordered_at, [(at, normalized status)]


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


def copy_order_rows(
    cur,
    rng: random.Random,
    ordered_times: Iterable[datetime],
    now: datetime,
    *,
    products: int = PRODUCTS,
    countries: tuple[str, ...] = COUNTRIES,
) -> list[datetime]:
    """COPY order i + 1 (order id #{i:07d}, paid, a country of `countries` in turn) ordered at the i-th of
    `ordered_times`, for a random one of products 1..`products`; returns the order times, by order. The
    times are read lazily, each just before its order's rng.randrange, so a generator that draws them from
    `rng` takes its turns with the product draws. `cur` is a psycopg cursor."""
    order_columns = (
        "id, order_id, ordered_at, customer_email, country, postal_code, product_id, value, currency, "
        "payment_state, promise_text, created_at, updated_at"
    )
    ordered = []
    with cur.copy(f"COPY cases_order ({order_columns}) FROM STDIN") as copy:
        for i, ordered_at in enumerate(ordered_times):
            ordered.append(ordered_at)
            product = rng.randrange(products) + 1
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
    return ordered


def copy_orders(cur, rng: random.Random, histories: list[History], now: datetime) -> None:
    """COPY the suppliers and products, then order i + 1 for histories[i] (random product), tracking
    number i + 1 linked to it, and the history's events on that number. `cur` is a psycopg cursor."""
    copy_catalogue(cur, now)
    copy_order_rows(cur, rng, (ordered_at for ordered_at, _ in histories), now)
    with cur.copy(
        "COPY cases_trackingnumber (id, number, normalized, carrier, url, created_at) FROM STDIN"
    ) as copy:
        for i in range(len(histories)):
            number = f"YT{2431220000000000 + i:016d}"
            copy.write_row((i + 1, number, number, "yunexpress", "", now))
    with cur.copy(
        "COPY cases_parcel (id, order_id, tracking_number_id, assigned_at, position, skus, "
        "superseded_reason) FROM STDIN"
    ) as copy:
        for i in range(len(histories)):
            copy.write_row((i + 1, i + 1, i + 1, now, 0, "[]", ""))
    event_columns = (
        "tracking_number_id, at, status, raw_status, description, location, country, postal_code, source, "
        "approximate, created_at"
    )
    with cur.copy(f"COPY cases_trackingevent ({event_columns}) FROM STDIN") as copy:
        for i, (_, events) in enumerate(histories):
            for at, status in events:
                copy.write_row((i + 1, at, status, "", "", "", "", "", "demo", False, now))


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
