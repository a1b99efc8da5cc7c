"""Production settings: no start without a secret key when DEBUG is off; `check --deploy` clean under the
environment docs/deploy.md documents (deploy/production.env.example); the content security policy on."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTED_ENV = ROOT / "deploy" / "production.env.example"
A_KEY = "a-test-only-key-ZmFrZS1zZWNyZXQtZm9yLXRlc3RzLW9ubHk-with-enough-length-and-variety"
SETTINGS_PREFIXES = ("DJANGO_", "STALETRACK_", "DATABASE_", "CELERY_", "WEB_CONCURRENCY")


def bare_env(**extra: str) -> dict[str, str]:
    """This process's environment without pytest's marker (PYTEST_VERSION: the settings allow the tests a
    development key) and without any setting of the project's, plus `extra`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name != "PYTEST_VERSION" and not name.startswith(SETTINGS_PREFIXES)
    }
    return env | {"DJANGO_SETTINGS_MODULE": "staletrack.settings"} | extra


def documented_env(**extra: str) -> dict[str, str]:
    """deploy/production.env.example as systemd's EnvironmentFile reads it, then `extra`."""
    values = {}
    for line in DOCUMENTED_ENV.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            # systemd removes the double quotes around a value (they keep a shell from reading `<` as a
            # redirection when the file is sourced, as .ci/run does).
            values[name] = value[1:-1] if len(value) > 1 and value[0] == value[-1] == '"' else value
    return bare_env(**values) | extra


