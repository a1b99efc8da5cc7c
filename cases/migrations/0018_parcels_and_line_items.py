"""Orders get line items and parcels (rules.md section 3a).

`OrderTracking` becomes `Parcel`: a parcel may have no number yet, may name the line items it carries, and
stops counting once superseded (never deleted for it). The same number may sit twice on one order (two
parcels of different SKUs), so the one-number-per-order constraint goes; an index still serves every
lookup by number. The stored rows are given their line items and parcel order by the next migration."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0017_safety_fields"),
        ("suppliers", "0005_vendor_map_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="ordertracking", name="tracking_once_per_order"),
        migrations.RenameModel(old_name="OrderTracking", new_name="Parcel"),
        migrations.AddIndex(
            model_name="parcel",
            index=models.Index(fields=["tracking_number", "order"], name="parcel_by_number"),
        ),
        migrations.AlterField(
            model_name="parcel",
            name="order",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="parcels", to="cases.order"
            ),
        ),
        migrations.AlterField(
            model_name="parcel",
            name="tracking_number",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="parcels",
                to="cases.trackingnumber",
            ),
        ),
        migrations.AddField(
            model_name="parcel",
            name="skus",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="The line item keys (SKU, else title) this parcel carries.",
            ),
        ),
        migrations.AddField(
            model_name="parcel",
            name="position",
            field=models.PositiveSmallIntegerField(default=0, help_text="Input order within the order."),
        ),
        migrations.AddField(
            model_name="parcel",
            name="superseded_at",
            field=models.DateTimeField(
                blank=True,
                help_text="From then on the parcel no longer counts (listed, not assessed).",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="parcel",
            name="superseded_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="parcel",
            name="superseded_reason",
            field=models.TextField(blank=True),
        ),
        migrations.AlterModelOptions(name="parcel", options={"ordering": ["order", "position", "id"]}),
        migrations.AlterField(
            model_name="trackingnumber",
            name="orders",
            field=models.ManyToManyField(
                related_name="tracking_numbers", through="cases.Parcel", to="cases.order"
            ),
        ),
        migrations.CreateModel(
            name="LineItem",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "title",
                    models.CharField(
                        blank=True, help_text="The item's title as the store gave it.", max_length=300
                    ),
                ),
                ("quantity", models.PositiveIntegerField(default=1)),
                (
                    "position",
                    models.PositiveSmallIntegerField(default=0, help_text="Input order within the order."),
                ),
                (
                    "order",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="line_items",
                        to="cases.order",
                    ),
                ),
                (
                    "product",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="line_items",
                        to="suppliers.product",
                    ),
                ),
            ],
            options={
                "ordering": ["order", "position"],
                "constraints": [
                    models.UniqueConstraint(fields=("order", "position"), name="line_item_position_once")
                ],
            },
        ),
    ]
