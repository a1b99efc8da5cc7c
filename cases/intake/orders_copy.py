"""The PostgreSQL order-import engine: COPY into a staging table, then set-based SQL.

1. `stage`: the file's bytes go into a TEMP table (`st_order_raw`) with COPY (FORMAT csv), and
   `st_order_rows` is a view of it (line, one trimmed text column per canonical field): a cell is trimmed
   where a statement reads it, and the rows are not written twice. If PostgreSQL refuses the file, the
   rows of an `OrdersCsv` (decoded and split by Python's csv module, so every row keeps its exact line
   number) go into a TEMP table `st_order_rows` with psycopg 3's `cursor.copy()`, in chunks so that
   progress can be reported between them.
2. `check`: a handful of statements find every issue at once: each order's first row (`st_order_heads`, with
   the order's number of rows) is parsed and checked column by column (`st_order_checked`, which also holds
   the row each order is tracked under: its first row when that needs shipping and has a SKU or a name, else
   `st_order_products` found among its later rows), and the later rows of orders with more than one are
   compared with their first; `st_order_lines` holds every order's line items (rules.md section 3a), in file
   order, each checked (key, vendor, quantity). Issues keep their line and column. What costs is kept off the
   common case: Shopify's own time shape is told cell by cell by byte tests (only the other time cells are
   grouped and looked at once per distinct value), amounts without regular expressions, a join to an empty
   table (no order left out, none tracked under a later row) is not made, and merge joins are off (the staging
   tables have no statistics).
3. `plan`: one statement resolves what each valid order becomes, next to what is stored (new, update,
   unchanged, skip), with `IS DISTINCT FROM` on every stored column.
4. `write` (inside the caller's transaction, after `lock`): missing suppliers and products, `UPDATE ...
   FROM` the plan for changed orders (with an audit event each, old and new values side by side; an order
   whose line items changed has them replaced), `INSERT` for new orders and their line items, and for their
   cases unless the caller has them created after commit (a large import:
   `cases.services.assessment.record_case_backlog`). Unchanged rows are not touched, so re-importing a
   file writes nothing.

The rules are those of `cases.intake.orders_csv`; the tests run the same files through both engines.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from datetime import UTC
from itertools import islice

import psycopg
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from cases.countries import COUNTRIES
from cases.countries_iso3 import ISO3_TO_ISO2
from cases.currencies import CURRENCIES
from cases.intake import orders_common as common
from cases.intake.csvfiles import CsvIssue
from cases.intake.orders_csv import (
    BLANK,
    CASH_ON_DELIVERY,
    DEFAULT_PAYMENT,
    DISPUTED,
    FIELDS,
    FULFILLED,
    MAX_LENGTH,
    MAX_QUANTITY_DIGITS,
    MAX_TITLE,
    NO_SHIPPING,
    NOT_REQUIRED,
    PAYMENT_STATES,
    PENDING,
    PICKUP,
    REAL_DATETIME_RE,
    SKIPPED_PAYMENT,
    TIME_FIELDS,
    LineWatch,
    Msg,
    OrdersCsv,
    TimeReading,
    decide_times,
    read_chunks,
    record_lines,
    scan_records,
)
from cases.intake.orders_split import SharedStream, find_cut
from cases.models import AuditEvent, Case, LineItem, Order, Parcel
from staletrack import limits
from suppliers.models import Product, Supplier

TABLES = (
    "st_order_raw",
    "st_order_rows",
    "st_order_heads",
    "st_order_products",
    "st_order_checked",
    "st_order_lines",
    "st_order_issues",
    "st_order_plan",
    "st_order_new_products",
    "st_order_skips",
    "st_order_times",
    "st_order_vendors",
)
# A file this large is staged and checked in two halves at once, one per connection (CopyEngine.stage):
# below it, a second connection costs more than it saves. None: never.
HALVES_MIN_BYTES: int | None = 8 << 20
END = object()  # the last item a partner's COPY out puts in the queue
BLANK_SQL = "E'" + BLANK.encode("unicode_escape").decode() + "'"  # E' \\t\\r\\n'
# Byte sets for btrim(convert_to(text, 'UTF8'), set) = '': "every character is one of these" in one pass over
# the bytes (translate() and regular expressions decode every character, several times slower).
DIGITS_POINT = "'\\x" + b"0123456789.".hex() + "'::bytea"
DIGITS = "'\\x" + b"0123456789".hex() + "'::bytea"
LETTERS = "'\\x" + bytes(range(65, 91)).hex() + bytes(range(97, 123)).hex() + "'::bytea"
# A time in Shopify's own shape, "2026-11-02 09:15:11 -0500", with every part in range: a plain time with
# an offset (it matches REAL_DATETIME_RE). {value} is the cell, {b} its UTF-8 bytes (convert_to, computed
# once). The separators sit in their places (LIKE) and there are no others (a value without its 7 separator
# characters is 18 long), every byte is a digit or a separator (a trim of bytes, which also makes the value
# 25 bytes long), then each part is compared as numbers made of its bytes (get_byte: '0' is 48, and
# 10 * first + second orders two digits as their number does). Functions that look at every character
# (translate, regular expressions, substr of text) cost several times as much. A CASE, so that no byte is
# read before the value is known to be long enough.
SHOPIFY_TIME_SQL = (
    "CASE WHEN {value} COLLATE \"C\" LIKE '____-__-__ __:__:__ _____' "
    "AND length(replace(replace(replace(replace({value}, ':', ''), '-', ''), ' ', ''), '+', '')) = 18 "
    "AND btrim({b}, '\\x303132333435363738392d3a202b'::bytea) = ''::bytea AND octet_length({b}) = 25 "
    "THEN get_byte({b}, 20) IN (43, 45) "  # + or -
    "AND get_byte({b}, 0) * 10 + get_byte({b}, 1) BETWEEN 547 AND 557 "  # 19-29
    "AND get_byte({b}, 5) * 10 + get_byte({b}, 6) BETWEEN 529 AND 540 "  # 01-12
    "AND get_byte({b}, 8) * 10 + get_byte({b}, 9) BETWEEN 529 AND 559 "  # 01-31
    "AND get_byte({b}, 11) * 10 + get_byte({b}, 12) <= 551 "  # 00-23
    "AND get_byte({b}, 14) <= 53 AND get_byte({b}, 17) <= 53 "  # minutes and seconds 00-59
    "AND get_byte({b}, 21) * 10 + get_byte({b}, 22) <= 542 "  # offset hours 00-14
    "AND get_byte({b}, 23) <= 53 "  # offset minutes 00-59
    "ELSE false END"
)
# orders_common.line_text in SQL: how the audit trail shows a line item ({q} quantity, {k} key, {t} title).
LINE_TEXT_SQL = (
    "{q} || ' x ' || {k} || CASE WHEN {t} <> '' AND {t} <> {k} THEN ' (' || {t} || ')' ELSE '' END"
)


class CopyEngine(common.OrderEngine):
    name = "copy"

    def __init__(self, layout, *, options: common.ImportOptions | None = None, chunk_rows: int = 20_000):
        super().__init__(layout, options=options)
        self.chunk_rows = chunk_rows
        self.timed = False  # st_order_times holds the readings of times without a plain offset
        self.cod_methods: list[str] = []
        self.skips = 0  # orders left out (st_order_skips)
        self.counts: dict[str, int] = {}  # the plan's orders by action
        self.later_items = 0  # orders tracked under a later row than their first (st_order_products)
        self.exact_lines = True
        self.stream = None
        self.without_id: int | None = None  # rows without an order number, when counted while staging
        # field -> its trimmed cell in st_order_raw, when the file was copied as it is
        self.raw_cells: dict[str, str] = {}
        self.source: OrdersCsv | None = None
        # A large file is staged and checked in two halves at once: the second by `partner`, a CopyEngine
        # whose statements run on the one thread of `pool` (so on that thread's own connection).
        self.partner: CopyEngine | None = None
        self.pool: ThreadPoolExecutor | None = None

    # --- helpers ------------------------------------------------------------------------------------

    def _execute(self, sql: str, params=None) -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount

    def _fetch(self, sql: str, params=None) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _drop(self) -> None:
        # st_order_rows is a view on st_order_raw when the file was copied as it is: it goes with it.
        self._execute("DROP TABLE IF EXISTS st_order_raw CASCADE")
        self._execute("DROP TABLE IF EXISTS " + ", ".join(TABLES))

    # --- stage --------------------------------------------------------------------------------------

    def stage(self, source: OrdersCsv, progress: Callable[[int], None]) -> int:
        """Make `st_order_rows` (line, one text column per canonical field): a view of the copied file, or
        a table of the rows Python read.

        First choice: the file's bytes go straight into COPY ... (FORMAT csv), PostgreSQL's own CSV parser
        (as fast as loading a file gets); a file of HALVES_MIN_BYTES or more in two halves at once, each
        on its own connection (`_stage_in_halves`). PostgreSQL refuses what Python's csv module reports row
        by row (a ragged or blank row, bytes that are not UTF-8): then the rows are read in Python
        (`OrdersCsv.rows`, exact lines and every issue) and copied in chunks, with progress between them.
        """
        connection.ensure_connection()
        self.source = source
        self.stream = source.stream
        self._open_session()
        if not self._stage_in_halves(source):
            self._stage_whole(source, progress)
        progress(self.records)
        return self.records

    def _open_session(self) -> None:
        self._drop()
        # Sorts of a few hundred thousand rows stay in memory; compiling plans (JIT) costs more than it saves.
        # The staging tables have no statistics (temp tables are never analyzed, and analyzing them costs
        # more than it saves): the planner then likes merge joins, which sort both sides in full; every
        # join here is a large table to a hashable one.
        self._execute("SET work_mem = '64MB'; SET jit = off; SET enable_mergejoin = off")
        with suppress(DatabaseError), transaction.atomic():  # only before the session's first temp table
            self._execute("SET temp_buffers = '256MB'")
        self._execute(
            "CREATE TEMP TABLE st_order_issues (line integer, order_id text, field text, message text, "
            "ref_line integer, ref_value text)"
        )

    def _stage_whole(self, source: OrdersCsv, progress: Callable[[int], None]) -> None:
        if not self._stage_server_side(source):
            self._stage_rows(source.reopen(), progress)

    # --- two halves at once ---------------------------------------------------------------------------

    def _stage_in_halves(self, source: OrdersCsv) -> bool:
        """Copy the two halves of a large file at once, this connection the first and the partner's the
        second, cut where an order ends (`orders_split.find_cut`). Only for a file whose every record is
        one line of at most MAX_CELL bytes (its lines are then its records, numbered without a look at
        the file, and no cell needs measuring); anything else, or a half PostgreSQL refuses, and the file
        is staged whole."""
        position = self.layout.positions.get("order_id")
        if position is None or HALVES_MIN_BYTES is None:
            return False
        cut = find_cut(source.stream, order_column=position, min_bytes=HALVES_MIN_BYTES)
        if cut is None:
            return False
        partner = CopyEngine(self.layout, options=self.options, chunk_rows=self.chunk_rows)
        partner.source, partner.stream = source, source.stream
        self.partner = partner
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="orders-second-half")
        shared = SharedStream(source.stream)
        theirs = self._beside(partner._stage_half, shared, cut.offset, None, cut.lines_before)
        mine = self._stage_half(shared, 0, cut.offset, 0)
        if not (theirs.result() and mine):
            self._part()
            self._execute("DROP TABLE IF EXISTS st_order_raw CASCADE")
            return False
        self.records += partner.records
        self.without_id += partner.without_id
        return True

    def _beside(self, function, *args):
        """Run `function` on the partner's thread (its connection) while this thread goes on."""
        return self.pool.submit(function, *args)

    def _stage_half(self, shared: SharedStream, begin: int, end: int | None, lines_before: int) -> bool:
        """Copy bytes `begin`..`end` (the first half has the header) into st_order_raw. False: PostgreSQL
        refused them, or a record is not one short line."""
        if begin:
            self._open_session()
        copied = self._copy_raw(shared.chunks(begin, end), header=begin == 0, lines_before=lines_before)
        if copied is None:
            return False
        records, lines, long_line = copied
        if long_line or lines != records + (1 if begin == 0 else 0):
            return False
        self._rows_view()
        return True

    def _part(self) -> None:
        """The partner drops its tables and closes its connection; its thread ends."""
        partner, pool = self.partner, self.pool
        self.partner = self.pool = None
        if pool is None:
            return

        def finish() -> None:
            try:
                partner.close()
            finally:
                connection.close()

        with suppress(Exception):  # its connection may be gone already: its temp tables went with it
            pool.submit(finish).result()
        pool.shutdown(wait=True)

    def _order_ids(self) -> set[str]:
        return {order_id for (order_id,) in self._fetch("SELECT order_id FROM st_order_heads")}

    def _shape(self, table: str) -> str:
        """The column types of one of this session's staging tables, in order."""
        ((shape,),) = self._fetch(
            "SELECT string_agg(format_type(atttypid, atttypmod), ',' ORDER BY attnum) FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            [f"pg_temp.{table}"],
        )
        return shape

    def _send(self, table: str, form: str, chunks: queue.Queue) -> None:
        """COPY `table` out, chunk by chunk into `chunks`, then END (also after a failure)."""
        try:
            sql = f"COPY {table} TO STDOUT (FORMAT {form})"
            with connection.cursor() as cursor, cursor.copy(sql) as copy:
                batch, size = [], 0  # PostgreSQL sends a row at a time: a queue item per row costs more
                for data in copy:
                    batch.append(bytes(data))
                    size += len(data)
                    if size >= 1 << 20:
                        chunks.put(b"".join(batch))
                        batch, size = [], 0
                if batch:
                    chunks.put(b"".join(batch))
        finally:
            chunks.put(END)

    def _take(self, table: str) -> None:
        """The partner's rows of `table` appended to this connection's, streamed from one COPY into the
        other as they come (both connections at work at once)."""
        # Binary (no times and numbers written out as text and read back) when both tables have the same
        # column types, as the same statements make them; else text, which converts.
        theirs = self._beside(self.partner._shape, table)
        same = self._shape(table) == theirs.result()
        form = "binary" if same else "text"
        chunks: queue.Queue = queue.Queue(maxsize=16)
        sending = self._beside(self.partner._send, table, form, chunks)
        ended = False
        try:
            sql = f"COPY {table} FROM STDIN (FORMAT {form})"
            with connection.cursor() as cursor, cursor.copy(sql) as copy:
                while (data := chunks.get()) is not END:
                    copy.write(data)
                ended = True
        finally:
            while not ended:  # this side failed: let the partner finish its COPY, or it would wait for ever
                ended = chunks.get() is END
            sending.result()

    def _check_in_halves(self) -> common.Checked | None:
        """`check` with the partner checking the second half at the same time. The file's times are read
        once for the whole file (a day-first date in one half settles the other's). None: an order has
        rows in both halves (its rows are not together in the file); the caller stages the file again,
        whole."""
        partner = self.partner
        found = self._beside(lambda: (partner._find_orders(), partner._order_ids())[1])
        self._find_orders()
        their_orders = found.result()
        if not self._order_ids().isdisjoint(their_orders):
            return None
        their_samples = self._beside(partner._time_samples)
        samples = _merged_samples(self._time_samples(), their_samples.result())
        self.times = partner.times = self._decide_times(samples)
        checking = self._beside(lambda: (partner._store_times(samples), partner._check_cells()))
        self._store_times(samples)
        self._check_cells()
        checking.result()
        for table in ("st_order_checked", "st_order_lines", "st_order_issues", "st_order_skips"):
            self._take(table)
        return self._checked(more_orders=len(their_orders))

    def _stage_server_side(self, source: OrdersCsv) -> bool:
        source.stream.seek(0)
        copied = self._copy_raw(read_chunks(source.stream), header=True, lines_before=0)
        if copied is None:
            return False  # rolled back; read the rows in Python, which names the problem by line
        records, lines, long_line = copied
        self._rows_view()
        # Without quoted line breaks, record n of the file is on line n + 1; else lines are looked up.
        self.exact_lines = lines == records + 1
        if self.exact_lines and not long_line:
            return True  # every line is short: no cell is longer than MAX_CELL, none to measure
        # Python reads the file once: how many records, and which hold a cell longer than MAX_CELL (a
        # cell over several lines, or on a line that long); the statements never measure every cell.
        found, long_cells = scan_records(source.stream, source.layout, every_row=long_line)
        if not self.exact_lines and found != records:
            # PostgreSQL read the file otherwise than Python would (a line "\." ends its input): trust Python.
            self._execute("DROP TABLE st_order_raw CASCADE")  # and the view st_order_rows
            self.raw_cells = {}
            return False
        if long_cells:
            self._long_cells((record + 1, order_id, column) for record, order_id, column in long_cells)
        return True

    def _copy_raw(self, chunks, *, header: bool, lines_before: int) -> tuple[int, int, bool] | None:
        """COPY the bytes of `chunks` into st_order_raw (one text column per column of the file), numbered
        so that `rec + 1` is a record's line when every record is one line (`lines_before`: the file's
        lines before the first byte). (records COPY read, lines the bytes hold, whether a line is longer
        than MAX_CELL bytes), or None: PostgreSQL refused them (and nothing is left)."""
        raw = [f"c{i}" for i in range(self.layout.width)]
        newlines, last = 0, b""
        watch = LineWatch()  # a line longer than MAX_CELL bytes: the cells are measured
        first = f" (START WITH {lines_before})" if lines_before else ""
        try:
            with transaction.atomic():
                self._execute(
                    f"CREATE TEMP TABLE st_order_raw (rec bigint GENERATED ALWAYS AS IDENTITY{first}, "
                    + ", ".join(f"{c} text" for c in raw)
                    + ")"
                )
                sql = (
                    f"COPY st_order_raw ({', '.join(raw)}) FROM STDIN "
                    f"(FORMAT csv, HEADER {'true' if header else 'false'})"
                )
                with connection.cursor() as cursor:
                    with cursor.copy(sql) as copy:
                        for number, chunk in enumerate(chunks):
                            if number == 0 and header and chunk.startswith(b"\xef\xbb\xbf"):
                                chunk = chunk[3:]
                            newlines += chunk.count(b"\n")
                            watch.feed(chunk)
                            last = chunk
                            copy.write(chunk)
                    copied = cursor.rowcount  # COPY's own count of the records it read
        except (DatabaseError, psycopg.Error):
            return None
        return copied, newlines + (1 if last and not last.endswith(b"\n") else 0), watch.long_line

    def _rows_view(self) -> None:
        """`st_order_rows` over st_order_raw, and the count of its rows (with and without an order
        number)."""
        layout = self.layout
        raw = [f"c{i}" for i in range(layout.width)]

        def cell(name: str) -> str:
            if name not in layout.positions:
                return "''"
            return f"btrim(coalesce(c{layout.positions[name]}, ''), {BLANK_SQL})"

        order_id = cell("order_id")
        self.raw_cells = {name: cell(name) for name in FIELDS}
        everything = " || ".join(f"coalesce({c}, '')" for c in raw)
        # A view, not a table: a cell is trimmed only where a statement reads it (most statements read a
        # few columns of every row, or every column of each order's first row), and the rows are not
        # written out a second time.
        self._execute(
            f"""
            CREATE TEMP VIEW st_order_rows AS
            SELECT rec + 1 AS line, {", ".join(f"{cell(name)} AS {name}" for name in FIELDS)}
            FROM st_order_raw
            WHERE CASE WHEN {order_id} <> '' THEN true ELSE btrim({everything}, {BLANK_SQL}) <> '' END
            """
        )
        ((self.records, self.without_id),) = self._fetch(
            "SELECT count(*), count(*) FILTER (WHERE order_id = '') FROM st_order_rows"
        )

    def _long_cells(self, cells) -> None:
        """Issues for cells longer than MAX_CELL: (staged line, order id, column name) each."""
        with (
            connection.cursor() as cursor,
            cursor.copy("COPY st_order_issues (line, order_id, field, message) FROM STDIN") as copy,
        ):
            for line, order_id, column in cells:
                copy.write_row((line, order_id or None, column, Msg.CELL))

    def _stage_rows(self, source: OrdersCsv, progress: Callable[[int], None]) -> None:
        self.raw_cells, self.without_id = {}, None
        columns = ", ".join(f"{name} text NOT NULL" for name in FIELDS)
        self._execute(f"CREATE TEMP TABLE st_order_rows (line integer NOT NULL, {columns})")
        copy_sql = f"COPY st_order_rows (line, {', '.join(FIELDS)}) FROM STDIN"
        rows = source.rows()
        while chunk := list(islice(rows, self.chunk_rows)):
            with connection.cursor() as cursor, cursor.copy(copy_sql) as copy:
                write = copy.write_row
                for line, cells in chunk:
                    write((line, *cells))
            progress(source.records)
        if source.issues:
            with (
                connection.cursor() as cursor,
                cursor.copy("COPY st_order_issues (line, message) FROM STDIN") as copy,
            ):
                for issue in source.issues:
                    copy.write_row((issue.line, issue.message))
        if source.long_cells:
            self._long_cells(source.long_cells)
        self.records = source.records
        self.exact_lines = True

    def _lines(self, pseudo: set[int]) -> dict[int, int]:
        """File lines for staged lines (identical unless a quoted cell spans lines)."""
        if self.exact_lines or not pseudo:
            return {line: line for line in pseudo}
        found = record_lines(self.stream, {line - 1 for line in pseudo})
        return {line: found.get(line - 1, line) for line in pseudo}

    # --- check --------------------------------------------------------------------------------------

    def _ships(self, t: str) -> str:
        """Row `t` is a line item that needs shipping."""
        if "requires_shipping" not in self.layout.present:
            return "true"
        return f"lower({t}.requires_shipping) NOT IN ({', '.join(repr(w) for w in NOT_REQUIRED)})"

    def _head_tracked(self, t: str) -> str:
        """First row `t` is its order's first line item (orders_csv.is_line_item; else st_order_products
        holds the row the order is tracked under, if any)."""
        return f"({self._ships(t)} AND ({t}.sku <> '' OR {t}.product_title <> ''))"

    def _not_skipped(self, t: str) -> str:
        """A condition (after AND) that row `t`'s order is not left out; nothing when none is (a join to an
        empty table still costs a pass of every row through it)."""
        if not self.skips:
            return ""
        return f"AND NOT EXISTS (SELECT 1 FROM st_order_skips s WHERE s.order_id = {t}.order_id)"

    @staticmethod
    def _item(t: str) -> str:
        return (
            f"{t}.line, {t}.order_id, "
            f"CASE WHEN {t}.sku <> '' THEN {t}.sku ELSE {t}.product_title END AS sku, "
            f"{t}.sku = '' AS keyed_by_title, {t}.product_title, {t}.supplier"
        )

    def check(self) -> common.Checked:
        """Every issue at once, in the order of the Python engine: the orders left out (st_order_skips;
        they get no issue at all), how the file's times read (`_time_samples`, `_decide_times`, which may
        raise OrderTimesError), then the cells of every other order."""
        if self.partner is not None:
            checked = self._check_in_halves()
            if checked is not None:
                return checked
            self._part()  # an order has rows in both halves: the file is staged again, whole
            self._open_session()
            self._stage_whole(self.source.reopen(), lambda done: None)
        self._find_orders()
        samples = self._time_samples()
        self.times = self._decide_times(samples)
        self._store_times(samples)
        self._check_cells()
        return self._checked()

    def _find_orders(self) -> None:
        """st_order_heads (each order's first row), st_order_products (the row an order is tracked
        under, when not its first) and st_order_skips (the orders left out)."""
        # Each order's first row, and how many rows the order has: one hashed grouping of the (line,
        # order) pairs joined back to the rows by line (a sort of every row, all columns, cost more).
        if self.raw_cells:
            # Straight from the copied file: each first row's cells are trimmed once, after the join.
            cells = self.raw_cells
            self._execute(
                f"CREATE TEMP TABLE st_order_heads AS SELECT r.rec + 1 AS line, "
                f"{', '.join(f'{cells[f]} AS {f}' for f in FIELDS)}, g.row_count "
                "FROM st_order_raw r JOIN (SELECT min(rec) AS first_rec, count(*) AS row_count "
                f"FROM st_order_raw WHERE {cells['order_id']} <> '' GROUP BY {cells['order_id']}) g "
                "ON g.first_rec = r.rec"
            )
        else:
            self._execute(
                f"CREATE TEMP TABLE st_order_heads AS SELECT r.line, {', '.join(f'r.{f}' for f in FIELDS)}, "
                "g.row_count FROM st_order_rows r JOIN (SELECT min(line) AS line, count(*) AS row_count "
                "FROM st_order_rows WHERE order_id <> '' GROUP BY order_id) g ON g.line = r.line"
            )
        # The line item each order is tracked under (Order.product): its first line item, the first row
        # that needs shipping and has a SKU or a name (the product is then known by that name); else a row
        # that needs shipping without either (an error). No row at all: nothing in the order needs
        # shipping. A first row that is a line item is its order's (nothing sorts before it): only the
        # other orders' rows are sorted, into st_order_products (most files have none).
        self.later_items = self._execute(
            f"""
            CREATE TEMP TABLE st_order_products AS
            SELECT DISTINCT ON (order_id) {self._item("r")} FROM st_order_rows r
            WHERE {self._ships("r")} AND order_id IN (
                SELECT order_id FROM st_order_heads h WHERE NOT {self._head_tracked("h")}
            )
            ORDER BY order_id, sku = '' AND product_title = '', line
            """
        )
        self.skips = self._execute(*self._skips_sql())

    def _check_cells(self) -> None:
        """st_order_checked (the orders not left out, checked and typed) and every issue of their cells,
        of rows without an order number, of later rows that disagree with their order's first, and of
        the item each order is tracked under."""
        layout = self.layout
        self._execute(*self._checked_sql(layout.present))
        self._execute(*self._issues_sql())
        if self.without_id != 0:  # counted while staging: no pass over the rows when there are none
            self._execute(
                "INSERT INTO st_order_issues (line, order_id, field, message) "
                "SELECT line, NULL, 'order_id', %(msg)s FROM st_order_rows WHERE order_id = ''",
                {"msg": Msg.REQUIRED},
            )
        if layout.order_fields:
            self._execute(self._conflicts_sql(layout.order_fields))
        self._execute(self._lines_sql())
        # Filtered scans, not a VALUES list joined to every row: nearly every row has no issue here.
        self._execute(
            """
            INSERT INTO st_order_issues (line, order_id, field, message)
            SELECT p_line, order_id, 'sku', %(no_item)s FROM st_order_checked WHERE p_sku = ''
            UNION ALL
            SELECT line, order_id, CASE WHEN keyed_by_title THEN 'product_title' ELSE 'sku' END,
                %(long_sku)s
            FROM st_order_lines WHERE length(sku) > %(max_sku)s
            UNION ALL
            SELECT line, order_id, 'supplier', %(long_supplier)s
            FROM st_order_lines WHERE length(supplier) > %(max_supplier)s
            UNION ALL
            SELECT line, order_id, 'quantity', %(quantity)s FROM st_order_lines WHERE quantity IS NULL
            """,
            {
                "no_item": Msg.NO_ITEM,
                "quantity": Msg.QUANTITY,
                "max_sku": MAX_LENGTH["sku"],
                "long_sku": Msg.too_long(MAX_LENGTH["sku"]),
                "max_supplier": MAX_LENGTH["supplier"],
                "long_supplier": Msg.too_long(MAX_LENGTH["supplier"]),
            },
        )

    def _lines_sql(self) -> str:
        """st_order_lines: the line items of the orders not left out (orders_csv.is_line_item), each with
        its position in its order (file order), key, title, vendor and quantity (NULL: not a quantity, an
        issue). An order of one row is its first row (st_order_heads); only the rows of orders with
        several are numbered (a sort of those rows alone)."""
        shipping = lambda t: f"{self._ships(t)} AND ({t}.sku <> '' OR {t}.product_title <> '')"  # noqa: E731
        if self.raw_cells:
            # Straight from the copied file: the rows of orders with several, each cell trimmed once.
            cells = self.raw_cells
            trimmed = ", ".join(
                f"{cells[name]} AS {name}"
                for name in ("sku", "product_title", "supplier", "quantity", "requires_shipping")
            )
            rows = (
                f"SELECT r.rec + 1 AS line, h.order_id, {trimmed} FROM st_order_raw r "
                f"JOIN {{heads}} h ON h.order_id = {cells['order_id']}"
            )
        else:
            rows = (
                "SELECT r.line, r.order_id, r.sku, r.product_title, r.supplier, r.quantity, "
                "r.requires_shipping FROM st_order_rows r JOIN {heads} h ON h.order_id = r.order_id"
            )
        heads = (
            f"(SELECT h0.order_id FROM st_order_heads h0 WHERE h0.row_count > 1 {self._not_skipped('h0')})"
        )
        rows = rows.format(heads=heads)
        item = (
            "CASE WHEN {t}.sku <> '' THEN {t}.sku ELSE {t}.product_title END AS sku, {t}.sku = '' AS "
            "keyed_by_title, {t}.product_title, {t}.supplier, {t}.quantity"
        )
        return f"""
            CREATE TEMP TABLE st_order_lines AS
            SELECT l.order_id, l.line, l.position::integer AS position, l.sku, l.keyed_by_title,
                l.product_title, l.supplier,
                CASE WHEN l.quantity = '' THEN 1
                    WHEN length(l.quantity) <= {MAX_QUANTITY_DIGITS}
                        AND btrim(convert_to(l.quantity, 'UTF8'), {DIGITS}) = ''::bytea
                    THEN nullif(l.quantity::integer, 0) END AS quantity
            FROM (
                SELECT h.order_id, h.line, 0 AS position, {item.format(t="h")}
                FROM st_order_heads h
                WHERE h.row_count = 1 AND {shipping("h")} {self._not_skipped("h")}
                UNION ALL
                SELECT m.order_id, m.line, row_number() OVER (PARTITION BY m.order_id ORDER BY m.line) - 1,
                    {item.format(t="m")}
                FROM ({rows} OFFSET 0) m
                WHERE {shipping("m")}
            ) l
            """

    def _checked(self, *, more_orders: int = 0) -> common.Checked:
        """What the checks found (`more_orders`: orders the partner's half holds)."""
        layout = self.layout
        ((issue_count, error_rows, invalid_orders),) = self._fetch(
            "SELECT count(*), count(DISTINCT line), count(DISTINCT order_id) FROM st_order_issues"
        )
        ((orders,),) = self._fetch("SELECT count(*) FROM st_order_heads")
        orders += more_orders
        detail = self._fetch(
            "SELECT line, order_id, field, message, ref_line, ref_value FROM st_order_issues "
            'ORDER BY line, coalesce(array_position(%(fields)s::text[], field), 0), message COLLATE "C" '
            "LIMIT %(limit)s",
            {"fields": list(FIELDS), "limit": common.ISSUE_LIMIT},
        )
        lines = self._lines({row[0] for row in detail} | {row[4] for row in detail if row[4] is not None})
        issues = []
        for line, order_id, name, message, ref_line, ref_value in detail:
            if ref_line is not None:
                message = Msg.conflict(lines[ref_line], order_id, ref_value)
            issues.append(CsvIssue(lines[line], layout.column(name), message))
        return common.Checked(
            records=self.records,
            orders=orders,
            issues=issues,
            issue_count=issue_count,
            error_rows=error_rows,
            invalid_orders=invalid_orders,
        )

    def _skips_sql(self) -> tuple[str, dict]:
        """The orders left out, by the rules of orders_csv.skip_reason: the words of the payment and
        shipping methods are matched in Python (OrderRules), once per distinct method."""
        rules = self.options.rules
        methods = self._fetch(
            "SELECT DISTINCT shipping_method, payment_method FROM st_order_heads "
            "WHERE shipping_method <> '' OR payment_method <> ''"
        )
        pickup = sorted({m for m, _ in methods if m and rules.is_pickup(m)})
        self.cod_methods = sorted({m for _, m in methods if m and rules.is_cod(m)})
        reasons = " ".join(f"WHEN '{word}' THEN '{reason}'" for word, reason in SKIPPED_PAYMENT.items())
        return (
            f"""
            CREATE TEMP TABLE st_order_skips AS
            SELECT * FROM (
                SELECT h.order_id, h.line, CASE
                    WHEN h.pw = ANY(%(skipped)s::text[])
                        AND NOT (h.pw = %(pending)s AND h.payment_method = ANY(%(cod)s::text[]))
                        THEN CASE h.pw {reasons} END
                    WHEN NOT h.tracked AND p.order_id IS NULL THEN %(no_shipping)s
                    WHEN h.shipping_method = ANY(%(pickup)s::text[]) THEN %(pickup_reason)s
                    END AS skip_reason
                FROM (
                    SELECT order_id, line, payment_method, shipping_method,
                        replace(replace(lower(payment_state), ' ', '_'), '-', '_') AS pw,
                        {self._head_tracked("h0")} AS tracked
                    FROM st_order_heads h0
                ) h
                LEFT JOIN st_order_products p ON p.order_id = h.order_id
            ) s WHERE skip_reason IS NOT NULL
            """,
            {
                "skipped": list(SKIPPED_PAYMENT),
                "pending": PENDING,
                "cod": self.cod_methods,
                "no_shipping": NO_SHIPPING,
                "pickup": pickup,
                "pickup_reason": PICKUP,
            },
        )

    def _time_samples(self) -> list[tuple[str, str, int]] | None:
        """How the file's times read, part one: every cell of a time column (of the orders not left out)
        that is not a plain ISO time with an offset, once per distinct value: (field, value, file line of
        its first order). None: the file has no time column. `_decide_times` then decides how they read
        (orders_csv.decide_times) and `_store_times` keeps what each became in `st_order_times` (an ISO
        time in UTC, or its message). A file whose times all carry an offset sends nothing."""
        present = self.layout.present
        names = [name for name in TIME_FIELDS if name in present]
        self.timed = False
        if not names:
            return None
        # One scan of the orders for every time column; only the cells not in Shopify's own shape are
        # unfolded, grouped by value (each distinct value looked at once) and matched by the regular
        # expression. Shopify's shape ("2026-11-02 09:15:11 -0500") with every part in range is a plain time
        # with an offset: it is told by fixed positions (the separators in their places and nowhere else,
        # every other character a digit, each part compared in bytes), several times faster than the regular
        # expression; in an export every cell has it, and the grouping of every cell cost more than the test.
        odd = ", ".join(
            f"CASE WHEN h.{name} <> '' AND NOT {SHOPIFY_TIME_SQL.format(value=f'h.{name}', b=f'h.b_{name}')} "
            f"THEN h.{name} END AS {name}"
            for name in names
        )
        values = ", ".join(f"('{name}', o.{name})" for name in names)
        cells = ", ".join(f"h0.{name}, convert_to(h0.{name}, 'UTF8') AS b_{name}" for name in names)
        samples = self._fetch(
            f"""
            SELECT field, value, line FROM (
                SELECT v.field, v.value, min(o.line) AS line
                FROM (
                    SELECT h.line, {odd}
                    FROM (
                        SELECT h0.line, {cells}
                        FROM st_order_heads h0 WHERE true {self._not_skipped("h0")}
                        OFFSET 0  -- the bytes made once per cell
                    ) h
                    OFFSET 0
                ) o CROSS JOIN LATERAL (VALUES {values}) AS v(field, value)
                WHERE {" OR ".join(f"o.{name} IS NOT NULL" for name in names)}
                GROUP BY v.field, v.value
                OFFSET 0  -- not pushed below the grouping
            ) d
            WHERE d.value IS NOT NULL AND d.value !~ %(real_dt_re)s
            """,
            {"real_dt_re": REAL_DATETIME_RE},
        )
        lines = self._lines({line for _, _, line in samples})
        return [(name, value, lines[line]) for name, value, line in samples]

    def _decide_times(self, samples: list[tuple[str, str, int]] | None) -> TimeReading:
        """How the file's times read, part two (may raise OrderTimesError: the person's word is needed)."""
        if samples is None:
            return decide_times([], column=self.layout.column)
        options = self.options
        return decide_times(
            samples,
            column=self.layout.column,
            time_zone=options.time_zone,
            date_order=options.date_order,
            store_zone=options.store_zone,
        )

    def _store_times(self, samples: list[tuple[str, str, int]] | None) -> None:
        """How the file's times read, part three: `st_order_times`, by `self.times`."""
        if not samples:
            return
        reading = self.times
        self._execute("CREATE TEMP TABLE st_order_times (raw text PRIMARY KEY, iso text, message text)")
        with (
            connection.cursor() as cursor,
            cursor.copy("COPY st_order_times (raw, iso, message) FROM STDIN") as copy,
        ):
            for value in sorted({value for _, value, _ in samples}):
                parsed, problem = reading.read(value)
                iso = parsed.astimezone(UTC).isoformat() if parsed is not None else None
                copy.write_row((value, iso, problem))
        self.timed = True

    def _checked_sql(self, present) -> tuple[str, dict]:
        """One row per order not left out: its first row's cells, an error column per field, and the
        typed values."""
        known = list(PAYMENT_STATES) + list(SKIPPED_PAYMENT)
        payment_cases = " ".join(f"WHEN %(pw_{w})s THEN %(ps_{w})s" for w in PAYMENT_STATES)
        params = {
            "alpha2_codes": list(COUNTRIES),
            "iso3": list(ISO3_TO_ISO2),
            "iso3_alpha2": list(ISO3_TO_ISO2.values()),
            "known_words": known,
            "required": Msg.REQUIRED,
            "m_bad_dt": Msg.BAD_DATETIME,
            "m_email": Msg.EMAIL,
            "m_country": Msg.COUNTRY,
            "m_negative": Msg.NEGATIVE,
            "m_amount": Msg.AMOUNT,
            "m_decimals": Msg.DECIMALS,
            "m_large": Msg.TOO_LARGE,
            "m_currency": Msg.CURRENCY,
            "currencies": sorted(CURRENCIES),
            "m_range": Msg.TIME_RANGE,
            "earliest": limits.EARLIEST,
            "latest": limits.LATEST,
            "m_payment": Msg.PAYMENT,
            "pending": PENDING,
            "cod": self.cod_methods,
            "cash_on_delivery": str(CASH_ON_DELIVERY),
            "fulfilled": FULFILLED,
            **{f"max_{name}": limit for name, limit in MAX_LENGTH.items()},
            **{f"long_{name}": Msg.too_long(limit) for name, limit in MAX_LENGTH.items()},
        }
        for word, state in PAYMENT_STATES.items():
            params[f"pw_{word}"], params[f"ps_{word}"] = word, str(state)

        def given(name: str, expression: str) -> str:
            return expression if name in present else "NULL"

        def is_amount(text: str) -> str:
            # ^[0-9]+([.][0-9]+)?$ without a regular expression or translate() (both look at every
            # character the slow way): only digits and points (a trim of bytes), at most one point, not
            # first nor last.
            return (
                f"({text} <> '' AND btrim(convert_to({text}, 'UTF8'), {DIGITS_POINT}) = ''::bytea "
                f"AND {text} NOT LIKE '.%%' AND {text} NOT LIKE '%%.' AND {text} NOT LIKE '%%.%%.%%')"
            )

        def time_error(name: str) -> str:
            # A value st_order_times does not hold is a plain ISO time with an offset (REAL_DATETIME_RE):
            # all that is left to check is a day its month does not have, and the range of stored times
            # (staletrack.limits.time_problem). Its date is its first 10 characters and its offset at most
            # 14:59, so only a date before 2000-01-02 or from 2099-12-31 on (a plain comparison of the text)
            # can be out of range: only such a value is read as a time, to compare its instant.
            cell = f"h.{name}"
            read = f"WHEN h.t_{name}_raw IS NOT NULL THEN h.t_{name}_message " if self.timed else ""
            empty = "%(required)s" if name == "ordered_at" else "NULL"
            return f"""CASE WHEN {cell} = '' THEN {empty} {read}
                WHEN substr({cell}, 9, 2) COLLATE "C" > '28' AND substr({cell}, 9, 2)::int > extract(day FROM
                    make_date(substr({cell}, 1, 4)::int, substr({cell}, 6, 2)::int, 1)
                    + interval '1 month - 1 day') THEN %(m_bad_dt)s
                WHEN ({cell} COLLATE "C" < '2000-01-02' OR {cell} COLLATE "C" >= '2099-12-31')
                    AND NOT ({cell}::timestamptz >= %(earliest)s AND {cell}::timestamptz < %(latest)s)
                    THEN %(m_range)s END"""

        def time_text(name: str) -> str:
            return f"coalesce(h0t_{name}.iso, h0.{name})" if self.timed else f"h0.{name}"

        times = [name for name in TIME_FIELDS if name in present or name == "ordered_at"]
        errors = {
            "e_order_id": "CASE WHEN length(h.order_id) > %(max_order_id)s THEN %(long_order_id)s END",
            "e_ordered_at": time_error("ordered_at"),
            "e_customer_email": given(
                "customer_email",
                "CASE WHEN length(h.customer_email) > %(max_customer_email)s THEN %(long_customer_email)s "
                "WHEN h.customer_email <> '' AND NOT (strpos(h.customer_email, '@') > 1 "
                "AND strpos(h.customer_email, '@') < length(h.customer_email) "
                "AND strpos(substr(h.customer_email, strpos(h.customer_email, '@') + 1), '@') = 0 "
                "AND strpos(h.customer_email, ' ') = 0) THEN %(m_email)s END",
            ),
            "e_country": "CASE WHEN h.country <> '' AND h.alpha2 IS NULL THEN %(m_country)s END",
            "e_postal_code": given(
                "postal_code",
                "CASE WHEN length(h.postal) > %(max_postal_code)s THEN %(long_postal_code)s END",
            ),
            "e_value": given(
                "value",
                f"""CASE WHEN h.value = '' THEN NULL
                    WHEN {is_amount("h.value")} THEN CASE
                        WHEN length(split_part(h.value, '.', 2)) > 2 THEN %(m_decimals)s
                        WHEN length(ltrim(split_part(h.value, '.', 1), '0')) > 10 THEN %(m_large)s END
                    WHEN left(h.value, 1) = '-' AND {is_amount("substr(h.value, 2)")} THEN %(m_negative)s
                    ELSE %(m_amount)s END""",
            ),
            "e_currency": given(
                "currency",
                # Three ASCII letters (a trim of bytes), then an ISO 4217 code (a hashed test of the
                # constant array, as for countries): orders_csv.is_currency.
                "CASE WHEN h.currency <> '' AND NOT (length(h.currency) = 3 "
                f"AND btrim(convert_to(h.currency, 'UTF8'), {LETTERS}) = ''::bytea "
                "AND upper(h.currency) = ANY(%(currencies)s::text[])) "
                "THEN %(m_currency)s END",
            ),
            "e_payment_state": given(
                "payment_state",
                "CASE WHEN h.payment_word <> '' AND NOT (h.payment_word = ANY(%(known_words)s::text[])) "
                "THEN %(m_payment)s END",
            ),
            "e_promise_text": given(
                "promise_text",
                "CASE WHEN length(h.promise_text) > %(max_promise_text)s THEN %(long_promise_text)s END",
            ),
            "e_cancelled_at": given("cancelled_at", time_error("cancelled_at")),
            "e_fulfilled_at": given("fulfilled_at", time_error("fulfilled_at")),
        }
        error_columns = ",\n".join(f"{expr} AS {name}" for name, expr in errors.items())
        time_columns = "".join(
            f", {time_text(name)} AS t_{name}_text"
            + (
                f", h0t_{name}.raw AS t_{name}_raw, h0t_{name}.message AS t_{name}_message"
                if self.timed
                else ""
            )
            for name in times
        )
        time_joins = (
            "".join(f" LEFT JOIN st_order_times h0t_{name} ON h0t_{name}.raw = h0.{name}" for name in times)
            if self.timed
            else ""
        )

        def value(name: str) -> str:
            if name not in present:
                return "NULL::timestamptz"
            return f"CASE WHEN c.e_{name} IS NULL AND c.{name} <> '' THEN c.t_{name}_text::timestamptz END"

        # Only what the issues and the plan read is kept (a narrow table is written faster).
        kept = "c.line, c.order_id, c.customer_email, c.alpha2, c.postal, c.currency, c.promise_text"
        kept += ", c.p_line, c.p_sku, c.p_keyed_by_title, c.p_product_title, c.p_supplier"
        # Without later tracked items every order left is tracked under its first row.
        heads = (
            f"(SELECT h.*, {self._head_tracked('h')} AS tracked FROM st_order_heads h OFFSET 0)"
            if self.later_items
            else "st_order_heads"
        )
        product_columns = ", ".join(
            f"CASE WHEN h0.tracked THEN {head} ELSE p.{name} END AS p_{name}"
            if self.later_items
            else f"{head} AS p_{name}"
            for name, head in (
                ("line", "h0.line"),
                ("sku", "CASE WHEN h0.sku <> '' THEN h0.sku ELSE h0.product_title END"),
                ("keyed_by_title", "h0.sku = ''"),
                ("product_title", "h0.product_title"),
                ("supplier", "h0.supplier"),
            )
        )
        sql = f"""
        CREATE TEMP TABLE st_order_checked AS
        SELECT {kept}, {", ".join(f"c.{name}" for name in errors)},
            {value("ordered_at")} AS ordered_at_value,
            {value("cancelled_at")} AS cancelled_value,
            {value("fulfilled_at")} AS fulfilled_value,
            replace(replace(lower(c.fulfillment_status), ' ', '_'), '-', '_') = %(fulfilled)s
                AS fulfilled_flag,
            CASE WHEN c.e_value IS NULL AND c.value <> '' THEN c.value::numeric(12, 2) END AS value_value,
            CASE WHEN c.payment_word = %(pending)s AND c.payment_method = ANY(%(cod)s::text[])
                THEN %(cash_on_delivery)s ELSE CASE c.payment_word {payment_cases} END END AS payment_value,
            {" AND ".join(f"c.{name} IS NULL" for name in errors)} AS ok
        FROM (
            SELECT h.*, {error_columns}
            FROM (
                SELECT h0.*,
                    -- a two-letter code is one hashed test of a constant array; only a three-letter
                    -- one is looked up (a join of every row to the table of codes cost more)
                    CASE WHEN h0.country = '' THEN NULL
                        WHEN upper(h0.country) = ANY(%(alpha2_codes)s::text[]) THEN upper(h0.country)
                        ELSE (SELECT m.alpha2 FROM unnest(%(iso3)s::text[], %(iso3_alpha2)s::text[])
                            AS m(code, alpha2) WHERE m.code = upper(h0.country)) END
                        AS alpha2{time_columns}, {product_columns},
                    CASE WHEN left(h0.postal_code, 1) = '''' THEN btrim(substr(h0.postal_code, 2), ' ')
                         ELSE h0.postal_code END AS postal,
                    replace(replace(lower(h0.payment_state), ' ', '_'), '-', '_') AS payment_word
                FROM {heads} h0
                {"LEFT JOIN st_order_products p ON p.order_id = h0.order_id" if self.later_items else ""}
                {time_joins}
                WHERE true {self._not_skipped("h0")}
                OFFSET 0  -- computed once per row, not once per reference
            ) h
            OFFSET 0
        ) c
        """
        return sql, params

    def _issues_sql(self) -> tuple[str, None]:
        names = ["order_id", *common.ORDER_VALUES]
        values = ", ".join(f"('{name}', c.e_{name})" for name in names)
        return (
            f"""
            INSERT INTO st_order_issues (line, order_id, field, message)
            SELECT c.line, c.order_id, v.field, v.message
            FROM st_order_checked c CROSS JOIN LATERAL (VALUES {values}) AS v(field, message)
            WHERE NOT c.ok AND v.message IS NOT NULL
            """,
            None,
        )

    def _conflicts_sql(self, order_fields) -> str:
        """A later row of an order that fills an order column with something else than the first row
        (orders left out are not checked)."""
        values = ", ".join(f"('{name}', c.r_{name}, c.h_{name})" for name in order_fields)
        # The rows in conflict are found first, by one condition on the pair; only they are unfolded into
        # one row per column (nearly every later row agrees with its order's first).
        differs = " OR ".join(f"(r.{name} <> '' AND r.{name} <> h.{name})" for name in order_fields)
        pairs = ", ".join(f"r.{name} AS r_{name}, h.{name} AS h_{name}" for name in order_fields)
        if self.raw_cells:
            # Straight from the copied file: the later rows' cells are trimmed once each (a subquery kept
            # apart), and only for the rows of orders with several.
            cells = self.raw_cells
            trimmed = ", ".join(f"{cells[name]} AS r_{name}, h.{name} AS h_{name}" for name in order_fields)
            differs = " OR ".join(f"(j.r_{name} <> '' AND j.r_{name} <> j.h_{name})" for name in order_fields)
            return f"""
            INSERT INTO st_order_issues (line, order_id, field, message, ref_line, ref_value)
            SELECT c.line, c.order_id, v.field, 'conflict', c.head_line, v.head_cell
            FROM (
                SELECT j.* FROM (
                    SELECT r.rec + 1 AS line, h.order_id, h.line AS head_line, {trimmed}
                    FROM st_order_raw r
                    JOIN (SELECT * FROM st_order_heads WHERE row_count > 1) h
                        ON h.order_id = {cells["order_id"]} AND h.line <> r.rec + 1
                    OFFSET 0
                ) j
                WHERE ({differs})
                    {self._not_skipped("j")}
            ) c
            CROSS JOIN LATERAL (VALUES {values}) AS v(field, cell, head_cell)
            WHERE v.cell <> '' AND v.cell <> v.head_cell
            """
        return f"""
            INSERT INTO st_order_issues (line, order_id, field, message, ref_line, ref_value)
            SELECT c.line, c.order_id, v.field, 'conflict', c.head_line, v.head_cell
            FROM (
                SELECT r.line, r.order_id, h.line AS head_line, {pairs}
                FROM st_order_rows r
                JOIN (SELECT * FROM st_order_heads WHERE row_count > 1) h
                    ON h.order_id = r.order_id AND h.line <> r.line
                WHERE ({differs})
                    {self._not_skipped("r")}
            ) c
            CROSS JOIN LATERAL (VALUES {values}) AS v(field, cell, head_cell)
            WHERE v.cell <> '' AND v.cell <> v.head_cell
            """

    # --- plan ---------------------------------------------------------------------------------------

    def plan(self) -> common.Plan:
        present = self.layout.present
        order_table = Order._meta.db_table

        def kept(name: str, new: str, empty: str = "''") -> str:
            return new if name in present else f"coalesce(o.{name}, {empty})"

        fulfilled_given = "fulfilled_at" in present or "fulfillment_status" in present
        new_values = {
            "ordered_at": "c.ordered_at_value",
            "customer_email": kept("customer_email", "c.customer_email"),
            "country": "coalesce(c.alpha2, '')",
            "postal_code": kept("postal_code", "c.postal"),
            "product_id": "pr.id",
            "value": "c.value_value" if "value" in present else "o.value",
            "currency": kept("currency", "upper(c.currency)"),
            "payment_state": "CASE WHEN o.payment_state = %(disputed)s THEN %(disputed)s "
            "ELSE coalesce(c.payment_value, o.payment_state, %(default_payment)s) END",
            "promise_text": kept("promise_text", "c.promise_text"),
            "cancelled_at": "c.cancelled_value" if "cancelled_at" in present else "o.cancelled_at",
            # orders_csv.resolve_fulfilled_at
            "fulfilled_at": "CASE WHEN c.fulfilled_value IS NOT NULL THEN c.fulfilled_value "
            "WHEN c.fulfilled_flag THEN coalesce(o.fulfilled_at, %(now)s) END"
            if fulfilled_given
            else "o.fulfilled_at",
        }
        for name in common.ERASED_ORDER_FIELDS:
            new_values[name] = f"CASE WHEN o.erased_at IS NOT NULL THEN o.{name} ELSE {new_values[name]} END"
        changed = ", ".join(
            f"CASE WHEN o.{name} IS DISTINCT FROM ({expr}) OR ({expr}) IS NULL THEN 'product' END"
            if name == "product_id"
            else f"CASE WHEN o.{name} IS DISTINCT FROM ({expr}) THEN '{name}' END"
            for name, expr in new_values.items()
        )
        columns = ",\n".join(f"{expr} AS {name}" for name, expr in new_values.items())
        self._execute("DROP TABLE IF EXISTS st_order_plan")
        self._execute(
            f"""
            CREATE TEMP TABLE st_order_plan AS
            SELECT n.*,
                CASE WHEN n.existing_id IS NULL THEN '{common.NEW}'
                     WHEN cardinality(n.changed) > 0 THEN '{common.UPDATE}'
                     ELSE '{common.UNCHANGED}' END AS action
            FROM (
                SELECT c.order_id, c.line AS head_line, c.p_line AS product_line, c.p_sku AS sku,
                    c.p_keyed_by_title AS keyed_by_title, c.p_product_title AS product_title,
                    c.p_supplier AS supplier, NULL::text AS skip_reason, o.id AS existing_id,
                    {columns},
                    -- a new order has nothing to compare with: its columns are not compared
                    CASE WHEN o.id IS NOT NULL THEN array_remove(ARRAY[{changed}], NULL) END AS changed
                FROM st_order_checked c
                LEFT JOIN {order_table} o ON o.order_id = c.order_id
                LEFT JOIN {Product._meta.db_table} pr ON pr.sku = c.p_sku
                WHERE NOT EXISTS (SELECT 1 FROM st_order_issues i WHERE i.order_id = c.order_id)
            ) n
            """,
            {
                "disputed": str(DISPUTED),
                "default_payment": str(DEFAULT_PAYMENT),
                "now": self.options.now,
            },
        )
        # A skipped order has no issue of its cells, but one of the file's (a cell over MAX_CELL) leaves it
        # out of the plan like any order with an issue.
        self._execute(
            f"""
            INSERT INTO st_order_plan (order_id, head_line, skip_reason, existing_id, payment_state, action)
            SELECT s.order_id, s.line, s.skip_reason, o.id, o.payment_state, '{common.SKIP}'
            FROM st_order_skips s LEFT JOIN {order_table} o ON o.order_id = s.order_id
            WHERE NOT EXISTS (SELECT 1 FROM st_order_issues i WHERE i.order_id = s.order_id)
            """
        )
        self._plan_line_changes()
        # The counts by action and skip reason and the summary's counts, in one pass over the plan.
        counts = dict.fromkeys(common.ACTIONS, 0)
        reasons: dict[str, int] = {}
        totals = [0, 0, 0]  # fulfilled without tracking, cash on delivery, keyed by title
        for action, reason, n, *more in self._fetch(
            f"""
            SELECT p.action, p.skip_reason, count(*),
                count(*) FILTER (WHERE p.fulfilled_at IS NOT NULL AND (p.existing_id IS NULL OR NOT EXISTS (
                    SELECT 1 FROM {Parcel._meta.db_table} t WHERE t.order_id = p.existing_id))),
                count(*) FILTER (WHERE p.payment_state = %(cod)s),
                count(*) FILTER (WHERE p.keyed_by_title)
            FROM st_order_plan p GROUP BY p.action, p.skip_reason
            """,
            {"cod": str(CASH_ON_DELIVERY)},
        ):
            counts[action] += n
            if action == common.SKIP:
                reasons[reason] = n
            else:
                totals = [a + b for a, b in zip(totals, more, strict=True)]
        without_tracking, cod, by_title = totals
        self.counts = counts
        rows = self._fetch(  # the preview's columns, in the order of PreviewRow's fields
            "SELECT head_line, order_id, action, changed, ordered_at, coalesce(country, ''), "
            "coalesce(sku, ''), value, coalesce(currency, ''), coalesce(payment_state, ''), "
            "coalesce(skip_reason, ''), cancelled_at, fulfilled_at "
            "FROM st_order_plan ORDER BY head_line LIMIT %(limit)s",
            {"limit": common.PREVIEW_LIMIT},
        )
        lines = self._lines({row[0] for row in rows})
        preview = []
        for head_line, order_id, action, changed, *cells in rows:
            changed = list(changed or []) if action == common.UPDATE else []
            preview.append(common.PreviewRow(lines[head_line], order_id, action, changed, *cells))
        vendors = self._fetch(f"SELECT DISTINCT l.supplier FROM ({self._new_product_lines()}) l")
        return self._plan(
            counts=counts,
            preview=preview,
            skipped_reasons=reasons,
            new_vendors=(vendor for (vendor,) in vendors),
            fulfilled_without_tracking=without_tracking,
            cash_on_delivery=cod,
            keyed_by_title=by_title,
        )

    def _plan_line_changes(self) -> None:
        """A stored order whose line items differ from the file's (by position: key, title, quantity) is
        to update, with `line_items` among its changes. Nothing is compared when every order is new."""
        ((stored,),) = self._fetch(
            "SELECT EXISTS (SELECT 1 FROM st_order_plan WHERE existing_id IS NOT NULL "
            f"AND action <> '{common.SKIP}')"
        )
        if not stored:
            return
        item_table, product_table = LineItem._meta.db_table, Product._meta.db_table
        self._execute(
            f"""
            UPDATE st_order_plan p SET action = '{common.UPDATE}', changed = p.changed || ARRAY['line_items']
            FROM (
                SELECT DISTINCT coalesce(n.order_pk, s.order_pk) AS order_pk
                FROM (
                    SELECT p0.existing_id AS order_pk, l.position, l.sku,
                        left(l.product_title, {MAX_TITLE}) AS title, l.quantity
                    FROM st_order_lines l JOIN st_order_plan p0 ON p0.order_id = l.order_id
                    WHERE p0.existing_id IS NOT NULL AND p0.action <> '{common.SKIP}'
                ) n
                FULL JOIN (
                    SELECT li.order_id AS order_pk, li.position, pr.sku, li.title, li.quantity
                    FROM {item_table} li JOIN {product_table} pr ON pr.id = li.product_id
                    WHERE li.order_id IN (
                        SELECT existing_id FROM st_order_plan
                        WHERE existing_id IS NOT NULL AND action <> '{common.SKIP}'
                    )
                ) s ON s.order_pk = n.order_pk AND s.position = n.position
                WHERE n.order_pk IS NULL OR s.order_pk IS NULL OR n.sku <> s.sku OR n.title <> s.title
                    OR n.quantity <> s.quantity
            ) d
            WHERE p.existing_id = d.order_pk AND p.action <> '{common.SKIP}'
            """
        )

    @staticmethod
    def _new_product_lines() -> str:
        """The line items of orders to create or update whose product is not stored (a query)."""
        return f"""
            SELECT l.* FROM st_order_lines l JOIN st_order_plan p ON p.order_id = l.order_id
            WHERE p.action IN ('{common.NEW}', '{common.UPDATE}')
                AND NOT EXISTS (SELECT 1 FROM {Product._meta.db_table} pr WHERE pr.sku = l.sku)
            """

    # --- write --------------------------------------------------------------------------------------

    def lock(self) -> None:
        """One writer of orders while the plan is made and written: other imports, bundles and admin edits
        of orders wait (reads do not). So the plan's new orders are new when inserted, and the insert needs
        no ON CONFLICT (whose speculative insertion costs about a third more per row)."""
        self._execute(f"LOCK TABLE {Order._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")

    def write(self, *, actor, via: str, create_cases: bool = True) -> common.Written:
        """Write the plan. The caller holds the transaction, took `lock()` and re-planned inside it.
        `create_cases`: the new orders get their cases here (else the caller has them created later)."""
        now = timezone.now()
        written = common.Written()
        counts = self.counts  # of the plan just made
        written.unchanged, written.skipped = counts.get(common.UNCHANGED, 0), counts.get(common.SKIP, 0)
        self._create_products(now, written)
        written.updated_pks = self._update_orders(now, actor, via) if counts.get(common.UPDATE) else []
        if written.updated_pks:
            self._replace_lines()
        written.created_pks = self._insert_orders(now, create_cases=create_cases)
        written.cases_created = len(written.created_pks) if create_cases else 0
        return written

    def _create_products(self, now, written: common.Written) -> None:
        supplier_table, product_table = Supplier._meta.db_table, Product._meta.db_table
        # Each new SKU's title and vendor come from its first row: grouping the new products' line items
        # by SKU (a few hundred) costs less than sorting all of them.
        self._execute(
            f"""
            CREATE TEMP TABLE st_order_new_products AS
            SELECT l.sku, l.keyed_by_title, left(l.product_title, {MAX_TITLE}) AS title, l.supplier AS vendor
            FROM st_order_lines l
            JOIN (SELECT min(n.line) AS line FROM ({self._new_product_lines()}) n GROUP BY n.sku) first
                ON first.line = l.line
            """
        )
        # The supplier of each vendor name, as the vendor map reads it (suppliers.vendor_map).
        self._execute("CREATE TEMP TABLE st_order_vendors (vendor text PRIMARY KEY, supplier text NOT NULL)")
        vendors = self._fetch("SELECT DISTINCT vendor FROM st_order_new_products")
        with (
            connection.cursor() as cursor,
            cursor.copy("COPY st_order_vendors (vendor, supplier) FROM STDIN") as copy,
        ):
            for (vendor,) in vendors:
                copy.write_row((vendor, common.supplier_name(self.vendors, vendor)))
        columns, placeholders, values = common.insert_defaults(Supplier, {"name"}, connection, now)
        written.suppliers_created = self._execute(
            f"INSERT INTO {supplier_table} (name, {', '.join(columns)}) "
            f"SELECT s.supplier, {', '.join(placeholders)} "
            "FROM (SELECT DISTINCT supplier FROM st_order_vendors) s "
            "ON CONFLICT (name) DO NOTHING",
            values,
        )
        given = {"sku", "keyed_by_title", "title", "vendor", "supplier"}
        columns, placeholders, values = common.insert_defaults(Product, given, connection, now)
        written.products_created = self._execute(
            f"INSERT INTO {product_table} (sku, keyed_by_title, title, vendor, supplier_id, "
            f"{', '.join(columns)}) "
            f"SELECT n.sku, n.keyed_by_title, n.title, n.vendor, s.id, {', '.join(placeholders)} "
            "FROM st_order_new_products n JOIN st_order_vendors v ON v.vendor = n.vendor "
            f"JOIN {supplier_table} s ON s.name = v.supplier "
            "ON CONFLICT (sku) DO NOTHING",
            values,
        )

    def _update_orders(self, now, actor, via: str) -> list[int]:
        order_table, product_table = Order._meta.db_table, Product._meta.db_table
        stored = ("ordered_at", "customer_email", "country", "postal_code", "value", "currency")
        stored += ("payment_state", "promise_text", "cancelled_at", "fulfilled_at")
        times = ("ordered_at", "cancelled_at", "fulfilled_at")
        sets = ", ".join(f"{name} = p.{name}" for name in stored)
        # A product created by this import is not in the plan yet: its id comes from the join on SKU.

        def text(name: str, table: str) -> str:
            if name in times:
                return f"to_char({table}.{name} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"')"
            return f"{table}.{name}::text"

        changes = ", ".join(
            f"'{name}', CASE WHEN old.{name} IS DISTINCT FROM p.{name} "
            f"THEN jsonb_build_array({text(name, 'old')}, {text(name, 'p')}) END"
            for name in stored
        )
        changes += (
            ", 'product', CASE WHEN old.product_id IS DISTINCT FROM newp.id "
            "THEN jsonb_build_array(oldp.sku, newp.sku) END"
        )
        # Line items replaced: the stored ones and the file's, as orders_common.Line.text shows them.
        stored_text = LINE_TEXT_SQL.format(q="li.quantity", k="lp.sku", t="li.title")
        new_text = LINE_TEXT_SQL.format(q="l.quantity", k="l.sku", t=f"left(l.product_title, {MAX_TITLE})")
        changes += (
            ", 'line_items', CASE WHEN 'line_items' = ANY(p.changed) THEN jsonb_build_array("
            f"(SELECT coalesce(jsonb_agg({stored_text} ORDER BY li.position), '[]'::jsonb) "
            f"FROM {LineItem._meta.db_table} li JOIN {product_table} lp ON lp.id = li.product_id "
            "WHERE li.order_id = p.existing_id), "
            f"(SELECT coalesce(jsonb_agg({new_text} ORDER BY l.position), '[]'::jsonb) "
            "FROM st_order_lines l WHERE l.order_id = p.order_id)) END"
        )
        rows = self._fetch(
            f"""
            WITH changed AS (
                UPDATE {order_table} o SET {sets}, product_id = newp.id, updated_at = %(now)s
                FROM st_order_plan p
                JOIN {order_table} old ON old.id = p.existing_id
                JOIN {product_table} oldp ON oldp.id = old.product_id
                JOIN {product_table} newp ON newp.sku = p.sku
                WHERE p.action = '{common.UPDATE}' AND o.id = p.existing_id
                RETURNING o.id, o.order_id, jsonb_strip_nulls(jsonb_build_object({changes})) AS changes
            ), audited AS (
                INSERT INTO {AuditEvent._meta.db_table}
                    (at, actor_id, actor_label, content_type_id, object_id, object_repr, action, changes,
                     reason)
                SELECT %(now)s, %(actor_id)s, %(actor_label)s, %(content_type)s, id::text,
                    left(order_id, 200), 'order_updated_by_import', changes, ''
                FROM changed
            )
            SELECT id FROM changed
            """,
            {
                "now": now,
                "actor_id": actor.pk if actor is not None else None,
                "actor_label": actor.get_username() if actor is not None else via,
                "content_type": ContentType.objects.get_for_model(Order).pk,
            },
        )
        return [pk for (pk,) in rows]

    def _line_columns(self) -> tuple[str, list[str], list]:
        """The INSERT's column list of LineItem rows (order, product, title, quantity, position, then any
        column with a default), the placeholders and values of the defaulted ones."""
        given = {"order", "product", "title", "quantity", "position"}
        columns, placeholders, values = common.insert_defaults(LineItem, given, connection, timezone.now())
        names = ", ".join(["order_id", "product_id", "title", "quantity", "position", *columns])
        return names, placeholders, values

    def _line_values(self, order_pk: str) -> str:
        """The SELECT list of `_line_columns` from st_order_lines `l` joined to its product `lpr`."""
        return f"{order_pk}, lpr.id, left(l.product_title, {MAX_TITLE}), l.quantity, l.position"

    def _replace_lines(self) -> None:
        """The updated orders whose line items changed get the file's instead (one DELETE, one INSERT ...
        SELECT); their update's audit event says what they were and became."""
        item_table, product_table = LineItem._meta.db_table, Product._meta.db_table
        relined = f"p.action = '{common.UPDATE}' AND 'line_items' = ANY(p.changed)"
        self._execute(
            f"DELETE FROM {item_table} WHERE order_id IN (SELECT p.existing_id FROM st_order_plan p "
            f"WHERE {relined})"
        )
        names, placeholders, values = self._line_columns()
        self._execute(
            f"INSERT INTO {item_table} ({names}) "
            f"SELECT {', '.join([self._line_values('p.existing_id'), *placeholders])} "
            "FROM st_order_plan p JOIN st_order_lines l ON l.order_id = p.order_id "
            f"JOIN {product_table} lpr ON lpr.sku = l.sku WHERE {relined}",
            values,
        )

    def _insert_orders(self, now, *, create_cases: bool) -> list[int]:
        order_table, case_table = Order._meta.db_table, Case._meta.db_table
        given = ("order_id", "ordered_at", "customer_email", "country", "postal_code", "product_id")
        given += ("value", "currency", "payment_state", "promise_text", "cancelled_at", "fulfilled_at")
        order_columns, order_placeholders, order_values = common.insert_defaults(
            Order, set(given), connection, now
        )
        case_columns, case_placeholders, case_values = common.insert_defaults(
            Case, {"order"}, connection, now
        )
        cased = (
            f""", cased AS (
                INSERT INTO {case_table} (order_id, {", ".join(case_columns)})
                SELECT id, {", ".join(case_placeholders)} FROM created
            )"""
            if create_cases
            else ""
        )
        # Every new order's line items, in the same statement (the orders' ids come from RETURNING).
        line_names, line_placeholders, line_values = self._line_columns()
        lined = f""", lined AS (
                INSERT INTO {LineItem._meta.db_table} ({line_names})
                SELECT {", ".join([self._line_values("created.id"), *line_placeholders])}
                FROM created JOIN st_order_lines l ON l.order_id = created.order_id
                JOIN {Product._meta.db_table} lpr ON lpr.sku = l.sku
            )"""
        rows = self._fetch(
            f"""
            WITH created AS (
                INSERT INTO {order_table} ({", ".join(given)}, {", ".join(order_columns)})
                SELECT {", ".join("pr.id" if name == "product_id" else f"p.{name}" for name in given)},
                    {", ".join(order_placeholders)}
                FROM st_order_plan p JOIN {Product._meta.db_table} pr ON pr.sku = p.sku
                WHERE p.action = '{common.NEW}'
                RETURNING id, order_id
            ){cased}{lined}
            SELECT id FROM created
            """,
            [*order_values, *(case_values if create_cases else []), *line_values],
        )
        return [pk for (pk,) in rows]

    def close(self) -> None:
        self._part()
        with suppress(DatabaseError):  # the connection is gone or its transaction broken: the tables go too
            self._drop()
            self._execute("RESET work_mem; RESET jit; RESET enable_mergejoin")


def _merged_samples(first, second):
    """The time samples of two halves as one file's: each distinct (field, value) once, at its first
    line."""
    if first is None and second is None:
        return None
    earliest: dict[tuple[str, str], int] = {}
    for name, value, line in (*(first or ()), *(second or ())):
        key = (name, value)
        if key not in earliest or line < earliest[key]:
            earliest[key] = line
    return sorted(((name, value, line) for (name, value), line in earliest.items()), key=lambda s: s[2])
