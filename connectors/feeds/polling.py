"""One poll of one feed, end to end: fetch with the saved cursor, store the jobs in chunks, save
the cursor and health with the last chunk, alert when a feed keeps failing.

Plain functions: the ingest flow runs them as tasks, ``bidflow ingest --watch`` in a loop.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from bidflow import db
from bidflow.config import AgencyConfig, FeedConfig
from bidflow.errors import FeedError
from bidflow.models import SourceState
from bidflow.settings import Settings
from bidflow.store.jobs import known_external_ids, store_jobs
from bidflow.store.sources import all_source_states, is_due, record_failure, record_success
from connectors.feeds.base import FetchContext
from connectors.feeds.registry import PUSH_KINDS, build_source

log = logging.getLogger(__name__)

STORE_CHUNK = 1_000  # jobs per transaction: large enough to amortise, small enough to not block


@dataclass
class SourceSummary:
    """One feed's poll: what was fetched, stored, linked, skipped, and what went wrong."""

    source: str
    status: str = "ok"
    fetched: int = 0
    new: int = 0
    duplicates: int = 0
    linked: int = 0
    problems: list[str] = field(default_factory=list)
    error: str | None = None


def due_feeds(
    agency: AgencyConfig, url: str, now: datetime, *, include_not_due: bool = False
) -> list[FeedConfig]:
    """Enabled, polled (not pushed) feeds whose interval has passed since their last poll
    (all of them with ``include_not_due``)."""
    feeds = [f for f in agency.feeds if f.enabled and f.kind not in PUSH_KINDS]
    if include_not_due:
        return feeds
    with db.session_scope(url) as session:  # one read for every feed, nothing written
        states = {state.name: state for state in all_source_states(session=session)}
    return [feed for feed in feeds if is_due(states.get(feed.name), feed.poll_every, now)]


def poll_feed(
    feed: FeedConfig,
    agency: AgencyConfig,
    settings: Settings,
    url: str,
    now: datetime,
    *,
    retrying: bool = False,
) -> SourceSummary:
    """Poll ``feed`` once and store what it yields. Never raises for the feed's own failures:
    they are recorded in its health and returned in ``error``, so other feeds go on.

    ``retrying``: the caller polls again soon if this poll raises (a Prefect task with retries
    left), so a feed that cannot be read raises instead of being recorded: a run's retries
    then count as one failed poll towards the owners' alert, not one each."""
    summary = SourceSummary(source=feed.name)
    with db.session_scope(url) as session:
        saved = session.get(SourceState, feed.name)
        cursor = dict(saved.cursor) if saved is not None else {}

    def known(ids: Collection[str]) -> set[str]:
        with db.session_scope(url) as session:
            return known_external_ids(session=session, source=feed.name, external_ids=ids)

    context = FetchContext(
        now=now, home=settings.home, cursor=cursor, known=known, workers=settings.workers
    )
    try:
        batch = build_source(feed, agency).fetch(context)
    except FeedError as exc:
        if retrying:
            raise
        _fail(summary, feed, url, str(exc), now)
        return summary
    except Exception as exc:  # a bug in one source must not stop the others
        if retrying:
            raise
        log.exception("feed %s failed unexpectedly", feed.name)
        _fail(summary, feed, url, f"{feed.name}: unexpected {type(exc).__name__}: {exc}", now)
        return summary
    newest: datetime | None = None
    for chunk in batch.chunks(STORE_CHUNK):
        with db.session_scope(url) as session:
            stored = store_jobs(session=session, jobs=chunk)
        summary.new += len(stored.new_ids)
        summary.duplicates += stored.duplicates
        summary.linked += stored.linked
        posted = [job.posted_at for job in chunk if job.posted_at is not None]
        newest = max([*posted, newest] if newest else posted, default=None)
    summary.status, summary.problems = batch.status, batch.problems
    summary.fetched = len(batch.jobs) + batch.already_known
    summary.duplicates += batch.already_known
    # The cursor moves only once the jobs it covers are stored: a poll killed halfway is
    # simply repeated, and unique keys absorb what was already stored.
    with db.session_scope(url) as session:
        record_success(
            session=session,
            name=feed.name,
            kind=feed.kind,
            status=batch.status,
            fetched=summary.fetched,
            new=summary.new,
            newest_posted_at=newest,
            cursor=batch.cursor,
            now=now,
        )
    return summary


def _fail(summary: SourceSummary, feed: FeedConfig, url: str, error: str, now: datetime) -> None:
    summary.status, summary.error = "error", error
    with db.session_scope(url) as session:
        record_failure(session=session, name=feed.name, kind=feed.kind, error=error, now=now)
