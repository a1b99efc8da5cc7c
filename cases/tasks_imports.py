"""The Celery task behind large order imports (issue 5). It lives beside `cases.tasks`, which imports it so
that Celery's autodiscovery (which looks at `tasks.py` only) registers it."""

from celery import shared_task
from django.utils import timezone

from cases.models import ImportRun
from cases.services.order_import import run_import
from staletrack.runs import queue_run_after_commit

FINISHED = (ImportRun.Status.SUCCEEDED, ImportRun.Status.FAILED)
UNFINISHED = (ImportRun.Status.PENDING, ImportRun.Status.RUNNING)


# Below the broker's visibility timeout (settings: 3600 s), so a long import is never redelivered while
# it still runs. A worker that dies mid-way rolls the import back; the redelivered task runs it again.
@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1750)
def import_orders_task(run_id: int) -> dict:
    """Import the orders file stored on ImportRun `run_id`. A run that already finished (among them one
    that beat failed as lost while this task waited) is left alone; one left running by a worker that died
    is imported again (the import rolled back)."""
    run = ImportRun.objects.select_related("created_by").filter(pk=run_id, kind=ImportRun.Kind.ORDERS).first()
    if run is None or run.status in FINISHED:
        return {"run": run_id, "status": run.status if run else "missing"}
    if not claim(run):
        run.refresh_from_db(fields=["status"])
        return {"run": run_id, "status": run.status}
    run_import(run, via="import_orders_task")
    return {"run": run_id, "status": run.status, "created": run.created_rows, "updated": run.updated_rows}


def claim(run: ImportRun) -> bool:
    """Mark `run` running if it is still unfinished, in one conditional UPDATE, as the what-if and replay
    runs claim theirs: run_import marks it running whatever its status, so a run that beat failed as lost
    (staletrack.runs.fail_lost_runs) after this task read it would be imported after all, under a row
    that had already told its page to start again."""
    return bool(
        ImportRun.objects.filter(pk=run.pk, status__in=UNFINISHED).update(
            status=ImportRun.Status.RUNNING, started_at=timezone.now()
        )
    )


def queue_import(run: ImportRun) -> None:
    """Queue `run` once the transaction that created it commits. A broker that cannot be reached fails the
    run with that reason instead of leaving it pending for ever."""

    queue_run_after_commit(
        run,
        failure=lambda error: {
            "message": f"Could not start the background import ({error}); nothing was imported. "
            "Try again, or ask whoever runs the server to check the Celery broker."
        },
    )
