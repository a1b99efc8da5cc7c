"""The PostgreSQL path of the orders import: COPY into a staging table and set-based SQL.

The same files go through both engines and must give the same issues (line, column, message), counts
and plan: the SQL engine re-implements the Python rules, and these tests hold them together. Also: exact
line numbers when a quoted cell spans lines, the fallback to Python-read rows when PostgreSQL's CSV parser
refuses the file, a crash that leaves nothing, and a re-import that touches no row.
"""

import random
from unittest import mock

import pytest
from django.db import DatabaseError, transaction

from cases.intake import orders_copy
from cases.intake.order_import import create_run, import_orders, run_import
from cases.intake.orders_copy import CopyEngine
from cases.intake.orders_csv import Msg, OrderTimesError, decide_times
from cases.models import AuditEvent, Case, ImportRun, Order
from suppliers.models import Product, Supplier
from tests.factories import OrderFactory, ProductFactory
from tests.helpers.order_files import SHOPIFY_HEADER, STALETRACK, item_row, order_row, shopify, three_orders
from tests.helpers.stored_rows import NOTHING, stored

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(params=["whole", "halves"], autouse=True)
def staging(request, monkeypatch):
    """Every test here runs twice: the file staged whole, and (however small) in two halves at once, on
    two connections, wherever an order ends near its middle."""
    monkeypatch.setattr(orders_copy, "HALVES_MIN_BYTES", None if request.param == "whole" else 0)
    return request.param


def both(raw: bytes, **kwargs):
    copy = import_orders(raw, file_name="orders.csv", dry_run=True, engine="copy", **kwargs)
    batched = import_orders(raw, file_name="orders.csv", dry_run=True, engine="batched", **kwargs)
    return copy, batched


def summary(result) -> dict:
    return {
        "issues": [str(issue) for issue in result.issues],
        "counts": (
            result.issue_count,
            result.error_rows,
            result.invalid_orders,
            result.records,
            result.orders,
        ),
        "plan": result.counts,
        "skipped": result.skipped_reasons,
        "preview": [(row.line, row.order_id, row.action, sorted(row.changed)) for row in result.preview],
    }


KITCHEN_SINK = shopify(
    order_row("#1"),
    item_row("#1"),
    item_row("#1", sku="", item="Gift wrap"),
    order_row("#2", Total="-5.00"),
    order_row("#3", Total="abc"),
    order_row("#4", Total="3.999"),
    order_row("#5", Total="123456789012"),
    order_row("#6", **{"Created at": "02/11/2026"}),
    order_row("#7", **{"Created at": "2026-11-02 09:15:11 +1500"}),
    order_row("#8", **{"Created at": "2026-02-29 09:15:11 +0100"}),
    order_row("#9", **{"Created at": "2026-11-02T25:00:00Z"}),
    order_row("#10", **{"Shipping Country": "XX"}),
    order_row("#11", **{"Shipping Country": "de"}),
    order_row("#12", Email="no-at-sign"),
    order_row("#13", Email="a@b@c"),
    order_row("#14", Currency="US"),
    order_row("#15", **{"Financial Status": "Partially refunded"}),
    order_row("#16", **{"Financial Status": "on hold"}),
    order_row("#17", **{"Financial Status": "expired"}),
    order_row("#18", **{"Lineitem sku": ""}),
    item_row("#18", sku="LATE-SKU", vendor="Late Vendor"),
    order_row("#19", **{"Lineitem sku": "NEW-1", "Vendor": ""}),
    order_row(""),
    order_row("#1", Total="41.00"),
    order_row("#20", **{"Shipping Zip": "1" * 21}),
    order_row("#" + "9" * 70),
    order_row("#21", **{"Created at": ""}, Total=""),
    order_row("#22", **{"Shipping Country": ""}),
    order_row("#23", **{"Lineitem sku": "S" * 301}),
    order_row("#24", Vendor="V" * 201, **{"Lineitem sku": "NEW-2"}),
    order_row("#25", Email="", Currency="", **{"Shipping Zip": ""}),
)


