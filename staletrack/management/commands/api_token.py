"""`manage.py api_token create NAME --scope read|propose [--days N] [--rate N]`, `api_token list` and
`api_token revoke KEY_ID`: the agents' API tokens from the server's shell (staletrack.tokens).

The token is printed once, by `create`, alone on its line; staletrack keeps only its digest, so `list` has
no secret to show. Run at the shell, the command acts as the operator (`actor=None`), or as `--as-user`'s
user with their permission checked (marked as past a second factor: `staletrack.permissions.at_the_shell`).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cases.management.importing import actor_named
from staletrack import tokens
from staletrack.models import ApiToken
from staletrack.permissions import MANAGE_TOKENS, VIEW_TOKENS, require

# The service's fields, as the command's arguments name them.
ARGUMENTS = {"name": "NAME", "scope": "--scope", "days": "--days", "rate_per_minute": "--rate"}


class Command(BaseCommand):
    help = "Make an API token for an agent (shown once), list the tokens (no secrets), or revoke one."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Make a token and print it, once.")
        create.add_argument("name", metavar="NAME", help="The agent or integration that uses it.")
        create.add_argument(
            "--scope",
            required=True,
            choices=ApiToken.Scope.values,
            help="read, or propose (read and propose).",
        )
        create.add_argument(
            "--days",
            type=int,
            default=tokens.DEFAULT_DAYS,
            help=f"Days until it expires, 1 to {tokens.MAX_DAYS} (default {tokens.DEFAULT_DAYS}).",
        )
        create.add_argument(
            "--rate",
            type=int,
            default=ApiToken._meta.get_field("rate_per_minute").default,
            help=f"Calls allowed per minute, 1 to {tokens.MAX_RATE:,} (default %(default)s).",
        )
        sub.add_parser("list", help="Every token: key id, name, scope, dates, state. No secret.")
        revoke = sub.add_parser("revoke", help="Revoke a token at once, by its key id.")
        revoke.add_argument("key_id", metavar="KEY_ID", help="The key id `list` shows.")
        for subparser in (create, sub.choices["list"], revoke):
            subparser.add_argument(
                "--as-user",
                help="Act as this user (an owner), their permission checked; default: the operator.",
            )

    def handle(self, *args, action, as_user=None, **options):
        actor = actor_named(as_user)
        try:
            if action == "create":
                return self._create(actor, **options)
            if action == "list":
                return self._list(actor)
            return self._revoke(actor, **options)
        except PermissionDenied as exc:
            raise CommandError(f"Refused: {exc}") from None

    def _create(self, actor, *, name, scope, days, rate, **_):
        try:
            token, raw = tokens.create_token(
                name=name, scope=scope, actor=actor, days=days, rate_per_minute=rate
            )
        except ValidationError as exc:
            raise CommandError(_named(exc)) from None
        self.stdout.write(raw)
        self.stdout.write(
            f"This token is shown only this once: staletrack keeps its digest. Key id {token.key_id}, "
            f"{token.name}, scope {token.scope}, expires {token.expires_at:%Y-%m-%d %H:%M} UTC, "
            f"{token.rate_per_minute} calls a minute."
        )

    def _list(self, actor):
        require(actor, VIEW_TOKENS)
        now = timezone.now()
        rows = list(ApiToken.objects.order_by("-created_at", "-id"))
        if not rows:
            self.stdout.write("No API tokens.")
            return
        for token in rows:
            if token.revoked_at:
                state = f"revoked {token.revoked_at:%Y-%m-%d}"
            elif token.expires_at <= now:
                state = "expired"
            else:
                state = "active"
            last = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            self.stdout.write(
                f"{token.key_id}  {token.scope:<7}  {state:<18}  created {token.created_at:%Y-%m-%d}  "
                f"expires {token.expires_at:%Y-%m-%d}  last used {last}  {token.name}"
            )

    def _revoke(self, actor, *, key_id, **_):
        require(actor, MANAGE_TOKENS)  # before saying whether the key id exists
        token = ApiToken.objects.filter(key_id=key_id.strip()).first()
        if token is None:
            raise CommandError(f"KEY_ID: no token has the key id {key_id!r} (see `api_token list`).")
        if token.revoked_at is not None:
            self.stdout.write(
                f"{token.key_id} ({token.name}) was already revoked on {token.revoked_at:%Y-%m-%d}."
            )
            return
        token = tokens.revoke_token(token, actor=actor)
        self.stdout.write(f"{token.key_id} ({token.name}) is revoked: its next call is refused.")


def _named(error: ValidationError) -> str:
    """The service's refusal, each message after the argument it concerns."""
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    return " ".join(
        f"{ARGUMENTS.get(field, field)}: {message}"
        for field, messages in error.message_dict.items()
        for message in messages
    )
