"""Splitting a batch over forked processes (what-if and replay): how many, whether one may fork, and how.

Each forked child opens its own database connection: PostgreSQL only."""

from __future__ import annotations

import multiprocessing
import os

from django.db import connection, connections


def default_processes() -> int:
    """Forked processes for a run: one per core, up to four, on PostgreSQL; one elsewhere (SQLite has one
    file and one writer, and its runs are small)."""
    if connection.vendor != "postgresql":
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


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
