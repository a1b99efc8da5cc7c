"""Reading a bundle file for a command: from a path or standard input, never more than the limit allows."""

from __future__ import annotations

import sys
from pathlib import Path


def read_bundle_file(file: str, *, max_bytes: int) -> bytes:
    """The bytes of `file` (standard input for `-`), at most `max_bytes` + 1 of them: a larger file is
    then refused by `read_bundle(raw, max_bytes=...)` with the error every path gives for the limit,
    without being held whole. Raises OSError when the file cannot be read."""
    if file == "-":
        return sys.stdin.buffer.read(max_bytes + 1)
    with Path(file).open("rb") as handle:
        return handle.read(max_bytes + 1)
