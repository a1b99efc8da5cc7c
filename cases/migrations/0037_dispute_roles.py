"""Staff open disputes, correct them and build their evidence packs (add, change, view); the Owner role
also records their outcomes (`cases.record_dispute_outcome`, owner-only: a second factor)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

OWNER = [("cases", "record_dispute_outcome")]
BOTH = [("cases", "add_dispute"), ("cases", "change_dispute"), ("cases", "view_dispute")]


def _permissions(apps, wanted):
    # Permissions are normally created after all migrations; the groups need these now.
    app_config = apps.get_app_config("cases")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return [Permission.objects.get(content_type__app_label=app, codename=code) for app, code in wanted]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    owner, _ = Group.objects.get_or_create(name="Owner")
    staff, _ = Group.objects.get_or_create(name="Staff")
    owner.permissions.add(*_permissions(apps, OWNER + BOTH))
    staff.permissions.add(*_permissions(apps, BOTH))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name, wanted in (("Owner", OWNER + BOTH), ("Staff", BOTH)):
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.remove(*_permissions(apps, wanted))


class Migration(migrations.Migration):
    dependencies = [("cases", "0036_disputes")]
    operations = [migrations.RunPython(grant, revoke)]
