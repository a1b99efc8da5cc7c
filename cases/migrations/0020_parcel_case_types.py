from django.db import migrations, models

# The queue's "any parcel's case type" filter is jsonb @> on PostgreSQL, served like the flags (0006).
GIN = "CREATE INDEX IF NOT EXISTS case_parcel_case_types_gin ON cases_case USING gin (parcel_case_types jsonb_path_ops);"
DROP_GIN = "DROP INDEX IF EXISTS case_parcel_case_types_gin;"


def postgres_only(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0019_line_items_and_parcels_of_stored_orders"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="parcel_case_types",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="An order in several parcels: its parcels' own case types (rules.md section 3a).",
            ),
        ),
        migrations.RunPython(postgres_only(GIN), postgres_only(DROP_GIN)),
    ]
