"""A process-local hook through which long steps report progress to whoever is watching (the CLI's
progress bar). Flows run their tasks in this process's threads, so a plain callback suffices."""

from __future__ import annotations

from collections.abc import Callable

Reporter = Callable[[str, int, int], None]  # (step, done, total)

_reporter: Reporter | None = None


def set_reporter(reporter: Reporter | None) -> None:
    global _reporter
    _reporter = reporter


def report(step: str, done: int, total: int) -> None:
    if _reporter is not None:
        _reporter(step, done, total)
