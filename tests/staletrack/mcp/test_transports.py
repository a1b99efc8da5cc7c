"""The MCP server over its two transports, with the SDK's own client: streamable HTTP at /mcp/ (against
Django's live server, and against gunicorn as deployed) and stdio (`manage.py mcp_serve`, a subprocess).
Both need the server to see this test's data: committed (transaction=True); the separate processes need
PostgreSQL."""

import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import anyio
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from cases.models import AgentProposal
from tests.helpers.clock import import_label_only_cases
from tests.helpers.production import database_url, production_env
from tests.staletrack.mcp.conftest import make_token

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ROOT = Path(__file__).resolve().parents[3]


def in_a_thread(run):
    """`anyio.run(run)` in a thread of its own: a browser test's Playwright keeps an event loop registered in
    this one for the whole session, and anyio refuses to start a second. Nothing here touches the ORM (the
    server, a separate thread or process, does)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(anyio.run, run).result()


def over_http(url: str, raw: str | None, session):
    async def run():
        headers = {"Authorization": f"Bearer {raw}"} if raw else {}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=30) as http,
            Client(streamable_http_client(f"{url}/mcp/", http_client=http)) as client,
        ):
            return await session(client)

    return in_a_thread(run)


def walk(client_case_id):
    async def session(client):
        tools = {tool.name for tool in (await client.list_tools()).tools}
        packet = await client.call_tool("get_packet", {"case_id": client_case_id})
        note = await client.call_tool(
            "propose_note", {"case_id": client_case_id, "text": "Customer asked twice."}
        )
        return tools, packet, note

    return session


@pytest.fixture(params=["development", pytest.param("production", marks=pytest.mark.postgres)])
def server_url(request) -> str:
    if request.param == "development":
        return request.getfixturevalue("live_server").url
    return request.getfixturevalue("production_server")


def test_streamable_http_behind_the_tokens(server_url):
    (case,) = import_label_only_cases(1)
    read, propose = make_token("read"), make_token("propose")

    tools, packet, note = over_http(server_url, read, walk(case.pk))
    assert "get_packet" in tools and "propose_note" not in tools
    assert not packet.is_error and packet.structured_content["case"]["order_id"] == case.order.order_id
    assert note.is_error  # not listed, not callable

    tools, packet, note = over_http(server_url, propose, walk(case.pk))
    assert "propose_note" in tools
    assert not note.is_error and note.structured_content["state"] == "pending"
    assert AgentProposal.objects.filter(case=case).count() == 1


def test_streamable_http_refuses_a_request_without_a_usable_token(live_server):
    import urllib.error
    import urllib.request

    for header in (None, "Bearer stk_nope_nope", "Basic eDp5"):
        request = urllib.request.Request(
            f"{live_server.url}/mcp/",
            data=b'{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
            headers={"Content-Type": "application/json", **({"Authorization": header} if header else {})},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 401
        assert refused.value.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.postgres
def test_stdio_with_the_token_in_a_file(tmp_path):
    (case,) = import_label_only_cases(1)
    token_file = tmp_path / "token"
    token_file.write_text(make_token("propose") + "\n")
    token_file.chmod(0o600)
    env = production_env(DATABASE_URL=database_url(), DJANGO_DEBUG="1") | {"PYTHONPATH": str(ROOT)}
    parameters = StdioServerParameters(
        command=sys.executable,
        args=["manage.py", "mcp_serve", "--token-file", str(token_file)],
        env=env,
        cwd=str(ROOT),
    )

    async def run():
        async with Client(parameters) as client:
            return await walk(case.pk)(client)

    tools, packet, note = in_a_thread(run)
    assert {"get_packet", "propose_note"} <= tools
    assert packet.structured_content["case"]["id"] == case.pk
    assert not note.is_error
    assert AgentProposal.objects.get(case=case).agent == "claw-propose"


def test_stdio_refuses_a_bad_token_file(tmp_path):
    from django.core.management import CommandError, call_command

    missing = tmp_path / "none"
    with pytest.raises(CommandError, match="--token-file"):
        call_command("mcp_serve", "--token-file", str(missing))
    wrong = tmp_path / "wrong"
    wrong.write_text("stk_abcd_wrong")
    with pytest.raises(CommandError, match="Unknown token"):
        call_command("mcp_serve", "--token-file", str(wrong))
    assert os.environ.get("DJANGO_SETTINGS_MODULE")
