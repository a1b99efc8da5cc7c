"""Orders CSV imports (docs/imports-orders.md): Shopify's export and the staletrack CSV, every bad
input named by line and column with nothing written, idempotent re-import, only-valid-rows, a crash that
leaves nothing half-written, reassessment after commit, the import permission on the server (403), the
background run with its progress, and formula neutralisation on export.

These run on whatever database the suite runs on (the batched engine on SQLite); the same scenarios run
through the PostgreSQL COPY engine in test_order_import_postgres.py.
"""

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.admin import site
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from django.urls import reverse

from cases.intake import orders_csv
from cases.intake.csvfiles import CsvError
from cases.intake.order_import import create_run, import_orders, run_import
from cases.intake.orders_csv import Msg, OrdersCsv, parse_datetime_cell
from cases.intake.tasks import import_orders_task
from cases.models import AuditEvent, ImportRun, Order
from cases.resources import CaseResource, OrderResource
from staletrack.runs import LOST_RUN_MESSAGE
from suppliers.models import Product, Supplier
from suppliers.resources import ProductResource, SupplierResource
from tests.factories import CaseFactory, OrderFactory, ProductFactory, UserFactory
from tests.helpers.order_files import STALETRACK, item_row, order_row, shopify, three_orders
from tests.helpers.stored_rows import NOTHING, stored


def issues(raw: bytes, **kwargs) -> list[str]:
    result = import_orders(raw, file_name="orders.csv", dry_run=True, **kwargs)
    return [str(issue) for issue in result.issues]


def file_issues(raw: bytes, **kwargs) -> list[str]:
    with pytest.raises(CsvError) as caught:
        import_orders(raw, file_name="orders.csv", **kwargs)
    return [str(issue) for issue in caught.value.issues]


# --- reading the file (no database) -------------------------------------------------------------------


def test_shopify_header_variants_are_recognised():
    header = ["name", "Email", "Created At", "Lineitem SKU", "Shipping Country", "vendor", "Extra column"]
    reader = OrdersCsv(
        io.BytesIO((",".join(header) + "\n#1,a@b.c,2026-11-02 09:15 -0500,S,US,V,x\n").encode())
    )
    assert reader.layout.format == orders_csv.SHOPIFY
    assert reader.layout.headers["sku"] == "Lineitem SKU"
    assert list(reader.rows()) == [
        (2, ("#1", "2026-11-02 09:15 -0500", "a@b.c", "US", "", "S", "", "V") + ("",) * 11)
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2026-11-02 09:15:11 -0500", None),
        ("2026-11-02T09:15:11Z", None),
        ("2026-11-02T09:15:11.123456+05:30", None),
        ("2026-11-02 09:15 +0530", None),
        ("2026-11-02 09:15:11 -05", None),
        ("2026-11-02 09:15:11", Msg.NO_OFFSET),
        ("2026-11-02T09:15", Msg.NO_OFFSET),
        ("02/11/2026 09:15", Msg.DATETIME),
        ("2026-11-02", Msg.DATETIME),
        ("yesterday", Msg.DATETIME),
        ("2026-04-31 09:15:11 -0500", Msg.BAD_DATETIME),
        ("2026-02-29 09:15:11 -0500", Msg.BAD_DATETIME),
        ("2026-13-02 09:15:11 -0500", Msg.BAD_DATETIME),
        ("2026-11-02 24:15:11 -0500", Msg.BAD_DATETIME),
        ("2026-11-02 09:15:11 +1500", Msg.BAD_DATETIME),
    ],
)
def test_dates_need_a_real_date_and_an_offset(text, problem):
    assert parse_datetime_cell(text)[1] == problem


def test_offsets_give_the_same_instant():
    assert parse_datetime_cell("2026-11-02 09:15:11 -0500")[0] == datetime(
        2026, 11, 2, 14, 15, 11, tzinfo=UTC
    )
    assert parse_datetime_cell("2026-11-02T20:45:11+11:30")[0] == datetime(2026, 11, 2, 9, 15, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("39.90", None),
        ("0", None),
        ("-5.00", Msg.NEGATIVE),
        ("abc", Msg.AMOUNT),
        ("1,039.90", Msg.AMOUNT),
        ("3.999", Msg.DECIMALS),
        ("12345678901", Msg.TOO_LARGE),
        ("1e5", Msg.AMOUNT),
    ],
)
def test_amounts(text, problem):
    assert orders_csv.amount_message(text) == problem


