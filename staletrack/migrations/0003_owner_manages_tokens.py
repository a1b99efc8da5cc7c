"""The Owner role makes, sees and revokes API tokens (owner-only: a second factor)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

OWNER = [("staletrack", "add_apitoken"), ("staletrack", "change_apitoken"), ("staletrack", "view_apitoken")]


def _permissions(apps, wanted):
    # Permissions are normally created after all migrations; the group needs these now.
    app_config = apps.get_app_config("staletrack")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return [Permission.objects.get(content_type__app_label=app, codename=code) for app, code in wanted]


def grant(apps, schema_editor):
    owner, _ = apps.get_model("auth", "Group").objects.get_or_create(name="Owner")
    owner.permissions.add(*_permissions(apps, OWNER))


def revoke(apps, schema_editor):
    owner = apps.get_model("auth", "Group").objects.filter(name="Owner").first()
    if owner is not None:
        owner.permissions.remove(*_permissions(apps, OWNER))


class Migration(migrations.Migration):
    dependencies = [("staletrack", "0002_apitoken"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(grant, revoke)]
