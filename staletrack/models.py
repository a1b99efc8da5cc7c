"""The project's own models: the heartbeat of background processes that /healthz reads, what the background
jobs last did (the admin's home page), and the agents' API tokens."""

from django.conf import settings
from django.db import models


class Heartbeat(models.Model):
    """When a background process last showed it is alive, by name (`beat`, `worker`): one row each, written
    to the database so that every web machine's /healthz sees the same."""

    name = models.CharField(max_length=40, primary_key=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"


class JobReport(models.Model):
    """What a background job did the last time it finished, by name (`sweep`, `weekly_review`): one row each,
    replaced by every run (`staletrack.job_reports.record_job`), read by the admin's home page. A run that
    dies leaves the last finished one in place, and its time says how long ago that was."""

    job = models.CharField(max_length=40, primary_key=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    summary = models.JSONField(
        default=dict, blank=True, help_text="The job's own counts, as it returns them."
    )

    def __str__(self) -> str:
        return f"{self.job} finished at {self.finished_at:%Y-%m-%d %H:%M:%S}"


class ApiToken(models.Model):
    """A bearer token an owner gave a named agent or integration for the API and the MCP server.

    Only its digest is kept: the token is shown once, when made (`staletrack.tokens.create_token`). A
    token reads (`read`) or also proposes (`propose`); no scope reaches money, products, suppliers'
    standing, the policy or sending."""

    class Scope(models.TextChoices):
        READ = "read", "read: cases, packets, suppliers, the scorecard, the policy"
        PROPOSE = "propose", "propose: read, and propose drafts, chases, outcomes and notes"

    name = models.CharField(max_length=100, help_text="Who uses it: the agent or integration, by name.")
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ)
    key_id = models.CharField(
        max_length=16, unique=True, editable=False, help_text="The token's public part."
    )
    digest = models.CharField(max_length=64, editable=False, help_text="SHA-256 of the whole token.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    rate_per_minute = models.PositiveIntegerField(
        default=600, help_text="Calls allowed per minute; more are answered 429 until the minute ends."
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.scope}, {self.key_id})"

    @property
    def label(self) -> str:
        """How the audit trail names the token's calls."""
        return f"agent:{self.name}"[:150]
