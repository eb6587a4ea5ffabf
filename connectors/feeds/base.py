"""The feed family's one interface, and what a fetch returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bidflow.models import JobBase


@dataclass
class FeedBatch:
    """One poll of one feed: the jobs it yielded and a line per item (or feed) it could not read."""

    source: str
    jobs: list[JobBase] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class FeedSource(Protocol):
    """A configured feed. ``fetch`` never raises for one bad item; it reports it in ``problems``.

    It raises ``bidflow.errors.FeedError`` only when nothing can be read at all.
    """

    name: str

    def fetch(self) -> FeedBatch: ...