def test_the_file_is_streamed_in_small_chunks_with_exact_lines():
    raw = shopify(order_row("#1"), order_row("#2", Email="é@example.com"), order_row("#3"))
    reader = OrdersCsv(io.BytesIO(raw), chunk_size=7)
    assert [line for line, _ in reader.rows()] == [2, 3, 4]


# --- importing --------------------------------------------------------------------------------------

pytestmark = pytest.mark.django_db


def test_shopify_export_creates_orders_products_suppliers_and_cases():
    result = import_orders(three_orders(), file_name="orders_export.csv")
    assert (result.format, result.records, result.orders, result.created) == ("shopify", 4, 3, 3)
    assert stored() == {"orders": 3, "cases": 3, "products": 3, "suppliers": 2}  # BULB-01: a line item
    lamp = Order.objects.get(order_id="#1001")
    assert lamp.ordered_at == datetime(2026, 11, 2, 14, 15, 11, tzinfo=UTC)
    assert (lamp.customer_email, lamp.country, lamp.postal_code) == ("ana@example.com", "US", "02134")
    assert (lamp.value, lamp.currency, lamp.payment_state, lamp.promise_text) == (
        Decimal("39.90"),
        "USD",
        "paid",
        "",
    )
    # A multi-item order has every line item; its product is its first line item's.
    assert lamp.product.sku == "LAMP-01" and lamp.product.supplier.name == "Bright Home Supply"
    assert [(i.product.sku, i.quantity) for i in lamp.line_items.all()] == [("LAMP-01", 1), ("BULB-01", 1)]
    assert Order.objects.get(order_id="#1002").payment_state == "refunded"
    assert Order.objects.get(order_id="#1003").payment_state == "partially_refunded"
    assert Product.objects.get(sku="MUG-01").title == "Mug"
    event = AuditEvent.objects.get(action="orders_imported")
    assert event.changes["created"] == 3 and event.changes["format"] == "shopify"


def test_staletrack_csv_is_read_and_extra_columns_are_ignored():
    result = import_orders(STALETRACK, file_name="orders.csv")
    assert (result.format, result.created) == ("staletrack", 2)
    first, second = Order.objects.get(order_id="#2001"), Order.objects.get(order_id="#2002")
    assert first.promise_text == "Delivered in 7-12 business days"
    assert (second.country, second.value, second.payment_state) == ("GB", None, "paid")
    assert second.ordered_at == datetime(2026, 11, 4, 9, tzinfo=UTC)


def test_payment_states_map_from_shopify_and_unpaid_orders_are_skipped():
    raw = shopify(
        order_row("#1", **{"Financial Status": "authorized"}),
        order_row("#2", **{"Financial Status": "Partially paid"}),
        order_row("#3", **{"Financial Status": "pending"}),
        order_row("#4", **{"Financial Status": "voided"}),
        order_row("#5", **{"Financial Status": ""}),
    )
    result = import_orders(raw, file_name="orders.csv")
    assert dict(Order.objects.values_list("order_id", "payment_state")) == {
        "#1": "paid",
        "#2": "paid",
        "#5": "paid",
    }
    assert result.skipped == 2
    assert result.skipped_reasons == {"payment pending": 1, "payment voided": 1}
    assert "2 skipped" in result.describe()


