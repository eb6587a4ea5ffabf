"""Which I/O tasks Prefect runs again when they fail, how long it waits, and how a task knows
that a failure now will be retried.

A poll is safe to repeat whole: its cursor moves only with the items it covers, and unique keys
absorb what an earlier attempt stored. Sources whose client already retries with backoff
(Upwork's API: 429s, 5xx, lost connections) or that read local files (which a few seconds will
not bring back) are not retried by the task: a failure is recorded at once.
"""

from __future__ import annotations

from prefect.context import TaskRunContext
from prefect.tasks import exponential_backoff

from bidflow.config import FeedConfig
from bidflow.config.inbox import InboxSourceConfig

# Feeds are polled every few minutes: two more tries, 5 s then 10 s later, ride out a blip.
POLL_RETRIES = 2
POLL_BACKOFF = exponential_backoff(backoff_factor=5)
# The inbox flow runs every minute and alerts only after its last poll: one quick retry only.
INBOX_RETRIES = 1
INBOX_BACKOFF = [3.0]
# Each wait varies by up to half: workers that failed together do not retry together.
JITTER = 0.5


def will_retry() -> bool:
    """Whether Prefect runs the current task again if this attempt raises; False outside a
    task run (a test calling ``.fn()``, ``bidflow ingest --watch``)."""
    context = TaskRunContext.get()
    if context is None or context.task_run is None:
        return False
    return context.task_run.run_count <= context.task.retries


def feed_retried_in_run(feed: FeedConfig) -> bool:
    """Whether a failed poll of ``feed`` is worth trying again within the run."""
    if feed.kind == "rss":
        return feed.url.startswith(("http://", "https://"))
    return feed.kind in ("email", "browser")


def inbox_retried_in_run(entry: InboxSourceConfig) -> bool:
    """Whether a failed poll of inbox source ``entry`` is worth trying again within the run."""
    return entry.kind == "email"
