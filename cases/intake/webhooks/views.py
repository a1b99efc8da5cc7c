"""POST /webhooks/<source>/ and /webhooks/token/<token>/: facts pushed by the sources of
cases.intake.webhooks.sources (docs/connections.md; docs/webhook.md for AfterShip).

Order of checks, each before anything is kept: method (405), a source we know (404), size (413, judged from
Content-Length and enforced on the read), then cases.intake.webhooks.services.receive: the connection's
secret and the source's signature (401; a `WebhookRefusal` row, never the body), the body's shape (400) and
values that cannot be stored (422: kept, refused, replayable), then the write in one transaction with the
touched orders' re-assessment queued after commit. A re-delivery answers 200 "duplicate": every source
retries what is not a 2xx.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from cases.intake.webhooks import services
from cases.intake.webhooks.sources import source_named


@csrf_exempt  # a source cannot hold a CSRF token; its signature (or the URL's token) authenticates the body
@require_POST
def pushed(request: HttpRequest, source: str) -> JsonResponse:
    found = source_named(source)
    if found is None or found.by_token:
        return JsonResponse({"error": "no such source"}, status=404)
    return _receive(request, found)


@csrf_exempt
@require_POST
def by_token(request: HttpRequest, token: str) -> JsonResponse:
    name = services.source_for_token(token)
    found = source_named(name) if name else None
    if found is None or not found.by_token:
        services.refuse(source="token", status=404, reason="unknown token", remote_addr=_remote(request))
        return JsonResponse({"error": "no such source"}, status=404)
    return _receive(request, found, secret=token)


@csrf_exempt
@require_POST
def aftership(request: HttpRequest) -> JsonResponse:
    """The address AfterShip was given before connections existed; the same as /webhooks/<source>/."""
    found = source_named("aftership")
    return _receive(request, found)


def _receive(request: HttpRequest, source, secret: str | None = None) -> JsonResponse:
    limit = settings.TRACKING_WEBHOOK_MAX_BYTES
    if _content_length(request) > limit:
        return _too_large(request, source)
    # Read at most one byte past the limit, whatever Content-Length claimed, so an oversized body is never
    # held in memory whole.
    body = request.read(limit + 1)
    if len(body) > limit:
        return _too_large(request, source)
    answer = services.receive(
        source=source, body=body, headers=request.headers, remote_addr=_remote(request), secret=secret
    )
    return JsonResponse(answer.body, status=answer.status)


def _too_large(request, source) -> JsonResponse:
    answer = services.refuse(
        source=source.name, status=413, reason="body too large", remote_addr=_remote(request)
    )
    return JsonResponse(answer.body, status=answer.status)


def _remote(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _content_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0  # Django then reads nothing: an empty body, which no signature matches
