"""Helpers for code that builds many objects at once."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a block that allocates many objects with
    no reference cycles (a batch's columns, decision rows).

    Allocation triggers full collections that re-walk every live object (a batch of 100,000
    database rows is millions of them) without freeing anything; that costs more than the
    block's own work. Memory is still freed by reference counting.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
