"""Deployment checks of this project (`manage.py check --deploy`), beside Django's own."""

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured


def secret_key() -> str:
    """The key, or "" when none is set (Django refuses an empty key when it is read)."""
    try:
        return settings.SECRET_KEY
    except ImproperlyConfigured:
        return ""


def refuse_to_serve_without_a_secret_key() -> None:
    """Refuse to serve with DEBUG off on no key or on the public development key: sessions, password reset
    links and CSRF tokens signed with a key anyone can read can be forged by anyone. Called where the web
    application starts (staletrack.wsgi: gunicorn and runserver)."""
    if settings.DEBUG:
        return
    if secret_key() in ("", settings.DEVELOPMENT_SECRET_KEY):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set (or is the public development key) and DJANGO_DEBUG is off: "
            "staletrack refuses to start. Set DJANGO_SECRET_KEY to a long random value (docs/deploy.md), "
            "or DJANGO_DEBUG=1 on your own machine."
        )


@register(Tags.security, deploy=True)
def check_secret_key_is_not_public(app_configs, **kwargs):
    """The development key is in the source: anyone can sign sessions and tokens with it. (With DEBUG off
    the web application refuses it outright; check --deploy says so either way.)"""
    if secret_key() == settings.DEVELOPMENT_SECRET_KEY:
        return [
            Warning(
                "SECRET_KEY is the public development key of staletrack/settings.py.",
                hint="Set DJANGO_SECRET_KEY to a long random value (docs/deploy.md).",
                id="staletrack.W001",
            )
        ]
    return []
