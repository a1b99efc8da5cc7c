"""Deployment checks of this project (`manage.py check --deploy`), beside Django's own."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_secret_key_is_not_public(app_configs, **kwargs):
    """The development key is in the source: anyone can sign sessions and tokens with it. (With DEBUG off
    the settings refuse it outright; with DEBUG on, check --deploy says so.)"""
    if settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
        return [
            Warning(
                "SECRET_KEY is the public development key of staletrack/settings.py.",
                hint="Set DJANGO_SECRET_KEY to a long random value (docs/deploy.md).",
                id="staletrack.W001",
            )
        ]
    return []
