"""Running the pure rules over large batches without the cyclic garbage collector's pauses."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


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
