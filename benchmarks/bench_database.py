"""The throwaway PostgreSQL database every benchmark creates and drops, never touching DATABASE_URL's."""

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg


def bench_database_url(default_name: str) -> str:
    """The benchmark's database (BENCH_DATABASE_URL, else `default_name` on the local server), which Django
    is pointed at; the project's root goes on the import path so that the script can import its apps."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    url = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{default_name}")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staletrack.settings")
    return url


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
