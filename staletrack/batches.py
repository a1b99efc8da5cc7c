"""Working through large batches: id lists in chunks, and no pauses of the cyclic garbage collector."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

CHUNK = 5000  # ids per IN clause: under SQLite's variable limit, and one query per 5,000 orders


def chunked(ids: list) -> list[list]:
    """`ids` in lists of at most CHUNK, in order; one empty list for none."""
    return [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)] or [[]]


@contextmanager
def without_gc_pauses() -> Iterator[None]:
    """A batch allocates tens of thousands of small objects (facts, timelines, packets) that live until
    the batch ends and are freed by reference counting. Each allocation burst would set off collections
    that walk all of them again, which measured at about half of a batch's time (benchmarks/bench_sweep).
    So collection waits until the batch is done; it then runs as usual."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
