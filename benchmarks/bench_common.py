"""What the benchmark scripts of the clocks set up alike: the import path, their database and their clock."""

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

AS_OF = datetime(2026, 11, 20, 12, tzinfo=UTC)  # the instant the benchmarks of the clocks measure at


def bench_database_url(default_name: str) -> str:
    """The benchmark's database (BENCH_DATABASE_URL, else `default_name` on the local server), which Django
    is pointed at; the project's root goes on the import path so that the script can import its apps."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    url = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{default_name}")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staletrack.settings")
    return url
