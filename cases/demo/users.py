"""The demo users of `make run`: `owner` and `staff` with random passwords, and the owner's authenticator.

`create_demo_users`, the service `manage.py create_demo_users` calls, creates only what is missing and
appends what it created to the credentials file under `var/`, the one place the passwords are kept.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.services import logins

DEMO_USERS = (("owner", "Owner"), ("staff", "Staff"))
DEMO_OWNER = "owner"
VIA = "create_demo_users"


@dataclass(frozen=True)
class DemoUsers:
    """What `create_demo_users` did, in the lines it printed and kept."""

    created: list[str]  # "owner / PASSWORD  (Owner)" for each user created now
    authenticator: str  # "owner's authenticator: otpauth://..." when the owner got one now, else ""
    has_owner: bool  # the demo owner exists (and logs in with a code)


def credentials_file() -> Path:
    """Where the demo users' passwords and the owner's authenticator are kept."""
    return settings.VAR_DIR / "demo-credentials.txt"


def create_demo_users() -> DemoUsers:
    """Create the demo users that do not exist, with random passwords, and give the demo owner an
    authenticator when it has none; what was created is appended to `credentials_file()`."""
    User = get_user_model()
    created = []
    for username, role in DEMO_USERS:
        if User.objects.filter(username=username).exists():
            continue
        password = secrets.token_urlsafe(12)
        # An address of the reserved example domain: the weekly digest has someone to go to (the console
        # under `make run`).
        user = User.objects.create_user(
            username=username, password=password, is_staff=True, email=f"{username}@example.com"
        )
        user.groups.add(Group.objects.get(name=role))
        created.append(f"{username} / {password}  ({role})")
    owner = User.objects.filter(username=DEMO_OWNER, groups__name="Owner").first()
    authenticator = ""
    if owner is not None and not TOTPDevice.objects.filter(user=owner, confirmed=True).exists():
        # The owner's actions need a second factor (staletrack.permissions): without one the demo owner
        # could look but not decide. A random secret, like the password: only this machine knows it.
        device = TOTPDevice.objects.create(user=owner, name="demo authenticator", confirmed=True)
        logins.record_second_factor_set_up(user=owner, ip_address=None, replaced=0, via=VIA)
        authenticator = f"{DEMO_OWNER}'s authenticator: {device.config_url}"
    if created or authenticator:
        path = credentials_file()
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        with path.open("a") as handle:
            handle.write("".join(f"{line}\n" for line in [*created, authenticator] if line))
        path.chmod(0o600)
    return DemoUsers(created=created, authenticator=authenticator, has_owner=owner is not None)
