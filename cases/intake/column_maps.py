"""Columns a person names for a CSV import (docs/imports.md).

They come from `--column FIELD=HEADER` on the import commands and the mapping
step of the admin preview, for files whose headers no import knows (a carrier tool's export, a spreadsheet).

A column map is `{field: header}`: the field of the import (`order_id`, `number`, `at`, ...) and the header
of the file that holds it, as the file spells it (compared folded, like every header: `csvfiles.header_key`).
A named column wins over the spellings the import knows for that field. Nothing here writes anything; the
map is remembered for the next file with the same headers by `cases.intake.column_mappings`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from cases.intake.csvfiles import CsvError, CsvIssue, header_key


def parse_column_options(options: Iterable[str], fields: Iterable[str]) -> dict[str, str]:
    """`["order_id=Order Number", ...]` as `{field: header}`; CsvError naming every option that is not
    FIELD=HEADER with a field of this import, or that names a field twice."""
    known = tuple(fields)
    mapping: dict[str, str] = {}
    issues = []
    for option in options:
        field, sep, header = option.partition("=")
        field, header = field.strip(), header.strip()
        where = f"--column {option}"
        if not sep or not field or not header:
            issues.append(
                CsvIssue(None, None, f"{where}: write it as FIELD=HEADER, e.g. number=Tracking Number")
            )
        elif field not in known:
            issues.append(
                CsvIssue(None, None, f"{where}: {field!r} is not a field; the fields are {', '.join(known)}")
            )
        elif field in mapping:
            issues.append(CsvIssue(None, None, f"{where}: the field {field!r} is named twice"))
        else:
            mapping[field] = header
    if issues:
        raise CsvError(issues)
    return mapping


def check_column_map(header: Iterable[str], mapping: Mapping[str, str]) -> None:
    """CsvError (line 1, the header) for each named column the file does not have, listing the file's headers,
    and for one column named for two fields."""
    cells = [cell.strip() for cell in header]
    present = {header_key(cell) for cell in cells}
    issues = []
    taken: dict[str, str] = {}
    for field, named in mapping.items():
        key = header_key(named)
        if key not in present:
            listed = ", ".join(repr(cell) for cell in cells if cell)
            issues.append(
                CsvIssue(
                    1, named, f"is not a column of this file (named for {field}); its columns are {listed}"
                )
            )
        elif key in taken:
            issues.append(CsvIssue(1, named, f"is named for both {taken[key]} and {field}"))
        else:
            taken[key] = field
    if issues:
        raise CsvError(issues)


def with_column_map(
    columns: Mapping[str, Iterable[str]], mapping: Mapping[str, str]
) -> dict[str, tuple[str, ...]]:
    """The import's `{field: spellings}` with each named column as the only spelling of its field, and taken
    away from every other field (a column holds one field)."""
    named = {header_key(header) for header in mapping.values()}
    out: dict[str, tuple[str, ...]] = {}
    for field, spellings in columns.items():
        if field in mapping:
            out[field] = (mapping[field],)
        else:
            out[field] = tuple(s for s in spellings if header_key(s) not in named)
    for field, header in mapping.items():
        out.setdefault(field, (header,))
    return out


def headers_key(header: Iterable[str]) -> str:
    """Which files share a remembered map: the same headers, folded, in the same order."""
    folded = "\x1f".join(header_key(cell) for cell in header)
    return hashlib.sha256(folded.encode()).hexdigest()
