import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

DEMO_USERS = (("owner", "Owner"), ("staff", "Staff"))


class Command(BaseCommand):
    help = (
        "Create the demo users `owner` and `staff` with random passwords, only when they do not exist. "
        "New credentials are printed once and kept in var/demo-credentials.txt."
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
        if created:
            settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
            with credentials_file.open("a") as handle:
                handle.write("\n".join(created) + "\n")
            credentials_file.chmod(0o600)
            self.stdout.write("Demo users created (username / password):")
            for line in created:
                self.stdout.write(f"  {line}")
        else:
            self.stdout.write(
                f"Demo users already exist; their passwords are in {credentials_file} "
                "(reset one with `python manage.py changepassword owner`)."
            )
