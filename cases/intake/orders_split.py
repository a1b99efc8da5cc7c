"""Where a large orders file is cut in two for two database connections, and the stream both read.

The PostgreSQL engine stages and checks a large file in two halves at once, one per connection (both
cores at work). Each half must hold whole orders (an order's rows are checked together), so the cut falls
at an order boundary: the first record, after the middle of the file, whose order number differs from the
record before it. Nothing here touches a database.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from cases.intake.orders_csv import BLANK

CHUNK = 1 << 20
WINDOW = 1 << 20  # how far past the middle a boundary is looked for


@dataclass(frozen=True)
class Cut:
    """The second half starts at byte `offset`, on file line `lines_before` + 1."""

    offset: int
    lines_before: int


def find_cut(stream: BinaryIO, *, order_column: int, min_bytes: int) -> Cut | None:
    """The order boundary nearest after the middle of a file of at least `min_bytes` bytes, or None: the
    file is smaller, the middle falls inside a quoted cell that spans lines, or no boundary is found
    within WINDOW bytes (one very long order). `order_column`: the index of the order number's cell. The
    stream is left anywhere (callers seek)."""
    stream.seek(0, 2)
    size = stream.tell()
    if size < max(min_bytes, 2):
        return None
    middle = size // 2
    stream.seek(0)
    quotes = newlines = 0
    remaining = middle
    while remaining:
        chunk = stream.read(min(CHUNK, remaining))
        if not chunk:
            return None
        quotes += chunk.count(b'"')
        newlines += chunk.count(b"\n")
        remaining -= len(chunk)
    window = stream.read(WINDOW)
    # Inside quotes when an odd number of quote characters came before ("" inside a cell counts twice).
    inside = quotes % 2 == 1
    start = None  # where the current record began (None: before the first whole record)
    previous = None  # the order number of the record before
    position = 0
    while (end := window.find(b"\n", position)) != -1:
        inside ^= window.count(b'"', position, end) % 2 == 1
        if inside:
            return None  # a quoted cell spans lines: the file is staged whole
        if start is not None:
            order_id = _order_id(window[start : end + 1], order_column)
            if order_id is None:
                return None
            if previous is not None and order_id != previous:
                if not order_id:
                    return None  # a row without an order number is checked on its own line: keep it simple
                return Cut(offset=middle + start, lines_before=newlines + window.count(b"\n", 0, start))
            previous = order_id
        start = position = end + 1
    return None


def _order_id(record: bytes, column: int) -> str | None:
    try:
        cells = next(csv.reader([record.decode("utf-8")]), [])
    except (UnicodeDecodeError, csv.Error):
        return None
    return cells[column].strip(BLANK) if column < len(cells) else ""


class SharedStream:
    """One binary stream read by two threads, each its own range of bytes (a seek and a read under a
    lock: the stream may be an upload in memory or a file)."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.lock = threading.Lock()

    def chunks(self, begin: int, end: int | None) -> Iterator[bytes]:
        position = begin
        while end is None or position < end:
            size = CHUNK if end is None else min(CHUNK, end - position)
            with self.lock:
                self.stream.seek(position)
                data = self.stream.read(size)
            if not data:
                return
            position += len(data)
            yield data