def test_reimporting_the_same_file_changes_nothing():
    import_orders(three_orders(), file_name="orders.csv")
    before = dict(Order.objects.values_list("order_id", "updated_at"))
    events = AuditEvent.objects.count()
    again = import_orders(three_orders(), file_name="orders.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert again.describe().startswith("Nothing changed")
    assert dict(Order.objects.values_list("order_id", "updated_at")) == before
    assert AuditEvent.objects.count() == events
    assert stored() == {"orders": 3, "cases": 3, "products": 3, "suppliers": 2}  # BULB-01: a line item


def test_an_updated_file_updates_only_what_changed():
    import_orders(three_orders(), file_name="orders.csv")
    before = dict(Order.objects.values_list("order_id", "updated_at"))
    changed = three_orders().replace(b"12.00", b"14.50")
    result = import_orders(changed, file_name="orders.csv")
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    after = dict(Order.objects.values_list("order_id", "updated_at"))
    assert after["#1001"] == before["#1001"] and after["#1003"] == before["#1003"]
    assert after["#1002"] > before["#1002"]
    assert Order.objects.get(order_id="#1002").value == Decimal("14.50")
    event = AuditEvent.objects.get(action="order_updated_by_import")
    assert event.changes == {"value": ["12.00", "14.50"]}


def test_a_disputed_order_stays_disputed_and_promises_the_file_does_not_carry_are_kept():
    order = OrderFactory(order_id="#1001", payment_state="disputed", promise_text="7-12 days")
    import_orders(three_orders(), file_name="orders.csv")
    order.refresh_from_db()
    assert (order.payment_state, order.promise_text) == ("disputed", "7-12 days")
    assert order.product.sku == "LAMP-01"


def test_an_existing_product_keeps_its_supplier():
    product = ProductFactory(sku="LAMP-01", supplier__name="Original Supplier")
    import_orders(three_orders(), file_name="orders.csv")
    assert Order.objects.get(order_id="#1001").product == product
    assert Product.objects.get(sku="LAMP-01").supplier.name == "Original Supplier"


def test_a_new_sku_takes_its_title_and_supplier_from_its_first_row():
    import_orders(
        shopify(
            order_row("#1001", **{"Lineitem sku": "MUG-01", "Lineitem name": "Mug", "Vendor": "Mugs Ltd"}),
            order_row("#1002", **{"Lineitem sku": "MUG-01", "Lineitem name": "Big mug", "Vendor": "Acme"}),
        ),
        file_name="orders.csv",
    )
    product = Product.objects.get(sku="MUG-01")
    assert (product.title, product.supplier.name) == ("Mug", "Mugs Ltd")


def test_reassessment_of_touched_orders_is_queued_after_commit(django_capture_on_commit_callbacks):
    import_orders(three_orders(), file_name="orders.csv")
    with mock.patch("cases.tasks.reassess_cases_task.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            import_orders(three_orders().replace(b"12.00", b"14.50"), file_name="orders.csv")
        assert len(callbacks) == 1
        delay.assert_called_once_with([Order.objects.get(order_id="#1002").pk])
        delay.reset_mock()
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            import_orders(three_orders().replace(b"12.00", b"14.50"), file_name="orders.csv")
        assert callbacks == [] and not delay.called  # nothing touched, nothing queued


# --- bad input ----------------------------------------------------------------------------------------


def test_utf8_with_and_without_bom_is_accepted():
    assert import_orders(three_orders(), file_name="a.csv").created == 3
    assert import_orders(shopify(order_row("#9"), bom=True), file_name="b.csv").created == 1


def test_a_file_that_is_not_utf8_is_named_with_its_line():
    raw = shopify(order_row("#1"), order_row("#2", **{"Lineitem name": "Lámpara"})).replace(
        "á".encode(), "á".encode("latin-1")
    )
    assert file_issues(raw) == ["line 3: is not UTF-8 (byte 0xe1); save the file as UTF-8"]
    assert stored() == NOTHING


def test_utf16_is_named():
    raw = "Name,Created at\n#1,2026-11-02 09:15 -0500\n".encode("utf-16")
    assert file_issues(raw) == ["file: is UTF-16; save it as UTF-8 (CSV UTF-8 in Excel)"]


def test_an_empty_file_and_a_header_without_rows():
    assert file_issues(b"") == ["file: is empty"]
    assert file_issues(b"\n\n") == ["file: is empty"]
    assert file_issues(shopify()) == ["file: has a header but no rows"]


def test_missing_required_columns_are_named():
    raw = b"Name,Email,Lineitem sku\n#1,a@b.c,S\n"
    assert file_issues(raw) == [
        "line 1, column 'Created at': required column is missing (read as a Shopify orders export)",
    ]
    # A line item is known by its SKU or by its name: a file needs one of the two columns.
    assert file_issues(b"Name,Created at,Vendor\n#1,2026-11-02 09:15 -0500,V\n") == [
        "line 1, column 'Lineitem sku': required column is missing (read as a Shopify orders export)",
    ]
    assert file_issues(b"order_id,sku\n1,S\n") == [
        "line 1, column 'ordered_at': required column is missing (read as a staletrack orders CSV)"
    ]


def test_a_file_over_the_limit_is_refused_naming_the_limit(settings):
    settings.ORDER_IMPORT_MAX_BYTES = 512 * 1024  # the default is 100 MB; a test file need not be that big
    raw = shopify(*[order_row(f"#{n}") for n in range(5000)])
    [problem] = file_issues(raw)
    assert problem.startswith("file: is 0.6 MB; the limit for an orders file is 0.5 MB. Split it")
    assert stored() == NOTHING


def test_ragged_rows_are_named_by_line():
    raw = three_orders() + b"#1004,x@example.com,paid\n"
    assert issues(raw) == ["line 6: has 3 cells; the header has 16"]


def test_bad_dates_name_line_and_column():
    raw = shopify(
        order_row("#1", **{"Created at": "02/11/2026"}),
        order_row("#2", **{"Created at": "2026-11-02 09:15:61 -0500"}),
        order_row("#3", **{"Created at": "2026-02-30 09:15:11 -0500"}),
        order_row("#4", **{"Created at": ""}),
    )
    assert issues(raw) == [
        f"line 2, column 'Created at': {Msg.DATETIME}",
        f"line 3, column 'Created at': {Msg.BAD_DATETIME}",
        f"line 4, column 'Created at': {Msg.BAD_DATETIME}",
        "line 5, column 'Created at': is required",
    ]


def test_negative_or_non_numeric_totals_name_line_and_column():
    raw = shopify(
        order_row("#1", Total="-5.00"), order_row("#2", Total="abc"), order_row("#3", Total="3.999")
    )
    assert issues(raw) == [
        "line 2, column 'Total': is negative",
        "line 3, column 'Total': is not an amount like 39.90",
        "line 4, column 'Total': has more than 2 decimals",
    ]


def test_unknown_countries_name_line_and_column():
    raw = shopify(
        order_row("#1", **{"Shipping Country": "XX"}),
        order_row("#2", **{"Shipping Country": "ZZZ"}),
        order_row("#3", **{"Shipping Country": "usa"}),  # alpha-3 is read as alpha-2
    )
    assert issues(raw) == [
        f"line 2, column 'Shipping Country': {Msg.COUNTRY}",
        f"line 3, column 'Shipping Country': {Msg.COUNTRY}",
    ]


def test_duplicate_order_ids_with_conflicting_values_name_both_lines():
    raw = shopify(
        order_row("#1"),
        order_row("#2"),
        order_row("#1", Total="41.00"),  # the same order again, saying something else
        order_row("#2"),  # the same order again, saying the same: fine
        item_row("#1", Email="other@example.com"),
    )
    assert issues(raw) == [
        "line 4, column 'Total': conflicts with line 2, where order #1 has \"39.90\"",
        "line 6, column 'Email': conflicts with line 2, where order #1 has \"ana@example.com\"",
    ]


def test_other_row_errors_name_line_and_column():
    raw = shopify(
        order_row("#1", Email="not an email"),
        order_row("#2", Currency="dollars"),
        order_row("#3", **{"Financial Status": "on hold"}),
        order_row("#4", **{"Lineitem sku": "", "Lineitem name": ""}),
        order_row("#5", **{"Lineitem sku": "NEW-SKU", "Vendor": "V" * 201}),
        order_row(""),
        order_row("#" + "7" * 70),
    )
    assert issues(raw) == [
        f"line 2, column 'Email': {Msg.EMAIL}",
        f"line 3, column 'Currency': {Msg.CURRENCY}",
        f"line 4, column 'Financial Status': {Msg.PAYMENT}",
        f"line 5, column 'Lineitem sku': {Msg.NO_ITEM}",
        "line 6, column 'Vendor': is longer than 200 characters",
        "line 7, column 'Name': is required",
        "line 8, column 'Name': is longer than 64 characters",
    ]


def test_a_file_with_errors_writes_nothing_unless_only_valid_rows_are_asked_for():
    raw = three_orders() + b"#1004,x@example.com,paid\n"
    raw = raw.replace(b"2026-11-03T10:00:00Z", b"2026-11-03")
    result = import_orders(raw, file_name="orders.csv")
    assert result.written is None and stored() == NOTHING
    assert "nothing was imported" in result.describe()
    assert (result.issue_count, result.error_rows, result.invalid_orders) == (2, 2, 1)

    result = import_orders(raw, file_name="orders.csv", only_valid_rows=True)
    assert result.created == 2
    assert set(Order.objects.values_list("order_id", flat=True)) == {"#1001", "#1003"}
    assert not Supplier.objects.filter(name="Mugs Ltd").exists()  # only the invalid order named it
    assert "left out" in result.describe()


def test_a_crash_half_way_leaves_nothing_half_written():
    def crash(*args, **kwargs):
        raise RuntimeError("the database went away")

    run = create_run(file_name="orders.csv")
    target = "cases.intake.orders_copy.CopyEngine._insert_orders"
    if not _postgres():
        target = "cases.intake.orders_batched.Case.objects.bulk_create"
    with mock.patch(target, side_effect=crash):
        run_import(run, three_orders())
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert "Nothing was written" in run.message
    assert stored() == NOTHING  # suppliers and products created before the crash are gone too
    assert not AuditEvent.objects.filter(action="orders_imported").exists()


def _postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def test_the_permission_is_checked_by_the_service():
    staff_without = UserFactory(username="nobody")
    with pytest.raises(PermissionDenied):
        import_orders(three_orders(), file_name="orders.csv", actor=staff_without)
    assert stored() == NOTHING


# --- import runs, the command and the task ------------------------------------------------------------


def test_an_import_run_records_counts_errors_and_status():
    run = create_run(file_name="orders.csv")
    raw = three_orders().replace(b"2026-11-03T10:00:00Z", b"2026-11-03")
    run_import(run, raw)
    run.refresh_from_db()
    assert (run.status, run.total_rows, run.error_rows, run.created_rows) == ("failed", 4, 1, 0)
    assert run.errors == [{"line": 4, "column": "Created at", "message": Msg.DATETIME}]
    assert run.started_at and run.finished_at and "nothing was imported" in run.message


def test_an_import_run_reports_its_progress_while_it_runs():
    from cases.intake.orders_batched import BatchedEngine
    from cases.intake.orders_copy import CopyEngine

    engine = CopyEngine if _postgres() else BatchedEngine
    run = create_run(file_name="orders.csv")
    seen = []
    original = engine.check

    def spy(self):
        seen.append(
            ImportRun.objects.values_list("status", "processed_rows", "total_rows", "message").get(pk=run.pk)
        )
        return original(self)

    with mock.patch.object(engine, "check", spy):
        run_import(run, three_orders())
    assert seen == [("running", 2, 4, "Checking rows…")]  # reading is the first 40 % of the bar
    run.refresh_from_db()
    assert (run.status, run.progress_percent) == ("succeeded", 100)


def test_the_command_imports_and_says_what_it_did(tmp_path):
    path = tmp_path / "orders_export.csv"
    path.write_bytes(three_orders())
    out = io.StringIO()
    call_command("import_orders", str(path), stdout=out)
    assert "3 orders created" in out.getvalue()
    run = ImportRun.objects.get()
    assert (run.status, run.created_rows, run.file_name) == ("succeeded", 3, "orders_export.csv")
    out = io.StringIO()
    call_command("import_orders", str(path), stdout=out)
    assert "Nothing changed" in out.getvalue()


def test_the_command_refuses_a_file_with_errors_and_lists_them(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(three_orders().replace(b"DE,Mugs", b"XX,Mugs"))
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_orders", str(path), stderr=err)
    assert f"error: line 4, column 'Shipping Country': {Msg.COUNTRY}" in err.getvalue()
    assert stored() == NOTHING
    call_command("import_orders", str(path), "--only-valid-rows", stdout=io.StringIO(), stderr=io.StringIO())
    assert Order.objects.count() == 2


def test_the_command_checks_the_users_permission(tmp_path):
    UserFactory(username="nobody")
    path = tmp_path / "orders.csv"
    path.write_bytes(three_orders())
    with pytest.raises(CommandError, match=r"Refused: nobody lacks the permission cases\.import_orders"):
        call_command("import_orders", str(path), "--as-user", "nobody")
    assert stored() == NOTHING and not ImportRun.objects.exists()


def test_the_command_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(three_orders())
    out = io.StringIO()
    call_command("import_orders", str(path), "--dry-run", stdout=out)
    assert "3 new" in out.getvalue() and stored() == NOTHING and not ImportRun.objects.exists()


def test_the_task_imports_the_stored_file_and_leaves_a_finished_run_alone(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    user = UserFactory(username="stan", role="Staff")
    run = create_run(file_name="big.csv", actor=user, upload=SimpleUploadedFile("big.csv", three_orders()))
    assert run.file and run.status == ImportRun.Status.PENDING
    import_orders_task(run.pk)
    run.refresh_from_db()
    assert (run.status, run.created_rows, run.processed_rows, run.total_rows) == ("succeeded", 3, 4, 4)
    assert not run.file  # the customer data is not kept once imported
    assert import_orders_task(run.pk) == {"run": run.pk, "status": "succeeded"}
    assert Order.objects.count() == 3


# --- the admin ----------------------------------------------------------------------------------------


@pytest.fixture
def staff_without_import(client):
    """A staff user who may view and add orders: django-import-export alone would let them import."""
    user = UserFactory(username="temp")
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_order", "add_order", "change_order", "view_importrun"])
    )
    client.force_login(user)
    return user


def upload(client, raw: bytes, name="orders_export.csv"):
    return client.post(
        reverse("admin:cases_order_import"),
        {
            "resource": "0",
            "format": "0",
            "import_file": SimpleUploadedFile(name, raw, content_type="text/csv"),
        },
    )


def confirm(client, response):
    form = response.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse("admin:cases_order_process_import"), data)


def test_staff_without_the_import_permission_get_403_on_import_and_confirm(client, staff_without_import):
    assert client.get(reverse("admin:cases_order_import")).status_code == 403
    assert upload(client, three_orders()).status_code == 403
    confirm_data = {"import_file_name": "x", "original_file_name": "x.csv", "format": "0", "resource": "0"}
    assert client.post(reverse("admin:cases_order_process_import"), confirm_data).status_code == 403
    assert stored() == NOTHING
    changelist = client.get(reverse("admin:cases_order_changelist"))
    assert changelist.status_code == 200 and b'class="import_link"' not in changelist.content


def test_the_admin_previews_then_imports(client, importer):
    response = upload(client, three_orders())
    assert response.status_code == 200
    outcome = response.context["result"].order_import
    assert outcome.counts == {"new": 3, "update": 0, "unchanged": 0, "skip": 0}
    assert b"Confirm import" in response.content and b"#1002" in response.content
    assert stored() == NOTHING  # a preview writes nothing
    response = confirm(client, response)
    assert response.status_code == 302
    assert stored()["orders"] == 3
    run = ImportRun.objects.get()
    assert (run.status, run.created_by, run.created_rows) == ("succeeded", importer, 3)

    response = upload(client, three_orders().replace(b"12.00", b"14.50"))
    rows = {row.preview.order_id: row.action for row in response.context["result"].rows}
    assert rows == {"#1001": "unchanged", "#1002": "update", "#1003": "unchanged"}
    assert b"Unchanged" in response.content and b"Update" in response.content


def test_the_admin_preview_lists_errors_and_offers_only_the_valid_rows(client, importer):
    raw = three_orders().replace(b"DE,Mugs", b"XX,Mugs")
    response = upload(client, raw)
    page = response.content.decode()
    assert "Shipping Country" in page and "is not an ISO 3166 country code" in page
    invalid = response.context["result"].invalid_rows
    assert [(row.number, row.field_specific_errors) for row in invalid] == [
        (4, {"Shipping Country": [Msg.COUNTRY]})
    ]
    assert "Import only the 2 valid orders" in page
    assert confirm(client, response).status_code == 302
    assert set(Order.objects.values_list("order_id", flat=True)) == {"#1001", "#1003"}
    assert ImportRun.objects.get().only_valid_rows


def test_the_admin_names_a_file_it_cannot_read(client, importer):
    response = upload(client, "Name,Created at\n#1,x\n".encode("utf-16"))
    assert b"is UTF-16" in response.content
    assert "confirm_form" not in response.context


def test_the_admin_refuses_a_file_over_the_limit(client, importer, settings):
    settings.ORDER_IMPORT_MAX_BYTES = 100
    response = upload(client, three_orders())
    assert b"the limit for an orders file is" in response.content
    assert stored() == NOTHING and not ImportRun.objects.exists()


def test_a_large_file_runs_in_the_background_with_progress(
    client, importer, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    settings.ORDER_IMPORT_ASYNC_BYTES = 100
    delay = mock.patch("cases.intake.tasks.import_orders_task.delay")
    with delay as delay, django_capture_on_commit_callbacks(execute=True):
        response = upload(client, three_orders())
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "admin:cases_importrun_change", args=[run.pk]
    )
    delay.assert_called_once_with(run.pk)
    assert stored() == NOTHING

    page = client.get(response.url)
    assert b'id="import-progress-bar"' in page.content and b"setTimeout(poll, 1000)" in page.content
    status = client.get(reverse("admin:cases_importrun_status", args=[run.pk])).json()
    assert (status["status"], status["finished"]) == ("pending", False)

    import_orders_task(run.pk)
    status = client.get(reverse("admin:cases_importrun_status", args=[run.pk])).json()
    assert (status["status"], status["finished"], status["percent"], status["created_rows"]) == (
        "succeeded",
        True,
        100,
        3,
    )
    assert b"setTimeout(poll" not in client.get(response.url).content  # finished: no more polling


def running_import(started: datetime) -> ImportRun:
    """A background import that a worker started at `started` and has not finished."""
    run = create_run(file_name="orders.csv")
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.RUNNING, started_at=started)
    return run


def test_the_page_of_a_run_running_longer_than_its_time_limit_says_it_was_lost_and_stops_polling(
    client, importer
):
    run = running_import(datetime.now(UTC) - timedelta(seconds=import_orders_task.time_limit + 60))
    page = client.get(reverse("admin:cases_importrun_change", args=[run.pk])).content.decode()
    assert f'id="import-lost">{LOST_RUN_MESSAGE}<' in page
    assert "setTimeout(poll" not in page
    status = client.get(reverse("admin:cases_importrun_status", args=[run.pk])).json()
    # a page opened earlier stops polling too (the script stops once "finished")
    assert (status["status"], status["finished"], status["lost"]) == ("running", True, True)
    assert ImportRun.objects.get().status == ImportRun.Status.RUNNING  # the pages only read


def test_the_page_of_a_run_that_just_started_still_polls(client, importer):
    run = running_import(datetime.now(UTC))
    page = client.get(reverse("admin:cases_importrun_change", args=[run.pk])).content.decode()
    assert "setTimeout(poll, 1000)" in page and LOST_RUN_MESSAGE not in page
    status = client.get(reverse("admin:cases_importrun_status", args=[run.pk])).json()
    assert (status["status"], status["finished"], status["lost"]) == ("running", False, False)


def test_a_failed_background_run_offers_its_errors_as_csv_and_a_valid_rows_import(
    client, importer, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    raw = three_orders().replace(b"DE,Mugs", b"XX,Mugs").replace(b"Mug,MUG-01", b"=HYPERLINK(1),MUG-01")
    run = create_run(file_name="big.csv", actor=importer, upload=SimpleUploadedFile("big.csv", raw))
    import_orders_task(run.pk)
    run.refresh_from_db()
    assert run.status == "failed" and run.file

    page = client.get(reverse("admin:cases_importrun_change", args=[run.pk]))
    assert b"Import only the valid rows" in page.content and b"is not an ISO 3166" in page.content
    errors = client.get(reverse("admin:cases_importrun_errors", args=[run.pk]))
    assert errors["Content-Type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(errors.content.decode()))) == [
        ["line", "column", "message"],
        ["4", "Shipping Country", Msg.COUNTRY],
    ]

    delay = mock.patch("cases.intake.tasks.import_orders_task.delay")
    with delay as delay, django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:cases_importrun_import_valid_rows", args=[run.pk]))
    again = ImportRun.objects.exclude(pk=run.pk).get()
    assert response.url == reverse("admin:cases_importrun_change", args=[again.pk])
    delay.assert_called_once_with(again.pk)
    import_orders_task(again.pk)
    again.refresh_from_db()
    assert (again.status, again.only_valid_rows, again.created_rows) == ("succeeded", True, 2)


def test_import_run_pages_need_the_view_permission(client):
    run = create_run(file_name="orders.csv")
    client.force_login(UserFactory(username="outsider"))
    for name in (
        "admin:cases_importrun_change",
        "admin:cases_importrun_status",
        "admin:cases_importrun_errors",
    ):
        assert client.get(reverse(name, args=[run.pk])).status_code in (302, 403)


def test_staff_without_the_import_permission_cannot_rerun_valid_rows(client, staff_without_import):
    run = create_run(file_name="orders.csv")
    response = client.post(reverse("admin:cases_importrun_import_valid_rows", args=[run.pk]))
    assert response.status_code == 403
    assert ImportRun.objects.count() == 1


# --- exports: formulas neutralised ----------------------------------------------------------------------

DANGEROUS = ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def test_exports_made_from_code_neutralise_formula_cells():
    supplier = Supplier.objects.create(name="@Evil Supplier")
    product = ProductFactory(sku="=SKU", title="+Title", supplier=supplier)
    for n, text in enumerate(DANGEROUS):
        order = OrderFactory(order_id=f"-{n}", product=product, promise_text=text, postal_code="=1")
        CaseFactory(order=order)

    orders = OrderResource().export()
    cells = [cell for row in orders for cell in row]
    assert not [c for c in cells if isinstance(c, str) and c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert {row[orders.headers.index("promise_text")] for row in orders} == {"'" + text for text in DANGEROUS}
    assert {row[orders.headers.index("sku")] for row in orders} == {"'=SKU"}
    assert "'@Evil Supplier" in orders.csv

    cases = CaseResource().export()
    assert {row[0] for row in cases} == {f"'-{n}" for n in range(len(DANGEROUS))}
    assert SupplierResource().export()[0][1] == "'@Evil Supplier"
    products = ProductResource().export()
    assert (products[0][1], products[0][2], products[0][3]) == ("'=SKU", "'+Title", "'@Evil Supplier")


def test_the_admin_export_neutralises_formula_cells_too(client):
    user = UserFactory(username="olga", role="Owner")
    client.force_login(user)
    order = OrderFactory(order_id="=cmd|' /C calc'!A0", promise_text="@SUM(1)")
    response = client.post(
        reverse("admin:cases_order_changelist"),
        {"action": "export_admin_action", "_selected_action": [order.pk], "format": "0"},
    )
    if response.status_code == 200 and "form" in (response.context or {}):  # the export form first
        response = client.post(
            reverse("admin:cases_order_export"),
            {"format": "0", "export_items": [order.pk], **_all_fields(response.context["form"])},
        )
    body = response.content.decode()
    assert "'=cmd|" in body and "'@SUM(1)" in body
    assert "\n=cmd" not in body and ",=cmd" not in body and ",@SUM" not in body


def _all_fields(form) -> dict:
    return {name: "on" for name, field in form.fields.items() if getattr(field, "is_selectable_field", False)}


def test_order_import_json_status_is_json(client, importer):
    run = create_run(file_name="orders.csv", actor=importer)
    response = client.get(reverse("admin:cases_importrun_status", args=[run.pk]))
    assert json.loads(response.content)["status"] == "pending"


def test_the_admin_export_of_selected_orders_exports_only_those(client):
    client.force_login(UserFactory(username="olga", role="Owner"))
    chosen, other = OrderFactory(order_id="#CHOSEN"), OrderFactory(order_id="#OTHER")
    form = client.post(
        reverse("admin:cases_order_changelist"),
        {"action": "export_admin_action", "_selected_action": [chosen.pk], "format": "0"},
    ).context["form"]
    response = client.post(
        reverse("admin:cases_order_export"),
        {"format": "0", "export_items": [chosen.pk], **_all_fields(form)},
    )
    body = response.content.decode()
    assert "#CHOSEN" in body and other.order_id not in body


def test_the_admin_export_checks_only_the_selected_orders_not_every_order():
    orders = [OrderFactory() for _ in range(3)]
    request = RequestFactory().post("/", {"export_items": [str(orders[0].pk), "x", "999999"]})
    request.user = UserFactory(username="ann", role="Owner")
    assert site._registry[Order].get_valid_export_item_pks(request) == [orders[0].pk]
