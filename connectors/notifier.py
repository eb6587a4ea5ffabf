"""What a notifier run needs besides the database (``connectors.notify.run_notifier``)."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bidflow.config.notify import NotifyConfig
from connectors.llm_retry import Backoff
from connectors.notify_render import Link

# Recipients delivered to at once: one slow channel must not delay the others, and a run
# should not open a connection per recipient of a large team at the same moment.
PARALLEL_RECIPIENTS = 8


@dataclass
class Notifier:
    """The config, the way to the desk, the agency's timezone, and (replaceable in tests) the
    clock's sleep, monotonic time, randomness and environment."""

    config: NotifyConfig
    desk_url: str
    timezone: str = "UTC"
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    parallel: int = PARALLEL_RECIPIENTS

    @property
    def inbox(self) -> Link:
        return Link("inbox", f"{self.desk_url.rstrip('/')}/inbox")

    @property
    def sources(self) -> Link:
        return Link("sources", f"{self.desk_url.rstrip('/')}/sources")

    @property
    def backoff(self) -> Backoff:
        retry = self.config.retry
        return Backoff(
            retry.attempts, retry.backoff.total_seconds(), retry.max_wait.total_seconds()
        )
