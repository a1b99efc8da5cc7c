"""The SDK's own MCP client against the in-memory server a token's scope sees, driven from a synchronous
test; and a walk of every tool that server lists."""

from collections.abc import Mapping
from typing import Any

from asgiref.sync import async_to_sync

from staletrack.mcp.tools import bearer, server_for

# Values for the arguments the world of a walk does not name (a draft that the section 8 guard lets by).
PLAUSIBLE_ARGUMENTS = {
    "text": "We asked the supplier for proof of pickup and will write again.",
    "note": "The carrier's site shows a customs hold.",
    "ending": "delivered",
    "channel": "email",
    "dimension": "sku",
    "limit": 5,
}
# Arguments no tool has, naming what no token may do: a tool must ignore them or refuse the call.
SMUGGLED_ARGUMENTS = {"amount": "10.00", "state": "approved", "send": True, "pause": True, "scope": "owner"}


def in_memory(raw: str, scope: str, session):
    """Run `session(client)` (a coroutine function) against the in-memory server a `scope` token sees, the
    token set as the connection's bearer; its ORM work runs in this test's thread (async_to_sync)."""
    from mcp import Client

    async def run():
        bearer.set(raw)
        async with Client(server_for(scope)) as client:
            return await session(client)

    return async_to_sync(run)()


def walk_tools(raw: str, scope: str, *, values: Mapping[str, Any]) -> list[tuple[str, dict, Any]]:
    """Call every tool the server lists: once with each argument its schema has that `values` or
    PLAUSIBLE_ARGUMENTS give, once more with SMUGGLED_ARGUMENTS too, and once with ending refunded where it
    has an ending. Returns (tool, arguments, result) for each call."""

    async def session(client):
        calls = []
        for tool in (await client.list_tools()).tools:
            properties = tool.input_schema.get("properties", {})
            known = {**PLAUSIBLE_ARGUMENTS, **values}
            arguments = {name: known[name] for name in properties if name in known}
            missing = set(tool.input_schema.get("required", ())) - set(arguments)
            assert not missing, f"{tool.name} needs {missing}: give them in values"
            variants = [arguments, {**arguments, **SMUGGLED_ARGUMENTS}]
            if "ending" in properties:
                variants.append({**arguments, "ending": "refunded"})
            for variant in variants:
                calls.append((tool.name, variant, await client.call_tool(tool.name, variant)))
        return calls

    return in_memory(raw, scope, session)