def test_the_documented_environment_sources_in_a_shell_as_ci_does():
    sourced = subprocess.run(
        ["bash", "-c", f'set -a && . "{DOCUMENTED_ENV}" && set +a && echo "$DJANGO_DEFAULT_FROM_EMAIL"'],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert sourced.returncode == 0, sourced.stderr
    assert sourced.stdout.strip() == documented_env()["DJANGO_DEFAULT_FROM_EMAIL"]


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


SETUP = "import django; django.setup(); print('started')"
# The web application, as gunicorn and runserver load it.
SERVE = "import staletrack.wsgi; print('started')"
CHECK_DEPLOY = ["manage.py", "check", "--deploy", "--fail-level", "WARNING"]


def test_debug_off_without_a_secret_key_refuses_to_start():
    out = run(["-c", SERVE], bare_env(DJANGO_DEBUG="0"))
    assert out.returncode != 0
    assert "ImproperlyConfigured" in out.stderr
    assert "DJANGO_SECRET_KEY is not set" in out.stderr
    assert "started" not in out.stdout


def test_debug_unset_is_off_and_refuses_too():
    out = run(["-c", SERVE], bare_env())
    assert out.returncode != 0 and "DJANGO_SECRET_KEY" in out.stderr


def test_the_public_development_key_is_refused_with_debug_off():
    from django.conf import settings

    out = run(["-c", SERVE], bare_env(DJANGO_DEBUG="0", DJANGO_SECRET_KEY=settings.DEVELOPMENT_SECRET_KEY))
    assert out.returncode != 0 and "public development key" in out.stderr


def test_debug_on_keeps_a_development_key_and_check_deploy_says_so():
    assert run(["-c", SETUP], bare_env(DJANGO_DEBUG="1")).stdout.strip() == "started"
    out = run(["manage.py", "check", "--deploy"], bare_env(DJANGO_DEBUG="1"))
    assert "staletrack.W001" in out.stderr + out.stdout
    assert "security.W018" in out.stderr + out.stdout  # DEBUG on


def test_a_key_of_its_own_starts_with_debug_off():
    assert run(["-c", SERVE], bare_env(DJANGO_DEBUG="0", DJANGO_SECRET_KEY=A_KEY)).stdout.strip() == "started"


def test_commands_that_sign_nothing_run_without_a_key_and_check_deploy_says_it_is_missing():
    """A fresh clone with nothing set: migrations are checked, but the deployment check names the key."""
    out = run(["manage.py", "makemigrations", "--check", "--dry-run"], bare_env())
    assert out.returncode == 0, out.stderr
    out = run(CHECK_DEPLOY, bare_env())
    assert out.returncode != 0 and "security.W009" in out.stderr + out.stdout


def test_a_number_setting_that_is_no_number_is_named():
    out = run(["-c", SETUP], bare_env(DJANGO_DEBUG="1", DJANGO_HSTS_SECONDS="a year"))
    assert out.returncode != 0 and "DJANGO_HSTS_SECONDS must be a whole number, got 'a year'" in out.stderr


def test_check_deploy_is_clean_under_the_documented_environment():
    out = run(CHECK_DEPLOY, documented_env(DJANGO_SECRET_KEY=A_KEY))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "System check identified no issues" in out.stdout


def test_check_deploy_fails_without_the_https_settings():
    """The clean run above is not check --deploy seeing nothing: leave the HTTPS lines out and it fails."""
    env = documented_env(DJANGO_SECRET_KEY=A_KEY)
    for name in ("DJANGO_SECURE_SSL_REDIRECT", "DJANGO_HSTS_SECONDS", "DJANGO_SECURE_COOKIES"):
        del env[name]
    out = run(CHECK_DEPLOY, env)
    assert out.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in out.stderr


def test_the_documented_environment_sets_what_docs_deploy_promises():
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps({"
        "'debug': s.DEBUG, 'proxy': s.SECURE_PROXY_SSL_HEADER, 'redirect': s.SECURE_SSL_REDIRECT, "
        "'hsts': s.SECURE_HSTS_SECONDS, 'cookies': [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE], "
        "'age': s.SESSION_COOKIE_AGE, 'storage': s.STORAGES['staticfiles']['BACKEND'], "
        "'csp': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['script-src'] and True}))"
    )
    out = run(["-c", code], documented_env(DJANGO_SECRET_KEY=A_KEY))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {
        "debug": False,
        "proxy": ["HTTP_X_FORWARDED_PROTO", "https"],
        "redirect": True,
        "hsts": 31536000,
        "cookies": [True, True],
        "age": 12 * 60 * 60,
        "storage": "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "csp": True,
    }
    assert "DJANGO_SECRET_KEY=\n" in DOCUMENTED_ENV.read_text()  # the example carries no key to copy


@pytest.mark.django_db
def test_every_page_carries_the_content_security_policy(client):
    response = client.get("/admin/login/")
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"  # no inline script, no eval
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" not in directives["default-src"]


@pytest.mark.django_db
def test_the_health_check_is_not_redirected_to_https(client, settings):
    """A load balancer asks over plain HTTP, straight at the process."""
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/admin/login/").status_code == 301
    assert client.get("/healthz").status_code in (200, 503)


def test_a_deployment_silences_a_check_it_knowingly_departs_from():
    env = documented_env(DJANGO_SECRET_KEY=A_KEY, DJANGO_SILENCED_SYSTEM_CHECKS="security.W005,security.W021")
    del env["DJANGO_HSTS_INCLUDE_SUBDOMAINS"], env["DJANGO_HSTS_PRELOAD"]
    out = run(CHECK_DEPLOY, env)
    assert out.returncode == 0, out.stderr
    assert "(2 silenced)" in out.stdout


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def test_no_template_runs_a_script_the_content_security_policy_blocks():
    """Scripts come from static files, or inline with the response's nonce; no onclick="..." attributes and
    no javascript: links, which no nonce can allow."""
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text()
        name = path.relative_to(ROOT)
        scripts = INLINE_SCRIPT.findall(text)
        offenders += [f"{name}: {tag}" for tag in scripts if "request.csp_nonce" not in tag]
        offenders += [f"{name}: {tag}" for tag in EVENT_HANDLER.findall(text)]
        offenders += [f"{name}: javascript: URL" for _ in re.findall(r"javascript:", text, re.IGNORECASE)]
    assert offenders == []
