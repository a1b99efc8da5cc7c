"""`manage.py replay`: replay past cases against what the store really did; writes nothing."""

import json

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from cases.management.importing import actor_named, read_bundle_input
from cases.replay import KEEP, render_report
from cases.replay.engine import (
    REPLAY_PERMISSION,
    ReplayError,
    policy_version,
    replay_all,
    replay_bundle,
    replay_order_ids,
)
from staletrack.permissions import require
from staletrack.processes import default_processes


class Command(BaseCommand):
    help = (
        "Replay past cases (the seed's rollout, day 2): assess each as of its decided_at and compare with "
        "what the store really did (its actual). Reads only; writes nothing."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "file",
            nargs="?",
            help="A bundle file (or - for standard input) whose cases carry decided_at and actual; "
            "it is not imported.",
        )
        which.add_argument(
            "--cases", nargs="+", metavar="ORDER_ID", help="Stored orders with a past decision."
        )
        which.add_argument("--all", action="store_true", help="Every stored order with a past decision.")
        parser.add_argument(
            "--policy",
            metavar="vN",
            help="Assess every case with this policy version (default: the version in force at each "
            "decision; for a file, the defaults with the bundle's policy fields).",
        )
        parser.add_argument(
            "--processes",
            type=int,
            metavar="N",
            help="Stored cases: split the batches over N forked processes (default: one per core, up to "
            "four, on PostgreSQL; one elsewhere).",
        )
        parser.add_argument(
            "--list",
            type=int,
            metavar="N",
            default=KEEP,
            help=f"List the first N disagreements (and cases not comparable or not replayed) in the order "
            f"replayed; the totals count them all (default {KEEP}).",
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument(
            "--as-user",
            metavar="USERNAME",
            help=f"Replay as this user, with the permission {REPLAY_PERMISSION} checked "
            "(default: the server operator).",
        )

    def handle(
        self, *args, file=None, cases=None, all=False, policy=None, as_user=None, processes=None, **options
    ):
        actor = actor_named(as_user)
        try:
            require(actor, REPLAY_PERMISSION)
        except PermissionDenied as exc:
            raise CommandError(f"Refused: {exc}") from None
        try:
            chosen = policy_version(policy) if policy else None
            if processes is not None and processes < 1:
                raise CommandError("--processes must be at least 1.")
            if options["list"] < 0:
                raise CommandError("--list must be at least 0.")
            processes = processes or default_processes()
            keep = options["list"]
            if file:
                report = replay_bundle(read_bundle_input(self, file), policy=chosen, keep=keep)
            elif cases:
                report = replay_order_ids(cases, policy=chosen, processes=processes, keep=keep)
            else:
                report = replay_all(policy=chosen, processes=processes, keep=keep)
        except ReplayError as exc:
            raise CommandError(str(exc)) from None
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.to_dict(), indent=1, ensure_ascii=False))
        else:
            self.stdout.write(render_report(report))
