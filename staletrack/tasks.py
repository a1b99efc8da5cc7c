"""The heartbeat beat sends every STALETRACK_HEARTBEAT_SECONDS (settings CELERY_BEAT_SCHEDULE
"beat-heartbeat"). Beat's own process records `beat` when it sends it (staletrack.celery), so /healthz knows
beat is alive even while every worker is busy; the worker that runs it records `worker`."""

from celery import shared_task

from staletrack.health import record_heartbeat


@shared_task(ignore_result=True, time_limit=30, soft_time_limit=25)
def beat_heartbeat() -> None:
    """A worker took the heartbeat beat sent: record that a worker is alive."""
    record_heartbeat("worker")
