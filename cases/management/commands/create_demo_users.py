"""`manage.py create_demo_users`: the demo `owner` and `staff`, and the owner's authenticator.

They are made by `cases.demo.users.create_demo_users`; this command prints what it made.
"""

from django.core.management.base import BaseCommand

from cases.demo.users import DEMO_OWNER, create_demo_users, credentials_file


class Command(BaseCommand):
    help = (
        "Create the demo users `owner` and `staff` with random passwords, only when they do not exist, and "
        "give `owner` an authenticator (a second factor) when it has none. New credentials are printed once "
        "and kept in var/demo-credentials.txt; `python manage.py demo_totp` prints the owner's current code."
    )

    def handle(self, *args, **options):
        users = create_demo_users()
        if users.created:
            self.stdout.write("Demo users created (username / password):")
            for line in users.created:
                self.stdout.write(f"  {line}")
        if users.authenticator:
            self.stdout.write(users.authenticator)
        if not users.created:
            self.stdout.write(
                f"Demo users already exist; their passwords are in {credentials_file()} "
                "(reset one with `python manage.py changepassword owner`)."
            )
        if users.has_owner:
            self.stdout.write(
                f"`{DEMO_OWNER}` logs in with a code from its authenticator: `python manage.py demo_totp` "
                f"prints the current one (or add its otpauth:// address, in {credentials_file()}, to an "
                "authenticator app)."
            )
