"""The heartbeat beat sends, which /healthz reads.

Beat sends it every STALETRACK_HEARTBEAT_SECONDS (settings CELERY_BEAT_SCHEDULE
"beat-heartbeat"). Beat's own process records `beat` when it sends it (the signal receivers below, which
beat connects when it imports the tasks modules, before it starts), so /healthz knows beat is alive even
while every worker is busy; the worker that runs it records `worker`."""

from celery import shared_task
from celery.signals import after_task_publish, beat_init
from django.conf import settings

from staletrack.celery import app
from staletrack.health import BEAT, record_heartbeat


@shared_task(ignore_result=True, time_limit=30, soft_time_limit=25)
def beat_heartbeat() -> None:
    """A worker took the heartbeat beat sent: record that a worker is alive."""
    record_heartbeat("worker")


@after_task_publish.connect(sender="staletrack.tasks.beat_heartbeat")
def record_beat_heartbeat(sender=None, **kwargs) -> None:
    """Beat just handed its heartbeat task to the broker: record, from beat's own process, that beat is
    alive (the /healthz check). A failure is logged by Celery and never stops beat."""
    record_heartbeat(BEAT)


@beat_init.connect
def send_first_heartbeat(sender=None, **kwargs) -> None:
    """Beat starts: send the first heartbeat now, not one interval later (a new beat would otherwise look
    missing to /healthz for that long)."""
    app.send_task("staletrack.tasks.beat_heartbeat", expires=settings.HEARTBEAT_SECONDS)
