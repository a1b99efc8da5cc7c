"""What the benchmark scripts set up alike: the import path, their database, their clock, and the production
server they load (a free port, gunicorn as deployed, waiting for it to listen)."""

import os
import socket
import subprocess
import sys
import time
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


ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, name: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{name} stopped at start")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"{name} did not start")


def start_gunicorn(env: dict[str, str], log) -> subprocess.Popen:
    """gunicorn with deploy/gunicorn.conf.py in `env` (its address, workers and settings), no access log,
    its own log to `log`."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
