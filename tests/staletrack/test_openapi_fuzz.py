"""The served OpenAPI schema is valid, and the API keeps to it under fuzzing.

schemathesis reads the schema the API serves (with a token, as every call needs) and generates calls for
every operation, valid and invalid, sent to Django's WSGI handler in this test's own thread and
transaction. No answer may be a 5xx; each must have a status, a content type and a body the schema
declares. Small and deterministic (25 examples per operation and mode, `derandomize`), so it runs in
`make test`."""

import re

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from jsonschema import Draft202012Validator
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from policies.models import Policy, WhatIfRun
from policies.services import create_draft
from tests.helpers.api_calls import issue

pytestmark = pytest.mark.django_db

SCHEMA_URL = "/api/openapi.json"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 25
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """No test here logs anyone in: the people's passwords need not cost a second each to hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def app():
    """Django's WSGI handler, called in the test's thread, so inside the test's transaction. Its
    end-of-request signal would close that connection mid-transaction: kept off while the test runs, as
    Django's own test client does for each request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def auth(owner):
    """The Authorization header of a propose token, with a rate no fuzz run reaches."""
    _, raw = issue(owner, name="fuzzer", scope="propose", rate_per_minute=100_000)
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def schema(app, auth):
    return schemathesis.openapi.from_wsgi(SCHEMA_URL, app, headers=auth)


def test_the_served_schema_is_valid_openapi(schema):
    schema.validate()  # against the OpenAPI 3.1 meta-schema
    raw = schema.raw_schema
    assert raw["openapi"].startswith("3.1")
    for component in raw["components"]["schemas"].values():
        Draft202012Validator.check_schema(component)
    operations = [(path, method, op) for path, ops in raw["paths"].items() for method, op in ops.items()]
    ids = [op["operationId"] for _, _, op in operations]
    assert len(ids) == len(set(ids)), "operationIds must be unique"
    for path, method, op in operations:
        # Every call needs the bearer token, and every refusal an agent can meet is declared.
        assert op["security"] == [{"TokenAuth": []}], (method, path)
        assert {"401", "403", "404", "422", "429"} <= set(op["responses"]), (method, path)
        assert op.get("summary"), (method, path)
        for status, response in op["responses"].items():
            assert response["content"]["application/json"]["schema"], (method, path, status)
    assert raw["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}


def test_the_validation_bites(schema):
    """A schema with a broken operation is refused: the check above is not a formality."""
    broken = {**schema.raw_schema, "paths": {"/api/cases": {"get": {"responses": {"200": {"content": 5}}}}}}
    with pytest.raises(Exception, match="content"):
        schemathesis.openapi.from_dict(broken).validate()


@pytest.fixture
def data(case, owner):
    """A real case and a real what-if run, so that generated calls reach past 404 too."""
    draft = create_draft(
        base=Policy.objects.get(is_active=True), actor=owner, changes={"stale_in_transit_days": 9}
    )
    run = WhatIfRun.objects.create(draft=draft, as_of=timezone.now(), status="succeeded", changes=[{"a": 1}])
    return {"case_id": case.pk, "run_id": run.pk}


def test_fuzzing_every_operation_finds_no_server_error_and_no_answer_off_the_schema(schema, auth, data):
    failures: dict[str, str] = {}
    statuses: dict[str, set[int]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        real = {name: data[name] for name in re.findall(r"\{(\w+)\}", operation.path)}
        runs = [(GenerationMode.POSITIVE, {}), (GenerationMode.NEGATIVE, {})]
        if real:
            runs.append((GenerationMode.POSITIVE, real))
        for mode, path_parameters in runs:
            run = f"{operation.label} ({mode.value}{', real ids' if path_parameters else ''})"
            if failure := fuzz(
                operation, mode, path_parameters, auth, statuses.setdefault(operation.label, set())
            ):
                failures[run] = failure
    assert not failures, "\n\n".join(f"{run}: {failure}" for run, failure in failures.items())
    # The fuzz reached the routes themselves, not only their refusals.
    for label, seen in statuses.items():
        assert seen & {200, 201}, (label, seen)


def fuzz(operation, mode, path_parameters: dict, auth: dict, statuses: set[int]) -> str | None:
    """Run one operation's generated calls; the failure of the shrunk example, if any. Every operation is
    fuzzed before the test fails, so one run names every failing operation."""
    strategy = operation.as_strategy(mode, path_parameters=path_parameters or None)
    found: list[str] = []

    @FUZZ
    @given(strategy)
    def call(case):
        try:
            response = case.call(headers=auth)
            statuses.add(response.status_code)
            case.validate_response(response, checks=CHECKS, headers=auth)
        except (Exception, BaseExceptionGroup) as failure:  # schemathesis raises a group of failed checks
            found.append(str(failure))
            raise

    try:
        call()
    except (Exception, BaseExceptionGroup):
        return found[-1]
    return None
