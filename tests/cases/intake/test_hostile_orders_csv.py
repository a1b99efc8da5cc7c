"""Hostile orders CSVs (docs/imports-orders.md): every one named by line and column, nothing written, and
the same words from both engines (the batched one everywhere, the COPY one on PostgreSQL).

- times outside 2000..2100 (UTC), the one gate of every stored time (staletrack.limits.time_problem), in
  every shape a time cell may take: Shopify's own (told by the COPY engine from its bytes), another ISO
  shape with an offset, a local date read in a time zone;
- a NUL byte after the first 4 KB (COPY refuses it without a line; Python's csv module reads it);
- a cell longer than staletrack.limits.MAX_CELL, in a column the import reads and in one it does not, on
  one line or over several;
- a currency that is three letters but no ISO 4217 code.
"""

from __future__ import annotations

from unittest import mock

import pytest

from cases.intake.csvfiles import CsvError
from cases.intake.order_import import create_run, import_orders, run_import
from cases.intake.orders_copy import CopyEngine
from cases.intake.orders_csv import Msg, OrderTimesError
from cases.models import Case, ImportRun, Order
from staletrack.limits import MAX_CELL, TIME_RANGE_MESSAGE
from suppliers.models import Product, Supplier
from tests.helpers.order_files import SHOPIFY_HEADER, order_row, shopify

pytestmark = pytest.mark.django_db

HEADER = [*SHOPIFY_HEADER, "Cancelled at", "Notes"]
LONG = "x" * 2_000_000


def orders_file(*rows: dict) -> bytes:
    return shopify(*rows, header=HEADER)


def texts(result) -> list[str]:
    return [str(issue) for issue in result.issues]


def nothing_written() -> bool:
    return not (Order.objects.exists() or Case.objects.exists() or Product.objects.exists())


def nothing_stored_or_run() -> bool:
    return nothing_written() and not Supplier.objects.exists()


# --- times outside 2000..2100 -----------------------------------------------------------------------------

OUT_OF_RANGE = [
    # Shopify's own shape: the COPY engine reads these bytes itself, never in Python.
    ("1999-12-31 23:59:59 +0000", "shopify-1999"),
    ("2000-01-01 04:59:59 +0500", "shopify-2000-local-but-1999-utc"),
    ("2099-12-31 20:00:00 -0500", "shopify-2099-local-but-2100-utc"),
    ("2099-12-31 10:00:00 -1400", "shopify-2100-utc-exactly"),
    ("2000-01-01 14:58:59 +1459", "shopify-widest-offset"),
    ("2100-01-01 00:00:00 +0000", "shopify-2100"),
    ("1900-01-01 00:00:00 +0000", "shopify-1900"),
    ("2999-12-31 23:59:59 -1459", "shopify-2999"),
    # Other ISO shapes with an offset (matched by the regular expression in SQL).
    ("2150-06-01T10:00:00Z", "iso-2150"),
    ("1999-12-31T23:00:00-00:30", "iso-1999-utc"),
]


@pytest.mark.parametrize("cell", [c for c, _ in OUT_OF_RANGE], ids=[i for _, i in OUT_OF_RANGE])
def test_an_order_time_outside_2000_to_2100_is_named_and_nothing_is_written(engine, cell):
    raw = orders_file(order_row("#1"), order_row("#2", **{"Created at": cell}))
    result = import_orders(raw, file_name="orders.csv", engine=engine)
    assert texts(result) == [f"line 3, column 'Created at': {TIME_RANGE_MESSAGE}"]
    assert result.written is None and nothing_written()


@pytest.mark.parametrize(
    "cell",
    [
        "2000-01-01 00:00:00 +0000",
        "2000-01-01 05:00:00 +0500",
        "2099-12-31 18:59:59 -0500",
        "2099-12-31T23:59:59Z",
        "2000-01-01 23:00:00 +1400",
        "2099-12-31 09:59:59 -1400",
        "2000-01-02 00:00:00 +1459",
    ],
)
def test_order_times_just_inside_the_range_are_read(engine, cell):
    result = import_orders(
        orders_file(order_row("#1", **{"Created at": cell})), file_name="o.csv", engine=engine
    )
    assert not result.has_errors, texts(result)
    assert Order.objects.get().ordered_at.year in (1999, 2000, 2099)


