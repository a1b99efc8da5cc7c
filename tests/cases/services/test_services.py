"""Tests that need the real services CI runs (PostgreSQL, Redis). They skip with a reason elsewhere."""

import pytest
from django.db import connection

from staletrack.celery import app


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_suite_runs_on_postgresql_under_ci():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        assert int(cursor.fetchone()[0]) >= 130000


@pytest.mark.redis
def test_the_celery_broker_is_reachable_redis():
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=2)
        assert conn.transport_cls in ("redis", "rediss") or "redis" in conn.as_uri()
