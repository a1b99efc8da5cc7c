"""`manage.py demo_totp`: the code the demo owner's authenticator shows now."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cases.demo.users import DEMO_OWNER
from staletrack.second_factor import confirmed_devices, current_code


class Command(BaseCommand):
    help = (
        "Print the code the demo owner's authenticator shows now (6 digits), for the login form's "
        "'Authenticator code'. Run at the server's shell, which holds the secret anyway."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", default=DEMO_OWNER, help=f"whose authenticator (default: {DEMO_OWNER})")

    def handle(self, *args, user, **options):
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(
                f"No user named {user!r} (the demo users come from `manage.py create_demo_users`)."
            )
        device = confirmed_devices(account).first()
        if device is None:
            raise CommandError(
                f"{user} has no authenticator: `manage.py create_demo_users` gives the demo owner one; "
                "anyone sets one up at /admin/second-factor/."
            )
        code, seconds_left, used = current_code(device)
        self.stdout.write(code)
        if used:
            self.stderr.write(
                "This code was used already (a code logs in once): the next one comes in "
                f"{seconds_left} seconds."
            )
        else:
            self.stderr.write(
                f"Valid for {seconds_left} more second{'s' if seconds_left != 1 else ''} (the server "
                "also takes it for 30 seconds after, for a slow clock)."
            )
