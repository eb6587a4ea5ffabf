"""One drafting run at a time on a SQLite database: an exclusive lock on a file beside it.

SQLite lives on one machine, so an OS file lock is the whole story: it is released when the
run ends or its process dies (no stale claims to clean up). PostgreSQL claims decisions with
advisory locks instead (``bidflow.store.decisions.claim_for_drafting``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory file locks; two runs there may draft a job twice
    fcntl = None  # type: ignore[assignment]


@contextmanager
def sqlite_drafting_lock(database: str | None) -> Iterator[bool]:
    """Hold the drafting lock of the SQLite file ``database`` for the block; yields whether
    this run holds it (False: another run is drafting). In-memory databases always hold it."""
    if fcntl is None or not database or database == ":memory:":
        yield True
        return
    path = Path(f"{database}.drafting.lock")
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
