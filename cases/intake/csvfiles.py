"""Reading the CSV files stores already have (order exports, tracking exports), without a database.

One reader for every CSV import, so each says the same thing about the same fault: the encoding, a NUL
byte, an empty file, a missing column, a ragged row, a cell longer than any column could hold
(`staletrack.limits.MAX_CELL`). Every problem is a `CsvIssue` naming the line (as a spreadsheet numbers
it: the header is line 1) and the column. Nothing here writes anything.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from staletrack.limits import MAX_CELL, MAX_FILE_BYTES

# Python's csv module refuses a cell over its field limit with no word of the column. The limit is the
# largest file an import takes, so every cell is read and a long one named by line and column
# (`LONG_CELL`): refused all the same, by the imports, whatever its size.
CSV_FIELD_LIMIT = MAX_FILE_BYTES
csv.field_size_limit(CSV_FIELD_LIMIT)

# The words for a cell longer than MAX_CELL, on every CSV path (both order engines, the tracking CSVs):
# those of staletrack.limits.text_problem for any text over its limit.
LONG_CELL = f"is longer than {MAX_CELL:,} characters"
# PostgreSQL stores no NUL in text, and no text file has one: named with its line, never passed on.
NUL_BYTE = "has a NUL byte, which no text file has; save the file as UTF-8 (CSV UTF-8 in Excel)"


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
    """UTF-8, with or without a byte-order mark; anything else, and a NUL byte, is named, not guessed."""
    if raw.startswith(b"\xff\xfe") or raw.startswith(b"\xfe\xff"):
        raise CsvError([CsvIssue(None, None, "is UTF-16; save it as UTF-8 (CSV UTF-8 in Excel)")])
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise CsvError([CsvIssue(raw.count(b"\n", 0, nul) + 1, None, NUL_BYTE)])
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
    return list(positions), _rows(reader, positions, header)


def column_names(header: list[str], positions: Mapping[str, int]) -> dict[int, str]:
    """Each cell index's column as an issue names it: its canonical name (`positions`: name -> index),
    else its header as the file spells it."""
    canonical = {index: name for name, index in positions.items()}
    return {index: canonical.get(index) or cell.strip() for index, cell in enumerate(header)}


def long_cell(cells: list[str], names: Mapping[int, str], blank: str | None = None) -> str | None:
    """The column (`names`: cell index -> name) of a row's first cell longer than MAX_CELL once stripped
    of `blank` (whitespace by default), or None."""
    if max(map(len, cells), default=0) <= MAX_CELL:
        return None
    for index, cell in enumerate(cells):
        if len(cell) > MAX_CELL and len(cell.strip(blank)) > MAX_CELL:
            return names.get(index, str(index + 1))
    return None


def _rows(reader, positions: dict[str, int], header: list[str]) -> Iterator[CsvRow]:
    width = len(header)
    names = column_names(header, positions)
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
        column = long_cell(cells, names)
        if column is not None:
            yield CsvRow(line, {}, CsvIssue(line, column, LONG_CELL))
            continue
        yield CsvRow(line=line, values={name: cells[i].strip() for name, i in positions.items()})
