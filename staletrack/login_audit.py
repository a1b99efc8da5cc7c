"""The receiver that puts failed logins, and the lockout they lead to, in the audit trail.

cases.services.logins does the writing.

Installed as the app `staletrack.login_audit.LoginAuditConfig`, listed after `axes`: Django calls
receivers in the order they were connected, so django-axes has counted the attempt
(`request.axes_failures_since_start`) and decided on a lockout (`request.axes_locked_out`) before this runs.
"""

from django.apps import AppConfig
from django.conf import settings
from django.contrib.auth.signals import user_login_failed


class LoginAuditConfig(AppConfig):
    name = "staletrack.login_audit"
    label = "login_audit"
    verbose_name = "Login audit"

    def ready(self):
        user_login_failed.connect(login_failed, dispatch_uid="staletrack.login_audit.login_failed")


def login_failed(sender, credentials, request=None, **kwargs):
    from cases.services.logins import record_login_failure
    from staletrack.second_factor import client_ip, cool_off_text

    record_login_failure(
        username=credentials.get("username"),
        ip_address=client_ip(request) if request is not None else None,
        failures=getattr(request, "axes_failures_since_start", None),
        limit=settings.AXES_FAILURE_LIMIT,
        locked_out=bool(getattr(request, "axes_locked_out", False)),
        cool_off=cool_off_text(),
    )
