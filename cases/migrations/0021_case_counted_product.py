import django.db.models.deletion
from django.db import migrations, models

# Pure functions of a stored packet (no model import): the migration reads the packets as stored.
from cases.packets import counted_item, item_key

BATCH = 1000


def set_counted_products(apps, schema_editor):
    """The cases already assessed in several parcels: the product each counts for, from its stored packet
    (a packet that does not change is not written again, so the next assessment would not set it)."""
    Case = apps.get_model("cases", "Case")
    LineItem = apps.get_model("cases", "LineItem")
    many = Case.objects.exclude(parcel_case_types=[]).order_by("pk").values_list("pk", "packet")
    batch = []

    def flush():
        wanted = {pk: item_key(key) for pk, key in batch}
        items = {}
        for case_pk, sku, product_pk in (
            LineItem.objects.filter(order__case__id__in=list(wanted))
            .order_by("order_id", "position")
            .values_list("order__case__id", "product__sku", "product_id")
        ):
            items.setdefault(case_pk, []).append((item_key(sku), product_pk))
        for case_pk, key in wanted.items():
            found = next((i for i, (sku, _) in enumerate(items.get(case_pk, ())) if sku == key), None)
            if found:  # not the order's first item (its product), nor none
                Case.objects.filter(pk=case_pk).update(counted_product_id=items[case_pk][found][1])
        batch.clear()

    for pk, packet in many.iterator(chunk_size=BATCH):
        key = counted_item(packet or {})
        if key:
            batch.append((pk, key))
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0020_parcel_case_types"),
        ("suppliers", "0005_vendor_map_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="counted_product",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                help_text="An order in several parcels: the product its case counts for, that of its headline "
                "parcel's first item (rules.md section 3a); empty: the order's product (its first item's).",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="suppliers.product",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("counted_product__isnull", False)),
                fields=["counted_product"],
                name="case_counted_product",
            ),
        ),
        migrations.RunPython(set_counted_products, migrations.RunPython.noop),
    ]
