"""Every stored order gets its line item and its parcels in order (rules.md section 3a).

An order's product becomes its one line item (quantity 1, the product's title). Each stored number was a
parcel; of an order's numbers the newest (the last assigned, as version 1 read "the current number") stays
in force, and each older one is superseded when the next newer one was assigned: version 1 replaced an
order's number by the next. Set-based SQL only, so it runs in seconds on large tables, on SQLite and
PostgreSQL alike.

The parcel permissions keep their holders: the roles held `view_ordertracking` and `add_ordertracking`,
now `view_parcel` and `add_parcel`; staff also get `change_parcel` (superseding a parcel is case work).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REPLACED = "replaced by a newer number"
VERBS = ("view", "add", "change", "delete")
ROLES = ("Staff", "Owner")

LINE_ITEMS = """
    INSERT INTO cases_lineitem (order_id, product_id, title, quantity, position)
    SELECT o.id, o.product_id, p.title, 1, 0
    FROM cases_order o JOIN suppliers_product p ON p.id = o.product_id
    WHERE NOT EXISTS (SELECT 1 FROM cases_lineitem li WHERE li.order_id = o.id)
"""

# Oldest first: a parcel's position is how many of its order's parcels were assigned before it. Only orders
# with more than one parcel need it; a lone parcel keeps position 0.
POSITIONS = """
    UPDATE cases_parcel SET position = (
        SELECT COUNT(*) FROM cases_parcel e
        WHERE e.order_id = cases_parcel.order_id
          AND (e.assigned_at < cases_parcel.assigned_at
               OR (e.assigned_at = cases_parcel.assigned_at AND e.id < cases_parcel.id))
    )
    WHERE EXISTS (
        SELECT 1 FROM cases_parcel o WHERE o.order_id = cases_parcel.order_id AND o.id <> cases_parcel.id
    )
"""

SUPERSEDED = """
    UPDATE cases_parcel SET
        superseded_at = (
            SELECT n.assigned_at FROM cases_parcel n
            WHERE n.order_id = cases_parcel.order_id AND n.position = cases_parcel.position + 1
        ),
        superseded_reason = %s
    WHERE superseded_at IS NULL AND EXISTS (
        SELECT 1 FROM cases_parcel n
        WHERE n.order_id = cases_parcel.order_id AND n.position > cases_parcel.position
    )
"""


def line_items_and_parcels(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(LINE_ITEMS)
        cursor.execute(POSITIONS)
        cursor.execute(SUPERSEDED, [REPLACED])


def undo_line_items_and_parcels(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_lineitem")
        cursor.execute(
            "UPDATE cases_parcel SET superseded_at = NULL, superseded_reason = '', position = 0 "
            "WHERE superseded_by_id IS NULL AND superseded_reason = %s",
            [REPLACED],
        )


def parcel_permissions(apps, schema_editor):
    """Move the holders of each `*_ordertracking` permission to its `*_parcel` one; give the roles
    `change_parcel`. Safe to run again (the tests run it after a flush)."""
    # Permissions are normally created after all migrations; the groups need these now.
    app_config = apps.get_app_config("cases")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("auth", "User")
    for verb in VERBS:
        new = Permission.objects.get(content_type__app_label="cases", codename=f"{verb}_parcel")
        for old in Permission.objects.filter(
            content_type__app_label="cases", codename=f"{verb}_ordertracking"
        ):
            for group in Group.objects.filter(permissions=old):
                group.permissions.add(new)
            for user in User.objects.filter(user_permissions=old):
                user.user_permissions.add(new)
            old.delete()
    change = Permission.objects.get(content_type__app_label="cases", codename="change_parcel")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.add(change)
    # A content type left from before the rename (only where permissions were made outside migrate).
    apps.get_model("contenttypes", "ContentType").objects.filter(
        app_label="cases", model="ordertracking"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0018_parcels_and_line_items"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(line_items_and_parcels, undo_line_items_and_parcels),
        migrations.RunPython(parcel_permissions, migrations.RunPython.noop),
    ]