@pytest.mark.parametrize(
    "raw",
    [
        three_orders(),
        STALETRACK,
        KITCHEN_SINK,
        three_orders() + b"#1004,x@example.com,paid\n",  # ragged: PostgreSQL refuses it, Python reads it
        shopify(order_row("#1"), bom=True),
    ],
    ids=["shopify", "staletrack", "kitchen-sink", "ragged", "bom"],
)
def test_both_engines_give_the_same_issues_counts_and_plan(raw):
    ProductFactory(sku="KNOWN", supplier__name="Known Supplier")
    copy, batched = both(raw)
    assert (copy.engine, batched.engine) == ("copy", "batched")
    assert summary(copy) == summary(batched)


def test_the_kitchen_sink_names_every_problem():
    copy, _ = both(KITCHEN_SINK)
    assert [str(i) for i in copy.issues] == [
        "line 5, column 'Total': is negative",
        "line 6, column 'Total': is not an amount like 39.90",
        "line 7, column 'Total': has more than 2 decimals",
        "line 8, column 'Total': is too large",
        f"line 9, column 'Created at': {Msg.DATETIME}",
        f"line 10, column 'Created at': {Msg.BAD_DATETIME}",
        f"line 11, column 'Created at': {Msg.BAD_DATETIME}",
        f"line 12, column 'Created at': {Msg.BAD_DATETIME}",
        f"line 13, column 'Shipping Country': {Msg.COUNTRY}",
        f"line 15, column 'Email': {Msg.EMAIL}",
        f"line 16, column 'Email': {Msg.EMAIL}",
        f"line 17, column 'Currency': {Msg.CURRENCY}",
        f"line 19, column 'Financial Status': {Msg.PAYMENT}",
        "line 24, column 'Name': is required",
        "line 25, column 'Total': conflicts with line 2, where order #1 has \"39.90\"",
        "line 26, column 'Shipping Zip': is longer than 20 characters",
        "line 27, column 'Name': is longer than 64 characters",
        "line 28, column 'Created at': is required",
        "line 30, column 'Lineitem sku': is longer than 300 characters",
        "line 31, column 'Vendor': is longer than 200 characters",
    ]
    # #18's first row has no SKU: it is tracked under its second line item (a new SKU with its vendor).
    assert ("#18", "new") in {(row.order_id, row.action) for row in copy.preview}
    assert copy.skipped_reasons == {"payment expired": 1}


def test_random_cells_get_the_same_verdict_from_both_engines():
    rng = random.Random(20261120)
    pieces = ["2026", "-", "11", "02", "13", "29", "31", " ", "T", ":", "09", "15", "60", "24", "+", "0500"]
    pieces += ["05:30", "Z", "z", ".", "123", "1234567", "14", "15", "00", "-05", "1899", "3000", "x", ""]
    rows = []
    for n in range(400):
        created = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 9)))
        if n % 3 == 0:
            created = f"20{rng.randint(0, 40):02d}-{rng.randint(0, 13):02d}-{rng.randint(0, 32):02d}"
            created += rng.choice(["T", " "]) + f"{rng.randint(0, 25):02d}:{rng.randint(0, 61):02d}"
            created += rng.choice(["", f":{rng.randint(0, 61):02d}", ".5", f":{rng.randint(0, 59):02d}.25"])
            created += rng.choice(["", "Z", " -0500", "+05:30", "-14", "+1500", " +0561", "+05:", "  -03:00"])
        total = rng.choice(["1", "-1", "1.5", "1.555", "01.50", ".5", "5.", "1,5", "", "00000000001.00", "x"])
        email = rng.choice(["a@b", "@b", "a@", "a b@c", "a@b@c", "", "é@ü.de", "a@b.c"])
        currency = rng.choice(["USD", "usd", "US", "USDX", "U$D", "", "ÄBC", "eur"])
        country = rng.choice(["US", "us", "XX", "", "GB ", "Uk", "DE", "DEU", "gbr", "XXX", "Usa "])
        status = rng.choice(
            ["paid", "PAID", "partially refunded", "partially-paid", "pending", "Voided", "x"]
        )
        rows.append(
            order_row(
                f"#{n}",
                Total=total,
                Email=email,
                Currency=currency,
                **{"Created at": created, "Shipping Country": country, "Financial Status": status},
            )
        )
    copy, batched = both(shopify(*rows), time_zone="Europe/Paris")
    assert copy.issue_count > 100
    assert summary(copy) == summary(batched)


