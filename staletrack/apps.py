"""The app config of the project package: registers the deployment checks and loads the Celery app."""

from django.apps import AppConfig


class StaletrackConfig(AppConfig):
    """The project package as an app: the heartbeat that /healthz reads, and the deployment checks."""

    name = "staletrack"
    verbose_name = "staletrack"

    def ready(self) -> None:
        from staletrack import checks  # noqa: F401  (registers the checks)
        from staletrack.celery import app  # noqa: F401  (tasks sent from Django use its broker)