def test_cancelled_and_fulfilled_times_pass_the_same_gate(engine):
    raw = orders_file(
        order_row("#1", **{"Cancelled at": "2101-01-01 00:00:00 +0000"}),
        order_row("#2", **{"Fulfilled at": "1950-05-05T10:00:00+01:00"}),
        order_row("#3", **{"Fulfilled at": "2026-11-04 08:00:00 +0100"}),
    )
    result = import_orders(raw, file_name="orders.csv", dry_run=True, engine=engine)
    assert texts(result) == [
        f"line 2, column 'Cancelled at': {TIME_RANGE_MESSAGE}",
        f"line 3, column 'Fulfilled at': {TIME_RANGE_MESSAGE}",
    ]


def test_a_local_time_read_in_a_zone_passes_the_gate_after_it_is_read(engine):
    # 31/12/1999 23:30 is 1999 in UTC when read in Paris (22:30), 2000 in New York (04:30); the last
    # half hour of 2099 is 2099 in UTC when read in Paris, 2100 in New York.
    raw = orders_file(
        order_row("#1", **{"Created at": "31/12/1999 23:30"}),
        order_row("#2", **{"Created at": "2099-12-31 23:30:00"}),
        order_row("#3", **{"Created at": "13/11/2026 10:00"}),
    )
    result = import_orders(raw, file_name="orders.csv", dry_run=True, engine=engine, time_zone="Europe/Paris")
    assert texts(result) == [f"line 2, column 'Created at': {TIME_RANGE_MESSAGE}"]
    result = import_orders(
        raw, file_name="orders.csv", dry_run=True, engine=engine, time_zone="America/New_York"
    )
    assert texts(result) == [f"line 3, column 'Created at': {TIME_RANGE_MESSAGE}"]


def test_a_bc_time_with_an_offset_is_refused_not_stored(engine):
    # PostgreSQL would store 0001-01-01T00:00:00+14:00 as a BC date that psycopg cannot read back.
    raw = orders_file(order_row("#1", **{"Created at": "0001-01-01T00:00:00+14:00"}))
    result = import_orders(raw, file_name="orders.csv", engine=engine)
    assert texts(result) == [f"line 2, column 'Created at': {Msg.BAD_DATETIME}"]
    assert nothing_written()


@pytest.mark.postgres
def test_both_engines_read_every_out_of_range_time_alike():
    cells = [c for c, _ in OUT_OF_RANGE] + [
        "2026-11-02 09:15:11 -0500",
        "31/12/1999 23:30",
        "0001-01-01T00:00Z",
    ]
    rows = [
        order_row(f"#{n}", **{"Created at": cell, "Cancelled at": cells[-1 - n], "Fulfilled at": cell})
        for n, cell in enumerate(cells)
    ]
    raw = orders_file(*rows)
    copy = import_orders(raw, file_name="o.csv", dry_run=True, engine="copy", time_zone="Asia/Tokyo")
    batched = import_orders(raw, file_name="o.csv", dry_run=True, engine="batched", time_zone="Asia/Tokyo")
    assert texts(copy) == texts(batched)
    assert sum(TIME_RANGE_MESSAGE in text for text in texts(copy)) >= 2 * len(OUT_OF_RANGE)


@pytest.mark.postgres
def test_the_copy_engine_gates_shopify_shaped_times_without_sending_them_to_python():
    from cases.intake.orders_csv import decide_times

    raw = orders_file(order_row("#1", **{"Created at": "2099-12-31 20:00:00 -0500"}))
    with mock.patch("cases.intake.orders_copy.decide_times", wraps=decide_times) as decide:
        result = import_orders(raw, file_name="orders.csv", dry_run=True, engine="copy")
    assert decide.call_args.args[0] == []
    assert texts(result) == [f"line 2, column 'Created at': {TIME_RANGE_MESSAGE}"]


# --- NUL bytes ----------------------------------------------------------------------------------------------


def with_nul_after_4_kb() -> tuple[bytes, int]:
    rows = [order_row(f"#{n}", Notes="a note " * 10) for n in range(80)]
    raw = orders_file(*rows)
    assert len(raw) > 8192
    at = raw.index(b"a note", 6000)
    line = raw.count(b"\n", 0, at) + 1
    return raw[:at] + b"a\x00note" + raw[at + 6 :], line


