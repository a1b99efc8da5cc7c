"""The two roles: Staff work cases; Owners also decide money, pause products and change policy."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CASE_WORK = [
    ("cases", "view_order"),
    ("cases", "add_order"),
    ("cases", "change_order"),
    ("cases", "view_trackingnumber"),
    ("cases", "add_trackingnumber"),
    ("cases", "change_trackingnumber"),
    ("cases", "view_ordertracking"),
    ("cases", "add_ordertracking"),
    ("cases", "view_trackingevent"),
    ("cases", "add_trackingevent"),
    ("cases", "view_supplierevidence"),
    ("cases", "add_supplierevidence"),
    ("cases", "view_supplierchase"),
    ("cases", "add_supplierchase"),
    ("cases", "view_customermessage"),
    ("cases", "add_customermessage"),
    ("cases", "view_case"),
    ("cases", "change_case"),
    ("cases", "import_cases"),
    ("cases", "import_orders"),
    ("cases", "view_importrun"),
    ("cases", "view_webhookdelivery"),
    ("cases", "view_outcome"),
    ("cases", "add_outcome"),
    ("cases", "view_moneydecision"),
    ("cases", "add_moneydecision"),
    ("cases", "view_auditevent"),
    ("suppliers", "view_supplier"),
    ("suppliers", "view_product"),
    ("policies", "view_policy"),
    ("policies", "view_countryoverride"),
    ("policies", "view_supplieroverride"),
]

OWNER_ONLY = [
    ("cases", "approve_money_decision"),
    ("cases", "change_moneydecision"),
    ("suppliers", "add_supplier"),
    ("suppliers", "change_supplier"),
    ("suppliers", "flag_supplier"),
    ("suppliers", "add_product"),
    ("suppliers", "change_product"),
    ("suppliers", "pause_product"),
    ("policies", "edit_policy"),
    ("policies", "add_policy"),
    ("policies", "change_policy"),
    ("policies", "add_countryoverride"),
    ("policies", "change_countryoverride"),
    ("policies", "delete_countryoverride"),
    ("policies", "add_supplieroverride"),
    ("policies", "change_supplieroverride"),
    ("policies", "delete_supplieroverride"),
]

ROLES = {"Staff": CASE_WORK, "Owner": CASE_WORK + OWNER_ONLY}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        for app_label, codename in perms:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("cases", "0002_webhook_deliveries_and_import_runs"),
        ("suppliers", "0001_initial"),
        ("policies", "0001_initial"),
    ]
    operations = [migrations.RunPython(create_roles, remove_roles)]
