"""Reading many fields of many jobs at once."""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from bidflow.models import JobBase


def job_columns(jobs: Sequence[JobBase], names: Sequence[str]) -> dict[str, tuple[Any, ...]]:
    """Each of ``names`` as a column: its value for every job, in order.

    Read from the jobs' ``__dict__`` in one C-level pass (database rows keep their loaded
    values there; attribute access costs several times more per value); a row whose values
    were expired by a commit is read through its attributes, which reloads it.
    """
    if not jobs or not names:
        return dict.fromkeys(names, ())
    getter = itemgetter(*names, names[0])  # two names at least, so each row is a tuple
    try:
        rows = list(map(getter, map(vars, jobs)))
    except KeyError:
        rows = [tuple(getattr(job, name) for name in (*names, names[0])) for job in jobs]
    return dict(zip(names, zip(*rows, strict=True), strict=False))
