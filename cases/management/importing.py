"""What the commands that read files share: `--as-user`, `--column`, and reading the file (or standard
input), a bundle file included."""

import sys
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cases.intake.bundles.files import read_bundle_file
from cases.intake.bundles.reader import Bundle, BundleError, read_bundle
from staletrack.permissions import at_the_shell


def add_import_arguments(parser, *, file: str, dry_run: str) -> None:
    """The arguments of every import command: the file (`file`: its help), `--dry-run` (`dry_run`: what a
    dry run does) and `--as-user`."""
    parser.add_argument("file", help=file)
    parser.add_argument("--dry-run", action="store_true", help=dry_run)
    add_as_user_argument(parser)


def add_as_user_argument(parser) -> None:
    parser.add_argument(
        "--as-user",
        metavar="USERNAME",
        help="Import as this user, with their permissions checked (default: the server operator).",
    )


def add_column_argument(parser, *, example: str, fields: str) -> None:
    """`--column FIELD=HEADER`, repeatable: the file's column for a field whose header the import does not
    know (cases.intake.column_maps.parse_column_options reads the values)."""
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


def read_bundle_input(command: BaseCommand, file: str) -> Bundle:
    """The bundle in `file` (standard input for `-`), held to the limit of every bundle path (settings
    BUNDLE_MAX_BYTES). An unreadable file is a CommandError naming it; a bundle with errors is one that
    counts them, each written to the command's standard error first."""
    limit = settings.BUNDLE_MAX_BYTES
    try:
        return read_bundle(read_bundle_file(file, max_bytes=limit), max_bytes=limit)
    except OSError as exc:
        raise CommandError(f"Cannot read {file}: {exc.strerror}.") from None
    except BundleError as exc:
        for issue in exc.issues:
            command.stderr.write(f"error: {issue}")
        raise CommandError(f"{file}: {len(exc.issues)} error(s).") from None
