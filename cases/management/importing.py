"""What every import command shares: `--as-user`, `--column`, and reading the file (or standard input)."""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from staletrack.permissions import at_the_shell


def add_as_user_argument(parser) -> None:
    parser.add_argument(
        "--as-user",
        metavar="USERNAME",
        help="Import as this user, with their permissions checked (default: the server operator).",
    )


def add_column_argument(parser, *, example: str, fields: str) -> None:
    """`--column FIELD=HEADER`, repeatable: the file's column for a field whose header the import does not
    know (cases.imports.column_maps.parse_column_options reads the values)."""
    parser.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="FIELD=HEADER",
        help=(
            f"The column holding FIELD, e.g. {example}; repeat for each field. Remembered for the next "
            f"file with the same headers once the import succeeds. Fields: {fields}."
        ),
    )


def actor_named(username: str | None):
    """The user an import acts as; None is the operator at the server's shell (staletrack.permissions).

    A named user counts as verified by a second factor: the command runs at the server's shell."""
    if not username:
        return None
    actor = get_user_model().objects.filter(username=username).first()
    if actor is None:
        raise CommandError(f"No user named {username!r}.")
    return at_the_shell(actor)


def read_input(file: str) -> bytes:
    """The file's bytes, or standard input's for `-`; an unreadable path is a CommandError naming it."""
    if file == "-":
        return sys.stdin.buffer.read()
    path = Path(file)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
