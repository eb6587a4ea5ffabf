"""The feed family's one interface, what a poll is given, and what it returns."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from bidflow.models import JobBase

# ok: read; not_modified: the server said nothing changed; waiting: too soon to ask again (a
# politeness interval); the rest say why nothing could be read.
SourceStatus = Literal[
    "ok", "not_modified", "waiting", "logged_out", "captcha", "layout_changed", "blocked"
]


def _nothing_known(_ids: Collection[str]) -> set[str]:
    return set()


@dataclass(frozen=True)
class FetchContext:
    """What a source gets for one poll."""

    now: datetime
    home: Path  # BIDFLOW_HOME: where tokens and login states live
    cursor: Mapping[str, Any] = field(default_factory=dict)  # saved by the previous poll
    # Which of these external ids this source has stored already; lets a source stop paging
    # (or skip normalising) at the first job it has seen before.
    known: Callable[[Collection[str]], set[str]] = _nothing_known
    # Processes that may normalise a large poll while it is stored; 0: all in this one.
    workers: int = 0


@dataclass
class FeedBatch:
    """One poll of one feed: the jobs it yielded, a line per item it could not read, and the
    cursor to save once those jobs are stored (None keeps the old one)."""

    source: str
    jobs: list[JobBase] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    cursor: dict[str, Any] | None = None
    status: SourceStatus = "ok"
    already_known: int = 0  # items skipped unread because their ids were stored before
    # Jobs still being normalised (a large poll), as (jobs, problems) chunks in order.
    pending: Iterator[tuple[list[JobBase], list[str]]] | None = None

    def chunks(self, size: int) -> Iterator[list[JobBase]]:
        """The jobs in groups of ``size``, pending ones as they become ready; ``jobs`` and
        ``problems`` grow as pending chunks arrive, and are complete once this is exhausted."""
        done = 0
        while True:
            while len(self.jobs) - done >= size or (self.pending is None and done < len(self.jobs)):
                yield self.jobs[done : done + size]
                done += size
            if self.pending is None:
                return
            ready = next(self.pending, None)
            if ready is None:
                self.pending = None
            else:
                self.jobs.extend(ready[0])
                self.problems.extend(ready[1])

    def complete(self) -> FeedBatch:
        """This batch with every pending job normalised into ``jobs``."""
        for _ in self.chunks(len(self.jobs) + 1):
            pass
        return self


class FeedSource(Protocol):
    """A configured feed. ``fetch`` never raises for one bad item; it reports it in ``problems``.

    It raises ``bidflow.errors.FeedError`` only when nothing can be read at all.
    """

    name: str

    def fetch(self, context: FetchContext) -> FeedBatch: ...