def test_times_one_character_off_shopifys_shape_and_odd_amounts_get_the_same_verdict_from_both_engines():
    # The COPY engine tells Shopify's time shape by fixed positions and byte sets, not by the regular
    # expression: every near miss must still read as the Python engine reads it.
    base = "2026-11-02 09:15:11 -0500"
    times = [base, "2026-04-31 09:15:11 -0500", "2028-02-29 23:59:59 +1400", "2026-02-29 09:15:11 +0100"]
    for position in range(len(base)):
        for char in "09:- +aZ.é":
            times.append(base[:position] + char + base[position + 1 :])
    for part, values in ((0, ["1899", "3000", "19 9"]), (5, ["00", "13"]), (8, ["00", "32"])):
        times += [base[:part] + value + base[part + len(value) :] for value in values]
    for part, values in ((11, ["24", "2:"]), (14, ["60"]), (17, ["60"]), (21, ["15", "1:"]), (23, ["60"])):
        times += [base[:part] + value + base[part + len(value) :] for value in values]
    times += [base[:-1], base + "0", base.replace(" -", "-"), base.replace(" ", "T", 1)]
    # The edges of every part's range, which the COPY engine compares as numbers made of the part's bytes.
    edges = ((0, ["1900", "1999", "2000", "2999", "1800"]), (5, ["01", "09", "10", "12"]), (8, ["01", "31"]))
    edges += ((11, ["00", "19", "20", "23"]), (14, ["59"]), (17, ["59"]), (21, ["00", "09", "10", "14"]))
    edges += ((23, ["59"]), (20, ["+"]))
    for part, values in edges:
        times += [base[:part] + value + base[part + len(value) :] for value in values]
    amounts = ["1.2.3", "١٢", "12.", ".12", "1..2", "0", "007.50", "1e3", "+1", "-0.5", "12.345", "1 2"]
    # "\uff35\uff33\uff24": USD in full-width letters (alphabetic, not ASCII)
    currencies = ["USD", "usd", "ÉUR", "U1D", "US ", "\uff35\uff33\uff24", "EUR"]
    rows = [
        order_row(
            f"#{n}",
            Total=amounts[n % len(amounts)],
            Currency=currencies[n % len(currencies)],
            **{"Created at": created, "Fulfilled at": times[-1 - n]},
        )
        for n, created in enumerate(times)
    ]
    copy, batched = both(shopify(*rows), time_zone="Europe/Paris")
    assert copy.issue_count > 100
    assert summary(copy) == summary(batched)


def test_the_copy_engine_loads_the_file_with_postgresqls_own_csv_parser():
    with mock.patch.object(CopyEngine, "_stage_rows", autospec=True) as python_rows:
        result = import_orders(three_orders(), file_name="orders.csv")
    assert not python_rows.called
    assert (result.engine, result.created) == ("copy", 3)
    assert stored() == {"orders": 3, "cases": 3, "products": 3, "suppliers": 2}  # BULB-01: a line item


def test_lines_stay_exact_when_a_quoted_cell_spans_lines():
    raw = shopify(
        order_row("#1", **{"Lineitem name": "Lamp\nwith a\nlong name"}),
        order_row("#2", **{"Shipping Country": "XX"}),
        item_row("#1", Email="other@example.com"),
    )
    with mock.patch.object(CopyEngine, "_stage_rows", autospec=True) as python_rows:
        copy = import_orders(raw, file_name="orders.csv", dry_run=True, engine="copy")
    assert not python_rows.called
    assert [str(i) for i in copy.issues] == [
        f"line 5, column 'Shipping Country': {Msg.COUNTRY}",
        "line 6, column 'Email': conflicts with line 2, where order #1 has \"ana@example.com\"",
    ]
    batched = import_orders(raw, file_name="orders.csv", dry_run=True, engine="batched")
    assert summary(copy) == summary(batched)


def test_rows_postgresql_refuses_are_read_in_python_with_every_issue():
    raw = three_orders().replace(b"2026-11-03T10:00:00Z", b"soon") + b"#1004,x\n\n" + b"\xff\n"
    result = import_orders(raw.replace(b"\xff\n", b""), file_name="orders.csv", dry_run=True, engine="copy")
    assert [str(i) for i in result.issues] == [
        f"line 4, column 'Created at': {Msg.DATETIME}",
        "line 6: has 2 cells; the header has 16",
    ]
    with pytest.raises(Exception, match="line 8: is not UTF-8"):
        import_orders(raw, file_name="orders.csv", dry_run=True, engine="copy")


