"""`manage.py connection list` and `manage.py connection set SOURCE --secret-file FILE`: the pushed
sources' connections from the server's shell (docs/connections.md). A secret is read from a file (or `-`,
standard input), never from the command line, where shell history and `ps` would keep it; it is never
printed back (its last four characters at most)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from cases.choices import ConnectionSource
from cases.intake.webhooks import services
from cases.intake.webhooks.selectors import connection_states
from cases.management.importing import actor_named, read_input


class Command(BaseCommand):
    help = "List the pushed sources' connections, or set one's secret, state and retention."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="Each source: address, secret set or not, on or off, today's counts.")
        setter = sub.add_parser("set", help="Set a source's secret, state or retention.")
        setter.add_argument("source", choices=ConnectionSource.values)
        setter.add_argument("--secret-file", help="A file holding the secret (- for standard input).")
        state = setter.add_mutually_exclusive_group()
        state.add_argument("--enable", action="store_true", help="Switch the source on.")
        state.add_argument("--disable", action="store_true", help="Switch the source off: it refuses all.")
        setter.add_argument("--retention-days", type=int, help="Days its deliveries are kept (1 to 3650).")
        setter.add_argument("--as-user", help="Act as this user (an owner); default: the operator.")

    def handle(self, *args, action, **options):
        if action == "list":
            return self._list()
        return self._set(**options)

    def _list(self):
        for state in connection_states():
            on = "on" if state.enabled and state.configured else "off"
            secret = state.secret or "no secret"
            last = state.last_delivery.isoformat() if state.last_delivery else "never"
            self.stdout.write(
                f"{state.source:<15} {on:<4} {secret:<12} {state.path}  last delivery {last}; today "
                f"{state.deliveries_today} delivered, {state.refusals_today} refused"
                + (f"; {state.waiting} waiting for the worker" if state.waiting else "")
            )

    def _set(
        self, *, source, secret_file=None, enable=False, disable=False, retention_days=None, as_user=None, **_
    ):
        secret = None
        if secret_file:
            secret = read_input(secret_file).decode("utf-8", "replace").strip()
            if not secret:
                raise CommandError(f"{secret_file}: holds no secret.")
        enabled = True if enable else (False if disable else None)
        if secret is None and enabled is None and retention_days is None:
            raise CommandError("Nothing to set: give --secret-file, --enable, --disable or --retention-days.")
        try:
            connection = services.set_connection(
                source=source,
                actor=actor_named(as_user),
                secret=secret,
                enabled=enabled,
                retention_days=retention_days,
                via="command",
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{connection.source}: {'on' if connection.enabled else 'off'}, secret "
            f"{services.secret_hint(connection.secret) or 'not set'}, deliveries kept "
            f"{connection.retention_days} days."
        )
