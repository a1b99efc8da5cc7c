"""The project's own model: the heartbeat of background processes that /healthz reads."""

from django.db import models


class Heartbeat(models.Model):
    """When a background process last showed it is alive, by name (`beat`, `worker`): one row each, written
    to the database so that every web machine's /healthz sees the same."""

    name = models.CharField(max_length=40, primary_key=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"
