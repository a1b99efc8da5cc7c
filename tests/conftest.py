"""Shared fixtures, and the rule for tests that need real services.

Tests marked `postgres` or `redis` skip (with the reason) when the service is not configured, so
`make test` works on a bare clone with SQLite. Under REQUIRE_SERVICES=1 (set by .ci/run) a missing
service is a failure instead of a skip.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

SPEC_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "spec"
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _postgres_missing() -> str | None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    return None


def _redis_missing() -> str | None:
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        return "needs Redis: set CELERY_BROKER_URL=redis://..."
    return None


SERVICE_CHECKS = {"postgres": _postgres_missing, "redis": _redis_missing}


def pytest_collection_modifyitems(config, items):
    for item in items:
        for marker, check in SERVICE_CHECKS.items():
            if item.get_closest_marker(marker) is None:
                continue
            reason = check()
            if reason is None:
                continue
            if REQUIRE_SERVICES:
                item.add_marker(pytest.mark.usefixtures("_service_required_but_missing"))
                item.user_properties.append(("missing_service", reason))
            else:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def _service_required_but_missing(request):
    reasons = [value for key, value in request.node.user_properties if key == "missing_service"]
    pytest.fail(f"REQUIRE_SERVICES=1 but this test {'; '.join(reasons)}")


@pytest.fixture
def spec_dir() -> Path:
    if not SPEC_DIR.is_dir():
        pytest.fail(f"The shared spec is expected beside the repository at {SPEC_DIR}")
    return SPEC_DIR
