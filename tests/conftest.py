"""Shared fixtures (people, the known week, a label-only case, the mocked re-assessment queue), and the
rule for tests that need real services. Shared builders live in tests/helpers/: a test module never
imports another.

Tests marked `postgres`, `redis` or `browser` skip (with the reason) when the service is not configured, so
`make test` works on a bare clone with SQLite. Under REQUIRE_SERVICES=1 (set by .ci/run) a missing
service (or Chromium) is a failure instead of a skip.
"""

import os
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings

from tests.factories import OrderFactory, UserFactory
from tests.helpers.clock import import_label_only_cases
from tests.helpers.known_week import build_week
from tests.helpers.otp import verified

# The spec's example bundles and their expected packets, copied into the project (a clone stands alone).
SPEC_DIR = Path(__file__).resolve().parent / "spec"
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _postgres_missing() -> str | None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    return None


def _redis_missing() -> str | None:
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        return "needs Redis: set CELERY_BROKER_URL=redis://..."
    return None


def _browser_missing() -> str | None:
    chromium = os.environ.get("STALETRACK_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        return f"needs Chromium at {chromium}: apt-get install chromium"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "needs the playwright package (requirements.txt)"
    return None


SERVICE_CHECKS = {"postgres": _postgres_missing, "redis": _redis_missing, "browser": _browser_missing}


def missing_services(item) -> list[str]:
    return [
        reason
        for marker, check in SERVICE_CHECKS.items()
        if item.get_closest_marker(marker) is not None and (reason := check()) is not None
    ]


def pytest_collection_modifyitems(config, items):
    if REQUIRE_SERVICES:
        return  # pytest_runtest_setup fails them instead
    for item in items:
        for reason in missing_services(item):
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_runtest_setup(item):
    if REQUIRE_SERVICES and (reasons := missing_services(item)):
        pytest.fail(f"REQUIRE_SERVICES=1 but this test {'; '.join(reasons)}", pytrace=False)


# The rows data migrations load (roles, the default policy). A transactional test flushes the database
# when it ends; pytest-django's serialized rollback does not bring them back for every later test. The
# roles run with the models of their own migration: they grant permissions of a model renamed since
# (OrderTracking, now Parcel), which the parcels migration hands on.
DATA_MIGRATIONS = (
    ("cases.migrations.0003_roles", "create_roles", True),
    ("suppliers.migrations.0002_weeklyrollup", "grant_view", False),
    ("policies.migrations.0002_default_policy", "load_defaults", False),
    ("cases.migrations.0019_line_items_and_parcels_of_stored_orders", "parcel_permissions", False),
    ("cases.migrations.0025_owner_manages_connections", "grant", False),
    ("cases.migrations.0030_staff_decide_what_messages_propose", "grant", False),
    ("cases.migrations.0033_staff_decide_what_agents_propose", "grant", False),
    ("cases.migrations.0037_dispute_roles", "grant", False),
    ("cases.migrations.0039_fast_lane", "grant", False),
    ("staletrack.migrations.0003_owner_manages_tokens", "grant", False),
)


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    """Uploads kept between preview and confirmation go to the test's own folder, not the project's var/."""
    settings.UPLOAD_DIR = tmp_path / "uploads"
    return settings.UPLOAD_DIR


@pytest.fixture(autouse=True)
def broker_backoff_reset():
    """A test whose broker fails makes queue_after_commit skip sends for a few seconds: never the next
    test's."""
    import staletrack.celery

    staletrack.celery._broker_down_until = 0.0
    staletrack.celery._coalesced_until.clear()
    yield
    staletrack.celery._broker_down_until = 0.0
    staletrack.celery._coalesced_until.clear()


@pytest.fixture(autouse=True)
def migration_data(request):
    """Before a transactional test, load the data migrations' rows again when a flush took them, with the
    migrations' own historical models (never the global app registry, which they alter)."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    if not marker.kwargs.get("serialized_rollback"):
        # A flush without it re-creates the content types under new ids, and the next test that restores
        # its serialized rows then fails on a duplicate content type: every transactional test asks for it.
        pytest.fail("a transactional test needs django_db(transaction=True, serialized_rollback=True)")
    request.getfixturevalue("transactional_db")
    from importlib import import_module

    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    # A flush recreates content types under new ids; the per-process cache would still hand out old ones.
    ContentType.objects.clear_cache()
    if Group.objects.filter(name="Owner").exists():
        return
    loader = MigrationLoader(connection)
    latest = loader.project_state().apps
    for module, function, own_state in DATA_MIGRATIONS:
        app_label, _, name = module.split(".")
        state_apps = loader.project_state((app_label, name)).apps if own_state else latest
        getattr(import_module(module), function)(state_apps, None)


@pytest.fixture
def spec_dir() -> Path:
    if not SPEC_DIR.is_dir():
        pytest.fail(f"The spec examples are expected at {SPEC_DIR}")
    return SPEC_DIR


# People: the same three in every test module that needs them. A module whose test logs one in on the client
# overrides the fixture by asking for it and the client.


@pytest.fixture
def staff(db):
    """Stan, a member of the Staff role."""
    return UserFactory(username="stan", role="Staff")


@pytest.fixture
def owner(db):
    """Olga, an Owner whose owner-only permissions count (a session verified by her second factor)."""
    return verified(UserFactory(username="olga", role="Owner"))


@pytest.fixture
def owner2(db):
    """Otto, a second verified Owner: four eyes need someone other than the requester."""
    return verified(UserFactory(username="otto", role="Owner"))


@pytest.fixture
def importer(staff, client):
    """Stan logged in on the client: Staff may import orders and tracking."""
    client.force_login(staff)
    return staff


# Data and mocks several modules share.


@pytest.fixture
def week(db):
    """The known week of the supplier rollups (tests.helpers.known_week), stored."""
    build_week()


@pytest.fixture
def queued():
    """The re-assessment task's delay, mocked: no test needs a broker."""
    with mock.patch("cases.tasks.reassess_cases_task.delay") as delay:
        yield delay


@pytest.fixture
def case(db):
    """A label-only case past its 5-day label window, no pickup proof: chase the supplier."""
    (case,) = import_label_only_cases(1, label_days_ago=7)
    return case


@pytest.fixture
def orders(db):
    """Orders #1042 and #1043, by order id: the orders a tracking file names."""
    return {order_id: OrderFactory(order_id=order_id) for order_id in ("#1042", "#1043")}


@pytest.fixture(params=["batched", pytest.param("copy", marks=pytest.mark.postgres)])
def engine(request):
    """Each orders import engine in turn: batched everywhere, PostgreSQL's COPY where it runs."""
    return request.param


@pytest.fixture
def var_dir(settings, tmp_path):
    """settings.VAR_DIR (the project's var/ folder) in the test's own folder."""
    settings.VAR_DIR = tmp_path


@pytest.fixture
def deliveries_applied_at_once(monkeypatch):
    """The worker's half of a pushed delivery (cases.intake.webhooks.services.apply_pending) run in the
    request that kept it, so a test reads what a delivery wrote right after posting it. The tests of the
    worker's half itself (tests/cases/intake/webhooks/test_applying.py) go without it."""
    from cases.intake.webhooks import services

    monkeypatch.setattr(services, "queue_apply", lambda: services.apply_pending())


# The production server (gunicorn as deployed) for the tests that need it: tests/helpers/production.py.


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    from tests.helpers import production

    return production.collected_static(tmp_path_factory)


@pytest.fixture
def production_server(collected_static, tmp_path):
    """gunicorn with deploy/gunicorn.conf.py, one worker, against the test database; its URL."""
    from tests.helpers import production

    yield from production.production_server(collected_static, tmp_path)
