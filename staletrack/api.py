"""The agents' API under /api/: one NinjaAPI with each app's router, its bearer tokens, its cursor pages,
its errors, and one audit event per call under the token's name.

Read-only but for proposals (`cases.api`): no route reaches money decisions, products, suppliers'
standing, the policy or sending, whatever the token. The schema is served at /api/openapi.json."""

from __future__ import annotations

import contextlib
import functools
from decimal import Decimal
from typing import Any

import orjson
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import DatabaseError
from django.http import Http404
from ninja import Field, NinjaAPI, Schema
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import BaseRenderer
from ninja.security import HttpBearer
from pydantic import BaseModel

from staletrack import tokens
from staletrack.cursors import BadCursor
from staletrack.models import ApiToken


class Refusal(Schema):
    """Why a call was refused: a sentence, or the fields with what is wrong in each."""

    detail: Any


# A text a caller filters on: anything but NUL, which PostgreSQL cannot compare (it refuses the query).
NO_NUL = r"^[^\x00]*$"


class PageQuery(Schema):
    cursor: str | None = Field(
        None, max_length=500, pattern=r"^[A-Za-z0-9_-]*$", description="next_cursor of the page before."
    )
    limit: int = Field(50, ge=1, le=200)


ERRORS = {401: Refusal, 403: Refusal, 404: Refusal, 422: Refusal, 429: Refusal}
# A route that reads a JSON body also answers 400 when the body is not JSON at all.
BODY_ERRORS = {400: Refusal, **ERRORS}


class RateLimited(Exception):
    def __init__(self, token: ApiToken, wait: int):
        self.token, self.wait = token, wait
        super().__init__(f"The token {token.name!r} is limited to {token.rate_per_minute} calls a minute.")


class TokenAuth(HttpBearer):
    """`Authorization: Bearer stk_...`: a token that is known, not revoked, not expired, within its rate."""

    def authenticate(self, request, token):
        try:
            found = tokens.authenticate(token)
        except tokens.TokenRefused as refused:
            raise PermissionDenied(str(refused)) from None
        request.api_token = found
        if (wait := tokens.take_call(found)) is not None:
            raise RateLimited(found, wait)
        return found


def require_scope(request, scope: str) -> ApiToken:
    """The call's token, if it holds `scope` (`propose` includes `read`)."""
    token: ApiToken = request.auth
    if scope == ApiToken.Scope.PROPOSE and token.scope != ApiToken.Scope.PROPOSE:
        raise PermissionDenied(f"The token {token.name!r} may only read: this needs the propose scope.")
    return token


class JSONRenderer(BaseRenderer):
    """orjson, times in RFC 3339 with Z for UTC: what pydantic's JSON mode writes, so the MCP tools'
    results (`payload`) are the API's bodies byte for byte once parsed."""

    media_type = "application/json"

    def render(self, request, data, *, response_status):
        return orjson.dumps(data, default=_default, option=orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS)


def _default(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, BaseModel):
        return value.model_dump()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def payload(schema: type[Schema], data) -> dict:
    """`data` as the API answers it under `schema`: validated, then through the API's own renderer."""
    return orjson.loads(
        JSONRenderer().render(None, schema.model_validate(data).model_dump(), response_status=200)
    )


def _schema_needs_token(view):
    """The schema, like every call, needs a token (of any scope)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            if not TokenAuth()(request):
                raise PermissionDenied("Send Authorization: Bearer <token>.")
        except (PermissionDenied, RateLimited) as exc:
            return api.on_exception(request, exc)
        return view(request, *args, **kwargs)

    return wrapper


api = NinjaAPI(
    title="staletrack agents' API",
    version="1",
    description="Read cases, decision packets, timelines, parcels, suppliers, the scorecard, the policy in "
    "force and what-if results; with a propose token, propose drafts, chases, outcomes and notes that a "
    "person accepts. Every call: Authorization: Bearer <token>.",
    auth=TokenAuth(),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url=None,
    docs_decorator=_schema_needs_token,
    renderer=JSONRenderer(),
)


def _error(request, status: int, detail, **headers):
    response = api.create_response(request, {"detail": detail}, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    # No token, or one refused: 401; a token without the scope: 403.
    status = 403 if getattr(request, "api_token", None) is not None else 401
    return _error(request, status, str(exc) or "Forbidden.")


@api.exception_handler(RateLimited)
def _rate_limited(request, exc):
    return _error(request, 429, str(exc), **{"Retry-After": str(exc.wait)})


@api.exception_handler(BadCursor)
def _bad_cursor(request, exc):
    return _error(request, 422, [{"loc": ["query", "cursor"], "msg": str(exc)}])


@api.exception_handler(ValidationError)
def _refused(request, exc):
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return _error(request, 422, detail)


@api.exception_handler(ObjectDoesNotExist)
def _not_found(request, exc):
    return _error(request, 404, "Not found.")


@api.exception_handler(Http404)
def _http_not_found(request, exc):
    return _error(request, 404, str(exc) or "Not found.")


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc):
    return _error(request, 422, exc.errors)


def _audited(view):
    """Record every call that named a known token: method, path, query and the answer's status."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except Exception:
            # A call that failed is recorded too (as the 500 Django answers), if the database still can.
            with contextlib.suppress(DatabaseError):
                _record(request, 500)
            raise
        _record(request, response.status_code)
        return response

    return wrapper


def _record(request, status: int) -> None:
    token = getattr(request, "api_token", None)
    if token is not None:
        tokens.record_call(
            token,
            action="api_call",
            changes={
                "method": request.method,
                "path": request.path[:300],
                "query": request.META.get("QUERY_STRING", "")[:500],
                "status": status,
            },
        )


_urls: tuple | None = None


def urls(*routers):
    """The API's URL patterns with each app's `routers` (staletrack.urls names them: this module imports no
    feature app), each call audited; built once, whatever imports the URLconf again."""
    global _urls
    if _urls is None:
        for router in routers:
            api.add_router("/", router)
        patterns, app_name, namespace = api.urls
        for pattern in patterns:
            pattern.callback = _audited(pattern.callback)
        _urls = (patterns, app_name, namespace)
    return _urls
