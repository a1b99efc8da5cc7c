"""The health check, /healthz.

It answers 200 only when the database answers, the broker answers and beat sent a heartbeat recently; 503
otherwise, with a JSON body naming what is missing.

It needs no login and tells nothing secret: each check says "ok" or what is missing, never an address or an
error text (those go to the log). Beat's heartbeat is a database row (`Heartbeat`), so every web machine sees
the same one; beat writes it itself when it sends the heartbeat task (staletrack.tasks), so a worker busy
with a long task does not make the site look down. The worker's own heartbeat is shown, not required."""

import logging
from datetime import datetime

from django.conf import settings
from django.db import close_old_connections, connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from staletrack.models import Heartbeat

logger = logging.getLogger(__name__)

BEAT = "beat"
WORKER = "worker"


def record_heartbeat(name: str, *, at: datetime | None = None) -> None:
    """Record that the process `name` (BEAT, WORKER) is alive at `at` (default now). Outside a transaction
    (beat's process has no request cycle to do it) a connection the database dropped is replaced first, so one
    restart of PostgreSQL does not silence the heartbeat for ever."""
    if not connection.in_atomic_block:
        close_old_connections()
    Heartbeat.objects.update_or_create(name=name, defaults={"at": at or timezone.now()})


def database_problem() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("Health check: the database does not answer")
        return "the database does not answer"
    return None


def broker_problem() -> str | None:
    from staletrack.celery import app

    timeout = settings.HEALTH_TIMEOUT_SECONDS
    try:
        with app.connection_for_write(connect_timeout=timeout) as broker:
            broker.ensure_connection(max_retries=0, timeout=timeout)
    except Exception:
        logger.exception("Health check: the broker does not answer")
        return "the broker does not answer"
    return None


def heartbeat_problem(name: str, *, now: datetime, max_age: int) -> str | None:
    at = Heartbeat.objects.filter(name=name).values_list("at", flat=True).first()
    if at is None:
        return f"no heartbeat from {name} yet"
    age = int((now - at).total_seconds())
    if age > max_age:
        return f"the last heartbeat from {name} is {age} s old (more than {max_age} s)"
    return None


def health(*, now: datetime | None = None) -> dict[str, str]:
    """Each check by name: "ok" or what is missing. `database`, `broker` and `beat` decide; `worker` is
    shown only (a worker busy with a long import is no outage)."""
    now = now or timezone.now()
    max_age = settings.HEALTH_BEAT_MAX_AGE
    checks = {"database": database_problem(), "broker": broker_problem()}
    if checks["database"] is None:
        checks[BEAT] = heartbeat_problem(BEAT, now=now, max_age=max_age)
        checks[WORKER] = heartbeat_problem(WORKER, now=now, max_age=max_age)
    else:
        checks[BEAT] = checks[WORKER] = "unknown: the database does not answer"
    return {name: problem or "ok" for name, problem in checks.items()}


REQUIRED = ("database", "broker", BEAT)


@never_cache
@require_safe
def healthz(request):
    """GET /healthz: {"status": "ok", ...each check} with 200, or "unavailable" and the missing checks
    named under "missing" with 503."""
    checks = health()
    missing = [name for name in REQUIRED if checks[name] != "ok"]
    body = {"status": "unavailable" if missing else "ok", **checks}
    if missing:
        body["missing"] = missing
    return JsonResponse(body, status=503 if missing else 200)