def test_a_nul_byte_after_the_first_4_kb_is_named_by_its_line_and_nothing_is_written(engine):
    raw, line = with_nul_after_4_kb()
    with pytest.raises(CsvError) as caught:
        import_orders(raw, file_name="orders.csv", engine=engine)
    assert [str(issue) for issue in caught.value.issues] == [
        f"line {line}: has a NUL byte, which no text file has; save the file as UTF-8 (CSV UTF-8 in Excel)"
    ]
    assert nothing_stored_or_run()


def test_an_import_run_with_a_nul_byte_fails_naming_the_line(engine):
    raw, line = with_nul_after_4_kb()
    run = create_run(file_name="orders.csv")
    run_import(run, raw, engine=engine)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert f"line {line}: has a NUL byte" in run.message
    assert run.errors[0]["line"] == line
    assert nothing_stored_or_run()


# --- cells longer than MAX_CELL ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"Notes": LONG}, "Notes"),  # a column no field is read from
        ({"Lineitem name": LONG}, "Lineitem name"),  # a title, which is cut when it is only a label
        ({"Notes": "n" * (MAX_CELL + 1)}, "Notes"),
        ({"Notes": "line one\n" + LONG}, "Notes"),  # over several lines
        ({"Notes": ("short line\n" * 20_000)}, "Notes"),  # every line short, the cell long
    ],
    ids=["unread-column", "title", "just-over", "several-lines", "many-short-lines"],
)
def test_a_cell_longer_than_the_limit_is_named_by_line_and_column_and_nothing_is_written(
    engine, cells, column
):
    raw = orders_file(order_row("#1"), order_row("#2", **cells), order_row("#3"))
    result = import_orders(raw, file_name="orders.csv", engine=engine)
    assert [(i.line, i.column, i.message) for i in result.issues] == [(3, column, Msg.CELL)]
    assert Msg.CELL == "is longer than 100,000 characters"
    assert result.written is None and nothing_written()
    assert result.invalid_orders == 1


def test_a_long_cell_on_a_last_line_without_a_newline_is_named(engine):
    raw = orders_file(order_row("#1"), order_row("#2", Notes=LONG)).rstrip(b"\n")
    result = import_orders(raw, file_name="orders.csv", dry_run=True, engine=engine)
    assert texts(result) == [f"line 3, column 'Notes': {Msg.CELL}"]


def test_only_valid_rows_leaves_out_the_order_with_a_long_cell(engine):
    raw = orders_file(order_row("#1"), order_row("#2", Notes=LONG), order_row("#3"))
    result = import_orders(raw, file_name="orders.csv", engine=engine, only_valid_rows=True)
    assert result.created == 2
    assert sorted(Order.objects.values_list("order_id", flat=True)) == ["#1", "#3"]


@pytest.mark.postgres
def test_a_long_cell_in_an_order_left_out_is_named_alike_by_both_engines():
    raw = orders_file(
        order_row("#1", **{"Financial Status": "pending"}, Notes=LONG),
        order_row("#2", **{"Financial Status": "voided"}),
        order_row("#3"),
    )
    copy = import_orders(raw, file_name="orders.csv", dry_run=True, engine="copy")
    batched = import_orders(raw, file_name="orders.csv", dry_run=True, engine="batched")
    assert texts(copy) == texts(batched) == [f"line 2, column 'Notes': {Msg.CELL}"]
    assert copy.counts == batched.counts == {"new": 1, "update": 0, "unchanged": 0, "skip": 1}
    assert copy.skipped_reasons == batched.skipped_reasons == {"payment voided": 1}


def test_a_cell_of_exactly_the_limit_is_read(engine):
    raw = orders_file(
        order_row("#1", Notes="n" * MAX_CELL), order_row("#2", Notes="  " + "n" * MAX_CELL + "  ")
    )
    result = import_orders(raw, file_name="orders.csv", engine=engine)
    assert not result.has_errors and result.created == 2


