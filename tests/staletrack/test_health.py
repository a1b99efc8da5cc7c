"""/healthz: 200 only when the database, the broker and a recent beat heartbeat are all there; 503 naming
what is missing otherwise. No login, nothing secret in the body."""

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from celery.signals import after_task_publish
from django.conf import settings
from django.db import OperationalError, connection
from django.utils import timezone

from staletrack import health
from staletrack.celery import app
from staletrack.health import BEAT, WORKER, record_heartbeat
from staletrack.models import Heartbeat
from staletrack.tasks import beat_heartbeat

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CLOSED_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def get_health(client):
    response = client.get("/healthz")
    return response.status_code, json.loads(response.content)


@pytest.fixture
def beating():
    record_heartbeat(BEAT)
    record_heartbeat(WORKER)


@pytest.fixture
def closed_broker():
    """Point the Celery app at a broker nobody answers, as if Redis were down."""
    saved = app.conf.broker_url, app.conf.broker_write_url
    app.conf.broker_url = app.conf.broker_write_url = CLOSED_BROKER
    yield
    app.conf.broker_url, app.conf.broker_write_url = saved


def test_healthy_when_the_database_the_broker_and_a_recent_beat_are_there(client, beating):
    status, body = get_health(client)
    assert status == 200
    assert body == {"status": "ok", "database": "ok", "broker": "ok", "beat": "ok", "worker": "ok"}


def test_needs_no_login_and_is_never_cached(client, beating):
    response = client.get("/healthz")
    assert response.status_code == 200  # anonymous
    assert "no-store" in response["Cache-Control"]
    assert client.post("/healthz").status_code == 405


def test_no_beat_heartbeat_answers_503_naming_beat(client):
    status, body = get_health(client)
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["missing"] == ["beat"]
    assert body["beat"] == "no heartbeat from beat yet"


def test_a_stale_beat_heartbeat_answers_503(client):
    max_age = settings.HEALTH_BEAT_MAX_AGE
    record_heartbeat(BEAT, at=timezone.now() - timedelta(seconds=max_age + 30))
    record_heartbeat(WORKER)
    status, body = get_health(client)
    assert status == 503
    assert body["missing"] == ["beat"]
    assert f"more than {max_age} s" in body["beat"]
    record_heartbeat(BEAT, at=timezone.now() - timedelta(seconds=max_age - 30))
    assert get_health(client)[0] == 200


def test_a_silent_worker_is_shown_but_does_not_fail_the_check(client):
    """A worker busy with a long import is no outage: beat's own heartbeat decides."""
    record_heartbeat(BEAT)
    status, body = get_health(client)
    assert status == 200
    assert body["worker"] == "no heartbeat from worker yet"


def test_a_broker_that_does_not_answer_answers_503_without_its_address(client, beating, closed_broker):
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 10
    body = json.loads(response.content)
    assert response.status_code == 503
    assert body["missing"] == ["broker"]
    assert body["broker"] == "the broker does not answer"
    assert b"127.0.0.1" not in response.content and b"Connection refused" not in response.content


def test_a_database_that_does_not_answer_answers_503(client, beating, monkeypatch):
    class Down:
        def cursor(self):
            raise OperationalError("connection to server at 10.0.0.5 failed: password authentication failed")

    monkeypatch.setattr(health, "connection", Down())
    response = client.get("/healthz")
    body = json.loads(response.content)
    assert response.status_code == 503
    assert body["missing"] == ["database", "beat"]
    assert body["database"] == "the database does not answer"
    assert body["beat"].startswith("unknown")
    assert b"10.0.0.5" not in response.content and b"password" not in response.content


def test_beat_records_its_heartbeat_when_it_sends_the_task_and_a_worker_when_it_runs_it():
    after_task_publish.send(sender="cases.tasks.sweep_due_cases_task", body=None, exchange="", routing_key="")
    assert not Heartbeat.objects.exists()  # only the heartbeat task counts
    after_task_publish.send(sender=beat_heartbeat.name, body=None, exchange="", routing_key="")
    assert list(Heartbeat.objects.values_list("name", flat=True)) == [BEAT]
    beat_heartbeat()
    assert set(Heartbeat.objects.values_list("name", flat=True)) == {BEAT, WORKER}


def test_beat_sends_the_heartbeat_task_on_its_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["beat-heartbeat"]
    assert entry["task"] == beat_heartbeat.name == "staletrack.tasks.beat_heartbeat"
    assert entry["task"] in app.tasks
    assert entry["schedule"] == settings.HEARTBEAT_SECONDS
    assert settings.HEALTH_BEAT_MAX_AGE > settings.HEARTBEAT_SECONDS


def database_url() -> str:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_beat_makes_healthz_answer_200(client, tmp_path):
    """celery beat, as deployed, against the test database and Redis: its first heartbeat goes out as it
    starts, and /healthz turns 200."""
    assert get_health(client)[0] == 503
    env = os.environ | {"DATABASE_URL": database_url(), "CELERY_BROKER_URL": settings.CELERY_BROKER_URL}
    beat = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "staletrack", "beat", "--loglevel=WARNING"),
            f"--schedule={tmp_path / 'celerybeat-schedule'}",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while not Heartbeat.objects.filter(name=BEAT).exists():
            assert beat.poll() is None, "beat stopped"
            assert time.monotonic() < deadline, "beat sent no heartbeat in a minute"
            time.sleep(0.2)
    finally:
        beat.terminate()
        beat.wait(timeout=30)
    status, body = get_health(client)
    assert (status, body["beat"], body["broker"]) == (200, "ok", "ok")
