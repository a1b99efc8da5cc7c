"""/mcp/: the MCP server over streamable HTTP, behind the API's bearer tokens.

Stateless, with JSON answers (no event stream to hold open): each POST is one JSON-RPC exchange that the
SDK's own transport answers, run from this synchronous view through `async_to_sync`, so the production
server stays the one WSGI server and every tool's ORM work runs in this request's thread. A request without
a usable token is answered 401 before the SDK sees it; the token picks the server (`read` or `propose`
tools) and every tool call authenticates it again."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

from staletrack import tokens
from staletrack.mcp.tools import bearer, server_for

MAX_BODY = 1_000_000


def _refused(status: int, message: str) -> JsonResponse:
    response = JsonResponse({"detail": message}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="staletrack"'
    return response


@csrf_exempt
def mcp_endpoint(request):
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return _refused(401, "Send Authorization: Bearer <token> (an API token from the owner).")
    try:
        token = tokens.authenticate(raw.strip())
    except tokens.TokenRefused as refused:
        return _refused(401, str(refused))
    if int(request.headers.get("Content-Length") or 0) > MAX_BODY:
        return _refused(413, f"A request to /mcp/ is at most {MAX_BODY:,} bytes.")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": request.scheme,
        "path": request.path,
        "raw_path": request.path.encode(),
        "query_string": request.META.get("QUERY_STRING", "").encode("latin-1", "replace"),
        "root_path": "",
        "headers": [
            (name.lower().encode("latin-1"), value.encode("latin-1", "replace"))
            for name, value in request.headers.items()
        ],
        "client": (request.META.get("REMOTE_ADDR", ""), 0),
        "server": (request.get_host(), 0),
    }
    status, headers, body = async_to_sync(_exchange)(token.scope, scope, request.body, raw.strip())
    response = HttpResponse(body, status=status)
    for name, value in headers:
        if name.lower() not in {"content-length", "connection"}:
            response[name] = value
    return response


async def _exchange(token_scope: str, scope: dict, body: bytes, raw: str) -> tuple[int, list, bytes]:
    """One request through the SDK's stateless transport; the answer gathered whole."""
    bearer.set(raw)
    manager = StreamableHTTPSessionManager(
        app=server_for(token_scope)._lowlevel_server, json_response=True, stateless=True
    )
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    status, headers, chunks = 500, [], []

    async def send(message):
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    async with manager.run():
        await manager.handle_request(scope, receive, send)
    return status, headers, b"".join(chunks)