def test_a_line_later_in_the_file_is_named_after_a_cell_over_several_lines(engine):
    raw = orders_file(order_row("#1", Notes="a\nb\nc"), order_row("#2"), order_row("#3", Notes=LONG))
    result = import_orders(raw, file_name="orders.csv", dry_run=True, engine=engine)
    assert [(i.line, i.column) for i in result.issues] == [(6, "Notes")]


@pytest.mark.postgres
def test_the_copy_engine_reads_the_file_itself_and_measures_no_cell_when_every_line_is_short():
    raw = orders_file(order_row("#1"), order_row("#2"))
    with (
        mock.patch.object(CopyEngine, "_stage_rows", autospec=True) as python_rows,
        mock.patch("cases.intake.orders_copy.scan_records") as scan,
    ):
        import_orders(raw, file_name="orders.csv", dry_run=True, engine="copy")
    assert not python_rows.called and not scan.called


@pytest.mark.postgres
def test_the_copy_engine_names_a_long_cell_of_a_file_postgresql_copied():
    raw = orders_file(order_row("#1"), order_row("#2", Notes=LONG))
    with mock.patch.object(CopyEngine, "_stage_rows", autospec=True) as python_rows:
        result = import_orders(raw, file_name="orders.csv", dry_run=True, engine="copy")
    assert not python_rows.called
    assert texts(result) == [f"line 3, column 'Notes': {Msg.CELL}"]


@pytest.mark.postgres
def test_the_copy_engine_names_a_long_cell_of_a_file_python_read():
    # A ragged row makes PostgreSQL refuse the file: Python's rows are copied, their long cells named.
    raw = orders_file(order_row("#1", Email=LONG)) + b"#9,x\n"
    result = import_orders(raw, file_name="orders.csv", dry_run=True, engine="copy")
    batched = import_orders(raw, file_name="orders.csv", dry_run=True, engine="batched")
    assert (
        texts(result)
        == texts(batched)
        == [
            f"line 2, column 'Email': {Msg.CELL}",
            "line 2, column 'Email': is longer than 254 characters",
            "line 3: has 2 cells; the header has 18",
        ]
    )


def test_the_line_watch_finds_every_line_longer_than_the_limit_across_chunks():
    import random

    from cases.intake import orders_csv

    rng = random.Random(7)
    with mock.patch.object(orders_csv, "MAX_CELL", 50):
        for _ in range(400):
            lines = [b"x" * rng.choice([0, 1, 10, 49, 50, 51, 52, 120]) for _ in range(rng.randint(1, 30))]
            data = b"\n".join(lines) + rng.choice([b"", b"\n"])
            watch = orders_csv.LineWatch()
            cut = sorted(rng.sample(range(len(data) + 1), min(3, len(data) + 1)))
            for start, end in zip([0, *cut], [*cut, len(data)], strict=True):
                watch.feed(data[start:end])
            assert watch.long_line == any(len(line) > 50 for line in lines), lines


# --- currencies ----------------------------------------------------------------------------------------


def test_a_currency_that_is_no_iso_4217_code_is_named(engine):
    raw = orders_file(
        order_row("#1", Currency="XXX"),
        order_row("#2", Currency="ABC"),
        order_row("#3", Currency="usd"),
        order_row("#4", Currency="EUR"),
        order_row("#5", Currency="\u0131ls"),  # a dotless i upper-cases to I: ILS is a code, this is not it
    )
    result = import_orders(raw, file_name="orders.csv", engine=engine, only_valid_rows=True)
    assert Msg.CURRENCY == "is not an ISO 4217 currency code like USD, EUR or GBP"
    assert texts(result) == [f"line {n}, column 'Currency': {Msg.CURRENCY}" for n in (2, 3, 6)]
    assert dict(Order.objects.values_list("order_id", "currency")) == {"#3": "USD", "#4": "EUR"}


def test_an_order_times_error_still_asks_before_a_range_error_is_named(engine):
    # How the file's times read is settled first (a question), as before.
    raw = orders_file(order_row("#1", **{"Created at": "2150-01-01 10:00:00"}))
    with pytest.raises(OrderTimesError):
        import_orders(raw, file_name="orders.csv", dry_run=True, engine=engine)
    result = import_orders(raw, file_name="orders.csv", dry_run=True, engine=engine, time_zone="UTC")
    assert texts(result) == [f"line 2, column 'Created at': {TIME_RANGE_MESSAGE}"]
