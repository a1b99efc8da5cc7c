"""Reading the CSV files stores already have (order exports, tracking exports), without a database.

One reader for every CSV import, so each says the same thing about the same fault: the encoding, an
empty file, a missing column, a ragged row. Every problem is a `CsvIssue` naming the line (as a
spreadsheet numbers it: the header is line 1) and the column. Nothing here writes anything.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# A cell of a CSV is never this long in an order or tracking export; longer means a broken quote.
csv.field_size_limit(1_000_000)


@dataclass(frozen=True, slots=True)
class CsvIssue:
    line: int | None  # None: the file as a whole
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where) or 'file'}: {self.message}"

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "message": self.message}


class CsvError(ValueError):
    def __init__(self, issues: list[CsvIssue]):
        self.issues = issues
        super().__init__("; ".join(str(issue) for issue in issues[:10]))


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int  # the file line this row starts on (header = 1)
    values: dict[str, str]  # canonical column name -> stripped cell text ("" when empty)
    problem: CsvIssue | None = None  # a row that could not be read as a row (ragged); values is empty


def decode(raw: bytes) -> str:
    """UTF-8, with or without a byte-order mark; anything else is named, not guessed."""
    if raw.startswith(b"\xff\xfe") or raw.startswith(b"\xfe\xff"):
        raise CsvError([CsvIssue(None, None, "is UTF-16; save it as UTF-8 (CSV UTF-8 in Excel)")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CsvError(
            [CsvIssue(line, None, f"is not UTF-8 (byte {raw[exc.start]:#04x}); save the file as UTF-8")]
        ) from None


def header_key(name: str) -> str:
    """Header spellings vary ('Lineitem SKU', 'lineitem sku', 'Tracking-Number'): compare them folded."""
    return " ".join(name.replace("_", " ").replace("-", " ").lower().split())


def read_rows(
    text: str,
    columns: dict[str, Iterable[str]],
    required: Iterable[str],
) -> tuple[list[str], Iterator[CsvRow]]:
    """Parse `text`, mapping headers onto canonical names.

    `columns` maps each canonical name to the header spellings that mean it; `required` names the
    canonical columns that must be present. Returns the canonical columns found and an iterator of rows.
    Raises CsvError for an empty file, missing columns, or text that is not CSV at all; a ragged row
    comes back as a row with `problem` set, so callers can collect every issue of the file.
    """
    if not text.strip():
        raise CsvError([CsvIssue(None, None, "is empty")])
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as exc:
        raise CsvError([CsvIssue(1, None, f"cannot be read as CSV: {exc}")]) from None
    spelled = {header_key(spelling): name for name, spellings in columns.items() for spelling in spellings}
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = spelled.get(header_key(cell))
        if name is not None and name not in positions:
            positions[name] = index
    missing = [name for name in required if name not in positions]
    if missing:
        raise CsvError([CsvIssue(1, name, "required column is missing") for name in missing])
    return list(positions), _rows(reader, positions, len(header))


def _rows(reader, positions: dict[str, int], width: int) -> Iterator[CsvRow]:
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise CsvError([CsvIssue(line, None, f"cannot be read as CSV: {exc}")]) from None
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are common at the end of exports
        if len(cells) != width:
            yield CsvRow(line, {}, CsvIssue(line, None, f"has {len(cells)} cells; the header has {width}"))
            continue
        yield CsvRow(line=line, values={name: cells[i].strip() for name, i in positions.items()})
