"""Email settings from the environment: the console backend with DEBUG on (make run prints the digest in
the worker's output), SMTP otherwise, with its server, credentials and TLS from DJANGO_EMAIL_*; the links'
base URL from STALETRACK_BASE_URL; the digest's beat entry beside the weekly review's."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from suppliers.digest.tasks import send_weekly_digest_task

ROOT = Path(__file__).resolve().parents[3]
SHOW = (
    "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({n: "
    "getattr(s, n) for n in ('EMAIL_BACKEND', 'EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_HOST_USER', "
    "'EMAIL_HOST_PASSWORD', 'EMAIL_USE_TLS', 'EMAIL_USE_SSL', 'EMAIL_TIMEOUT', 'DEFAULT_FROM_EMAIL', "
    "'STALETRACK_BASE_URL')}))"
)


def settings_under(**env: str) -> subprocess.CompletedProcess:
    """The settings as a process with only `env` of the project's variables reads them."""
    clean = {
        name: value
        for name, value in os.environ.items()
        if name != "PYTEST_VERSION"
        and not name.startswith(("DJANGO_", "STALETRACK_", "DATABASE_", "CELERY_"))
    }
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env=clean | {"DJANGO_SETTINGS_MODULE": "staletrack.settings"} | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_debug_on_prints_emails_on_the_console():
    shown = json.loads(settings_under(DJANGO_DEBUG="1").stdout)
    assert shown["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert shown["STALETRACK_BASE_URL"] == "http://127.0.0.1:8000"


def test_production_sends_through_the_smtp_server_the_environment_names():
    shown = json.loads(
        settings_under(
            DJANGO_EMAIL_HOST="smtp.example.com",
            DJANGO_EMAIL_PORT="587",
            DJANGO_EMAIL_HOST_USER="digest@example.com",
            DJANGO_EMAIL_HOST_PASSWORD="s3cret",
            DJANGO_EMAIL_USE_TLS="1",
            DJANGO_DEFAULT_FROM_EMAIL="Shop <digest@example.com>",
            STALETRACK_BASE_URL="https://admin.example.com/",
        ).stdout
    )
    assert shown == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "digest@example.com",
        "EMAIL_HOST_PASSWORD": "s3cret",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 30,
        "DEFAULT_FROM_EMAIL": "Shop <digest@example.com>",
        "STALETRACK_BASE_URL": "https://admin.example.com",  # no trailing slash: links add their own
    }


def test_tls_and_ssl_at_once_are_refused():
    out = settings_under(DJANGO_EMAIL_USE_TLS="1", DJANGO_EMAIL_USE_SSL="1")
    assert out.returncode != 0
    assert "Set DJANGO_EMAIL_USE_TLS or DJANGO_EMAIL_USE_SSL, not both." in out.stderr


def test_the_backstop_beat_entry_runs_after_the_weekly_review_in_its_hour():
    schedule = settings.CELERY_BEAT_SCHEDULE
    digest, review = schedule["weekly-digest"], schedule["weekly-review"]
    assert digest["task"] == send_weekly_digest_task.name
    assert digest["schedule"].hour == review["schedule"].hour
    assert digest["schedule"].day_of_week == review["schedule"].day_of_week == {1}
    assert digest["schedule"].minute == {45}