def test_a_line_postgresql_would_take_for_the_end_of_its_input_is_read_by_python():
    # COPY stops silently at a line "\." in CSV; the row count tells, and Python reads the file instead.
    raw = three_orders() + b"\\.\n" + shopify(order_row("#1005"))[len(shopify()) :]
    result = import_orders(raw, file_name="orders.csv", dry_run=True, engine="copy")
    assert [str(i) for i in result.issues] == ["line 6: has 1 cells; the header has 16"]
    assert result.orders == 4


def test_reimport_touches_no_row_and_an_update_is_audited_with_old_and_new_values():
    import_orders(three_orders(), file_name="orders.csv")
    xmin = dict(Order.objects.extra(select={"xmin": "xmin::text"}).values_list("order_id", "xmin"))
    again = import_orders(three_orders(), file_name="orders.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert dict(Order.objects.extra(select={"xmin": "xmin::text"}).values_list("order_id", "xmin")) == xmin

    changed = three_orders().replace(b"12.00", b"14.50").replace(b"MUG-01", b"MUG-02")
    result = import_orders(changed, file_name="orders.csv")
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert result.written.products_created == 1
    event = AuditEvent.objects.get(action="order_updated_by_import")
    assert event.changes == {
        "value": ["12.00", "14.50"],
        "product": ["MUG-01", "MUG-02"],
        "line_items": [["1 x MUG-01 (Mug)"], ["1 x MUG-02 (Mug)"]],
    }
    assert event.object_repr == "#1002"


def test_a_disputed_order_stays_disputed_on_postgresql():
    OrderFactory(order_id="#1001", payment_state="disputed")
    import_orders(three_orders(), file_name="orders.csv")
    assert Order.objects.get(order_id="#1001").payment_state == "disputed"


def test_a_crash_half_way_leaves_nothing_on_postgresql():
    run = create_run(file_name="orders.csv")
    with mock.patch.object(
        CopyEngine, "_insert_orders", side_effect=RuntimeError("server closed the connection")
    ):
        run_import(run, three_orders())
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED and "Nothing was written" in run.message
    assert stored() == NOTHING
    assert not Supplier.objects.exists() and not Product.objects.exists()


def test_only_valid_rows_on_postgresql_writes_the_valid_orders_and_their_cases():
    raw = three_orders().replace(b"DE,Mugs", b"XX,Mugs")
    assert import_orders(raw, file_name="orders.csv").written is None
    assert stored() == NOTHING
    result = import_orders(raw, file_name="orders.csv", only_valid_rows=True)
    assert result.created == 2 and Case.objects.count() == 2
    assert not Supplier.objects.filter(name="Mugs Ltd").exists()


def test_the_staging_tables_are_gone_after_an_import():
    from django.db import connection

    import_orders(three_orders(), file_name="orders.csv")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relname LIKE 'st_order_%%' AND relpersistence = 't'"
        )
        assert cursor.fetchone()[0] == 0


def test_time_questions_name_the_files_line_when_a_quoted_cell_spans_lines():
    raw = shopify(
        order_row("#1", **{"Lineitem name": "Lamp\nwith a\nlong name"}),
        order_row("#2", **{"Created at": "2026-11-02 09:15:11"}),
    )
    for engine in ("copy", "batched"):
        with pytest.raises(OrderTimesError) as caught:
            import_orders(raw, file_name="orders.csv", dry_run=True, engine=engine)
        assert caught.value.questions["time_zone"]["line"] == 5, engine


def test_a_file_whose_times_carry_offsets_sends_no_time_to_python():
    with mock.patch("cases.intake.orders_copy.decide_times", wraps=decide_times) as decide:
        import_orders(three_orders(), file_name="orders.csv", dry_run=True, engine="copy")
    assert decide.call_args.args[0] == []
    assert not CopyEngine(None).timed


def test_shopify_shaped_times_at_the_edges_of_every_range_are_read_without_python():
    edges = ["1900-01-01 00:00:00 +0000", "2999-12-31 23:59:59 -1459", "2000-10-10 19:09:09 +1400"]
    edges += ["2026-09-30 20:50:50 -0959", "2028-02-29 10:00:00 +1000"]
    rows = [order_row(f"#{n}", **{"Created at": t, "Fulfilled at": t}) for n, t in enumerate(edges)]
    with mock.patch("cases.intake.orders_copy.decide_times", wraps=decide_times) as decide:
        result = import_orders(shopify(*rows), file_name="orders.csv", dry_run=True, engine="copy")
    assert decide.call_args.args[0] == []
    # Read without Python all the same; 1900 and 2999 are outside the range of stored times (2000..2100).
    assert [str(i) for i in result.issues] == [
        f"line {line}, column '{column}': {Msg.TIME_RANGE}"
        for line in (2, 3)
        for column in ("Created at", "Fulfilled at")
    ]


