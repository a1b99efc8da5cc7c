"""Columns a person names for the tracking CSVs (docs/imports.md, *Columns a person names*): a carrier
tool's export such as FedEx Ship Manager's, read with `--column FIELD=HEADER`; the map remembered after a
successful import and used for the next file with the same headers; errors naming the option or header."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cases.choices import ImportKind
from cases.intake.column_mappings import remember_column_map
from cases.intake.csvfiles import CsvError
from cases.intake.tracking_csv import read_header, read_tracking_events, read_tracking_numbers
from cases.intake.tracking_import import choose_columns, import_tracking_numbers
from cases.models import ColumnMapping, Parcel, TrackingEvent, TrackingNumber
from tests.factories import OrderFactory, UserFactory
from tests.helpers.tracking_files import csv, run, run_from_shell, write

FEDEX = "123456789012"
FEDEX_2 = "771234567801"
# FedEx Ship Manager's shipment export: no header the import knows for the order or the number.
# "Ship Date" is one it knows (date_shipped).
SHIP_MANAGER = (
    "Ship Date,Tracking Numbers Tracking Number,Recipient Contact Name,Package P.O. Number,Service Type\n"
    f"11/03/2026,{FEDEX},Ana Ruiz,1042,FedEx Ground\n"
)
SHIP_MANAGER_NEXT = SHIP_MANAGER.splitlines()[0] + f"\n11/04/2026,{FEDEX_2},Li Wei,1043,FedEx Ground\n"
FEDEX_COLUMNS = ["tracking_number=Tracking Numbers Tracking Number", "order_id=Package P.O. Number"]
FEDEX_MAP = {"tracking_number": "Tracking Numbers Tracking Number", "order_id": "Package P.O. Number"}


def issues_of(call, *args, **kwargs) -> list[str]:
    with pytest.raises(CsvError) as caught:
        call(*args, **kwargs)
    return [str(issue) for issue in caught.value.issues]


# The re-assessment task's delay is mocked for every test here (queued: tests/conftest.py).
pytestmark = pytest.mark.usefixtures("queued")


def columns(*options):
    return [arg for option in options for arg in ("--column", option)]


def stored():
    return (TrackingNumber.objects.count(), Parcel.objects.count(), TrackingEvent.objects.count())


# --- reading, without a database ----------------------------------------------------------------------


def test_read_header_gives_the_files_headers_as_spelled():
    assert read_header(csv(SHIP_MANAGER)) == [
        "Ship Date",
        "Tracking Numbers Tracking Number",
        "Recipient Contact Name",
        "Package P.O. Number",
        "Service Type",
    ]


def test_read_header_of_an_empty_file_names_the_file():
    assert issues_of(read_header, b"") == ["file: is empty"]


def test_an_export_with_unknown_headers_names_the_columns_it_lacks():
    assert issues_of(read_tracking_numbers, csv(SHIP_MANAGER)) == [
        "line 1, column 'order_id': required column is missing",
        "line 1, column 'tracking_number': required column is missing",
    ]


def test_named_columns_read_a_carrier_tools_export():
    (row,) = read_tracking_numbers(csv(SHIP_MANAGER), column_map=FEDEX_MAP)
    assert (row.line, row.order_id, row.number, row.carrier) == (2, "1042", FEDEX, None)


def test_a_named_column_wins_over_a_header_the_import_knows():
    raw = csv(f"Order,PO,Tracking Number\nINTERNAL-7,1042,{FEDEX}\n")
    (row,) = read_tracking_numbers(raw, column_map={"order_id": "PO"})
    assert row.order_id == "1042"


def test_a_column_named_for_one_field_is_not_read_as_another():
    # "Carrier" is a provider spelling; named for the number, it holds the number and no provider.
    raw = csv(f"order_id,Carrier\n1042,{FEDEX}\n")
    (row,) = read_tracking_numbers(raw, column_map={"tracking_number": "Carrier"})
    assert (row.number, row.provider) == (FEDEX, "")


def test_a_named_header_the_file_does_not_have_is_named_with_the_files_headers():
    assert issues_of(read_tracking_numbers, csv(SHIP_MANAGER), column_map={"order_id": "PO Number"}) == [
        "line 1, column 'PO Number': is not a column of this file (named for order_id); its columns are "
        "'Ship Date', 'Tracking Numbers Tracking Number', 'Recipient Contact Name', 'Package P.O. Number', "
        "'Service Type'"
    ]


def test_named_columns_read_an_events_export():
    raw = csv(
        f"Shipment,Scan Time,Scan Event,Scan Country\n{FEDEX},2026-11-04 10:00,Departed FedEx hub,CHN\n"
    )
    (row,) = read_tracking_events(
        raw,
        column_map={
            "tracking_number": "Shipment",
            "time": "Scan Time",
            "description": "Scan Event",
            "country": "Scan Country",
        },
    )
    assert (row.number, row.event.status, row.event.country, row.event.approximate) == (
        FEDEX,
        "in_transit",
        "CN",
        True,
    )


# --- the service: remembering ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_given_map_is_remembered_after_a_successful_import_with_who_gave_it(orders):
    staff = UserFactory(username="stan", role="Staff")
    summary = import_tracking_numbers(csv(SHIP_MANAGER), actor=staff, column_map=FEDEX_MAP)
    assert orders["#1042"].tracking_numbers.get().normalized == FEDEX
    assert summary.columns_kept
    mapping = ColumnMapping.objects.get()
    assert (mapping.kind, mapping.mapping, mapping.updated_by) == (
        ImportKind.TRACKING_NUMBERS,
        FEDEX_MAP,
        staff,
    )
    assert mapping.headers == read_header(csv(SHIP_MANAGER))


@pytest.mark.django_db
def test_a_file_with_the_same_headers_uses_the_remembered_map(orders):
    import_tracking_numbers(csv(SHIP_MANAGER), column_map=FEDEX_MAP)
    summary = import_tracking_numbers(csv(SHIP_MANAGER_NEXT))
    assert orders["#1043"].tracking_numbers.get().normalized == FEDEX_2
    assert (summary.columns.mapping, summary.columns.remembered, summary.columns_kept) == (
        FEDEX_MAP,
        True,
        False,
    )


@pytest.mark.django_db
def test_headers_spelled_in_another_case_are_the_same_headers(orders):
    import_tracking_numbers(csv(SHIP_MANAGER), column_map=FEDEX_MAP)
    lower = SHIP_MANAGER_NEXT.split("\n", 1)
    import_tracking_numbers(csv(lower[0].lower() + "\n" + lower[1]))
    assert orders["#1043"].tracking_numbers.get().normalized == FEDEX_2


@pytest.mark.django_db
def test_a_map_remembered_for_numbers_is_not_used_for_events(orders):
    remember_column_map(
        kind=ImportKind.TRACKING_NUMBERS, header=read_header(csv(SHIP_MANAGER)), mapping=FEDEX_MAP
    )
    assert choose_columns(csv(SHIP_MANAGER), kind="events").mapping == {}
    assert choose_columns(csv(SHIP_MANAGER), kind="numbers").remembered


@pytest.mark.django_db
def test_an_empty_map_means_no_map_whatever_is_remembered(orders):
    import_tracking_numbers(csv(SHIP_MANAGER), column_map=FEDEX_MAP)
    issues = issues_of(import_tracking_numbers, csv(SHIP_MANAGER_NEXT), column_map={})
    assert issues[0] == "line 1, column 'order_id': required column is missing"


@pytest.mark.django_db
def test_a_refused_import_or_a_dry_run_remembers_nothing(orders):
    unknown_order = SHIP_MANAGER.replace(",1042,", ",9999,")
    issues_of(import_tracking_numbers, csv(unknown_order), column_map=FEDEX_MAP)
    import_tracking_numbers(csv(SHIP_MANAGER), column_map=FEDEX_MAP, dry_run=True)
    assert ColumnMapping.objects.count() == 0
    assert stored() == (0, 0, 0)


# --- the command ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_imports_a_ship_manager_export_with_named_columns_and_remembers_them(tmp_path, orders):
    out, _ = run("numbers", write(tmp_path, SHIP_MANAGER), *columns(*FEDEX_COLUMNS))
    lines = out.splitlines()
    assert lines[0].startswith("Imported 1 rows of tracking numbers")
    assert lines[1] == (
        "Columns remembered for the next file with these headers: "
        "order_id='Package P.O. Number', tracking_number='Tracking Numbers Tracking Number'."
    )
    assert orders["#1042"].tracking_numbers.get().carrier == "fedex"  # detected: Ship Manager names none


@pytest.mark.django_db
def test_the_command_says_when_it_uses_the_remembered_columns(tmp_path, orders):
    run("numbers", write(tmp_path, SHIP_MANAGER), *columns(*FEDEX_COLUMNS))
    out, _ = run("numbers", write(tmp_path, SHIP_MANAGER_NEXT, "next.csv"))
    lines = out.splitlines()
    assert lines[0] == (
        "Using the columns remembered for files with these headers: "
        "order_id='Package P.O. Number', tracking_number='Tracking Numbers Tracking Number' "
        "(give --column to name others)."
    )
    assert lines[1].startswith("Imported 1 rows of tracking numbers")
    assert len(lines) == 2  # nothing newly remembered
    assert orders["#1043"].tracking_numbers.get().normalized == FEDEX_2


@pytest.mark.django_db
def test_new_columns_given_for_the_same_headers_replace_the_remembered_ones(tmp_path, orders):
    run("numbers", write(tmp_path, SHIP_MANAGER), *columns(*FEDEX_COLUMNS))
    other = [FEDEX_COLUMNS[0], "order_id=Recipient Contact Name"]
    with pytest.raises(CommandError):
        run("numbers", write(tmp_path, SHIP_MANAGER_NEXT), *columns(*other))  # no order "Li Wei"
    assert ColumnMapping.objects.get().mapping == FEDEX_MAP
    OrderFactory(order_id="Li Wei")
    run("numbers", write(tmp_path, SHIP_MANAGER_NEXT), *columns(*other))
    assert ColumnMapping.objects.get().mapping["order_id"] == "Recipient Contact Name"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("option", "named"),
    [
        (
            "nope=Package P.O. Number",
            "error: --column nope=Package P.O. Number: 'nope' is not a field; the fields",
        ),
        ("order_id", "error: --column order_id: write it as FIELD=HEADER"),
        ("time=Ship Date", "error: --column time=Ship Date: 'time' is not a field"),  # an events field
    ],
    ids=["unknown-field", "no-header", "other-files-field"],
)
def test_a_bad_column_option_is_named_and_nothing_is_imported(tmp_path, orders, option, named):
    err = StringIO()
    with pytest.raises(CommandError, match=r"1 error\(s\) in --column; nothing was imported"):
        call_command(
            "import_tracking",
            "numbers",
            str(write(tmp_path, SHIP_MANAGER)),
            "--column",
            option,
            stdout=StringIO(),
            stderr=err,
        )
    assert err.getvalue().startswith(named)
    assert (stored(), ColumnMapping.objects.count()) == ((0, 0, 0), 0)


@pytest.mark.django_db
def test_a_named_header_the_file_lacks_exits_non_zero_naming_the_header(
    tmp_path, orders, capsys, monkeypatch
):
    path = write(tmp_path, SHIP_MANAGER)
    code, err = run_from_shell(
        monkeypatch, capsys, "numbers", str(path), *columns(FEDEX_COLUMNS[0], "order_id=PO Number")
    )
    assert code == 1
    assert "error: line 1, column 'PO Number': is not a column of this file (named for order_id)" in err
    assert (stored(), ColumnMapping.objects.count()) == ((0, 0, 0), 0)


@pytest.mark.django_db
def test_the_command_dry_run_with_columns_remembers_nothing(tmp_path, orders):
    out, _ = run("numbers", write(tmp_path, SHIP_MANAGER), *columns(*FEDEX_COLUMNS), "--dry-run")
    assert out.splitlines() == [
        "Dry run: importing 1 rows of tracking numbers would create 1 parcels, "
        "1 tracking numbers. Nothing was written."
    ]
    assert (stored(), ColumnMapping.objects.count()) == ((0, 0, 0), 0)


@pytest.mark.django_db
def test_the_command_reads_an_events_export_with_named_columns(tmp_path, orders):
    run("numbers", write(tmp_path, SHIP_MANAGER), *columns(*FEDEX_COLUMNS))
    events = f"Shipment,Scan Time,Scan Event\n{FEDEX},2026-11-04T10:00:00Z,Picked up\n"
    event_columns = ["tracking_number=Shipment", "time=Scan Time", "description=Scan Event"]
    out, _ = run("events", write(tmp_path, events, "scans.csv"), *columns(*event_columns))
    assert out.startswith("Imported 1 rows of tracking events: 1 tracking events created.")
    assert list(TrackingEvent.objects.values_list("status", "description")) == [("accepted", "Picked up")]
    assert ColumnMapping.objects.filter(kind=ImportKind.TRACKING_EVENTS).count() == 1


@pytest.mark.django_db
def test_a_user_who_may_not_import_learns_nothing_of_the_remembered_columns(tmp_path, orders):
    run("numbers", write(tmp_path, SHIP_MANAGER), *columns(*FEDEX_COLUMNS))
    UserFactory(username="outsider")
    out = StringIO()
    with pytest.raises(CommandError, match="Refused"):
        call_command(
            "import_tracking",
            "numbers",
            str(write(tmp_path, SHIP_MANAGER_NEXT)),
            "--as-user",
            "outsider",
            stdout=out,
            stderr=StringIO(),
        )
    assert out.getvalue() == ""


@pytest.mark.django_db
def test_a_map_naming_a_field_the_import_does_not_have_is_refused(orders):
    assert issues_of(import_tracking_numbers, csv(SHIP_MANAGER), column_map={"time": "Ship Date"}) == [
        "file: 'time' is not a field of this import; the fields are order_id, tracking_number, "
        "tracking_provider, custom_tracking_provider, date_shipped, skus"
    ]
