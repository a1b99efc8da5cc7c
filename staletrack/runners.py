"""Running a stored run (import, replay and what-if runs): claim it, run it, finish or fail it, once for all.

In the style of NetBox's `JobRunner`: a kind of run subclasses `StoredRunner`, names its `model` (a
`staletrack.runs.StoredRunMixin` model) and supplies `run()`, the work, and `finished()`, how its result is
stored. Its Celery task is one line, `SomeRunner().handle(run_id)`; a start that runs a run at once (a
small what-if, an import the command or the admin runs) calls `execute(run)`. The lifecycle is the same
for every kind:

1. claim: the run is marked running only while it is unfinished, in one conditional UPDATE
   (`StoredRunMixin.claim`): a run that finished meanwhile, or that beat ended as lost
   (`staletrack.runs.fail_lost_runs`), is left alone; one left running by a worker that died is run again
   (nothing of it was kept);
2. run: `run(run)` returns the result;
3. finish: `finished_at` and the fields `finished()` gives (the status among them); or fail: status
   FAILED, `finished_at` and why (`failed()`: by default the error's type and text in the model's
   `FAILURE_FIELD`), with the traceback in the log unless the error is one the kind `expects` (a file
   that cannot be read is an answer, not a crash);
4. `after(run, result)`: what the kind does once the run ended either way (an import drops its upload).

Queueing a run and judging it lost are `staletrack.runs`.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.utils import timezone

from staletrack.processes import default_processes


class StoredRunner:
    """The lifecycle of one kind of stored run (the module docstring); a subclass sets `model` and
    `label` and supplies `run()` and `finished()`."""

    model: Any  # a StoredRunMixin model
    label = "Run"  # how the log names a run of this kind: "<label> <pk> failed"
    expected: tuple[type[Exception], ...] = ()  # errors that are the run's answer: failed, not logged

    def __init__(self) -> None:
        self.seconds = 0.0  # how long `run()` took (set when it ends)

    # --- what a kind supplies ------------------------------------------------------------------------

    def run(self, run) -> Any:
        """The work: returns the result `finished()` stores. Raising fails the run."""
        raise NotImplementedError

    def finished(self, run, result) -> dict:
        """The fields that store `result`, `status` among them (`finished_at` is added)."""
        raise NotImplementedError

    def failed(self, run, error: Exception) -> dict:
        """The fields of a run that `error` stopped, besides status FAILED and `finished_at`."""
        return {self.model.FAILURE_FIELD: f"{type(error).__name__}: {error}"[:2000]}

    def claim_fields(self, run) -> dict:
        """Fields written with the claim, beside status RUNNING and `started_at`."""
        return {}

    def queryset(self):
        """Where `handle` finds its run."""
        return self.model.objects.all()

    def task_result(self, run) -> dict:
        """What the task returns of a run it ran, beside its id and status."""
        return {}

    def after(self, run, result) -> None:
        """Once the run ended, finished or failed (`result` None when it failed)."""

    # --- the lifecycle -------------------------------------------------------------------------------

    def handle(self, run_id: int) -> dict:
        """The task: run `run_id` if it can be claimed. A missing run is "missing"; one that cannot be
        claimed (it finished, or beat ended it as lost) is left alone and reported with its status."""
        run = self.queryset().filter(pk=run_id).first()
        if run is None:
            return {"run": run_id, "status": "missing"}
        if not self.claim(run):
            return {"run": run_id, "status": run.status}
        self.perform(run)
        return {"run": run_id, "status": run.status, **self.task_result(run)}

    def execute(self, run) -> Any:
        """Claim `run`, run it and finish or fail it (`run` is read again from the database after).
        Returns the result, or None when the run failed or could not be claimed."""
        if not self.claim(run):
            return None
        return self.perform(run)

    def claim(self, run) -> bool:
        """Mark `run` running if it is unfinished (`StoredRunMixin.claim`); if not, read it again."""
        if run.claim(**self.claim_fields(run)):
            return True
        run.refresh_from_db()
        return False

    def perform(self, run) -> Any:
        """Run the claimed `run` and store how it ended; never raises for an error of the work."""
        result = None
        clock = time.perf_counter()
        try:
            result = self.run(run)
        except self.expected as error:
            self.seconds = time.perf_counter() - clock
            fields = {"status": self.model.Status.FAILED, **self.failed(run, error)}
        except Exception as error:  # the run says why; the log keeps the traceback
            self.seconds = time.perf_counter() - clock
            logging.getLogger(type(self).__module__).exception("%s %s failed", self.label, run.pk)
            fields = {"status": self.model.Status.FAILED, **self.failed(run, error)}
        else:
            self.seconds = time.perf_counter() - clock
            fields = self.finished(run, result)
        self.model.objects.filter(pk=run.pk).update(finished_at=timezone.now(), **fields)
        run.refresh_from_db()
        self.after(run, result)
        return result


class ForkingRunner(StoredRunner):
    """A kind of run whose work forks worker processes (replay, what-if): `processes` of them, or
    `default_processes()` when none is given."""

    def __init__(self, *, processes: int | None = None) -> None:
        super().__init__()
        self.chosen_processes = processes

    @property
    def processes(self) -> int:
        """Read when the run runs: the database it forks for is known then."""
        return self.chosen_processes or default_processes()
