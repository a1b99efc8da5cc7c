"""The project package: settings, urls, the Celery app and the shared kit.

The Celery app is loaded by the app config, so that a pure module such as `staletrack.limits` imports
without Celery or Django."""
