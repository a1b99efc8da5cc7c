"""Orders imports of real stores' files (docs/imports-orders.md): several generations of Shopify's export,
line items without SKU, orders left out (unpaid, nothing to ship, store pickup) before any of their cells
is checked, cash on delivery, orders without a country, cancelled and fulfilled orders, the vendor map,
order times without an offset and local dates (rules.md section 1), column maps, and the summary an
import keeps.

Every import test runs through the batched engine and, on PostgreSQL, through the COPY engine too: both
must give the same results.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from cases.intake.csvfiles import CsvError
from cases.intake.order_import import create_run, import_orders, run_import
from cases.intake.orders_csv import (
    DAY_FIRST,
    MONTH_FIRST,
    Msg,
    OrderRules,
    OrderTimesError,
    TimeReading,
    decide_times,
)
from cases.intake.tasks import import_orders_task
from cases.models import ColumnMapping, ImportRun, Order, Parcel, TrackingNumber
from suppliers.models import Product, Supplier, VendorMapping
from tests.factories import OrderFactory, SupplierFactory
from tests.helpers.order_files import SHOPIFY_HEADER, item_row, order_row, shopify

DATA = Path(__file__).resolve().parents[2] / "data" / "shopify"
HEADER = [*SHOPIFY_HEADER, "Lineitem requires shipping", "Shipping Method", "Payment Method", "Cancelled at"]

pytestmark = pytest.mark.django_db


def run(raw: bytes, engine: str, **kwargs):
    return import_orders(raw, file_name="orders.csv", engine=engine, **kwargs)


def dry(raw: bytes, engine: str, **kwargs):
    return run(raw, engine, dry_run=True, **kwargs)


def texts(result) -> list[str]:
    return [str(issue) for issue in result.issues]


def csv_of(*rows: dict) -> bytes:
    return shopify(*rows, header=HEADER)


# --- several generations of Shopify's export --------------------------------------------------------

GENERATIONS = ["modern_2024.csv", "mid_2021.csv", "legacy_2019.csv"]


@pytest.mark.parametrize("name", GENERATIONS)
def test_each_generation_of_shopifys_export_imports_without_errors(name, engine):
    raw = (DATA / name).read_bytes()
    prefix = {"modern_2024.csv": "1", "mid_2021.csv": "2", "legacy_2019.csv": "3"}[name]
    result = run(raw, engine)
    assert texts(result) == []
    assert result.format == "shopify"
    assert (result.created, result.skipped) == (6, 3)
    assert result.skipped_reasons == {"payment pending": 1, "no item needs shipping": 1, "store pickup": 1}
    orders = {o.order_id: o for o in Order.objects.select_related("product__supplier")}
    assert set(orders) == {f"#{prefix}0{n}" for n in (1, 2, 3, 7, 8, 9)}
    first = orders[f"#{prefix}01"]
    assert first.product.sku == "LAMP-01" and first.fulfilled_at == datetime(
        2024, 3, 4, 15, 0, 11, tzinfo=UTC
    )
    tiktok = orders[f"#{prefix}02"].product
    assert (tiktok.sku, tiktok.keyed_by_title, tiktok.title) == (
        "Cloud slippers - Pink / 38",
        True,
        "Cloud slippers - Pink / 38",
    )
    assert (tiktok.vendor, tiktok.supplier.name) == ("Yiwu Comfort Trading", "Yiwu Comfort Trading")
    assert orders[f"#{prefix}03"].payment_state == "cash_on_delivery"
    cancelled = orders[f"#{prefix}07"]
    assert cancelled.cancelled_at == datetime(2024, 3, 6, 14, 0, 11, tzinfo=UTC)
    assert cancelled.payment_state == "refunded"
    assert (orders[f"#{prefix}08"].country, orders[f"#{prefix}08"].postal_code) == ("", "")
    assert orders[f"#{prefix}08"].product.supplier.name == "Unassigned supplier"  # no vendor
    # The gift card line comes first; the order is tracked under the item that ships.
    assert orders[f"#{prefix}09"].product == tiktok
    assert not Product.objects.filter(sku="GIFT-10").exists()  # a gift card is no line item
    assert [item.product.sku for item in first.line_items.all()] == ["LAMP-01", "BULB-01"]
    summary = result.summary
    assert summary["skipped"] == result.skipped_reasons
    assert (summary["cash_on_delivery"], summary["keyed_by_title"]) == (1, 2)
    assert summary["fulfilled_without_tracking"] == 1
    assert "unmapped" in summary["vendors"]
    again = run(raw, engine)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)


def test_both_engines_read_the_generations_alike(engine):
    for name in [*GENERATIONS, "excel_day_first.csv", "excel_month_first.csv"]:
        result = dry((DATA / name).read_bytes(), engine, time_zone="America/New_York")
        assert (texts(result), result.counts) == ([], {"new": 6, "update": 0, "unchanged": 0, "skip": 3}), (
            name
        )


# --- line items without SKU ---------------------------------------------------------------------------


def test_an_order_whose_items_have_no_sku_is_tracked_under_its_first_items_name(engine):
    raw = csv_of(
        order_row("#1", **{"Lineitem sku": "", "Lineitem name": "Cloud slippers - Pink"}),
        item_row("#1", sku="", item="Cloud slippers - Blue"),
        order_row("#2", **{"Lineitem sku": "", "Lineitem name": "Cloud slippers - Pink"}),
    )
    result = run(raw, engine)
    assert texts(result) == [] and result.created == 2
    product = Product.objects.get(sku="Cloud slippers - Pink")
    assert (product.sku, product.keyed_by_title, product.vendor) == (
        "Cloud slippers - Pink",
        True,
        "Bright Home Supply",
    )
    assert set(Order.objects.values_list("product__sku", flat=True)) == {"Cloud slippers - Pink"}
    assert result.summary["keyed_by_title"] == 2


def test_the_first_line_item_is_the_orders_product_even_one_known_only_by_name(engine):
    raw = csv_of(
        order_row("#1", **{"Lineitem sku": "", "Lineitem name": "Gift wrap"}), item_row("#1", sku="LAMP-01")
    )
    run(raw, engine)
    assert Order.objects.get().product.sku == "Gift wrap"
    assert [i.product.sku for i in Order.objects.get().line_items.all()] == ["Gift wrap", "LAMP-01"]


def test_an_order_with_neither_sku_nor_name_is_named(engine):
    raw = csv_of(order_row("#1", **{"Lineitem sku": "", "Lineitem name": ""}))
    assert texts(dry(raw, engine)) == [f"line 2, column 'Lineitem sku': {Msg.NO_ITEM}"]


def test_a_name_too_long_to_be_a_key_is_named(engine):
    raw = csv_of(order_row("#1", **{"Lineitem sku": "", "Lineitem name": "N" * 301}))
    assert texts(dry(raw, engine)) == ["line 2, column 'Lineitem name': is longer than 300 characters"]


# --- orders left out ----------------------------------------------------------------------------------


def test_orders_with_nothing_to_ship_are_skipped_and_counted(engine):
    raw = csv_of(
        order_row("#1", **{"Lineitem sku": "GIFT-25", "Lineitem requires shipping": "false"}),
        item_row("#1", sku="", item="Gift card $10", **{"Lineitem requires shipping": "FALSE"}),
        order_row("#2", **{"Lineitem requires shipping": "true"}),
    )
    result = run(raw, engine)
    assert (result.created, result.skipped_reasons) == (1, {"no item needs shipping": 1})
    assert list(Order.objects.values_list("order_id", flat=True)) == ["#2"]
    assert not Product.objects.filter(sku="GIFT-25").exists()


@pytest.mark.parametrize(
    ("method", "pickup"),
    [
        ("Pick up", True),
        ("Pickup", True),
        ("pick-up at Main Street", True),
        ("Local pickup", True),
        ("Collect from our Leeds shop", True),
        ("Click & Collect", True),
        ("Standard shipping", False),
        ("Pickup point delivery", False),
        ("DHL Pick-up station", False),
        ("Collection point, by DHL", False),
        ("Retrait en magasin", True),
        ("", False),
    ],
)
def test_pickup_words(method, pickup):
    assert OrderRules().is_pickup(method) is pickup


@pytest.mark.parametrize(
    ("method", "cod"),
    [
        ("Cash on Delivery (COD)", True),
        ("COD", True),
        ("cash_on_delivery", True),
        ("Shopify Payments + Cash On Delivery", True),
        ("Shopify Payments", False),
        ("Code promo", False),
        ("", False),
    ],
)
def test_cash_on_delivery_words(method, cod):
    assert OrderRules().is_cod(method) is cod


def test_store_pickups_are_skipped_and_counted(engine):
    raw = csv_of(
        order_row("#1", **{"Shipping Method": "Local Pickup"}),
        order_row("#2", **{"Shipping Method": "Collect from the shop"}),
        order_row("#3", **{"Shipping Method": "Standard"}),
    )
    result = run(raw, engine)
    assert (result.created, result.skipped_reasons) == (1, {"store pickup": 2})
    assert "2 skipped (2 store pickup)" in result.describe()


def test_the_pickup_and_cod_words_are_settings(engine, settings):
    settings.ORDER_IMPORT_PICKUP_WORDS = ("retrait",)
    settings.ORDER_IMPORT_COD_WORDS = ("contre remboursement",)
    raw = csv_of(
        order_row("#1", **{"Shipping Method": "Retrait en magasin"}),
        order_row("#2", **{"Shipping Method": "Pick up"}),
        order_row("#3", **{"Financial Status": "pending", "Payment Method": "Contre-remboursement"}),
        order_row("#4", **{"Financial Status": "pending", "Payment Method": "COD"}),
    )
    result = run(raw, engine)
    assert result.skipped_reasons == {"store pickup": 1, "payment pending": 1}
    assert dict(Order.objects.values_list("order_id", "payment_state")) == {
        "#2": "paid",
        "#3": "cash_on_delivery",
    }


def test_pending_orders_paid_on_delivery_are_imported_as_cash_on_delivery(engine):
    raw = csv_of(
        order_row("#1", **{"Financial Status": "pending", "Payment Method": "Cash on Delivery (COD)"}),
        order_row("#2", **{"Financial Status": "pending", "Payment Method": "Shopify Payments"}),
        order_row("#3", **{"Financial Status": "voided", "Payment Method": "COD"}),
        order_row("#4", **{"Financial Status": "paid", "Payment Method": "COD"}),
    )
    result = run(raw, engine)
    assert dict(Order.objects.values_list("order_id", "payment_state")) == {
        "#1": "cash_on_delivery",
        "#4": "paid",
    }
    assert result.skipped_reasons == {"payment pending": 1, "payment voided": 1}
    assert result.summary["cash_on_delivery"] == 1
    assert "1 order paid on delivery is cash_on_delivery." in result.describe()


def test_a_payment_gateway_column_is_read_as_the_payment_method(engine):
    header = [*SHOPIFY_HEADER, "Payment Gateway"]
    raw = shopify(
        order_row("#1", **{"Financial Status": "pending", "Payment Gateway": "cash_on_delivery"}),
        header=header,
    )
    run(raw, engine)
    assert Order.objects.get().payment_state == "cash_on_delivery"


def test_a_skipped_order_gets_no_error_at_all(engine):
    raw = csv_of(
        order_row(
            "#1",
            Total="-5",
            Email="not an email",
            **{
                "Financial Status": "pending",
                "Created at": "yesterday",
                "Shipping Country": "XX",
                "Lineitem sku": "",
                "Lineitem name": "",
            },
        ),
        item_row("#1", Email="other@example.com"),
        order_row("#2", **{"Shipping Method": "Pickup", "Created at": "31/12/2023 10:00"}),
        order_row("#3", **{"Lineitem requires shipping": "false", "Created at": "2026-11-02 09:15"}),
        order_row("#4"),
    )
    result = run(raw, engine)
    assert texts(result) == []
    assert (result.created, result.skipped) == (1, 3)


# --- countries, cancelled, fulfilled --------------------------------------------------------------------


def test_an_order_without_a_shipping_country_is_imported(engine):
    raw = csv_of(order_row("#1", **{"Shipping Country": "", "Shipping Zip": ""}))
    assert run(raw, engine).created == 1
    assert Order.objects.get().country == ""


def test_cancelled_and_fulfilled_times_are_stored_and_updated(engine):
    raw = csv_of(
        order_row("#1", **{"Cancelled at": "2026-11-03 10:00:00 -0500", "Financial Status": "refunded"}),
        order_row("#2", **{"Fulfilled at": "2026-11-04 08:00:00 +0100", "Fulfillment Status": "fulfilled"}),
        order_row("#3", **{"Fulfillment Status": "partial"}),
    )
    run(raw, engine)
    orders = {o.order_id: o for o in Order.objects.all()}
    assert orders["#1"].cancelled_at == datetime(2026, 11, 3, 15, tzinfo=UTC)
    assert orders["#1"].payment_state == "refunded"
    assert orders["#2"].fulfilled_at == datetime(2026, 11, 4, 7, tzinfo=UTC)
    assert orders["#3"].fulfilled_at is None and orders["#3"].cancelled_at is None
    changed = raw.replace(b"2026-11-04 08:00:00 +0100", b"2026-11-04 09:00:00 +0100")
    result = run(changed, engine)
    assert (result.updated, result.unchanged) == (1, 2)
    assert Order.objects.get(order_id="#2").fulfilled_at == datetime(2026, 11, 4, 8, tzinfo=UTC)


def test_a_bad_cancelled_or_fulfilled_time_is_named(engine):
    raw = csv_of(
        order_row("#1", **{"Cancelled at": "soon"}),
        order_row("#2", **{"Fulfilled at": "2026-02-30 10:00 +0000"}),
    )
    assert texts(dry(raw, engine)) == [
        f"line 2, column 'Cancelled at': {Msg.DATETIME}",
        f"line 3, column 'Fulfilled at': {Msg.BAD_DATETIME}",
    ]


def test_fulfilled_without_a_time_takes_the_import_time_once(engine):
    raw = csv_of(order_row("#1", **{"Fulfillment Status": "fulfilled"}))
    before = timezone.now()
    run(raw, engine)
    fulfilled = Order.objects.get().fulfilled_at
    assert before - timedelta(seconds=1) <= fulfilled <= timezone.now()
    again = run(raw, engine)  # the stored time is kept: nothing changes
    assert (again.updated, again.unchanged) == (0, 1)
    assert Order.objects.get().fulfilled_at == fulfilled


def test_many_orders_fulfilled_without_tracking_point_to_the_tracking_import(engine):
    rows = [order_row(f"#{n}", **{"Fulfilled at": "2026-11-04 08:00:00 +0100"}) for n in range(12)]
    result = dry(csv_of(*rows), engine)
    assert result.summary["fulfilled_without_tracking"] == 12 and result.summary["import_tracking"]
    assert "import_tracking numbers FILE" in result.describe()
    # An order that has its tracking number is not counted.
    run(csv_of(*rows), engine)
    number = TrackingNumber.objects.create(number="LP00123456789012", normalized="LP00123456789012")
    Parcel.objects.create(order=Order.objects.get(order_id="#0"), tracking_number=number)
    result = dry(csv_of(*rows), engine)
    assert result.summary["fulfilled_without_tracking"] == 11


def test_a_few_orders_fulfilled_without_tracking_are_only_counted(engine):
    result = dry(csv_of(order_row("#1", **{"Fulfilled at": "2026-11-04 08:00:00 +0100"})), engine)
    assert result.summary["fulfilled_without_tracking"] == 1 and not result.summary["import_tracking"]
    assert "import_tracking" not in result.describe()


def test_the_staletrack_csv_reads_cancelled_and_fulfilled_times(engine):
    raw = (
        b"order_id,ordered_at,country,sku,supplier,payment_state,cancelled_at,fulfilled_at\n"
        b"#1,2026-11-02T09:15:00Z,,LAMP-01,,cash_on_delivery,,2026-11-04T08:00:00Z\n"
        b"#2,2026-11-02T09:15:00Z,US,,Bright,paid,2026-11-03T08:00:00Z,\n"
    )
    raw = raw.replace(b"US,,Bright", b"US,,Bright")
    result = run(raw, engine)
    assert texts(result) == [f"line 3, column 'sku': {Msg.NO_ITEM}"]
    raw = raw.replace(b"US,,Bright", b"US,MUG-01,Bright")
    result = run(raw, engine)
    assert result.created == 2
    first, second = Order.objects.get(order_id="#1"), Order.objects.get(order_id="#2")
    assert (first.country, first.payment_state) == ("", "cash_on_delivery")
    assert first.fulfilled_at == datetime(2026, 11, 4, 8, tzinfo=UTC)
    assert first.product.supplier.name == "Unassigned supplier"
    assert second.cancelled_at == datetime(2026, 11, 3, 8, tzinfo=UTC)


# --- the vendor map -----------------------------------------------------------------------------------


def test_vendors_are_read_through_the_vendor_map(engine):
    acme = SupplierFactory(name="Acme Sourcing")
    VendorMapping.objects.create(vendor="ACME Store", meaning="supplier", supplier=acme)
    VendorMapping.objects.create(vendor="My Store", meaning="not_a_supplier")
    raw = csv_of(
        order_row("#1", Vendor="acme store", **{"Lineitem sku": "A-1"}),
        order_row("#2", Vendor="My Store", **{"Lineitem sku": "B-1"}),
        order_row("#3", Vendor="", **{"Lineitem sku": "C-1"}),
        order_row("#4", Vendor="Yiwu Trading", **{"Lineitem sku": "D-1"}),
    )
    result = run(raw, engine)
    suppliers = dict(Product.objects.values_list("sku", "supplier__name"))
    assert suppliers == {
        "A-1": "Acme Sourcing",
        "B-1": "Unassigned supplier",
        "C-1": "Unassigned supplier",
        "D-1": "Yiwu Trading",
    }
    assert Product.objects.get(sku="A-1").vendor == "acme store"
    assert result.summary["vendors"] == {"unmapped": ["Yiwu Trading"], "defaulted": ["", "My Store"]}
    assert "Yiwu Trading" in result.describe()


def test_a_known_product_keeps_its_supplier_whatever_the_map_says(engine):
    run(csv_of(order_row("#1", Vendor="Old Vendor")), engine)
    VendorMapping.objects.create(vendor="Old Vendor", meaning="not_a_supplier")
    result = run(csv_of(order_row("#2", Vendor="Old Vendor")), engine)
    assert Product.objects.get().supplier.name == "Old Vendor"
    assert result.summary["vendors"] == {"unmapped": [], "defaulted": []}  # no new product asked


# --- order times (rules.md section 1) -------------------------------------------------------------------


def test_times_without_an_offset_need_a_time_zone(engine):
    raw = csv_of(order_row("#1"), order_row("#2", **{"Created at": "2026-11-02 09:15:11"}))
    with pytest.raises(OrderTimesError) as caught:
        dry(raw, engine)
    assert [str(i) for i in caught.value.issues] == [
        "column 'Created at': has times without a UTC offset, like \"2026-11-02 09:15:11\" (line 3); say "
        "which time zone they are in (--time-zone UTC for the store's time zone, or another, like "
        "Europe/Paris)"
    ]
    assert caught.value.questions == {
        "time_zone": {"column": "Created at", "line": 3, "example": "2026-11-02 09:15:11", "suggested": "UTC"}
    }
    result = run(raw, engine, time_zone="Europe/Paris")
    assert Order.objects.get(order_id="#2").ordered_at == datetime(2026, 11, 2, 8, 15, 11, tzinfo=UTC)
    assert result.summary["times"] == {"time_zone": "Europe/Paris"}
    assert "read in Europe/Paris" in result.describe()


def test_the_store_zone_is_offered(engine, settings):
    settings.TIME_ZONE = "America/Chicago"
    with pytest.raises(OrderTimesError) as caught:
        dry(csv_of(order_row("#1", **{"Cancelled at": "2026-11-03 10:00"})), engine)
    assert caught.value.questions["time_zone"]["suggested"] == "America/Chicago"
    assert "--time-zone America/Chicago" in str(caught.value.issues[0])
    assert caught.value.issues[0].column == "Cancelled at"


def test_a_local_time_in_the_hour_skipped_in_spring_and_one_repeated_in_autumn(engine):
    raw = csv_of(
        order_row("#1", **{"Created at": "2026-03-29 02:30:00"}),  # skipped in Paris
        order_row("#2", **{"Created at": "2026-10-25 02:30:00"}),  # happens twice in Paris
    )
    run(raw, engine, time_zone="Europe/Paris")
    times = dict(Order.objects.values_list("order_id", "ordered_at"))
    assert times["#1"] == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # the offset before the change (+01:00)
    assert times["#2"] == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # the first occurrence (+02:00)


def test_day_first_dates_are_read_when_the_file_settles_it(engine):
    raw = csv_of(
        order_row("#1", **{"Created at": "03/04/2026 22:36"}),
        order_row("#2", **{"Created at": "31/12/2025 22:36:05"}),
    )
    result = run(raw, engine, time_zone="UTC")
    times = dict(Order.objects.values_list("order_id", "ordered_at"))
    assert times == {
        "#1": datetime(2026, 4, 3, 22, 36, tzinfo=UTC),
        "#2": datetime(2025, 12, 31, 22, 36, 5, tzinfo=UTC),
    }
    assert result.summary["times"] == {
        "time_zone": "UTC",
        "date_order": "day_first",
        "date_order_from": "file",
    }


def test_month_first_dates_with_am_pm_are_read_when_the_file_settles_it(engine):
    raw = csv_of(
        order_row("#1", **{"Created at": "3/4/2026 10:36 PM"}),
        order_row("#2", **{"Created at": "12/31/2025 12:05 AM"}),
        order_row("#3", **{"Created at": "12/30/2025 12:05:09 pm +0100"}),
    )
    run(raw, engine, time_zone="America/New_York")
    times = dict(Order.objects.values_list("order_id", "ordered_at"))
    assert times == {
        "#1": datetime(2026, 3, 5, 3, 36, tzinfo=UTC),
        "#2": datetime(2025, 12, 31, 5, 5, tzinfo=UTC),
        "#3": datetime(2025, 12, 30, 11, 5, 9, tzinfo=UTC),
    }


def test_dates_no_value_settles_need_a_choice(engine):
    raw = csv_of(
        order_row("#1", **{"Created at": "03/04/2026 22:36"}),
        order_row("#2", **{"Created at": "05/06/2026 10:00"}),
    )
    with pytest.raises(OrderTimesError) as caught:
        dry(raw, engine, time_zone="UTC")
    assert [str(i) for i in caught.value.issues] == [
        "column 'Created at': has dates like \"03/04/2026 22:36\" (line 2) that read day-first as well as "
        "month-first, and no date in the file settles it; say which (--day-first or --month-first)"
    ]
    assert set(caught.value.questions) == {"date_order"}
    run(raw, engine, time_zone="UTC", date_order=MONTH_FIRST)
    assert Order.objects.get(order_id="#1").ordered_at == datetime(2026, 3, 4, 22, 36, tzinfo=UTC)
    assert Order.objects.get(order_id="#1").ordered_at.month == 3


def test_both_questions_at_once(engine):
    raw = csv_of(order_row("#1", **{"Created at": "03/04/2026 22:36"}))
    with pytest.raises(OrderTimesError) as caught:
        dry(raw, engine)
    assert set(caught.value.questions) == {"date_order", "time_zone"}
    assert len(caught.value.issues) == 2


def test_a_file_mixing_day_first_and_month_first_dates_is_refused(engine):
    raw = csv_of(
        order_row("#1", **{"Created at": "31/12/2025 22:36"}),
        order_row("#2", **{"Created at": "2026-01-02 10:00 +0000"}),
        order_row("#3", **{"Fulfilled at": "12/31/2025 10:36 PM"}),
    )
    with pytest.raises(OrderTimesError) as caught:
        dry(raw, engine, time_zone="UTC", date_order=DAY_FIRST)
    assert [str(i) for i in caught.value.issues] == [
        "column 'Created at': mixes day-first dates (\"31/12/2025 22:36\", line 2) and month-first dates "
        '("12/31/2025 10:36 PM", line 4); write all its dates one way'
    ]
    assert caught.value.questions == {}


def test_a_file_against_the_chosen_order_is_refused(engine):
    raw = csv_of(order_row("#1", **{"Created at": "31/12/2025 22:36"}))
    with pytest.raises(OrderTimesError) as caught:
        dry(raw, engine, time_zone="UTC", date_order=MONTH_FIRST)
    assert str(caught.value.issues[0]) == (
        "column 'Created at': has day-first dates (\"31/12/2025 22:36\", line 2), but month-first was chosen"
    )


def test_impossible_local_dates_are_named_by_line(engine):
    raw = csv_of(
        order_row("#1", **{"Created at": "31/12/2025 22:36"}),
        order_row("#2", **{"Created at": "31/02/2026 10:00"}),
        order_row("#3", **{"Created at": "13/13/2026 10:00"}),
        order_row("#4", **{"Created at": "01/02/2026 13:00 PM"}),
        order_row("#5", **{"Created at": "01/02/1800 10:00"}),
    )
    assert texts(dry(raw, engine, time_zone="UTC")) == [
        f"line {n}, column 'Created at': {Msg.BAD_DATETIME}" for n in (3, 4, 5, 6)
    ]


def test_the_excel_files_read_with_a_zone(engine):
    result = run((DATA / "excel_day_first.csv").read_bytes(), engine, time_zone="America/New_York")
    assert texts(result) == [] and result.created == 6
    assert Order.objects.get(order_id="#401").ordered_at == datetime(2024, 3, 13, 13, 15, tzinfo=UTC)
    result = run((DATA / "excel_month_first.csv").read_bytes(), engine, time_zone="America/New_York")
    assert Order.objects.get(order_id="#501").ordered_at == datetime(2024, 3, 13, 13, 15, tzinfo=UTC)
    assert result.summary["times"]["date_order"] == "month_first"


def test_unknown_answers_are_refused():
    with pytest.raises(CsvError, match="'Mars/Olympus' is not a time zone name"):
        import_orders(b"x", time_zone="Mars/Olympus")
    with pytest.raises(CsvError, match="'ymd' is not day_first or month_first"):
        import_orders(b"x", date_order="ymd")
    with pytest.raises(CsvError, match="'tracking' is not a field"):
        import_orders(b"x", column_map={"tracking": "Tracking"})


def test_decide_times_alone():
    reading = decide_times(
        [("ordered_at", "13/01/2026 10:00", 5), ("cancelled_at", "2026-01-02 10:00", 9)],
        column=lambda name: name,
        time_zone="Asia/Tokyo",
    )
    assert reading.date_order == DAY_FIRST
    assert reading.read("02/01/2026 09:00") == (datetime(2026, 1, 2, 0, 0, tzinfo=UTC), None)
    assert TimeReading().read("02/01/2026 09:00") == (None, Msg.NO_DATE_ORDER)
    assert TimeReading().read("2026-01-02 10:00") == (None, Msg.NO_OFFSET)


# --- column maps --------------------------------------------------------------------------------------

CUSTOM = (
    b"Order Number,Order Date,Item Code,Item,Supplier Name,Destination\n"
    b"A-1,2026-11-02T09:15:00Z,LAMP-01,Sunset lamp,Bright Home Supply,US\n"
)
CUSTOM_MAP = {"order_id": "Order Number", "ordered_at": "Order Date", "sku": "Item Code"}
CUSTOM_MAP |= {"product_title": "Item", "supplier": "Supplier Name", "country": "Destination"}


def test_a_column_map_reads_a_file_with_other_headers_and_is_remembered(engine):
    with pytest.raises(CsvError):
        dry(CUSTOM, engine)
    result = run(CUSTOM, engine, column_map=CUSTOM_MAP)
    assert result.created == 1 and result.summary["column_map"] == CUSTOM_MAP
    assert not result.summary["column_map_remembered"]
    order = Order.objects.get()
    assert (order.order_id, order.country, order.product.sku) == ("A-1", "US", "LAMP-01")
    assert ColumnMapping.objects.get(kind="orders").mapping == CUSTOM_MAP
    again = run(CUSTOM.replace(b"A-1", b"A-2"), engine)  # no map given: the remembered one
    assert again.created == 1 and again.summary["column_map_remembered"]
    assert "Columns remembered for these headers were used" in again.describe()


def test_a_map_from_a_dry_run_or_a_failed_import_is_not_remembered(engine):
    dry(CUSTOM, engine, column_map=CUSTOM_MAP)
    run(CUSTOM.replace(b"US", b"XX"), engine, column_map=CUSTOM_MAP)
    assert not ColumnMapping.objects.exists()


def test_a_column_map_naming_a_missing_column_is_refused(engine):
    with pytest.raises(CsvError, match="column 'Order No': is not a column of this file"):
        dry(CUSTOM, engine, column_map={**CUSTOM_MAP, "order_id": "Order No"})


# --- import runs, the task and the command --------------------------------------------------------------


def test_a_run_keeps_its_answers_and_the_task_uses_them(settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    raw = csv_of(order_row("#1", **{"Created at": "31/12/2025 22:36"}))
    run_ = create_run(
        file_name="orders.csv",
        upload=SimpleUploadedFile("orders.csv", raw),
        time_zone="Europe/Paris",
        date_order=DAY_FIRST,
    )
    assert run_.summary["options"] == {
        "time_zone": "Europe/Paris",
        "date_order": "day_first",
        "column_map": None,
    }
    import_orders_task(run_.pk)
    run_.refresh_from_db()
    assert run_.status == "succeeded"
    assert Order.objects.get().ordered_at == datetime(2025, 12, 31, 21, 36, tzinfo=UTC)
    assert run_.summary["options"]["time_zone"] == "Europe/Paris"
    assert run_.summary["times"]["date_order"] == "day_first"
    assert run_.summary["skipped"] == {}


def test_a_run_that_needs_answers_keeps_the_questions():
    run_ = create_run(file_name="orders.csv")
    run_import(run_, csv_of(order_row("#1", **{"Created at": "2026-11-02 09:15"})))
    run_.refresh_from_db()
    assert run_.status == "failed"
    assert run_.summary["questions"]["time_zone"]["line"] == 2
    assert run_.errors[0]["column"] == "Created at"


def test_the_run_summary_is_stored():
    run_ = create_run(file_name="orders.csv")
    run_import(run_, csv_of(order_row("#1", **{"Shipping Method": "Pickup"}), order_row("#2")))
    run_.refresh_from_db()
    assert run_.summary["skipped"] == {"store pickup": 1}
    assert run_.summary["fulfilled_without_tracking"] == 0


def test_the_command_takes_a_time_zone_a_date_order_and_columns(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(CUSTOM.replace(b"2026-11-02T09:15:00Z", b"02/11/2026 09:15"))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_orders", str(path), "--column", "order_id=Order Number", stderr=err)
    out = io.StringIO()
    columns = [f"--column={name}={header}" for name, header in CUSTOM_MAP.items()]
    with pytest.raises(CommandError):
        call_command("import_orders", str(path), *columns, stdout=out, stderr=err)
    assert "--time-zone" in err.getvalue() and "--day-first or --month-first" in err.getvalue()
    call_command(
        "import_orders",
        str(path),
        *columns,
        "--time-zone",
        "Europe/Paris",
        "--day-first",
        stdout=out,
        stderr=err,
    )
    assert Order.objects.get().ordered_at == datetime(2026, 11, 2, 8, 15, tzinfo=UTC)
    assert "read in Europe/Paris" in out.getvalue()
    assert ImportRun.objects.filter(status="succeeded").get().summary["options"]["date_order"] == "day_first"


def test_the_command_refuses_a_bad_column_option(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(CUSTOM)
    err = io.StringIO()
    with pytest.raises(CommandError, match="--column"):
        call_command("import_orders", str(path), "--column", "nonsense", stderr=err)
    assert "write it as FIELD=HEADER" in err.getvalue()
    assert not ImportRun.objects.exists()


def test_the_commands_dry_run_exits_non_zero_on_errors(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(csv_of(order_row("#1", **{"Shipping Country": "XX"})))
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"1 error in 1 row"):
        call_command("import_orders", str(path), "--dry-run", stdout=io.StringIO(), stderr=err)
    assert "Shipping Country" in err.getvalue()
    # With --only-valid-rows the real import would succeed (writing nothing here): so does the dry run.
    call_command(
        "import_orders", str(path), "--dry-run", "--only-valid-rows", stdout=io.StringIO(), stderr=err
    )
    assert not Order.objects.exists()


def test_stored_orders_are_never_matched_to_a_skip():
    OrderFactory(order_id="#1", payment_state="paid")
    with mock.patch("cases.intake.orders_batched.audit_events") as audit:
        result = import_orders(csv_of(order_row("#1", **{"Financial Status": "voided"})), engine="batched")
    assert result.skipped == 1 and result.updated == 0 and not audit.call_args.args[0]
    assert Order.objects.get().payment_state == "paid"
    assert Supplier.objects.count() == 1
