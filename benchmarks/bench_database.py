"""The throwaway PostgreSQL database every benchmark creates and drops, never touching DATABASE_URL's."""

import os
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg


def _split(url: str) -> tuple[str, str]:
    """(the server's maintenance database URL, the benchmark database's name)."""
    base, name = url.rsplit("/", 1)
    return f"{base}/postgres", name


def recreate_database(url: str) -> None:
    admin, name = _split(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    admin, name = _split(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def throwaway_database(url: str) -> Iterator[None]:
    """A new database at `url`, with Django set up on it and migrated; afterwards every connection is
    closed and the database dropped, unless BENCH_KEEP is set (to look at it after the run)."""
    recreate_database(url)
    try:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        yield
    finally:
        from django.db import connections

        connections.close_all()
        if not os.environ.get("BENCH_KEEP"):
            drop_database(url)
