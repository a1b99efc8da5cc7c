"""Settings for staletrack: everything that differs between machines comes from the environment.

With nothing set, the project runs on a SQLite file under var/ and a Celery broker that needs no
server (kombu's filesystem transport), so `make run` works on a fresh clone. CI and production set
DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from staletrack import limits

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("STALETRACK_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}") from None


DEBUG = env_bool("DJANGO_DEBUG", False)
# The secret key, hosts and HTTPS settings: "Production" at the end of this file (docs/deploy.md).

INSTALLED_APPS = [
    "staletrack.admin_app.AdminConfig",  # django.contrib.admin with the project's site (its home page)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "import_export",
    "suppliers",
    "policies",
    "cases",
    "csp",
    "staletrack",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "staletrack.urls"
WSGI_APPLICATION = "staletrack.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'staletrack.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The worker and the web server share the SQLite file; wait for a lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
else:
    # A database that does not answer fails a request (and /healthz) in seconds, not minutes.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int("DATABASE_CONNECT_TIMEOUT", 5)
    # Django's own pool (psycopg_pool) in each process, DATABASE_POOL connections at most: for threaded
    # servers; docs/deploy.md, "Connection pooling". A pool replaces persistent connections.
    if _pool_size := env_int("DATABASE_POOL", 0):
        DATABASES["default"]["OPTIONS"]["pool"] = {"min_size": 1, "max_size": _pool_size, "timeout": 10}
        DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("STALETRACK_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", VAR_DIR / "static"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("STALETRACK_MEDIA_ROOT", VAR_DIR / "media"))
# Uploads kept between an import's preview and its confirmation, under names the server chose
# (staletrack.uploads); shared between machines like MEDIA_ROOT.
UPLOAD_DIR = Path(os.environ.get("STALETRACK_UPLOAD_DIR", VAR_DIR / "uploads"))

LOGIN_URL = "admin:login"

# Logins: throttling and a second factor
# django-axes counts failed logins per username and client address and refuses that pair, unread, for
# a while after too many; staletrack.login_audit audits every failure and the lockout. Owners' sessions
# need an authenticator code (django-otp, TOTP) before any owner-only permission counts
# (staletrack.permissions.OWNER_ONLY, staletrack.second_factor). README, "Logins".
INSTALLED_APPS += [
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "staletrack.login_audit.LoginAuditConfig",
]
# OTPMiddleware marks request.user verified or not, so it needs the user: right after authentication.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # last, as django-axes asks
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: a locked-out pair is refused before any password check
    "staletrack.second_factor.SecondFactorBackend",  # before ModelBackend: it can only say no
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("STALETRACK_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("STALETRACK_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_CLIENT_IP_CALLABLE = "staletrack.second_factor.client_ip"
AXES_VERBOSE = False  # no banner on every command; failures and lockouts are still logged
# Kept out of the attempts axes stores (with the password, which it always hides).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token"]
# Behind reverse proxies of the store's own (nginx, a load balancer), how many: the client's address is
# then read from X-Forwarded-For, from the right. 0: the connection's own address.
LOGIN_TRUSTED_PROXIES = env_int("STALETRACK_TRUSTED_PROXIES", 0)
OTP_TOTP_ISSUER = "staletrack"
TEMPLATES[0]["OPTIONS"]["context_processors"].append("staletrack.second_factor.context")

# Upload limits: a case bundle is a small JSON file; refuse anything that could exhaust memory.
BUNDLE_MAX_BYTES = int(os.environ.get("STALETRACK_BUNDLE_MAX_BYTES", str(limits.MAX_BUNDLE_BYTES)))
DATA_UPLOAD_MAX_MEMORY_SIZE = BUNDLE_MAX_BYTES
# The bulk review of fast-lane drafts (cases.workbench.bulk_view) posts two fields a case, 500 cases a page:
# a little over Django's 1,000. Still a bound: a request with more fields is refused before any view.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1_100

# The tracker webhook (AfterShip-style): the store's shared secret signs every body (HMAC-SHA256).
# Empty: the endpoint refuses every delivery.
TRACKING_WEBHOOK_SECRET = os.environ.get("STALETRACK_WEBHOOK_SECRET", "")
TRACKING_WEBHOOK_MAX_BYTES = int(
    os.environ.get("STALETRACK_WEBHOOK_MAX_BYTES", str(limits.MAX_WEBHOOK_BYTES))
)
# A pushed delivery is kept by its request and applied by the worker this many seconds later, with those
# kept meanwhile (one task per web process and window, however many deliveries arrive).
WEBHOOK_APPLY_SECONDS = float(os.environ.get("STALETRACK_WEBHOOK_APPLY_SECONDS", "1"))

# Celery: a real worker and beat for every clock. With no broker configured, the filesystem
# transport under var/ needs no server, so `make run` works on a fresh clone.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    # The transport expects its folders to exist; a command run before `make run` must still queue.
    for _folder in ("out", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than the longest task time limit, so a slow task is not redelivered while it still runs.
        "visibility_timeout": 3600,
        # A send to a broker that is down fails at once instead of reconnecting for the connect timeout
        # (4 s, then 6 s a send, measured): a web request queues after commit and must not wait for it
        # (staletrack.celery.queue_after_commit). The worker reconnects by its own retry settings.
        "max_retries": 0,
    }
# The cache holds the API tokens' rate counts (staletrack.tokens.take_call), which every web process must
# share: Redis, the broker's own server unless STALETRACK_CACHE_URL names another. Without Redis (make run),
# each process keeps its own counts.
CACHE_URL = os.environ.get("STALETRACK_CACHE_URL", "").strip() or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else ""
)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    | {
        "KEY_PREFIX": "staletrack",
        "TIMEOUT": 300,
        "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
    }
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
# Tasks report through the database rows they write; results are kept only where a backend is set.
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# One try to publish: a broker that is down must fail a send at once, not hold the web request that queued
# it through retries (staletrack.celery.queue_after_commit says what stands in for a lost send).
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "sweep-due-cases": {
        "task": "cases.tasks.sweep_due_cases_task",
        "schedule": float(os.environ.get("STALETRACK_SWEEP_SECONDS", "300")),
    },
    # Stored runs whose task can no longer finish (staletrack.runs.fail_lost_runs): pages only read, so
    # without it a lost run stays pending or running for ever in the admin lists.
    "fail-lost-runs": {
        "task": "cases.tasks.fail_lost_runs_task",
        "schedule": float(os.environ.get("STALETRACK_LOST_RUNS_SECONDS", "600")),
    },
    # Pushed deliveries kept while the broker was down (each delivery's own task never reached it).
    "apply-pending-deliveries": {
        "task": "cases.tasks.apply_deliveries_task",
        "schedule": float(os.environ.get("STALETRACK_PENDING_DELIVERIES_SECONDS", "60")),
    },
    # Pushed deliveries past their connection's retention (cases.intake.webhooks.services).
    "delete-expired-deliveries": {
        "task": "cases.tasks.delete_expired_deliveries_task",
        "schedule": float(os.environ.get("STALETRACK_DELIVERY_RETENTION_SECONDS", "3600")),
    },
    # On the hour (CELERY_TIMEZONE): the day's first run counts the open cases per risk level for the home
    # page's change since yesterday (cases.services.open_case_counts); the day's later runs write nothing.
    "open-case-counts": {"task": "cases.tasks.record_open_case_counts_task", "schedule": crontab(minute=0)},
    # Monday morning in the store's time zone (CELERY_TIMEZONE): the week that ended on Sunday. The weekly
    # digest to the owners is queued when the review has built that week's rollups.
    "weekly-review": {
        "task": "suppliers.tasks.weekly_review_task",
        "schedule": crontab(
            minute=0, hour=int(os.environ.get("STALETRACK_WEEKLY_REVIEW_HOUR", "7")), day_of_week=1
        ),
    },
    # The digest's backstop, should the review's queueing of it be lost: it sends only to the owners who
    # have not had that week's digest, and only once the week's rollups are built.
    "weekly-digest": {
        "task": "suppliers.digest.tasks.send_weekly_digest_task",
        "schedule": crontab(
            minute=45, hour=int(os.environ.get("STALETRACK_WEEKLY_REVIEW_HOUR", "7")), day_of_week=1
        ),
    },
}

# Order imports: larger files are refused with the limit named; admin uploads past the async size run as
# a Celery task with a progress bar.
ORDER_IMPORT_MAX_BYTES = int(os.environ.get("STALETRACK_ORDER_IMPORT_MAX_BYTES", str(limits.MAX_FILE_BYTES)))
ORDER_IMPORT_ASYNC_BYTES = int(os.environ.get("STALETRACK_ORDER_IMPORT_ASYNC_BYTES", str(2 * 1024 * 1024)))
# An orders import creating more new orders than this creates their cases just after it commits (a task,
# else the sweep), not in its transaction: docs/imports-orders.md, "How it is fast".
ORDER_IMPORT_INLINE_CASES = int(os.environ.get("STALETRACK_ORDER_IMPORT_INLINE_CASES", "2000"))
# Words of a shipping method that mean the customer collects the order (a store pickup is left out of an
# orders import), and of a payment method or gateway that mean cash on delivery (a pending order paid on
# delivery is imported as cash_on_delivery). Comma-separated, compared without regard to case, as words;
# unset, the import's own lists (cases.intake.orders_csv.DEFAULT_PICKUP_WORDS, DEFAULT_COD_WORDS).
ORDER_IMPORT_PICKUP_WORDS = env_list("STALETRACK_PICKUP_WORDS")
ORDER_IMPORT_COD_WORDS = env_list("STALETRACK_COD_WORDS")

# Exports: every resource neutralises formula cells itself (staletrack.exports), for admin and code exports
# alike (OWASP CSV injection); the library's own setting only covers a leading "=" in the admin.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_TMP_STORAGE_CLASS = "staletrack.uploads.UploadStorage"
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

# Email: the weekly digest to every owner (suppliers.digest). With DEBUG on (make run) the console backend
# prints each message in the worker's output; otherwise SMTP with the settings below (docs/deploy.md).
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "").strip() or (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL", False)  # TLS from the start, usually port 465
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set DJANGO_EMAIL_USE_TLS or DJANGO_EMAIL_USE_SSL, not both.")
# A mail server that does not answer fails a send in this many seconds; the digest's claim is held meanwhile.
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "staletrack <staletrack@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where people reach the admin, for the links of an email (no trailing slash).
STALETRACK_BASE_URL = os.environ.get("STALETRACK_BASE_URL", "http://127.0.0.1:8000").strip().rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("STALETRACK_LOG_LEVEL", "INFO")},
    # The MCP SDK logs each stateless request's start and end at INFO (staletrack.mcp.http serves one per
    # call), WeasyPrint each step of an evidence pack's PDF: warnings and errors only.
    "loggers": {"mcp": {"level": "WARNING"}, "weasyprint.progress": {"level": "WARNING"}},
}

# ---------------------------------------------------------------------------------------------------
# Production: refuses to start without a secret key; HTTPS settings. docs/deploy.md lists every variable
# and the environment under which `check --deploy --fail-level WARNING` is clean
# (deploy/production.env.example).

# pytest sets PYTEST_VERSION while it runs: the tests run with DEBUG off (pytest-django forces it anyway)
# on the development key and without collected static files, so `make test` needs no environment.
TESTING = "PYTEST_VERSION" in os.environ
# The fallback key is public (it is in this file): good for a first look on one's own machine only.
DEVELOPMENT_SECRET_KEY = "insecure-dev-only-key-set-DJANGO_SECRET_KEY-in-production"
# With DEBUG off and no key, SECRET_KEY stays empty: commands that sign nothing (migrate, makemigrations,
# check) still run, Django refuses anything that would sign with it, `check --deploy` says so, and the web
# application refuses to start (staletrack.wsgi, staletrack.checks.refuse_to_serve_without_a_secret_key).
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "").strip() or (
    DEVELOPMENT_SECRET_KEY if DEBUG or TESTING else ""
)

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# HTTPS. Behind a proxy that ends TLS, the proxy says so in a header (e.g. X-Forwarded-Proto); trust it only
# when the proxy always sets it (and strips a client's own), so opt in by naming the header.
_proxy_header = os.environ.get("DJANGO_SECURE_PROXY_SSL_HEADER", "").strip()
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", False)
# A load balancer asks for the health check over plain HTTP, straight at the process.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
# Off by default so the local admin on http://127.0.0.1 works; on behind HTTPS.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", False)
# A back-office login lasts a working day, not Django's two weeks.
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_COOKIE_AGE", 12 * 60 * 60)
# A deployment that knowingly departs from a check (say HSTS on a domain whose subdomains cannot all take it)
# names it here, so `check --deploy --fail-level WARNING` stays a gate.
SILENCED_SYSTEM_CHECKS = env_list("DJANGO_SILENCED_SYSTEM_CHECKS")

# Content security policy (django-csp): scripts only from this site (the admin's own static files) or
# carrying the response's nonce (`nonce="{{ request.csp_nonce }}"`); styles may be inline, as the admin's and
# this project's templates use style attributes and <style> blocks. No plugins, no framing, forms post here.
_csp = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
if _csp_report_uri := os.environ.get("DJANGO_CSP_REPORT_URI", "").strip():
    _csp["DIRECTIVES"]["report-uri"] = [_csp_report_uri]
if env_bool("DJANGO_CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp  # reports what it would block, blocks nothing
else:
    CONTENT_SECURITY_POLICY = _csp

# Static files: whitenoise serves them from STATIC_ROOT (`manage.py collectstatic`, which bin/serve
# --production and deploy/ run), compressed, under names that carry their hash so browsers may keep them
# for ever. With DEBUG on, and in the tests, they come straight from the apps (nothing collected).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = DEBUG or TESTING

# The health check (/healthz, staletrack.health): beat sends a heartbeat this often, and a heartbeat older
# than three of these means beat is gone.
HEARTBEAT_SECONDS = env_int("STALETRACK_HEARTBEAT_SECONDS", 60)
HEALTH_BEAT_MAX_AGE = env_int("STALETRACK_HEALTH_BEAT_MAX_AGE", 3 * HEARTBEAT_SECONDS)
HEALTH_TIMEOUT_SECONDS = env_int("STALETRACK_HEALTH_TIMEOUT", 2)
CELERY_BEAT_SCHEDULE["beat-heartbeat"] = {
    "task": "staletrack.tasks.beat_heartbeat",
    "schedule": float(HEARTBEAT_SECONDS),
    # A heartbeat no worker took in time is worth nothing later: the broker drops it.
    "options": {"expires": HEARTBEAT_SECONDS},
}
