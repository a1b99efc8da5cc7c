"""The production server as tests start it: gunicorn with deploy/gunicorn.conf.py against the test
database (PostgreSQL: a separate process cannot see SQLite's in-memory test database), in an environment
of its own. The fixtures (`collected_static`, `production_server`) are in tests/conftest.py."""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_PREFIXES = ("DJANGO_", "STALETRACK_", "DATABASE_", "CELERY_", "WEB_CONCURRENCY")


def production_env(**extra: str) -> dict[str, str]:
    """The environment of a production process: none of this test run's settings, none of pytest's marker
    (PYTEST_VERSION lets the settings take a development key), DEBUG off and a key of its own."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name != "PYTEST_VERSION" and not name.startswith(SETTINGS_PREFIXES)
    }
    return env | {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)} | extra


def database_url() -> str:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_it_answers(url: str, server: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answered (/healthz says 503 without beat)
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


def collected_static(tmp_path_factory) -> Path:
    """`collectstatic` as a release runs it: hashed names, compressed copies, the manifest."""
    root = tmp_path_factory.mktemp("static")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=production_env(DJANGO_STATIC_ROOT=str(root)),
        check=True,
        timeout=300,
    )
    assert (root / "staticfiles.json").exists()
    return root


def production_server(collected_static: Path, tmp_path: Path):
    """gunicorn with deploy/gunicorn.conf.py, one worker, against the test database; its URL."""
    port = free_port()
    env = production_env(
        DATABASE_URL=database_url(),
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        DJANGO_STATIC_ROOT=str(collected_static),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        STALETRACK_ADDR=f"127.0.0.1:{port}",
        STALETRACK_VAR_DIR=str(settings.VAR_DIR),
        WEB_CONCURRENCY="1",
    )
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "-c", "deploy/gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_it_answers(f"{url}/healthz", server, log)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
