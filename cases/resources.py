"""Exports of orders and cases, and the orders import of the admin (django-import-export).

Every export is formula-safe (`staletrack.exports.FormulaSafeResource`), from the admin or from code.

The import side does not go row by row through a ModelResource: `OrderImportResource.import_data` hands
the uploaded file to `cases.intake.order_import` (COPY and set-based SQL on PostgreSQL) and turns its
answer into django-import-export's Result, so the admin keeps its preview-then-confirm flow. How the file
is read (`time_zone`, `date_order`, `column_map`) passes through to the import; the Result also carries
the file's header and the column map given, for the admin's column step.
"""

import csv
import io

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from import_export import fields, resources
from import_export.formats.base_formats import Format
from import_export.results import InvalidRow, Result, RowResult

from cases.intake.csvfiles import CsvError, CsvIssue, decode
from cases.intake.orders_common import NEW, SKIP, UPDATE
from cases.intake.orders_csv import FIELDS, INDEX
from cases.models import Case, Order
from staletrack.exports import FormulaSafeResource

HEADER_BYTES = 256 * 1024  # where a header row ends, at the latest


class OrderResource(FormulaSafeResource):
    sku = fields.Field(attribute="product__sku", column_name="sku")
    supplier = fields.Field(attribute="product__supplier__name", column_name="supplier")

    class Meta:
        model = Order
        # The staletrack orders CSV's columns up to the promise text, without the product's title.
        fields = tuple(name for name in FIELDS[: INDEX["promise_text"] + 1] if name != "product_title")
        import_id_fields = ("order_id",)

    def get_queryset(self):
        return super().get_queryset().select_related("product__supplier")


class CaseResource(FormulaSafeResource):
    order_id = fields.Field(attribute="order__order_id", column_name="order_id")

    class Meta:
        model = Case
        fields = (
            "order_id",
            "case_type",
            "risk_level",
            "next_move",
            "route",
            "status",
            "requires_owner_approval",
            "assessed_at",
            "next_assessment_at",
        )

    def get_queryset(self):
        return super().get_queryset().select_related("order")


# --- the admin's orders import --------------------------------------------------------------------


class UploadedFile:
    """What the orders format hands the resource: the uploaded bytes, unparsed."""

    def __init__(self, data: bytes):
        self.data = data

    def __bool__(self) -> bool:
        return True  # an empty file is reported by the import, in its words

    def __len__(self) -> int:
        return len(self.data)


class OrdersCsvFormat(Format):
    """The admin's one import format: the file as uploaded. The import decodes (UTF-8, with or without a
    byte-order mark, anything else named) and parses it itself, so django-import-export never guesses."""

    def __init__(self, encoding=None):
        self.encoding = None  # bytes stay bytes; see cases.intake.orders_csv.iter_lines

    def get_title(self):
        return "csv"

    def create_dataset(self, in_stream):
        return UploadedFile(bytes(in_stream))

    def get_extension(self):
        return "csv"

    def get_content_type(self):
        return "text/csv"

    def can_import(self):
        return True


READING_CHOICES = ("time_zone", "date_order", "column_map")  # keyword arguments of the orders import


def read_header(raw: bytes) -> list[str]:
    """The header row of a CSV file (read from its first lines only); CsvError when it cannot be decoded
    or is empty."""
    head = raw[:HEADER_BYTES]
    if len(raw) > HEADER_BYTES and b"\n" in head:
        head = head[: head.rfind(b"\n") + 1]  # whole lines: a character is never cut in two
    text = decode(head)
    try:
        row = next(csv.reader(io.StringIO(text, newline="")), None)
    except csv.Error as exc:
        raise CsvError([CsvIssue(1, None, f"cannot be read as CSV: {exc}")]) from None
    if not row or not any(cell.strip() for cell in row):
        raise CsvError([CsvIssue(None, None, "is empty")])
    return [cell.strip() for cell in row]


def _header(data: bytes) -> list[str] | None:
    try:
        return read_header(data)
    except CsvError:
        return None


IMPORT_TYPES = {NEW: RowResult.IMPORT_TYPE_NEW, UPDATE: RowResult.IMPORT_TYPE_UPDATE}
PREVIEW_HEADERS = ["line", "order", "ordered at", "country", "SKU", "value", "payment", "changes"]


