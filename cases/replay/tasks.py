"""The Celery task that replays every stored past case in the background (`ReplayRun`).

`cases.tasks` imports this module so that Celery's autodiscovery, which imports each app's `tasks.py`,
registers it."""

from celery import shared_task

from cases.replay.runs import ReplayRunner


# Below the broker's visibility timeout (settings: 3600 s), like the what-if task: a long replay is never
# redelivered while it still runs. A million past decisions take a minute or two. The name is the one it
# was queued by before it moved here, so that runs queued then still find it (ReplayRun.TASK is its path).
@shared_task(name="cases.tasks.replay_past_cases_task", acks_late=True, time_limit=1800, soft_time_limit=1750)
def replay_past_cases_task(run_id: int) -> dict:
    """Replay every stored past case for ReplayRun `run_id` (`ReplayRunner`)."""
    return ReplayRunner().handle(run_id)
