"""`manage.py erase_customer --email x@y [--order ID …] --user OWNER --reason "…" [--dry-run]`."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from cases.management.importing import actor_named
from cases.services.erasure import erase_customer
from staletrack.permissions import at_the_shell


class Command(BaseCommand):
    help = (
        "Erase one customer's personal data on request: the email and postal code of their orders, their "
        "messages' texts, the supplier's evidence texts and attachments, drafts, and those values wherever "
        "they are repeated (the audit trail included). The orders stay, marked erased. An owner does it, "
        "with a reason; the audit trail records it without the data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", default="", help="The customer's email: every order carrying it.")
        parser.add_argument(
            "--order",
            action="append",
            default=[],
            metavar="ID",
            help="Only this order (repeat for several); with --email, each must carry that email.",
        )
        parser.add_argument(
            "--user", required=True, help="The owner who erases (their permission is checked)."
        )
        parser.add_argument("--reason", required=True, help="Why: the customer's request and its date.")
        parser.add_argument("--dry-run", action="store_true", help="Say what would be erased; write nothing.")

    def handle(self, *args, email, order, user, reason, dry_run=False, **options):
        # Run at the server's shell, which holds the database: more than a second factor proves.
        actor = at_the_shell(actor_named(user))
        nothing = "nothing would be erased" if dry_run else "nothing was erased"
        try:
            done = erase_customer(actor=actor, reason=reason, email=email, order_ids=order, dry_run=dry_run)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except PermissionDenied as exc:
            raise CommandError(f"Refused: {exc} {nothing[0].upper()}{nothing[1:]}.") from None
        self.stdout.write("Would erase:" if dry_run else "Erased:")
        for line in done.lines():
            self.stdout.write(f"- {line}")
