"""The project package: settings, urls, the Celery app (loaded by the app config, so that a pure module such
as `staletrack.limits` imports without Celery or Django) and the shared kit."""
