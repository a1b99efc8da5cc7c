"""`manage.py mcp_serve --token-file F`: the MCP server over stdio, for an agent that starts it as a
subprocess (OpenClaw: `openclaw mcp add`). Standard output carries the protocol only; messages go to
standard error."""

import os
import stat
import sys
from pathlib import Path

from asgiref.sync import async_to_sync
from django.core.management.base import BaseCommand, CommandError

from staletrack import tokens
from staletrack.mcp.tools import bearer, server_for


class Command(BaseCommand):
    help = "Serve the MCP tools over stdio with the API token kept in a file (read once, checked every call)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--token-file",
            required=True,
            metavar="F",
            help="A file holding the token (stk_...) alone; readable by its owner only.",
        )

    def handle(self, *args, **options):
        path = Path(options["token_file"])
        try:
            raw = path.read_text(encoding="utf-8").strip()
            mode = path.stat().st_mode
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"--token-file {path}: cannot be read ({error}).") from None
        if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
            sys.stderr.write(f"Warning: {path} can be read by others than its owner: chmod 600 {path}.\n")
        try:
            token = tokens.authenticate(raw)
        except tokens.TokenRefused as refused:
            raise CommandError(f"--token-file {path}: {refused}") from None
        sys.stderr.write(f"staletrack MCP server on stdio for {token.name!r} ({token.scope}).\n")
        bearer.set(raw)
        async_to_sync(server_for(token.scope).run_stdio_async)()
