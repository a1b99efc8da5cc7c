"""Both roles decide what agents propose (accept, edit, dismiss): what they accept becomes a draft, a chase,
an outcome or a note, which both roles may already make."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

BOTH = [("cases", "view_agentproposal"), ("cases", "change_agentproposal")]


def _permissions(apps):
    # Permissions are normally created after all migrations; the groups need these now.
    app_config = apps.get_app_config("cases")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return [Permission.objects.get(content_type__app_label=app, codename=code) for app, code in BOTH]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ("Owner", "Staff"):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*_permissions(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=["Owner", "Staff"]):
        group.permissions.remove(*_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [("cases", "0032_agent_proposals")]
    operations = [migrations.RunPython(grant, revoke)]