class OrderImportResource(resources.Resource):
    """Orders from a Shopify orders export or a staletrack orders CSV (docs/imports-orders.md)."""

    order_id = fields.Field(column_name="Name / order_id")
    ordered_at = fields.Field(column_name="Created at / ordered_at")
    sku = fields.Field(column_name="Lineitem sku / sku, or Lineitem name / product_title")
    optional = fields.Field(
        column_name="optional: Email, Shipping Country, Shipping Zip, Vendor, Total, Currency, "
        "Financial Status, Cancelled at, Fulfilled at, Fulfillment Status, Lineitem requires shipping, "
        "Shipping Method, "
        "Payment Method (customer_email, country, postal_code, supplier, value, currency, payment_state, "
        "promise_text, cancelled_at, fulfilled_at); other names: name the columns in the preview"
    )

    class Meta:
        name = "Orders (Shopify orders export or staletrack orders CSV)"

    @classmethod
    def get_display_name(cls):
        return cls._meta.name

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs):
        from cases.intake.order_import import create_run, import_orders, run_import

        user = kwargs.get("user")
        file_name = kwargs.get("file_name") or "orders.csv"
        data = dataset.data if isinstance(dataset, UploadedFile) else bytes(dataset)
        choices = {name: kwargs.get(name) or None for name in READING_CHOICES}
        run = None
        if dry_run:
            try:
                outcome = import_orders(
                    data, file_name=file_name, actor=user, via="admin import", dry_run=True, **choices
                )
            except CsvError as exc:
                return self.file_error_result(file_name, exc, header=_header(data), **choices)
        else:
            only_valid_rows = bool(kwargs.get("only_valid_rows"))
            run = create_run(file_name=file_name, actor=user, only_valid_rows=only_valid_rows, **choices)
            outcome = run_import(run, data, via="admin import")  # with the choices create_run kept
            run.refresh_from_db()
        return self._result(outcome, run, header=_header(data), column_map=choices["column_map"])

    @classmethod
    def file_error_result(cls, file_name: str, exc: CsvError, *, header=None, column_map=None, **_) -> Result:
        """The Result of a file that cannot be read as a whole (encoding, empty, a missing column)."""
        from cases.intake.order_import import OrderImportResult

        outcome = OrderImportResult(file_name=file_name, dry_run=True, file_error=True)
        outcome.issues, outcome.issue_count = exc.issues, len(exc.issues)
        # A file whose times need the person's word (OrderTimesError) says which question to ask.
        outcome.summary = {"questions": getattr(exc, "questions", None) or {}}
        return cls._result(outcome, None, header=header, column_map=column_map)

    @staticmethod
    def _result(outcome, run, *, header=None, column_map=None) -> Result:
        result = Result()
        result.order_import = outcome
        result.import_run = run
        result.header = header  # the file's header cells, None when it has none that can be read
        result.column_map = column_map or {}
        result.diff_headers = PREVIEW_HEADERS
        if outcome is None:
            return result
        by_line: dict = {}
        for issue in outcome.issues:
            by_line.setdefault(issue.line or 0, {}).setdefault(issue.column or NON_FIELD_ERRORS, []).append(
                issue.message
            )
        for line, errors in by_line.items():
            result.invalid_rows.append(
                InvalidRow(number=line, validation_error=ValidationError(errors), values=())
            )
        for action, count in outcome.counts.items():
            kind = IMPORT_TYPES.get(action, RowResult.IMPORT_TYPE_SKIP)
            result.totals[kind] += count
        for row in outcome.preview:
            row_result = RowResult()
            row_result.import_type = IMPORT_TYPES.get(row.action, RowResult.IMPORT_TYPE_SKIP)
            row_result.action = row.action
            row_result.preview = row
            row_result.diff = [
                row.line,
                row.order_id,
                row.ordered_at or "",  # a skipped order's times are never read
                row.country,
                row.sku,
                f"{row.value} {row.currency}".strip() if row.value is not None else "",
                row.payment_state,
                ", ".join(row.changed)
                if row.action == UPDATE
                else (row.skip_reason if row.action == SKIP else ""),
            ]
            result.rows.append(row_result)
        result.total_rows = outcome.records
        return result
