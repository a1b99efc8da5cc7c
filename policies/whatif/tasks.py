"""The Celery task that computes a what-if run in the background (`WhatIfRun`).

`policies.tasks` imports this module so that Celery's autodiscovery, which imports each app's `tasks.py`,
registers it."""

from celery import shared_task

from policies.whatif.runs import WhatIfRunner


# Below the broker's visibility timeout (settings: 3600 s): a long run is never redelivered while it still
# runs. The name is the one it was queued by before it moved here, so that runs queued then still find
# it (WhatIfRun.TASK is its path).
@shared_task(name="policies.tasks.what_if_policy_task", acks_late=True, time_limit=1800, soft_time_limit=1750)
def what_if_policy_task(run_id: int) -> dict:
    """Compute what-if run `run_id` (`WhatIfRunner`)."""
    return WhatIfRunner().handle(run_id)
