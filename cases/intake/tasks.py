"""The Celery task behind large order imports.

`cases.tasks` imports it so that Celery's autodiscovery (which looks at each app's `tasks.py` only)
registers it."""

from celery import shared_task

from cases.intake.order_import import OrderImportRunner
from cases.models import ImportRun
from staletrack.runs import queue_run_after_commit


# Below the broker's visibility timeout (settings: 3600 s), so a long import is never redelivered while
# it still runs. A worker that dies mid-way rolls the import back; the redelivered task runs it again.
# Its name from before it moved here, so that runs queued then are still found.
@shared_task(
    name="cases.intake.tasks.import_orders_task", acks_late=True, time_limit=1800, soft_time_limit=1750
)
def import_orders_task(run_id: int) -> dict:
    """Import the orders file stored on ImportRun `run_id` (`OrderImportRunner`)."""
    return OrderImportRunner(via="import_orders_task").handle(run_id)


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
