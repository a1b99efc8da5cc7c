"""Clocks against the real services CI runs: PostgreSQL row locks and a real Celery worker."""

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from cases.models import AuditEvent, Case
from cases.services import assessment
from cases.services.assessment import sweep_due_cases
from cases.tasks import sweep_due_cases_task
from tests.helpers.clock import import_label_only_cases

ROOT = Path(__file__).resolve().parents[3]


def crossings() -> int:
    return AuditEvent.objects.filter(
        action="case_assessed", changes__risk_level=["normal_watch", "supplier_chase"]
    ).count()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_split_the_work_instead_of_doubling_it():
    cases = import_label_only_cases(40)
    as_of = max(c.next_assessment_at for c in cases)
    barrier = threading.Barrier(2)
    runs = []

    def sweep():
        try:
            barrier.wait()
            runs.append(sweep_due_cases(as_of=as_of, batch_size=3))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(run.written for run in runs) == 40
    assert crossings() == 40
    assert Case.objects.filter(risk_level="supplier_chase").count() == 40


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_batch_another_sweep_is_working_on_is_skipped_whole_and_left_due():
    cases = import_label_only_cases(6)
    as_of = max(c.next_assessment_at for c in cases)
    first_batch = sorted(c.order_id for c in cases)[:3]
    other = psycopg.connect(database_url(), autocommit=False)
    try:
        other.execute("SELECT pg_advisory_xact_lock(%s, %s)", [assessment.SWEEP_LOCKS, first_batch[0]])
        run = sweep_due_cases(as_of=as_of, batch_size=3)
    finally:
        other.rollback()
        other.close()
    assert run.written == 3
    still_due = Case.objects.filter(next_assessment_at__lte=as_of).values_list("order_id", flat=True)
    assert sorted(still_due) == first_batch
    assert sweep_due_cases(as_of=as_of, batch_size=3).written == 3


def database_url() -> str:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def real_worker():
    """A Celery worker process (one at a time, in order) on its own queue, against the test database
    and the Redis broker."""
    queue = f"test-{uuid.uuid4().hex}"
    env = os.environ | {"DATABASE_URL": database_url(), "CELERY_BROKER_URL": settings.CELERY_BROKER_URL}
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "staletrack", "worker", "--pool=solo", "-Q", queue),
            *("--without-heartbeat", "--without-mingle", "--without-gossip", "--loglevel=WARNING"),
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        yield queue
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("the worker did not get there in time")
        time.sleep(0.2)


def risk_of(case: Case) -> str:
    return Case.objects.get(pk=case.pk).risk_level


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_changes_the_risk_exactly_once_when_the_clock_passes_the_window(real_worker):
    (early,) = import_label_only_cases(label_days_ago=1.0, first=0)
    late = import_label_only_cases(label_days_ago=0.5, first=1)[1]
    crossing = early.next_assessment_at.isoformat()

    sweep_due_cases_task.apply_async(kwargs={"as_of": crossing}, queue=real_worker)
    wait_for(lambda: risk_of(early) == "supplier_chase")
    # The same sweep delivered again, then a later one: the solo worker runs them in order, so once
    # the later case has changed, the repeated sweep has run too.
    sweep_due_cases_task.apply_async(kwargs={"as_of": crossing}, queue=real_worker)
    sweep_due_cases_task.apply_async(kwargs={"as_of": late.next_assessment_at.isoformat()}, queue=real_worker)
    wait_for(lambda: risk_of(late) == "supplier_chase")
    assert crossings() == 2  # one per case: the early case changed exactly once