V2_HEADER = [
    *SHOPIFY_HEADER,
    "Lineitem requires shipping",
    "Shipping Method",
    "Payment Method",
    "Cancelled at",
]
V2_SINK = shopify(
    order_row("#1", **{"Lineitem sku": "", "Lineitem name": "Slippers"}),
    item_row("#1", sku="", item="Slippers - Blue"),
    order_row(
        "#2", **{"Financial Status": "pending", "Payment Method": "COD", "Fulfilled at": "3/4/2026 9:00"}
    ),
    order_row("#3", **{"Financial Status": "pending", "Created at": "garbage", "Shipping Country": "XX"}),
    item_row("#3", Email="x@example.com"),
    order_row("#4", **{"Lineitem requires shipping": "false"}),
    order_row("#5", **{"Shipping Method": "Pick up", "Lineitem sku": ""}),
    order_row("#6", **{"Shipping Country": "", "Vendor": "", "Lineitem sku": "NEW-9"}),
    order_row("#7", **{"Cancelled at": "13/03/2026 10:00", "Fulfillment Status": "fulfilled"}),
    order_row("#8", **{"Created at": "31/02/2026 10:00", "Cancelled at": "2026-03-01 10:00"}),
    order_row("#9", **{"Lineitem sku": "", "Lineitem name": ""}),
    order_row("#10", **{"Lineitem sku": "", "Lineitem name": "N" * 301}),
    order_row("#11", **{"Shipping Country": "deu", "Lineitem requires shipping": "false"}),
    item_row("#11", sku="KNOWN", **{"Lineitem requires shipping": "true"}),
    order_row("#12", **{"Fulfillment Status": "fulfilled", "Fulfilled at": "2026-11-05T10:00:00Z"}),
    header=V2_HEADER,
)


def test_both_engines_agree_on_what_version_2_reads():
    ProductFactory(sku="KNOWN", supplier__name="Known Supplier")
    OrderFactory(order_id="#12", fulfilled_at=None)
    copy, batched = both(V2_SINK, time_zone="Europe/Paris")
    assert summary(copy) == summary(batched)
    assert copy.summary == batched.summary
    assert [str(i) for i in copy.issues] == [
        f"line 11, column 'Created at': {Msg.BAD_DATETIME}",
        f"line 12, column 'Lineitem sku': {Msg.NO_ITEM}",
        "line 13, column 'Lineitem name': is longer than 300 characters",
    ]
    assert copy.skipped_reasons == {"payment pending": 1, "no item needs shipping": 1, "store pickup": 1}
    assert copy.summary["times"] == {
        "time_zone": "Europe/Paris",
        "date_order": "day_first",
        "date_order_from": "file",
    }
    assert (copy.summary["cash_on_delivery"], copy.summary["keyed_by_title"]) == (1, 1)
    preview = {row.order_id: row for row in copy.preview}
    assert preview["#11"].sku == "KNOWN" and preview["#11"].country == "DE"
    assert preview["#12"].action == "update" and preview["#12"].changed


# --- two halves at once ---------------------------------------------------------------------------------


def halves_spy(monkeypatch) -> list:
    """Force two halves for any file; the list gets what each check in halves returned (None: an order
    had rows in both halves and the file was staged again, whole)."""
    monkeypatch.setattr(orders_copy, "HALVES_MIN_BYTES", 0)
    outcomes = []
    original = CopyEngine._check_in_halves

    def spy(self):
        outcome = original(self)
        outcomes.append(outcome)
        return outcome

    monkeypatch.setattr(CopyEngine, "_check_in_halves", spy)
    return outcomes


def many_orders(count: int = 40, **per_order) -> list[dict]:
    rows = []
    for n in range(1, count + 1):
        name = f"#{n}"
        rows.append(order_row(name, **per_order.get(name, {})))
        if n % 3 == 0:
            rows.append(item_row(name))
        if n % 7 == 0:
            rows.append(item_row(name, sku="", item="Gift wrap", Email="other@example.com"))
    return rows


