"""Settings for staletrack: everything that differs between machines comes from the environment.

With nothing set, the project runs on a SQLite file under var/ and a Celery broker that needs no
server (kombu's filesystem transport), so `make run` works on a fresh clone. CI and production set
DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis).
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("STALETRACK_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
# The fallback key is only good for a first look on one's own machine; production sets its own.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "insecure-dev-only-key-set-DJANGO_SECRET_KEY-in-production")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("STALETRACK_MEDIA_ROOT", VAR_DIR / "media"))

LOGIN_URL = "admin:login"

# Upload limits: a case bundle is a small JSON file; refuse anything that could exhaust memory.
BUNDLE_MAX_BYTES = int(os.environ.get("STALETRACK_BUNDLE_MAX_BYTES", str(10 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = BUNDLE_MAX_BYTES

# The tracker webhook (AfterShip-style): the store's shared secret signs every body (HMAC-SHA256).
# Empty: the endpoint refuses every delivery.
TRACKING_WEBHOOK_SECRET = os.environ.get("STALETRACK_WEBHOOK_SECRET", "")
TRACKING_WEBHOOK_MAX_BYTES = int(os.environ.get("STALETRACK_WEBHOOK_MAX_BYTES", str(1024 * 1024)))

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
    # Longer than the longest task time limit, so a slow task is not redelivered while it still runs.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
# Tasks report through the database rows they write; results are kept only where a backend is set.
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
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
    # Monday morning in the store's time zone (CELERY_TIMEZONE): the week that ended on Sunday.
    "weekly-review": {
        "task": "suppliers.tasks.weekly_review_task",
        "schedule": crontab(
            minute=0, hour=int(os.environ.get("STALETRACK_WEEKLY_REVIEW_HOUR", "7")), day_of_week=1
        ),
    },
}

# Order imports: larger files are refused with the limit named; admin uploads past the async size run as
# a Celery task with a progress bar.
ORDER_IMPORT_MAX_BYTES = int(os.environ.get("STALETRACK_ORDER_IMPORT_MAX_BYTES", str(100 * 1024 * 1024)))
ORDER_IMPORT_ASYNC_BYTES = int(os.environ.get("STALETRACK_ORDER_IMPORT_ASYNC_BYTES", str(2 * 1024 * 1024)))
# An orders import creating more new orders than this creates their cases just after it commits (a task,
# else the sweep), not in its transaction: docs/imports-orders.md, "How it is fast".
ORDER_IMPORT_INLINE_CASES = int(os.environ.get("STALETRACK_ORDER_IMPORT_INLINE_CASES", "2000"))
# Words of a shipping method that mean the customer collects the order (a store pickup is left out of an
# orders import), and of a payment method or gateway that mean cash on delivery (a pending order paid on
# delivery is imported as cash_on_delivery). Comma-separated, compared without regard to case, as words;
# unset, the import's own lists (cases.imports.orders_csv.DEFAULT_PICKUP_WORDS, DEFAULT_COD_WORDS).
ORDER_IMPORT_PICKUP_WORDS = env_list("STALETRACK_PICKUP_WORDS")
ORDER_IMPORT_COD_WORDS = env_list("STALETRACK_COD_WORDS")

# Exports: every resource neutralises formula cells itself (cases.resources), for admin and code exports
# alike (OWASP CSV injection); the library's own setting only covers a leading "=" in the admin.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("STALETRACK_LOG_LEVEL", "INFO")},
}

# Behind HTTPS in production; off by default so the local admin on http://127.0.0.1 works.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", False)
