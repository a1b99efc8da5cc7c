"""The Owner role gets `suppliers.manage_vendor_map`: the vendor map and a SKU's supplier are the owner's."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSION = ("suppliers", "manage_vendor_map")


def _permission(apps):
    # Permissions are normally created after all migrations; the group needs this one now.
    app_config = apps.get_app_config("suppliers")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    app_label, codename = PERMISSION
    return apps.get_model("auth", "Permission").objects.get(
        content_type__app_label=app_label, codename=codename
    )


def grant(apps, schema_editor):
    owner, _ = apps.get_model("auth", "Group").objects.get_or_create(name="Owner")
    owner.permissions.add(_permission(apps))


def revoke(apps, schema_editor):
    owner = apps.get_model("auth", "Group").objects.filter(name="Owner").first()
    if owner is not None:
        owner.permissions.remove(_permission(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("suppliers", "0003_vendor_map_and_title_keys"),
        ("cases", "0003_roles"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
