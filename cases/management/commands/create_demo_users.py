"""`manage.py create_demo_users`: the demo `owner` and `staff`, and the owner's authenticator."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.services import logins

DEMO_USERS = (("owner", "Owner"), ("staff", "Staff"))
DEMO_OWNER = "owner"


class Command(BaseCommand):
    help = (
        "Create the demo users `owner` and `staff` with random passwords, only when they do not exist, and "
        "give `owner` an authenticator (a second factor) when it has none. New credentials are printed once "
        "and kept in var/demo-credentials.txt; `python manage.py demo_totp` prints the owner's current code."
    )

    def handle(self, *args, **options):
        User = get_user_model()
        credentials_file = settings.VAR_DIR / "demo-credentials.txt"
        created = []
        for username, role in DEMO_USERS:
            if User.objects.filter(username=username).exists():
                continue
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(username=username, password=password, is_staff=True)
            user.groups.add(Group.objects.get(name=role))
            created.append(f"{username} / {password}  ({role})")
        owner = User.objects.filter(username=DEMO_OWNER, groups__name="Owner").first()
        authenticator = ""
        if owner is not None and not TOTPDevice.objects.filter(user=owner, confirmed=True).exists():
            # The owner's actions need a second factor (staletrack.permissions): without one the demo owner
            # could look but not decide. A random secret, like the password: only this machine knows it.
            device = TOTPDevice.objects.create(user=owner, name="demo authenticator", confirmed=True)
            logins.record_second_factor_set_up(
                user=owner, ip_address=None, replaced=0, via="create_demo_users"
            )
            authenticator = f"{DEMO_OWNER}'s authenticator: {device.config_url}"
        if created or authenticator:
            settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
            with credentials_file.open("a") as handle:
                handle.write("".join(f"{line}\n" for line in [*created, authenticator] if line))
            credentials_file.chmod(0o600)
        if created:
            self.stdout.write("Demo users created (username / password):")
            for line in created:
                self.stdout.write(f"  {line}")
        if authenticator:
            self.stdout.write(authenticator)
        if not created:
            self.stdout.write(
                f"Demo users already exist; their passwords are in {credentials_file} "
                "(reset one with `python manage.py changepassword owner`)."
            )
        if owner is not None:
            self.stdout.write(
                f"`{DEMO_OWNER}` logs in with a code from its authenticator: `python manage.py demo_totp` "
                f"prints the current one (or add its otpauth:// address, in {credentials_file}, to an "
                "authenticator app)."
            )