def test_a_file_checked_in_two_halves_reads_as_the_whole_file(monkeypatch):
    ProductFactory(sku="LAMP-01", supplier__name="Bright Home Supply")
    broken = {
        "#2": {"Total": "-5.00"},
        "#5": {"Shipping Country": "XX"},
        "#31": {"Total": "abc"},
        "#38": {"Created at": "2026-02-30 09:15:11 +0100"},
        "#39": {"Financial Status": "pending"},
    }
    raw = shopify(*many_orders(**broken))
    outcomes = halves_spy(monkeypatch)
    copy, batched = both(raw)
    assert len(outcomes) == 1 and outcomes[0] is not None  # checked in halves
    assert summary(copy) == summary(batched)
    assert copy.summary == batched.summary
    lines = {issue.line for issue in copy.issues}
    assert min(lines) < 30 < max(lines)  # issues from both halves, on their file lines
    written = import_orders(raw, file_name="orders.csv", engine="copy", only_valid_rows=True)
    # 4 orders with a bad cell, 5 whose gift wrap row gives another email, 1 pending (left out)
    assert written.created == Order.objects.count() == 40 - 4 - 5 - 1


def test_an_order_whose_rows_are_in_both_halves_is_checked_whole(monkeypatch):
    rows = many_orders()
    rows.append(item_row("#1", sku="", item="Gift wrap", Email="late@example.com"))  # #1 again, at the end
    raw = shopify(*rows)
    outcomes = halves_spy(monkeypatch)
    copy, batched = both(raw)
    assert outcomes == [None]  # found, then staged whole
    assert summary(copy) == summary(batched)
    assert any("#1" in str(issue) for issue in copy.issues)  # the late row disagrees with #1's first


def test_the_times_of_both_halves_are_read_as_one_file(monkeypatch):
    header = [*SHOPIFY_HEADER]
    rows = many_orders(**{f"#{n}": {"Created at": f"0{1 + n % 9}/02/2024 10:{n:02d}"} for n in range(1, 41)})
    rows[0]["Created at"] = "31/12/2023 22:36"  # only the first half says that days come first
    raw = shopify(*rows, header=header)
    outcomes = halves_spy(monkeypatch)
    copy, batched = both(raw, time_zone="Europe/Paris")
    assert outcomes and outcomes[0] is not None
    assert summary(copy) == summary(batched)
    assert copy.summary["times"]["date_order"] == "day_first"
    assert copy.summary["times"]["date_order_from"] == "file"


def test_a_cell_over_two_lines_stages_the_file_whole(monkeypatch):
    rows = many_orders(**{"#3": {"Lineitem name": "Sunset\nlamp"}, "#35": {"Total": "abc"}})
    raw = shopify(*rows)
    halves_spy(monkeypatch)
    copy, batched = both(raw)
    assert summary(copy) == summary(batched)
    assert [issue.line for issue in copy.issues] == [issue.line for issue in batched.issues]


def test_the_second_half_comes_back_as_text_when_its_tables_differ_in_shape(monkeypatch):
    raw = shopify(*many_orders(**{"#3": {"Total": "abc"}, "#36": {"Shipping Country": "XX"}}))
    outcomes = halves_spy(monkeypatch)
    shapes = iter(range(1_000))
    monkeypatch.setattr(CopyEngine, "_shape", lambda self, table: next(shapes))  # never the same
    copy, batched = both(raw)
    assert outcomes and outcomes[0] is not None
    assert summary(copy) == summary(batched)


def test_a_second_half_that_fails_to_come_back_fails_the_import_without_waiting_for_ever(monkeypatch):
    raw = shopify(*many_orders())
    halves_spy(monkeypatch)
    original = CopyEngine._send

    def broken(self, table, form, chunks):
        if table == "st_order_checked":
            chunks.put(b"not a row")  # then the partner stops
            chunks.put(orders_copy.END)
            raise RuntimeError("the partner's connection went away")
        return original(self, table, form, chunks)

    monkeypatch.setattr(CopyEngine, "_send", broken)
    with pytest.raises((RuntimeError, DatabaseError)), transaction.atomic():  # the COPY fails: a savepoint
        import_orders(raw, file_name="orders.csv", engine="copy")
    assert Order.objects.count() == 0
