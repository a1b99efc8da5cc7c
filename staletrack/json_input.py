"""The one reader of JSON that a user or a tracker sends (case bundles, replay files, the tracker webhook).

`load_json` either returns the document or raises `JsonInputError` saying what is wrong and where, before
any reader looks at a field:

- not UTF-8 (a byte string), or larger than the caller's limit;
- a NUL character, raw or escaped as \\u0000 (PostgreSQL stores no NUL, and would answer with an error
  instead of a named refusal), or an unpaired surrogate escape such as \\ud800 (not text: no UTF-8 encoder
  takes it);
- nested deeper than `staletrack.limits.MAX_JSON_DEPTH` (a version-2 bundle nests 7 levels): checked by
  a walk with its own stack, never by recursion, and a document so deep that the parser itself runs out
  of recursion is refused the same way;
- the same key twice in one object (json.loads would keep the last without a word);
- NaN, Infinity or a number too large to read (not JSON, though Python's parser takes them);
- anything else that is not JSON, with its line and column.

Pure: no Django, no ORM.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator

from staletrack.limits import MAX_JSON_DEPTH

PathPart = str | int
MAX_KEY_SHOWN = 40  # characters of a key named in a path: a key is the sender's text, of any length


class JsonInputError(ValueError):
    """JSON that is refused. `what` names the input ("file", "the body"), `problem` says what is wrong
    ("has the key "sku" twice"), and `path` where, as keys and list indexes from the top (empty when the
    problem is the whole input's); str() is one sentence of the three."""

    def __init__(self, problem: str, *, what: str = "the input", path: tuple[PathPart, ...] = ()):
        self.problem = problem
        self.what = what
        self.path = path
        super().__init__(f"{what} {problem}" + (f" at {format_path(path)}" if path else ""))


def load_json(
    data: bytes | str,
    *,
    what: str,
    max_bytes: int | None = None,
    max_depth: int = MAX_JSON_DEPTH,
) -> object:
    """The JSON document in `data` (bytes are UTF-8, a leading byte-order mark allowed), checked as the
    module says. Raises JsonInputError naming `what` (and, for a problem inside the document, where)."""
    if max_bytes is not None:
        size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
        if size > max_bytes:
            raise JsonInputError(f"is larger than {_size(max_bytes)}; split it", what=what)
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise JsonInputError(f"is not UTF-8 (first bad byte at offset {exc.start})", what=what) from None
    else:
        text = data.removeprefix("\ufeff")
    nul = text.find("\x00")
    if nul >= 0:
        line, column = _line_column(text, nul)
        raise JsonInputError(f"contains a NUL character at line {line}, column {column}", what=what)
    try:
        document = json.loads(
            text,
            object_pairs_hook=_object,
            parse_constant=_no_constant,
            parse_float=_finite_float,
        )
    except json.JSONDecodeError as exc:
        raise JsonInputError(
            f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}", what=what
        ) from None
    except RecursionError:
        # The C parser recurses per level: a document this deep is far past any limit.
        raise JsonInputError(f"nests deeper than {max_depth} levels", what=what) from None
    except _NotJson as exc:
        raise JsonInputError(f"is not valid JSON: {exc}", what=what) from None
    except ValueError:  # an integer past Python's digit limit for int() (4,300 digits)
        raise JsonInputError("is not valid JSON: a number is too long to read", what=what) from None
    _check(document, what=what, max_depth=max_depth)
    return document


def format_path(path: tuple[PathPart, ...]) -> str:
    """`("cases", 0, "order")` as `cases[0].order`."""
    shown = ""
    for part in path:
        if isinstance(part, int):
            shown += f"[{part}]"
            continue
        shown += f".{_key(part)}" if shown else _key(part)
    return shown or "the top"


def _key(key: str) -> str:
    return key if len(key) <= MAX_KEY_SHOWN else key[: MAX_KEY_SHOWN - 1] + "…"


class _Object(dict):
    """An object whose pairs repeated a key: `repeated` keeps the first one, for the walk to name with
    its path (the hook that builds objects does not know where they are)."""

    repeated: str


class _NotJson(ValueError):
    pass


def _object(pairs: list[tuple[str, object]]) -> dict:
    document = dict(pairs)
    if len(document) == len(pairs):
        return document
    seen = set()
    for key, _ in pairs:
        if key in seen:
            marked = _Object(document)
            marked.repeated = key
            return marked
        seen.add(key)
    return document  # unreachable: fewer keys than pairs means one repeated


def _no_constant(name: str):
    raise _NotJson(f"{name} is not a number JSON allows")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotJson(f"the number {text[:40]} is too large")
    return value


def _check(document: object, *, what: str, max_depth: int) -> None:
    """Walk the document with an explicit stack: depth, repeated keys, NUL and unpaired surrogates."""
    stack: list[tuple[object, tuple[PathPart, ...]]] = [(document, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str):
            _check_text(node, what=what, path=path)
            continue
        if not isinstance(node, dict | list):
            continue
        if len(path) >= max_depth:
            raise JsonInputError(f"nests deeper than {max_depth} levels", what=what, path=path)
        if isinstance(node, _Object):
            raise JsonInputError(f"has the key {json.dumps(_key(node.repeated))} twice", what=what, path=path)
        for key, value in _children(node):
            if isinstance(key, str):
                _check_text(key, what=what, path=path, in_key=True)
            stack.append((value, (*path, key)))


def _children(node: dict | list) -> Iterator[tuple[PathPart, object]]:
    return iter(node.items()) if isinstance(node, dict) else enumerate(node)


def _check_text(text: str, *, what: str, path: tuple[PathPart, ...], in_key: bool = False) -> None:
    """NUL and unpaired surrogates in a string (a key's problem is named at its object: the key itself
    is not fit to show)."""
    where = "has a key that contains" if in_key else "contains"
    if "\x00" in text:
        raise JsonInputError(f"{where} a NUL character (\\u0000)", what=what, path=path)
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = f"\\u{ord(text[exc.start]):04x}"
        raise JsonInputError(f"{where} an unpaired surrogate ({bad})", what=what, path=path) from None


def _line_column(text: str, position: int) -> tuple[int, int]:
    line = text.count("\n", 0, position) + 1
    return line, position - (text.rfind("\n", 0, position) + 1) + 1


def _size(limit: int) -> str:
    mb = limit / (1024 * 1024)
    return f"{mb:g} MB" if mb >= 1 else f"{limit:,} bytes"
