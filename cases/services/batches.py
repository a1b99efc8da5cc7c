"""Running the pure rules over large batches.

They run without the cyclic garbage collector's pauses, and split
over forked processes on PostgreSQL."""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, connections


@contextmanager
def without_gc_pauses() -> Iterator[None]:
    """A batch allocates tens of thousands of small objects (facts, timelines, packets) that live until
    the batch ends and are freed by reference counting. Each allocation burst would set off collections
    that walk all of them again, which measured at about half of a batch's time (benchmarks/bench_sweep).
    So collection waits until the batch is done; it then runs as usual."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# Splitting batches over forked processes (policies.whatif, cases.selectors.replay) ------------------


def can_fork() -> bool:
    """Forked children each open their own connection: PostgreSQL only (SQLite's in-memory test database
    would not be shared), and only outside a transaction, whose uncommitted rows they could not see."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def fork_context():
    """multiprocessing's fork context, or billiard's inside a Celery prefork worker: that worker is a
    daemonic process, which multiprocessing refuses to let have children and billiard does not."""
    if multiprocessing.current_process().daemon:
        import billiard

        return billiard.get_context("fork")
    return multiprocessing.get_context("fork")


def forget_inherited_connections() -> None:
    """In a forked child, before its first query. The parent closes its connections before forking
    (`connections.close_all()`): a child that closed an inherited connection would end the parent's
    session too (libpq says goodbye to the server on the shared socket). A worker a pool starts later, to
    replace one that died, is forked from a parent that may have reconnected since: its inherited
    connections are forgotten here, never closed (psycopg does not close a connection it finds in another
    process when collected). The child's first query opens its own connection."""
    for wrapper in connections.all(initialized_only=True):
        wrapper.connection = None
